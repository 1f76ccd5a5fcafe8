"""``slakit deadline``: one calendar computation, START + DURATION in open time."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from slakit import presets
from slakit.calendar import BusinessCalendar
from slakit.cli.exits import EXIT_OK
from slakit.cli.options import add_command, instant, usage_errors, zone
from slakit.durations import parse_duration

if TYPE_CHECKING:
    from slakit.cli.options import Commands

__all__ = ["register", "run"]


def register(commands: Commands) -> None:
    """Add the ``deadline`` subparser."""
    deadline = add_command(commands, "deadline", help="one calendar computation: START + DURATION in open time")
    deadline.add_argument("start", help="ISO 8601 instant, e.g. 2025-09-30T17:00+08:00")
    deadline.add_argument(
        "duration", help="e.g. 2h, 90m, PT2H30M; -2h walks back (write `slakit deadline -- START -2h`)"
    )
    deadline.add_argument("--calendar", help="calendar file (YAML/JSON/TOML); default: the p1-p3 preset's")
    deadline.add_argument("--assume-tz", type=zone, metavar="ZONE", help="zone for a START without an offset")
    deadline.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print START + DURATION on the calendar; a leading ``-`` walks back. Returns the exit code."""
    start = instant(args.start, args.assume_tz, name="START")
    negative = args.duration.startswith("-")
    with usage_errors():
        duration = parse_duration(args.duration.removeprefix("-"), field="DURATION")
    calendar = BusinessCalendar.load(args.calendar) if args.calendar else _preset_calendar()  # a file: exit 3
    deadline = calendar.add(start, -duration if negative else duration)
    print(deadline.isoformat())
    note = calendar.makeup_workdays_note(start, deadline)
    if note is not None:  # on stderr: stdout stays the one instant a script reads
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _preset_calendar() -> BusinessCalendar:
    return BusinessCalendar.from_config(presets.config("p1-p3")["calendars"]["default"])
