"""Helpers shared by the commands: subparsers, the report options, option values and instants.

A value on the command line that is wrong on its own (whatever the files it names hold) is a usage
error, exit 2 (slakit.cli.exits). Option-value functions raise ``argparse.ArgumentTypeError``, which
argparse turns into one; what can only be checked once several options are known (``instant``: a time
and ``--assume-tz``) raises :class:`OptionError`, and :func:`usage_errors` turns the library's errors
about option values into it. Errors about files (the input, a policy or calendar file) stay exit 3.
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

from dateutil import parser as date_parser

from slakit.cli.exits import EXIT_CODES
from slakit.errors import ConfigError, SlakitError
from slakit.instants import zone_named

if TYPE_CHECKING:
    from slakit.batch.options import RejectLimit

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = [
    "FORMATS",
    "Commands",
    "OptionError",
    "add_command",
    "add_report_options",
    "column_map",
    "count",
    "encoding",
    "formats",
    "group_keys",
    "instant",
    "max_rejected",
    "positive",
    "usage_errors",
    "value_map",
    "wrap",
    "zone",
]

FORMATS = ("html", "md", "json", "csv")
"""The report formats, in the order they are written."""


class OptionError(ConfigError):
    """A value on the command line that is wrong on its own, or against another option: a usage error (exit 2)."""


@contextmanager
def usage_errors(*also: type[Exception]) -> Iterator[None]:
    """Turn the errors raised while reading option values (slakit's, and ``also``) into :class:`OptionError`.

    Wrap only code that reads nothing but the command line: an error about a file stays what it is (exit 3).
    """
    caught: tuple[type[Exception], ...] = (SlakitError, *also)
    try:
        yield
    except OptionError:
        raise
    except caught as exc:
        raise OptionError(str(exc)) from exc


def add_command(commands: Commands, name: str, *, help: str, description: str | None = None) -> argparse.ArgumentParser:
    """Add the subparser ``name``, with the exit-code table as its epilog (``args.command`` is ``name``)."""
    parser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(command=name)
    return parser


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
    limits = command.add_mutually_exclusive_group()
    limits.add_argument(
        "--max-rejected",
        type=max_rejected,
        metavar="N|N%",
        help="exit with 4 when more input rows than this were rejected: a number of rows, or a share such as 5%% "
        "(the outputs are written all the same)",
    )
    limits.add_argument("--strict", action="store_true", help="exit with 4 when any input row was rejected")


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
    from slakit.batch.facts import is_group_key

    keys = tuple(key.strip() for key in text.split(",") if key.strip())
    unknown = [key for key in keys if not is_group_key(key)]
    if unknown or not keys or len(set(keys)) != len(keys):
        raise argparse.ArgumentTypeError(
            f"must be distinct keys among {','.join(GROUP_KEYS)} or attributes.<name> (got {text!r})"
        )
    return keys


def column_map(text: str) -> dict[str, str]:
    """``NAME=HEADER`` pairs separated by commas, as a mapping."""
    from slakit.batch.options import parse_column_map  # the batch is imported only by the commands that use it

    try:
        return parse_column_map(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def value_map(text: str) -> dict[str, dict[str, str]]:
    """``COLUMN:VALUE=TARGET,...``: one column's file values and what each stands for."""
    from slakit.batch.options import parse_value_map
    from slakit.batch.values import ValueMap

    try:
        mapping = parse_value_map(text)
        ValueMap.of(mapping)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return mapping


def max_rejected(text: str) -> RejectLimit:
    """A number of rejected rows, or a share of the rows (``5%``)."""
    from slakit.batch.options import RejectLimit

    try:
        return RejectLimit.of(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    """An ISO 8601 instant; one without a UTC offset takes ``assume_tz``, or is an :class:`OptionError` without it."""
    try:
        value = date_parser.isoparse(text)
    except (ValueError, OverflowError) as exc:
        raise OptionError(f"{name!r} must be an ISO 8601 date-time (got {text!r})") from exc
    if value.tzinfo is None:
        if assume_tz is None:
            raise OptionError(f"{name!r} has no UTC offset (got {text!r}); add one or pass --assume-tz ZONE")
        with usage_errors():
            value = value.replace(tzinfo=zone_named(assume_tz, field="--assume-tz"))
    return value
