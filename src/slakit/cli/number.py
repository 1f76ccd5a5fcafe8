"""``slakit number``: the next ticket number(s) for a prefix, e.g. TS20250930001."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slakit.cli.exits import EXIT_OK
from slakit.cli.options import add_command, instant, positive, usage_errors, wrap, zone

if TYPE_CHECKING:
    from slakit.cli.options import Commands

__all__ = ["register", "run"]


def register(commands: Commands) -> None:
    """Add the ``number`` subparser."""
    number = add_command(
        commands,
        "number",
        help="the next ticket number, e.g. TS20250930001",
        description=wrap(
            "Print the next ticket number(s) for --prefix. With --store the counters live in an SQLite file shared "
            "by every process that uses it, so numbers never repeat; without it counting starts at 1 (a preview)."
        ),
    )
    number.add_argument("--prefix", required=True, help="e.g. TS (technical support) or SS (after-sales service)")
    number.add_argument("--at", metavar="TIME", help="the ticket's creation instant (default: now)")
    number.add_argument("--store", metavar="FILE", help="SQLite file keeping the counters")
    number.add_argument("--pattern", help="default {prefix}{date:%%Y%%m%%d}{seq:03d}; see docs/numbering.md")
    number.add_argument("--timezone", default="Asia/Shanghai", help="whose calendar day (default %(default)s)")
    number.add_argument(
        "--reset", choices=("daily", "monthly", "yearly", "never"), default="daily", help="when counting restarts"
    )
    number.add_argument("--check", choices=("none", "luhn", "mod97"), default="none", help="check digits")
    number.add_argument("--overflow", choices=("raise", "widen"), default="raise", help="past the last sequence")
    number.add_argument("--count", type=positive, default=1, help="how many numbers (default 1)")
    number.add_argument("--assume-tz", type=zone, metavar="ZONE", help="zone for an --at without an offset")
    number.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print ``args.count`` ticket numbers; returns the exit code."""
    from slakit.numbering import (
        DEFAULT_PATTERN,
        MemorySequenceStore,
        SequenceStore,
        SQLiteSequenceStore,
        TicketNumberer,
    )

    at = (
        instant(args.at, args.assume_tz, name="--at")
        if args.at
        else datetime.now(UTC)  # wall-clock ok: the CLI turns "now" into an instant
    )
    # a store that cannot be opened or used raises SequenceStoreError: a file's problem, an input error (exit 3)
    store: SequenceStore = SQLiteSequenceStore(args.store) if args.store else MemorySequenceStore()
    try:
        with usage_errors():  # the prefix, pattern, zone, ... are all command-line values
            numberer = TicketNumberer(
                args.prefix,
                pattern=args.pattern or DEFAULT_PATTERN,
                timezone=args.timezone,
                reset=args.reset,
                store=store,
                overflow=args.overflow,
                check=args.check,
            )
        for _ in range(args.count):
            print(numberer.next(at=at))
    finally:
        if isinstance(store, SQLiteSequenceStore):
            store.close()
    return EXIT_OK
