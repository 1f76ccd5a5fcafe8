"""``slakit evaluate``: evaluate an export of tickets against a policy and write the service report."""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slakit import presets
from slakit.cli.options import (
    add_command,
    add_report_options,
    column_map,
    encoding,
    instant,
    usage_errors,
    value_map,
    wrap,
    zone,
)
from slakit.cli.report import write_report
from slakit.errors import SlakitError

if TYPE_CHECKING:
    from slakit.cli.options import Commands

__all__ = ["register", "run"]


def register(commands: Commands) -> None:
    """Add the ``evaluate`` subparser."""
    evaluate = add_command(
        commands,
        "evaluate",
        help="evaluate an export of tickets and write the service report",
        description=wrap(
            "Evaluate every ticket of an export (flat CSV/TSV or JSONL, optionally .gz) against a policy and write "
            "per-ticket results, rejected rows, breaches and the report into --out."
        ),
    )
    evaluate.add_argument("input", metavar="INPUT", help="the export: .csv, .tsv, .jsonl or .ndjson, optionally .gz")
    evaluate.add_argument(
        "--policy",
        required=True,
        metavar="FILE|PRESET",
        help=f"a policy file or a preset ({', '.join(presets.names())})",
    )
    evaluate.add_argument("--as-of", metavar="TIME", help="evaluate as at this ISO 8601 instant (default: now)")
    evaluate.add_argument(
        "--out", default="slakit-report", metavar="DIR", help="output directory (default %(default)s)"
    )
    add_report_options(evaluate)
    evaluate.add_argument(
        "--map",
        dest="column_map",
        action="append",
        type=column_map,
        default=[],
        metavar="NAME=HEADER,...",
        help="map slakit's column names to the file's headers, e.g. created_at=Created,priority=优先级 (repeatable)",
    )
    evaluate.add_argument(
        "--map-values",
        dest="value_map",
        action="append",
        type=value_map,
        default=[],
        metavar="COLUMN:VALUE=TARGET,...",
        help="map the file's values of priority, channel or category (matched ignoring case and width), e.g. "
        "priority:Urgent=P1,High=P1,Normal=P2,Low=P3 (repeatable)",
    )
    evaluate.add_argument("--assume-tz", type=zone, metavar="ZONE", help="zone of times without a UTC offset")
    evaluate.add_argument("--input-format", choices=("csv", "jsonl", "parquet"), help="when the file name does not say")
    evaluate.add_argument(
        "--encoding", type=encoding, default="utf-8-sig", help="text encoding (default UTF-8, BOM or not)"
    )
    evaluate.add_argument(
        "--date-order",
        choices=("dmy", "mdy", "ymd"),
        help="the order of numeric dates such as 01/06/2023 (dmy: 1 June); without it one whose order is not "
        "certain is rejected",
    )
    evaluate.add_argument(
        "--date-format",
        metavar="STRPTIME",
        type=_date_format,
        help="how dates that are not ISO 8601 are written, e.g. '%%d/%%m/%%Y %%H:%%M'",
    )
    evaluate.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate ``args.input`` and write the report; returns the exit code."""
    as_of = (
        instant(args.as_of, args.assume_tz, name="--as-of")
        if args.as_of
        else datetime.now(UTC)  # wall-clock ok: the CLI turns "now" into an instant
    )
    columns = {name: header for pairs in args.column_map for name, header in pairs.items()}
    values: dict[str, dict[str, str]] = {}
    for mapping in args.value_map:
        for column, pairs in mapping.items():
            values.setdefault(column, {}).update(pairs)
    reading: dict[str, Any] = {
        "column_map": columns or None,
        "encoding": args.encoding,
        "date_order": args.date_order,
        "date_format": args.date_format,
        "value_map": values or None,
    }
    with usage_errors(LookupError):  # a codec that is no text encoding is a LookupError
        _check_reading(reading, args.assume_tz)
    policy = presets.resolve(args.policy)  # a policy file that cannot be read is an input error (exit 3)
    if values:
        from slakit.batch.values import Priorities, ValueMap

        with usage_errors():
            Priorities.of(policy.sla).check(ValueMap.of(values))
    return write_report(Path(args.input), args, policy=policy, as_of=as_of, format=args.input_format, **reading)


def _check_reading(reading: Mapping[str, Any], assume_tz: str | None) -> None:
    """The reader's own checks of the reading options, on a CSV that has every column ``--map`` names: what fails
    here fails whatever the input holds, so it is the command line's error (exit 2), found before the input is
    opened. What depends on the input (a header ``--map`` names that the file lacks) is found reading it (exit 3).
    """
    from slakit.batch.flat import REQUIRED
    from slakit.batch.reading import open_source

    header = io.StringIO()
    csv.writer(header).writerow(dict.fromkeys([*REQUIRED, *(reading["column_map"] or {}).values()]))
    try:
        sample = header.getvalue().encode(reading["encoding"])
    except LookupError:  # the reader's own words for a codec it does not know, else the codec's
        open_source(io.StringIO(header.getvalue()), format="csv", assume_tz=assume_tz, **reading).close()
        raise
    open_source(io.BytesIO(sample), format="csv", assume_tz=assume_tz, **reading).close()


def _date_format(text: str) -> str:
    """A ``strptime`` format that gives a whole date (a bad one is a usage error, as for other option values)."""
    from slakit.batch.timestamps import check_date_format

    try:
        check_date_format(text)
    except SlakitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text
