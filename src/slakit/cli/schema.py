"""``slakit schema NAME``: print a JSON Schema, e.g. ``slakit schema policy > policy.schema.json``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from slakit.cli.exits import EXIT_OK
from slakit.cli.options import add_command, wrap

if TYPE_CHECKING:
    from slakit.cli.options import Commands

__all__ = ["register", "run"]

_NAMES = ("policy", "report", "metric-status", "escalation-report", "survey-score", "ticket", "event")


def register(commands: Commands) -> None:
    """Add the ``schema`` subparser."""
    command = add_command(
        commands,
        "schema",
        help="print a JSON Schema: of the policy file (for editors), or of a to_dict() form",
        description=wrap(
            "Print the JSON Schema (draft 2020-12) of the policy file ('policy': point a YAML editor at it to "
            "validate and complete policy files, see docs/sla.md) or of the JSON form of a report, ticket or "
            "survey score (what to_dict() writes)."
        ),
    )
    command.add_argument("name", choices=_NAMES, help="which schema")
    command.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema ``args.name``; returns the exit code."""
    from slakit.schema import SCHEMAS

    print(json.dumps(SCHEMAS[args.name](), ensure_ascii=False, indent=2))
    return EXIT_OK
