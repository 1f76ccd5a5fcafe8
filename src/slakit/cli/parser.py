"""The argument parser of the ``slakit`` command: ``--version`` and one subparser per command."""

from __future__ import annotations

import argparse

from slakit.cli.deadline import register as register_deadline
from slakit.cli.demo import register as register_demo
from slakit.cli.evaluate import register as register_evaluate
from slakit.cli.exits import EXIT_CODES
from slakit.cli.number import register as register_number
from slakit.cli.schema import register as register_schema

__all__ = ["build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The parser; each parsed namespace carries ``run``, the function of its command."""
    parser = argparse.ArgumentParser(
        prog="slakit",
        description="Service reports from ticket exports, the demo, business-hours deadlines and ticket numbers.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for register in (register_evaluate, register_demo, register_deadline, register_number, register_schema):
        register(commands)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("slakit")
    except PackageNotFoundError:
        return "(not installed)"
