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

__all__ = ["Pieces", "append", "joined", "size", "write_all"]

_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_OPENED: dict[str, int] = {}  # this process's descriptors of the files it appends to, by path


Pieces = bytes | memoryview | tuple[bytes | memoryview, ...]
"""Bytes, or pieces of them one after the other."""


def append(paths: Sequence[str], texts: Sequence[Pieces]) -> None:
    """Append ``texts`` to the files ``paths``, in turn (each opened once per process, for appending)."""
    for path, text in zip(paths, texts, strict=True):
        if size(text):
            write_all(_descriptor(path), text)


def write_all(fd: int, data: Pieces) -> None:
    """Write all of ``data`` to the file descriptor ``fd`` (``os.write`` may write less than it was given)."""
    for piece in data if isinstance(data, tuple) else (data,):
        view = memoryview(piece)
        while view:
            view = view[os.write(fd, view) :]


def size(data: Pieces) -> int:
    """The number of bytes of ``data``."""
    return sum(map(len, data)) if isinstance(data, tuple) else len(data)


def joined(data: Pieces) -> bytes:
    """``data`` as one ``bytes``."""
    return b"".join(data) if isinstance(data, tuple) else bytes(data)


def _descriptor(path: str) -> int:
    found = _OPENED.get(path)
    if found is None:
        found = _OPENED[path] = os.open(path, _APPEND_FLAGS)
    return found
