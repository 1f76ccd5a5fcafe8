"""``main``: parse the command line, run the command and turn its errors into exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from slakit.cli.exits import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK
from slakit.cli.parser import build_parser
from slakit.errors import SlakitError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``slakit --help``)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SlakitError as exc:
        print(f"slakit: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # `slakit demo --deadlines | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except UnicodeDecodeError as exc:
        print(
            f"slakit: error: the input is not {exc.encoding} text ({exc.reason} at byte {exc.start}); "
            "pass its encoding, e.g. --encoding gb18030",
            file=sys.stderr,
        )
        return EXIT_INPUT
    except OSError as exc:
        where = f" {exc.filename!r}" if exc.filename else ""
        print(f"slakit: error: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("slakit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
