"""``slakit demo``: the report of a seeded sample export, or (``--deadlines``) the p1-p3 deadlines from a start."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slakit import presets
from slakit.calendar import BusinessCalendar
from slakit.cli.exits import EXIT_OK, EXIT_REJECTED
from slakit.cli.options import add_command, add_report_options, count, instant, wrap, zone
from slakit.cli.report import write_report
from slakit.durations import format_duration, parse_duration

if TYPE_CHECKING:
    from slakit.cli.options import Commands

__all__ = ["DEMO_AS_OF", "DEMO_ROWS", "DEMO_SEED", "DEMO_START", "METRICS", "command", "register", "run"]

DEMO_START = "2025-09-30T17:00:00+08:00"
"""Fixed, so the deadline demo prints the same thing everywhere: the eve of China's 2025 National Day week."""
DEMO_AS_OF = "2025-10-31T23:59:59+08:00"
"""Fixed, so the demo report is the same everywhere: the end of the two months it covers."""
DEMO_SEED = 20251031
"""The default random seed of the sample export."""
DEMO_ROWS = 1000
"""The default number of tickets in the sample export."""
METRICS = ("acknowledge", "response", "update", "resolution")
"""The metrics of the deadline table, in the order printed."""


def register(commands: Commands) -> None:
    """Add the ``demo`` subparser."""
    demo = add_command(
        commands,
        "demo",
        help="the service report of a realistic, seeded sample export",
        description=wrap(
            "Generate a sample export (two months of tickets: Chinese categories, products and channels, breaches, "
            "pauses, reopenings, complaints, surveys) as demo-export.csv and demo-export.jsonl, then evaluate it "
            "with the p1-p3 preset and write the report into --out. The same arguments give the same files "
            "everywhere. --deadlines prints the p1-p3 deadlines from a start instead."
        ),
    )
    demo.add_argument("--rows", type=count, default=DEMO_ROWS, help="tickets in the export (default %(default)s)")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default %(default)s)")
    demo.add_argument("--as-of", default=DEMO_AS_OF, metavar="TIME", help="end of the export (default %(default)s)")
    demo.add_argument("--out", default="slakit-demo", metavar="DIR", help="output directory (default %(default)s)")
    demo.add_argument(
        "--input",
        choices=("jsonl", "csv"),
        default="jsonl",
        help="which export to evaluate: jsonl (full histories, the default) or csv (flat rows)",
    )
    add_report_options(demo)
    demo.add_argument("--deadlines", action="store_true", help="print the p1-p3 deadlines from --start instead")
    demo.add_argument("--start", help=f"with --deadlines: aware ISO 8601 instant (default {DEMO_START})")
    demo.add_argument("--assume-tz", type=zone, metavar="ZONE", help="zone for times without a UTC offset")
    demo.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the sample export and its report, or print the deadline table; returns the exit code."""
    if args.deadlines or args.start:
        return _deadlines(args)
    from slakit.demo import write_export

    as_of = instant(args.as_of, args.assume_tz, name="--as-of")
    out = Path(args.out)
    files = write_export(out, args.rows, seed=args.seed, as_of=as_of)
    if not args.quiet:
        print(
            f"slakit demo: {files.records:,} sample tickets up to {as_of.isoformat()} (seed {args.seed}), "
            f"{files.broken} of them broken on purpose\n  {files.csv}\n  {files.jsonl}"
        )
    source = files.jsonl if args.input == "jsonl" else files.csv
    code = write_report(source, args, policy="p1-p3", as_of=as_of)
    if not args.quiet and code in (EXIT_OK, EXIT_REJECTED):
        print(f"\nopen {out / 'report.html'} in a browser; evaluate the flat export yourself with")
        print(f"  {command()} evaluate {files.csv} --policy p1-p3 --as-of {as_of.isoformat()} --out {out / 'flat'}")
    return code


def command() -> str:
    """How to run this slakit from the working directory: ``slakit`` when that is this one on PATH, else the path of the
    script installed beside this Python (``.venv/bin/slakit`` after ``python3 tasks.py demo``), else ``python -m``."""
    script = Path(sys.executable).with_name("slakit.exe" if os.name == "nt" else "slakit")
    found = shutil.which("slakit")
    if found is not None and script.exists() and os.path.samefile(found, script):
        return "slakit"
    if not script.exists():
        return f"{sys.executable} -m slakit"
    relative = os.path.relpath(script)
    return str(script) if relative.startswith("..") else relative


def _deadlines(args: argparse.Namespace) -> int:
    config = presets.config("p1-p3")
    calendar = BusinessCalendar.from_config(config["calendars"]["default"])
    start = instant(args.start or DEMO_START, args.assume_tz, name="--start").astimezone(calendar.timezone)
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
