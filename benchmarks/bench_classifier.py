"""Classifier speed: short ticket subjects per second with a shipped preset's keyword rules.

Scenario (issue 3): the `classification` section of a preset (p1-p3 by default: 8 categories,
9 rules, 123 keywords in Chinese and English); seeded short subjects (4-40 characters, about 21 on
average) mixed from Chinese and English phrases, about two thirds of them containing a keyword and
the rest none. Every figure is subjects per second on one core, the median of several runs.

    python3 tasks.py bench classifier      # or: .venv/bin/python benchmarks/bench_classifier.py [N] [PRESET]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from slakit import presets
from slakit.priority import Classifier

HITS = [
    "软件卡顿",
    "打开就报错",
    "设备无法启动",
    "申请退货",
    "换货",
    "上门安装",
    "客服态度太差",
    "我要投诉",
    "建议增加导出功能",
    "请问如何设置",
    "是否支持Mac",
    "App crashes on startup",
    "error 500 when saving",
    "printer is broken",
    "request a refund",
    "how to install the driver",
    "support was rude",
    "feature request: dark mode",
    "blue screen after update",
    "维修进度",
]
FILLER = [
    "您好",
    "麻烦尽快处理",
    "订单号 20240501",
    "型号 X200",
    "今天上午",
    "谢谢",
    "急",
    "hello",
    "please help",
    "order 1234",
    "since yesterday",
    "our office in Hangzhou",
    "terrorism news",
    "the new model",
    "again",
]


def subjects(n: int, seed: int = 2025) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts = rng.sample(FILLER, rng.randint(1, 2))
        if rng.random() < 2 / 3:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(HITS))
        out.append((" " if rng.random() < 0.5 else "，").join(parts)[:40])
    return out


def subjects_per_second(classifier: Classifier, texts: list[str], repeats: int) -> float:
    classify = classifier.classify
    rates = []
    for _ in range(repeats):
        began = time.perf_counter()
        for text in texts:
            classify(text)
        rates.append(len(texts) / (time.perf_counter() - began))
    return statistics.median(rates)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    preset = sys.argv[2] if len(sys.argv) > 2 else "p1-p3"
    classifier = Classifier.from_config(presets.config(preset)["classification"])
    texts = subjects(n)
    matched = sum(classifier.classify(text) is not None for text in texts)
    keywords = sum(len(rule.keywords) for rule in classifier.config.rules)
    mean_len = statistics.mean(map(len, texts))
    print(
        f"classifier ({preset}: {len(classifier.config.rules)} rules, {keywords} keywords), {n} subjects, "
        f"mean length {mean_len:.1f} chars, {matched / n:.0%} matched"
    )
    rate = subjects_per_second(classifier, texts, repeats=7)
    print(f"  classify: {rate:,.0f} subjects/s (median of 7 runs)")


if __name__ == "__main__":
    main()
