"""Chunk output handed from worker processes to the parent through files instead of pipes.

A chunk of 10,000 rows makes some 16 MB of results.csv and results.jsonl text. Sent back through the
pool's pipe it is pickled, copied through the kernel 64 KiB at a time and unpickled, which costs the
parent (the one process that cannot be parallel) more than all its other work. Instead each worker
writes its chunk's text to one file next to the outputs, and the parent copies the file's parts
into the output files in input order with ``os.copy_file_range``, which stays inside the kernel
(or shares blocks, on file systems that can), and removes it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import BinaryIO

__all__ = ["append", "spill", "write_all"]

_PIECE = 1 << 20


def spill(parts: Sequence[bytes | memoryview], directory: str) -> tuple[str, tuple[int, ...]]:
    """Write ``parts`` one after another to a new file in ``directory``: its path and each part's size."""
    fd, path = tempfile.mkstemp(suffix=".part", dir=directory)
    try:
        for part in parts:
            write_all(fd, part)
    finally:
        os.close(fd)
    return path, tuple(len(part) for part in parts)


def append(targets: Sequence[int], path: str, sizes: Sequence[int]) -> None:
    """Append the parts of the spilled file ``path`` (of ``sizes``) to the files ``targets``, in turn; remove it."""
    try:
        with open(path, "rb") as source:
            offset = 0
            for target, size in zip(targets, sizes, strict=True):
                _copy(source, target, offset, size)
                offset += size
    finally:
        os.unlink(path)


def write_all(fd: int, data: bytes | memoryview) -> None:
    """Write all of ``data`` to the file descriptor ``fd`` (``os.write`` may write less than it was given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy(source: BinaryIO, target: int, offset: int, size: int) -> None:
    """Append ``size`` bytes of ``source`` from ``offset`` to ``target`` (at its position)."""
    copy_file_range = getattr(os, "copy_file_range", None)  # Linux only
    while size > 0 and copy_file_range is not None:
        try:
            copied = copy_file_range(source.fileno(), target, size, offset)
        except OSError:  # a file system or kernel that cannot: copy through memory
            break
        if copied <= 0:
            break
        offset += copied
        size -= copied
    source.seek(offset)
    while size > 0:
        piece = source.read(min(size, _PIECE))
        if not piece:
            raise OSError(f"the spilled chunk {source.name!r} ended {size} bytes early")
        write_all(target, piece)
        size -= len(piece)
