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
  2    usage error: the command line is wrong, whatever the input holds: an unknown command or
       option, a missing argument, or a bad value (an unknown zone, encoding or format, a time or
       duration that cannot be read, a time without a UTC offset and no --assume-tz, a
       --map-values priority the policy does not have); no input is read, nothing is written
  3    input or configuration error: a file or folder that cannot be read or written, or that
       does not fit (the input, a policy or calendar file, --out, a --map header the input does
       not have), an input that is one of the outputs, or an input of which no row was evaluated
       (the outputs are written: rejected.csv says why)
  4    more input rows were rejected than --max-rejected allows (--strict: any); the outputs
       are written, rejected.csv lists each rejected row with its reason
  130  interrupted (Ctrl-C); 143: terminated (SIGTERM). A run that ends early writes nothing:
       the previous outputs in --out are left as they were"""
"""The help epilog of the command and of each subcommand."""
