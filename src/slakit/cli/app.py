"""``main``: parse the command line, run the command and turn its errors into exit codes."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from slakit.cli.exits import EXIT_FAILED, EXIT_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE
from slakit.cli.options import OptionError
from slakit.cli.parser import build_parser
from slakit.errors import SlakitError, WorkerLostError

__all__ = ["main"]


class _Terminated(BaseException):
    """SIGTERM, raised where the command is, so that it stops as on Ctrl-C: its staging folder is removed."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``slakit --help``)."""
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_stops():
            return int(args.run(args))
    except WorkerLostError as exc:
        print(f"slakit: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OptionError as exc:  # a value on the command line that is wrong on its own: as argparse's usage errors
        print(f"slakit {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
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
    except _Terminated:
        print("slakit: terminated", file=sys.stderr)
        return EXIT_TERMINATED


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    """While the command runs, SIGTERM raises :class:`_Terminated` (in the main thread; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
