"""Chunk output appended to the output files in input order, by the parent or by the worker processes themselves.

A chunk of 10,000 rows makes some 16 MB of results.csv and results.jsonl text. Sent back to the parent
through the pool's pipe it would be pickled, copied through the kernel 64 KiB at a time and unpickled; put
in a file for the parent to copy, it would be written twice and the copy would cost the parent (which
shares the cores with the workers) a second or more per million rows. Instead each worker appends its
chunk's text to the output files when its turn comes (:class:`~slakit.batch.parallel.Turns`: chunk ``k``
after chunk ``k - 1``), and hands back only its partial summary.

Where the system can (``O_DIRECT``, Linux and the BSDs), the text goes to the disk past the page cache, in
whole blocks: a million rows make some 1.6 GB of output, and copying that into the page cache cost the
batch more CPU than any stage but formatting (on a virtual machine whose memory the host takes back while it
is free, a fresh page costs some 15 µs; on any machine, the cache would push out what the user had in it).
:class:`Appender` keeps each file's last bytes short of a whole block (shared by the workers) until the next
chunk or the end of the run. It writes through the page cache instead where the file system refuses direct
writes (tmpfs, say) or the disk takes them more slowly than :data:`DIRECT_PACE` (a network volume, say): the
bytes written are the same either way.
"""

from __future__ import annotations

import errno
import mmap
import os
import time
from collections.abc import Sequence
from multiprocessing import sharedctypes
from typing import Any

__all__ = ["BLOCK", "DIRECT_PACE", "Appender", "Pieces", "joined", "size", "write_all"]

_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_DIRECT = getattr(os, "O_DIRECT", 0) if hasattr(os, "pwrite") else 0  # 0: not on this system

BLOCK = 4096
"""Direct writes start and end on multiples of this many bytes, from buffers aligned to it (a disk's logical
block is 512 or 4096 bytes)."""
_SLICE = 512 * BLOCK  # bytes gathered into the aligned buffer and written at a time (2 MiB)
DIRECT_PACE = 256 << 20
"""Bytes per second below which direct writes are given up for the rest of the run, judged once
:data:`_PACE_AFTER` bytes have gone: slower than that, the page cache (which returns at once) serves better."""
_PACE_AFTER = 64 << 20


Pieces = bytes | memoryview | tuple[bytes | memoryview, ...]
"""Bytes, or pieces of them one after the other."""


