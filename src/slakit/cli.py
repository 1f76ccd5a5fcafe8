"""The ``slakit`` command: ``slakit demo`` and ``slakit deadline``.

The command is a thin shell over the library; it is the one place that may turn text from a user
into instants (always with an explicit zone) and print.
"""

from __future__ import annotations

import argparse
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dateutil import parser as date_parser

from slakit import presets
from slakit._time import zone_named
from slakit.calendar import BusinessCalendar
from slakit.durations import format_duration, parse_duration
from slakit.errors import SlakitError

__all__ = ["main"]

DEMO_START = "2025-09-30T17:00:00+08:00"
"""Fixed, so the demo prints the same thing everywhere: the eve of China's 2025 National Day week."""
METRICS = ("acknowledge", "response", "update", "resolution")
EXIT_OK, EXIT_USAGE, EXIT_INPUT = 0, 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 usage, 3 bad input or config)."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SlakitError as exc:
        print(f"slakit: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # `slakit demo | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slakit", description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="business deadlines of the p1-p3 preset from a start")
    demo.add_argument("--start", default=DEMO_START, help=f"aware ISO 8601 instant (default {DEMO_START})")
    demo.add_argument("--assume-tz", help="zone for a --start without an offset")
    demo.set_defaults(run=_demo)

    deadline = commands.add_parser("deadline", help="one calendar computation: START + DURATION in open time")
    deadline.add_argument("start", help="ISO 8601 instant, e.g. 2025-09-30T17:00+08:00")
    deadline.add_argument(
        "duration", help="e.g. 2h, 90m, PT2H30M; -2h walks back (write `slakit deadline -- START -2h`)"
    )
    deadline.add_argument("--calendar", help="calendar file (YAML/JSON/TOML); default: the p1-p3 preset's")
    deadline.add_argument("--assume-tz", help="zone for a START without an offset")
    deadline.set_defaults(run=_deadline)
    return parser


def _instant(text: str, assume_tz: str | None, *, name: str) -> datetime:
    try:
        value = date_parser.isoparse(text)
    except ValueError as exc:
        raise SlakitError(f"{name!r} must be an ISO 8601 date-time (got {text!r})") from exc
    if value.tzinfo is None:
        if assume_tz is None:
            raise SlakitError(f"{name!r} has no UTC offset (got {text!r}); add one or pass --assume-tz ZONE")
        value = value.replace(tzinfo=zone_named(assume_tz, field="--assume-tz"))
    return value


def _preset_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_config(presets.config("p1-p3")["calendars"]["default"])


def _demo(args: argparse.Namespace) -> int:
    config = presets.config("p1-p3")
    calendar = BusinessCalendar.from_config(config["calendars"]["default"])
    start = _instant(args.start, args.assume_tz, name="--start").astimezone(calendar.timezone)
    print(f"slakit demo: the p1-p3 preset on {_describe(config['calendars']['default'])}")
    print(f"ticket created {_show(start)}\n")
    print(f"{'priority':<10}{'metric':<13}{'target':>8}   deadline")
    for code, priority in config["priorities"].items():
        for metric in METRICS:
            target = parse_duration(priority["targets"][metric], field=f"priorities.{code}.targets.{metric}")
            due = calendar.add(start, target)
            label = f"{code} {priority['name']}" if metric == METRICS[0] else ""
            print(f"{_pad(label, 10)}{metric:<13}{format_duration(target):>8}   {_show(due)}")
    print("\n'update' is the longest gap allowed between agent updates, shown from creation.")
    return EXIT_OK


def _deadline(args: argparse.Namespace) -> int:
    calendar = BusinessCalendar.load(args.calendar) if args.calendar else _preset_calendar()
    start = _instant(args.start, args.assume_tz, name="START")
    negative = args.duration.startswith("-")
    duration = parse_duration(args.duration.removeprefix("-"), field="DURATION")
    print(calendar.add(start, -duration if negative else duration).isoformat())
    return EXIT_OK


def _pad(text: str, width: int) -> str:
    """Left-align by display width: CJK characters take two terminal columns."""
    shown = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - shown)


def _show(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M %a")


def _describe(calendar: dict[str, Any]) -> str:
    hours = ", ".join(f"{days} {' '.join(spans)}" for days, spans in calendar["hours"].items())
    holidays = calendar.get("holidays")
    country = f", {holidays['country']} holidays and make-up workdays" if isinstance(holidays, dict) else ""
    return f"{hours} ({calendar['timezone']}{country})"
