"""Helpers shared by the commands: subparsers, the report options, option values and instants.

Option-value functions raise ``argparse.ArgumentTypeError``, which argparse turns into a usage error
(exit 2); ``instant`` raises ``SlakitError`` (exit 3), since it checks a value against a zone.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

from dateutil import parser as date_parser

from slakit.cli.exits import EXIT_CODES
from slakit.errors import SlakitError
from slakit.instants import zone_named

if TYPE_CHECKING:
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = [
    "FORMATS",
    "Commands",
    "add_command",
    "add_report_options",
    "column_map",
    "count",
    "encoding",
    "formats",
    "group_keys",
    "instant",
    "positive",
    "wrap",
    "zone",
]

FORMATS = ("html", "md", "json", "csv")
"""The report formats, in the order they are written."""


def add_command(commands: Commands, name: str, *, help: str, description: str | None = None) -> argparse.ArgumentParser:
    """Add the subparser ``name``, with the exit-code table as its epilog."""
    return commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def wrap(text: str) -> str:
    """Descriptions are wrapped here: the raw formatter that keeps the exit-code table as written does not."""
    return textwrap.fill(text, width=min(100, shutil.get_terminal_size().columns - 2))


def add_report_options(command: argparse.ArgumentParser) -> None:
    """The options of the commands that write a report: --format, --jobs, --by, --quiet and --strict."""
    command.add_argument(
        "--format", type=formats, default=FORMATS, metavar="LIST", help="report formats (default html,md,json,csv)"
    )
    command.add_argument("--jobs", type=positive, default=1, metavar="N", help="worker processes (default 1)")
    command.add_argument(
        "--by", type=group_keys, default=("month",), metavar="KEYS", help="report groups, e.g. month or quarter,type"
    )
    command.add_argument("--quiet", action="store_true", help="print nothing but errors (no progress, no summary)")
    command.add_argument("--strict", action="store_true", help="exit with 4 when any input row was rejected")


def positive(text: str) -> int:
    """A whole number, 1 or more."""
    value = count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more (got {text!r})")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more (got {text!r})")
    return value


def formats(text: str) -> tuple[str, ...]:
    """Comma-separated report formats, returned in ``FORMATS`` order."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"must be one or more of {','.join(FORMATS)} (got {text!r})")
    return tuple(name for name in FORMATS if name in names)


def group_keys(text: str) -> tuple[str, ...]:
    """Comma-separated, distinct report group keys."""
    from slakit.batch import GROUP_KEYS

    keys = tuple(key.strip() for key in text.split(",") if key.strip())
    unknown = [key for key in keys if key not in GROUP_KEYS]
    if unknown or not keys or len(set(keys)) != len(keys):
        raise argparse.ArgumentTypeError(f"must be distinct keys among {','.join(GROUP_KEYS)} (got {text!r})")
    return keys


def column_map(text: str) -> dict[str, str]:
    """``NAME=HEADER`` pairs separated by commas, as a mapping."""
    pairs = {}
    for part in text.split(","):
        name, equals, header = part.partition("=")
        if not equals or not name.strip() or not header.strip():
            raise argparse.ArgumentTypeError(f"must be NAME=HEADER pairs separated by commas (got {part!r})")
        pairs[name.strip()] = header.strip()
    return pairs


def encoding(text: str) -> str:
    """The name of a text encoding Python reads, checked (``rot13`` and ``hex`` are not) and returned as given."""
    from slakit.batch.reading import check_encoding

    try:
        return check_encoding(text)
    except SlakitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def zone(text: str) -> str:
    """An IANA zone name, checked and returned as given."""
    try:
        zone_named(text, field="--assume-tz")
    except SlakitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def instant(text: str, assume_tz: str | None, *, name: str) -> datetime:
    """An ISO 8601 instant; one without a UTC offset takes ``assume_tz``, or is an error without it."""
    try:
        value = date_parser.isoparse(text)
    except ValueError as exc:
        raise SlakitError(f"{name!r} must be an ISO 8601 date-time (got {text!r})") from exc
    if value.tzinfo is None:
        if assume_tz is None:
            raise SlakitError(f"{name!r} has no UTC offset (got {text!r}); add one or pass --assume-tz ZONE")
        value = value.replace(tzinfo=zone_named(assume_tz, field="--assume-tz"))
    return value
