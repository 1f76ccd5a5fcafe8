"""Running a batch evaluation for ``evaluate`` and ``demo``: progress, the run, its printed summary."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slakit.cli.exits import EXIT_INPUT, EXIT_OK, EXIT_REJECTED
from slakit.cli.progress import Progress
from slakit.errors import TooManyRejectedError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from slakit.batch.pipeline import RunOutcome
    from slakit.policy import ServicePolicy

__all__ = ["REASONS_SHOWN", "write_report"]

REASONS_SHOWN = 5
"""How many rejection reasons (and kinds of ignored cells) the console lists, the commonest first."""
_REASON_WIDTH = 110


def write_report(
    source: Path, args: argparse.Namespace, *, policy: ServicePolicy | str, as_of: datetime, **options: Any
) -> int:
    """Evaluate ``source`` into ``args.out`` with the report options of ``args``; returns the exit code.

    The outputs of a run are written whenever it completes; the exit code then says whether its rows were
    good enough: 3 when no row was evaluated, 4 when more were rejected than ``--max-rejected`` allows.
    """
    from slakit.batch import RejectLimit, run

    limit = RejectLimit.of(0) if args.strict else args.max_rejected
    progress = None
    if not args.quiet and sys.stderr.isatty():
        progress = Progress(sys.stderr)
    over: str | None = None
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
            max_rejected=limit,
            engine=getattr(args, "engine", None),
            **{name: value for name, value in options.items() if value is not None},
        )
    except TooManyRejectedError as exc:
        outcome, over = exc.outcome, str(exc)
    finally:
        if progress is not None:
            progress.close()
    if not args.quiet:
        _print_outcome(outcome)
    if outcome.evaluated == 0:
        print(f"slakit: error: {_nothing_evaluated(outcome)}", file=sys.stderr)
        return EXIT_INPUT
    if over is not None:
        print(f"slakit: error: {over}", file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_OK


def _nothing_evaluated(outcome: RunOutcome) -> str:
    """Why a run that evaluated no row failed: an empty input, or every row rejected and the commonest reason."""
    if not outcome.rows:
        return "the input has no rows to evaluate (the outputs are written, empty)"
    reasons = outcome.summary.rejected_reasons
    kind, count = next(iter(reasons.items()))
    return (
        f"none of the {outcome.rows:,} rows was evaluated: every one was rejected, {count:,} for "
        f"{kind!r}{' (the commonest of ' + str(len(reasons)) + ' reasons)' if len(reasons) > 1 else ''}; "
        "rejected.csv gives each row's line and reason (the outputs are written)"
    )


def _print_outcome(outcome: RunOutcome) -> None:
    summary = outcome.summary.to_dict()
    overall = summary["overall"]
    rejected = f"{outcome.rejected:,} rejected"
    print(f"slakit: {outcome.rows:,} rows: {outcome.evaluated:,} evaluated, {rejected}")
    found = outcome.summary
    if found.rejected_total:
        print("  rejected rows by reason (rejected.csv lists each row with its line and reason):")
        _print_reasons(found.rejected_reasons, found.rejected_first)
    if found.warnings_total:
        cells = f"{found.warnings_total:,} cell{'' if found.warnings_total == 1 else 's'}"
        print(f"  {cells} of evaluated rows ignored, by reason (warnings.csv lists each one):")
        _print_reasons(found.warning_reasons, found.warnings_first)
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
    _print_engines(outcome)
    tables = [path for path in outcome.files if path.name.startswith("summary_") and path.suffix == ".csv"]
    print("wrote:")
    for path in outcome.files:
        if path not in tables:
            print(f"  {path}")
    if tables:
        print(f"  {tables[0].parent / 'summary_*.csv'} ({len(tables)} tables)")


def _print_engines(outcome: RunOutcome) -> None:
    """How many rows each engine evaluated, and why the columnar engine took none when it could not."""
    engines = outcome.engines
    if engines.get("columnar"):
        shown = ", ".join(f"{name} {count:,}" for name, count in engines.items())
        print(f"  rows by engine: {shown}")
    elif outcome.engine_note is not None:
        print(f"  rows by engine: rows {engines.get('rows', 0):,} (the columnar engine cannot: {outcome.engine_note})")


def _print_reasons(reasons: Mapping[str, int], firsts: Mapping[str, tuple[int | None, str | None, str]]) -> None:
    """The commonest kinds with their counts, and where each first occurs: its line and full reason."""
    shown = list(reasons.items())[:REASONS_SHOWN]
    width = len(f"{shown[0][1]:,}")
    for kind, count in shown:
        line, _, reason = firsts[kind]
        where = f"line {line:,}" if line is not None else "a row without a line"
        if len(reason) > _REASON_WIDTH:
            reason = reason[: _REASON_WIDTH - 1] + "…"
        print(f"    {count:>{width},}  {kind}; first on {where}: {reason}")
    rest = list(reasons.values())[REASONS_SHOWN:]
    if rest:
        print(f"    {sum(rest):>{width},}  in {len(rest)} other kind{'' if len(rest) == 1 else 's'}")


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
