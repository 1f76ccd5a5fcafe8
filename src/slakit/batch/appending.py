"""Chunk output appended to the output files by the worker processes themselves, in input order.

A chunk of 10,000 rows makes some 16 MB of results.csv and results.jsonl text. Sent back to the parent
through the pool's pipe it would be pickled, copied through the kernel 64 KiB at a time and unpickled; put
in a file for the parent to copy, it would be written twice and the copy would cost the parent (which
shares the cores with the workers) a second or more per million rows. Instead each worker appends its
chunk's text to the output files when its turn comes (:class:`~slakit.batch.parallel.Turns`: chunk ``k``
after chunk ``k - 1``), and hands back only its partial summary.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

__all__ = ["append", "write_all"]

_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_OPENED: dict[str, int] = {}  # this process's descriptors of the files it appends to, by path


def append(paths: Sequence[str], texts: Sequence[bytes | memoryview]) -> None:
    """Append ``texts`` to the files ``paths``, in turn (each opened once per process, for appending)."""
    for path, text in zip(paths, texts, strict=True):
        if len(text):
            write_all(_descriptor(path), text)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of ``data`` to the file descriptor ``fd`` (``os.write`` may write less than it was given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _descriptor(path: str) -> int:
    found = _OPENED.get(path)
    if found is None:
        found = _OPENED[path] = os.open(path, _APPEND_FLAGS)
    return found
