"""Calendar speed: slakit against businesstimedelta and pandas' CustomBusinessHour, in one run.

Scenario (issue 2): Mon-Fri 09:00-12:00 + 13:30-18:00 and Sat 09:00-12:00 in Asia/Shanghai with CN
holidays; seeded starts in 2025 plus 2/4/8/24/72 h; `elapsed` pairs up to 30 days apart. slakit gets
aware datetimes in and out. The peers cannot express the same calendar exactly (no make-up
workdays; pandas has one set of hours for every day, so it gets Mon-Fri only, and no duration
function), so they run the closest calendar they can, on naive local times. They are slow, so
they run a smaller sample; every figure is operations per second, the median of several runs.

    python3 tasks.py bench calendar        # or: .venv/bin/python benchmarks/bench_calendar.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slakit.calendar import BusinessCalendar

SH = ZoneInfo("Asia/Shanghai")
HOURS = [2, 4, 8, 24, 72]
CONFIG = {
    "timezone": "Asia/Shanghai",
    "hours": {"mon-fri": ["09:00-12:00", "13:30-18:00"], "sat": ["09:00-12:00"]},
    "holidays": {"country": "CN"},
}


def scenario(n: int, seed: int = 2025) -> tuple[list[datetime], list[timedelta], list[tuple[datetime, datetime]]]:
    rng = random.Random(seed)
    year_start = datetime(2025, 1, 1, tzinfo=SH)
    starts = [year_start + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(n)]
    durations = [timedelta(hours=HOURS[i % len(HOURS)]) for i in range(n)]
    pairs = []
    for _ in range(n):
        a = year_start + timedelta(seconds=rng.randrange(365 * 86400))
        pairs.append((a, a + timedelta(seconds=rng.randrange(30 * 86400))))
    return starts, durations, pairs


def ops_per_second(run: Callable[[], int], repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        began = time.perf_counter()
        count = run()
        rates.append(count / (time.perf_counter() - began))
    return statistics.median(rates)


def bench_slakit(starts, durations, pairs, repeats):
    cal = BusinessCalendar.from_config(CONFIG)
    cal.add(starts[0], durations[0])  # build the 2025 table outside the timing, as a warm host would

    def adds() -> int:
        add = cal.add
        for start, d in zip(starts, durations, strict=True):
            add(start, d)
        return len(starts)

    def elapsed() -> int:
        between = cal.elapsed
        for a, b in pairs:
            between(a, b)
        return len(pairs)

    return ops_per_second(adds, repeats), ops_per_second(elapsed, repeats)


def bench_businesstimedelta(starts, durations, pairs, repeats):
    import businesstimedelta as btd
    import holidays

    rules = btd.Rules(
        [
            btd.WorkDayRule(
                start_time=datetime.min.time().replace(hour=9),
                end_time=datetime.min.time().replace(hour=18),
                working_days=[0, 1, 2, 3, 4],
            ),
            btd.LunchTimeRule(
                start_time=datetime.min.time().replace(hour=12),
                end_time=datetime.min.time().replace(hour=13, minute=30),
                working_days=[0, 1, 2, 3, 4],
            ),
            btd.WorkDayRule(
                start_time=datetime.min.time().replace(hour=9),
                end_time=datetime.min.time().replace(hour=12),
                working_days=[5],
            ),
            btd.HolidayRule(holidays.country_holidays("CN", years=[2025, 2026])),
        ]
    )
    local_starts = [s.replace(tzinfo=None) for s in starts]
    deltas = [btd.BusinessTimeDelta(rules, hours=int(d.total_seconds() // 3600)) for d in durations]
    local_pairs = [(a.replace(tzinfo=None), b.replace(tzinfo=None)) for a, b in pairs]

    def adds() -> int:
        for start, delta in zip(local_starts, deltas, strict=True):
            start + delta
        return len(local_starts)

    def elapsed() -> int:
        for a, b in local_pairs:
            rules.difference(a, b)
        return len(local_pairs)

    return ops_per_second(adds, repeats), ops_per_second(elapsed, repeats)


def bench_pandas(starts, durations, repeats):
    import holidays
    import pandas as pd

    cn = holidays.country_holidays("CN", years=[2025, 2026])
    offsets = {
        h: pd.offsets.CustomBusinessHour(n=h, start=["09:00", "13:30"], end=["12:00", "18:00"], holidays=list(cn))
        for h in HOURS
    }
    local = [pd.Timestamp(s.replace(tzinfo=None)) for s in starts]
    hours = [int(d.total_seconds() // 3600) for d in durations]

    def adds() -> int:
        for start, h in zip(local, hours, strict=True):
            start + offsets[h]
        return len(local)

    return ops_per_second(adds, repeats)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    peer_n = max(200, n // 100)
    starts, durations, pairs = scenario(n)
    slakit_add, slakit_elapsed = bench_slakit(starts, durations, pairs, repeats=5)
    btd_add, btd_elapsed = bench_businesstimedelta(starts[:peer_n], durations[:peer_n], pairs[:peer_n], repeats=3)
    pandas_add = bench_pandas(starts[: peer_n * 5], durations[: peer_n * 5], repeats=3)
    print(f"calendar benchmark: {n} slakit ops, {peer_n} businesstimedelta ops, {peer_n * 5} pandas ops per run")
    print(f"{'library':<20}{'add/s':>14}{'elapsed/s':>14}")
    print(f"{'slakit':<20}{slakit_add:>14,.0f}{slakit_elapsed:>14,.0f}")
    print(f"{'businesstimedelta':<20}{btd_add:>14,.0f}{btd_elapsed:>14,.0f}")
    print(f"{'pandas CBH':<20}{pandas_add:>14,.0f}{'n/a':>14}")
    add_ratio, elapsed_ratio = slakit_add / btd_add, slakit_elapsed / btd_elapsed
    print(f"slakit / businesstimedelta: add x{add_ratio:,.0f}, elapsed x{elapsed_ratio:,.0f}")
    print(f"slakit / pandas: add x{slakit_add / pandas_add:,.1f}")


if __name__ == "__main__":
    main()
