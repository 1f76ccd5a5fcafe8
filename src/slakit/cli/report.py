"""Running a batch evaluation for ``evaluate`` and ``demo``: progress, the run, its printed summary."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slakit.cli.exits import EXIT_OK, EXIT_REJECTED
from slakit.cli.progress import Progress

if TYPE_CHECKING:
    from slakit.batch.pipeline import RunOutcome

__all__ = ["write_report"]


def write_report(source: Path, args: argparse.Namespace, *, policy: str, as_of: datetime, **options: Any) -> int:
    """Evaluate ``source`` into ``args.out`` with the report options of ``args``; returns the exit code."""
    from slakit.batch import run

    progress = None
    if not args.quiet and sys.stderr.isatty():
        progress = Progress(sys.stderr)
    try:
        outcome = run(
            source,
            policy,
            as_of=as_of,
            out_dir=args.out,
            formats=args.format,
            jobs=args.jobs,
            assume_tz=args.assume_tz,
            by=args.by,
            progress=progress,
            **{name: value for name, value in options.items() if value is not None},
        )
    finally:
        if progress is not None:
            progress.close()
    if not args.quiet:
        _print_outcome(outcome)
    return EXIT_REJECTED if args.strict and outcome.rejected else EXIT_OK


def _print_outcome(outcome: RunOutcome) -> None:
    summary = outcome.summary.to_dict()
    overall = summary["overall"]
    rejected = f"{outcome.rejected:,} rejected"
    print(f"slakit: {outcome.rows:,} rows: {outcome.evaluated:,} evaluated, {rejected}")
    hint = _date_order_hint(outcome)
    if hint:
        print(hint)
    sla = ", ".join(
        f"{metric} {_rate(counts.get('compliance'))}" for metric, counts in (overall.get("sla_overall") or {}).items()
    )
    breached = outcome.breached_tickets
    print(f"  SLA met: {sla or 'nothing measured'}; {breached:,} ticket{'' if breached == 1 else 's'} with a breach")
    handling = overall["handling_time"]["business"]
    satisfaction = overall["satisfaction"]
    print(
        f"  first-contact resolution {_rate(overall['first_contact_resolution']['rate'])}, "
        f"mean handling {_two_places(handling['mean'])} business hours (median {_two_places(handling['median'])}), "
        f"satisfaction {_two_places(satisfaction['mean_overall'])} (CSAT {_rate(satisfaction['csat'])})"
    )
    tables = [path for path in outcome.files if path.name.startswith("summary_") and path.suffix == ".csv"]
    print("wrote:")
    for path in outcome.files:
        if path not in tables:
            print(f"  {path}")
    if tables:
        print(f"  {tables[0].parent / 'summary_*.csv'} ({len(tables)} tables)")


def _date_order_hint(outcome: RunOutcome) -> str | None:
    """When rows were rejected for an ambiguous date: which order the file's unambiguous dates point to."""
    ambiguous = sum(
        count for kind, count in outcome.summary.rejected_reasons.items() if kind.startswith("ambiguous date")
    )
    if not ambiguous:
        return None
    from slakit.batch.timestamps import ORDER_NAMES

    seen = {order: count for order, count in outcome.date_orders.items() if count}
    rows = f"  {ambiguous:,} row{'' if ambiguous == 1 else 's'} rejected for a date whose order is not certain"
    if len(seen) == 1:
        ((order, count),) = seen.items()
        return (
            f"{rows} (01/06/2023: 1 June or 6 January?); the file's {count:,} other numeric "
            f"date{'' if count == 1 else 's'} {'is' if count == 1 else 'are all'} {ORDER_NAMES[order]}: "
            f"if they all are, rerun with --date-order {order}"
        )
    if seen:
        split = ", ".join(f"{count:,} {ORDER_NAMES[order]}" for order, count in sorted(seen.items()))
        return f"{rows}; the file's other numeric dates disagree ({split}): check the file, then give --date-order"
    return f"{rows}; no other date in the file says which order it uses: give --date-order dmy|mdy|ymd or --date-format"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _two_places(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
