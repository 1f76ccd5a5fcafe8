"""Properties of the keyword classifier, checked against a slow, obviously-correct reference."""

import random
import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from slakit.priority import Classifier
from slakit.priority.classifier import _is_word, normalize_text

CONFIG = {
    "types": {"故障": {"subtypes": ["软件", "硬件"]}, "售后": {"subtypes": ["退换货"]}, "投诉": {}},
    "rules": [
        {"category": "故障/软件", "keywords": ["报错", "错误", "error", "err*", "error code", "卡顿"]},
        {"category": "故障/硬件", "keywords": ["无法启动", "设备无法启动", "broken", "blue screen"], "weight": 2},
        {"category": "故障", "keywords": ["故障", "a b", "ab"], "weight": "0.5"},
        {"category": "售后/退换货", "keywords": ["退换货", "换货", "退货", "refund*"]},
        {"category": "投诉", "keywords": ["投诉", "态度", "rude"], "weight": 2},
        {"category": "投诉", "keywords": ["差评"], "weight": "1.5"},
    ],
}
CLASSIFIER = Classifier.from_config(CONFIG)
KEYWORDS = [kw for rule in CONFIG["rules"] for kw in rule["keywords"]]
PIECES = [
    *KEYWORDS,
    *"报错误退换货启动设备无法 abcdeoru_rR-ÉéＥＲ，。\n",
    "error",
    "errors",
    "terror",
    "blue  screen",
    "ERROR CODE",
    "卡",
    "顿",
]
texts = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
# characters in no keyword, that are not word characters next to latin keywords either
irrelevant = st.text(alphabet="的了是吗您好，。！？ 1", max_size=20).map(lambda s: s.replace("1", "的"))


def reference(text):
    """Every keyword occurrence by brute force, then the same scoring and tie rules, by hand."""
    norm = normalize_text(text)
    found = []  # (position, -length, term order, category, keyword, weight)
    order = 0
    for rule_index, rule in enumerate(CONFIG["rules"]):
        for keyword in rule["keywords"]:
            order += 1
            star = keyword.endswith("*")
            literal = " ".join(normalize_text(keyword.removesuffix("*")).split())
            regex = r"\s+".join(re.escape(part) for part in literal.split(" "))
            for start in range(len(norm)):
                match = re.compile(regex).match(norm, start)
                if match is None:
                    continue
                end = match.end()
                if _is_word(literal[0]) and start > 0 and _is_word(norm[start - 1]):
                    continue
                if not star and _is_word(literal[-1]) and end < len(norm) and _is_word(norm[end]):
                    continue
                found.append(
                    (start, -len(literal), order, rule_index, rule["category"], keyword, rule.get("weight", 1))
                )
                break
    found.sort()
    first_rule = {}
    for rule_index, rule in enumerate(CONFIG["rules"]):
        first_rule.setdefault(rule["category"], rule_index)
    scores, keywords = {}, {}
    for *_, category, keyword, weight in found:
        scores[category] = scores.get(category, Decimal(0)) + Decimal(str(weight))
        keywords.setdefault(category, []).append(keyword)
    if not scores:
        return None
    best = max(scores, key=lambda c: (scores[c], "/" in c, -first_rule[c]))
    return best, tuple(keywords[best]), scores[best]


def summary(result):
    return None if result is None else (result.category, result.keywords, result.score)


@given(texts)
def test_agrees_with_the_reference(text):
    assert summary(CLASSIFIER.classify(text)) == reference(text)


@given(texts)
def test_deterministic_across_instances(text):
    again = Classifier.from_config(CONFIG)
    assert CLASSIFIER.classify(text) == CLASSIFIER.classify(text) == again.classify(text)


@given(texts, irrelevant, irrelevant)
def test_irrelevant_text_around_changes_nothing(text, before, after):
    assert summary(CLASSIFIER.classify(f"{before} {text} {after}")) == summary(CLASSIFIER.classify(text))


@given(texts, texts)
def test_order_of_separate_parts_does_not_change_category_or_score(first, second):
    # "。" separates: it is neither whitespace (which a keyword such as "a b" spans) nor a word character.
    one = CLASSIFIER.classify(f"{first}。{second}")
    other = CLASSIFIER.classify(f"{second}。{first}")
    if one is None:
        assert other is None
    else:
        assert (one.category, one.score, sorted(one.keywords)) == (
            other.category,
            other.score,
            sorted(other.keywords),
        )


@given(texts, st.data())
def test_adding_a_keyword_of_the_winner_never_lowers_its_score(text, data):
    result = CLASSIFIER.classify(text)
    if result is None:
        return
    rule = data.draw(st.sampled_from([r for r in CONFIG["rules"] if r["category"] == result.category]))
    keyword = data.draw(st.sampled_from(rule["keywords"])).removesuffix("*")
    scores = {c.category: c.score for c in CLASSIFIER.candidates(f"{text} {keyword}")}
    assert scores[result.category] >= result.score
    if rule["keywords"][0] not in result.keywords and keyword == rule["keywords"][0].removesuffix("*"):
        assert scores[result.category] > result.score


@given(texts, st.randoms(use_true_random=False))
def test_keyword_order_within_rules_does_not_matter(text, rng: random.Random):
    rules = [{**rule, "keywords": rng.sample(rule["keywords"], len(rule["keywords"]))} for rule in CONFIG["rules"]]
    shuffled = {"types": CONFIG["types"], "rules": rules}
    one, other = CLASSIFIER.classify(text), Classifier.from_config(shuffled).classify(text)
    assert (one is None) == (other is None)
    if one is not None:
        assert (one.category, one.score, set(one.keywords)) == (other.category, other.score, set(other.keywords))


@given(texts)
def test_candidates_start_with_classify_and_are_ranked(text):
    ranked = CLASSIFIER.candidates(text)
    assert (ranked[0] if ranked else None) == CLASSIFIER.classify(text)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert len({c.category for c in ranked}) == len(ranked)
