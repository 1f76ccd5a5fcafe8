"""Calendar questions at the edges (issue 16): spans past the horizon, long spans, dense calendars.

Each line is the wall time of one question on a fresh calendar (its table built from nothing),
the median of several runs, and what came out (the answer, or the error's class). A question
past the 100-year horizon is refused before anything is built; one within it builds the years it
needs from their local midnights.

    python3 tasks.py bench calendar_edges     # or: .venv/bin/python benchmarks/bench_calendar_edges.py [RUNS]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slakit.calendar import BusinessCalendar
from slakit.errors import SlakitError

MINUTES = [f"{m // 60:02d}:{m % 60:02d}-{m // 60:02d}:{m % 60:02d}:30" for m in range(1440)]
CALENDARS: dict[str, dict[str, Any]] = {
    "24x7 New York": {"timezone": "America/New_York", "hours": {"mon-sun": "00:00-24:00"}},
    "office Shanghai, CN holidays": {
        "timezone": "Asia/Shanghai",
        "hours": {"mon-fri": ["09:00-12:00", "13:30-18:00"]},
        "holidays": "CN",
    },
    "1,440 openings a day, UTC": {"timezone": "UTC", "hours": {"mon-sun": MINUTES}},
    "one special day, UTC": {"timezone": "UTC", "special_hours": {"2025-01-06": ["09:00-10:00"]}},
}


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


QUESTIONS: dict[str, Callable[[BusinessCalendar], object]] = {
    "elapsed over years 2-9998": lambda cal: cal.elapsed(at(2), at(9998, 12, 31)),
    "elapsed over 100 years": lambda cal: cal.elapsed(at(2000), at(2100)),
    "elapsed over 30 days": lambda cal: cal.elapsed(at(2025, 3), at(2025, 3, 31)),
    "add 2 hours": lambda cal: cal.add(at(2025, 1, 6), timedelta(hours=2)),
}


def timed(question: Callable[[BusinessCalendar], object], config: dict[str, Any], runs: int) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(runs):
        cal = BusinessCalendar.from_config(config)
        began = time.perf_counter()
        try:
            outcome = str(question(cal))
        except SlakitError as exc:
            outcome = type(exc).__name__
        times.append(time.perf_counter() - began)
    return statistics.median(times), outcome


def main(runs: int) -> None:
    print(f"| calendar | question | seconds (median of {runs}) | outcome |")
    print("|---|---|---:|---|")
    for name, config in CALENDARS.items():
        for label, question in QUESTIONS.items():
            seconds, outcome = timed(question, config, runs)
            print(f"| {name} | {label} | {seconds:.3f} | {outcome} |", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