class Appender:
    """The output files of a run, appended to chunk after chunk in input order: from one process, or from worker
    processes one at a time (the caller sees to the order, :class:`~slakit.batch.parallel.Turns`). Made in the
    parent before the workers start (its shared state goes to them with their start-up arguments); each process
    opens the files itself. :meth:`finish` writes what is still held once every chunk is in."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = tuple(paths)
        count = len(self.paths)
        self._written = sharedctypes.RawArray("q", count)  # bytes in each file so far: whole blocks while held
        self._held = sharedctypes.RawArray("B", count * BLOCK)  # each file's last bytes short of a whole block
        self._held_sizes = sharedctypes.RawArray("q", count)
        self._direct = sharedctypes.RawValue("b", 1 if _DIRECT else 0)
        self._pace = sharedctypes.RawArray("d", 2)  # bytes and seconds of the direct writes so far
        self._local: _Local | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if name != "_local"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state, _local=None)

    @property
    def direct(self) -> bool:
        """Whether whole blocks still go to the disk past the page cache."""
        return bool(self._direct.value)

    def append(self, texts: Sequence[Pieces]) -> None:
        """Append ``texts[i]`` to file ``i``."""
        local = self._opened()
        for index, text in enumerate(texts):
            if not size(text):
                continue
            if _DIRECT:
                self._gather(local, index, text)
            else:
                write_all(local.appending[index], text)

    def finish(self) -> None:
        """Write the bytes still held (each file's tail short of a whole block)."""
        if not _DIRECT:
            return
        local = self._opened()
        for index in range(len(self.paths)):
            held = self._held_sizes[index]
            if held:
                tail = memoryview(self._held).cast("B")[index * BLOCK : index * BLOCK + held]
                _pwrite_all(local.cached[index], tail, self._written[index])
                self._written[index] += held
                self._held_sizes[index] = 0

    def close(self) -> None:
        """Close this process's descriptors of the files (the workers' close as they end)."""
        local, self._local = self._local, None
        if local is not None:
            local.close()

    def _opened(self) -> _Local:
        if self._local is None or self._local.pid != os.getpid():  # a forked worker opens its own
            self._local = _Local(self.paths, self._direct)
        return self._local

    def _gather(self, local: _Local, index: int, text: Pieces) -> None:
        """Append ``text`` to file ``index``: the held bytes and ``text`` gathered into the aligned buffer and
        written a slice at a time in whole blocks; the last bytes short of a block held for next time."""
        buffer, held = local.buffer, self._held_sizes[index]
        store = memoryview(self._held).cast("B")[index * BLOCK : (index + 1) * BLOCK]
        buffer[:held] = store[:held]
        filled = held
        for piece in text if isinstance(text, tuple) else (text,):
            data = memoryview(piece).cast("B")
            while data:
                taken = min(len(data), _SLICE - filled)
                buffer[filled : filled + taken] = data[:taken]
                filled += taken
                data = data[taken:]
                if filled == _SLICE:
                    self._write(local, index, buffer[:_SLICE])
                    filled = 0
        whole = filled - filled % BLOCK
        if whole:
            self._write(local, index, buffer[:whole])
        store[: filled - whole] = buffer[whole:filled]
        self._held_sizes[index] = filled - whole

    def _write(self, local: _Local, index: int, blocks: memoryview) -> None:
        """Write whole blocks at the end of file ``index``: past the cache while that serves, else through it."""
        at = self._written[index]
        if self._direct.value and local.direct[index] >= 0:
            began = time.perf_counter()
            try:
                _pwrite_all(local.direct[index], blocks, at)
            except OSError as error:
                if error.errno != errno.EINVAL:
                    raise
                self._direct.value = 0  # the file system takes no direct writes after all: write through the cache
            else:
                self._written[index] = at + len(blocks)
                self._keep_pace(len(blocks), time.perf_counter() - began)
                return
        _pwrite_all(local.cached[index], blocks, at)
        self._written[index] = at + len(blocks)

    def _keep_pace(self, written: int, seconds: float) -> None:
        """Give direct writes up when the disk takes them more slowly than :data:`DIRECT_PACE`."""
        pace = self._pace
        pace[0] += written
        pace[1] += seconds
        if pace[0] >= _PACE_AFTER and pace[0] < DIRECT_PACE * pace[1]:
            self._direct.value = 0


class _Local:
    """One process's descriptors of the output files and its aligned buffer."""

    def __init__(self, paths: tuple[str, ...], direct: Any) -> None:
        self.pid = os.getpid()
        self.appending: list[int] = []
        self.cached: list[int] = []
        self.direct: list[int] = []
        self.buffer = memoryview(mmap.mmap(-1, _SLICE)) if _DIRECT else memoryview(b"")  # page-aligned
        try:
            for path in paths:
                if not _DIRECT:
                    self.appending.append(os.open(path, _APPEND_FLAGS))
                    continue
                self.cached.append(os.open(path, os.O_WRONLY))
                self.direct.append(_open_direct(path) if direct.value else -1)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for fd in (*self.appending, *self.cached, *self.direct):
            if fd >= 0:
                os.close(fd)
        self.appending, self.cached, self.direct = [], [], []


def _open_direct(path: str) -> int:
    """A descriptor for direct writes to ``path``, or -1 where its file system takes none."""
    try:
        return os.open(path, os.O_WRONLY | _DIRECT)
    except OSError as error:
        if error.errno != errno.EINVAL:
            raise
        return -1


def _pwrite_all(fd: int, data: memoryview, at: int) -> None:
    """Write all of ``data`` at offset ``at`` (a write may take less than it was given)."""
    while data:
        done = os.pwrite(fd, data, at)
        data, at = data[done:], at + done


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
