"""Exit codes of the ``slakit`` command and the table that documents them in every ``--help``."""

from __future__ import annotations

__all__ = [
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_REJECTED",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
]

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_REJECTED, EXIT_INTERRUPTED = 0, 2, 3, 4, 130
EXIT_FAILED = 1
EXIT_TERMINATED = 143
EXIT_CODES = """\
exit status:
  0    success
  1    unexpected error: a worker process was killed (e.g. out of memory), or a bug in slakit
       (please report it with the traceback)
  2    usage error: unknown command or option, or a bad option value
  3    input or configuration error: a file that cannot be read, a bad policy or calendar,
       a time without a UTC offset and no --assume-tz, an input that is one of the outputs
  4    with --strict: some input rows were rejected (each is listed in rejected.csv)
  130  interrupted (Ctrl-C); 143: terminated (SIGTERM). A run that ends early writes nothing:
       the previous outputs in --out are left as they were"""
"""The help epilog of the command and of each subcommand."""
