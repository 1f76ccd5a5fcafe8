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
chunk or the end of the run. A thread of each process writes the blocks while the process goes on to its next
chunk, so that the disk's time is not taken from the cores. It writes through the page cache instead where the
file system refuses direct writes (tmpfs, say) or the disk takes them more slowly than :data:`DIRECT_PACE` (a
network volume, say): the bytes written are the same either way.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Sequence
from multiprocessing import sharedctypes
from typing import Any

__all__ = ["BLOCK", "DIRECT_PACE", "Appender", "Pieces", "joined", "size", "write_all"]

_APPEND_FLAGS = os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_DIRECT = getattr(os, "O_DIRECT", 0) if hasattr(os, "pwrite") else 0  # 0: not on this system

BLOCK = 4096
"""Direct writes start and end on multiples of this many bytes, from buffers aligned to it (a disk's logical
block is 512 or 4096 bytes)."""
_SLICE = 512 * BLOCK  # bytes gathered into an aligned buffer and written at a time (2 MiB)
_RING = 8  # buffers per process: a chunk's text (some 16 MB) handed over without waiting for the disk
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
    opens the files itself.

    Where the system has direct writes, :meth:`append` copies the text into the process's ring of aligned
    buffers and hands the whole blocks, each with its place in its file, to a thread of the process that writes
    them while the process goes on to its next chunk (the disk's time is not the process's); the next chunk's
    text follows at once, whether or not those blocks have landed yet. The thread ends when it has nothing left
    to write and is not a daemon, so a process ends only once its writes have landed. :meth:`finish` (in the
    parent, once every chunk is in and the workers have ended) waits for the parent's own writes, checks that
    every block handed to a thread has landed (a write that failed, or a worker killed before its blocks
    landed, fails the run), and writes what is still held."""

    def __init__(self, paths: Sequence[str], *, shared: bool = False) -> None:
        """The files ``paths`` (made already), appended to by this process alone or, ``shared``, by the workers of a
        pool too (the state below then lives in shared memory; alone, it needs no system semaphores, which some
        hosts lack)."""
        self.paths = tuple(paths)
        count = len(self.paths)
        array: Any = sharedctypes.RawArray if shared else _private_array
        self._written = array("q", count)  # bytes of each file placed so far: whole blocks while some are held
        self._held = array("B", count * BLOCK)  # each file's last bytes short of a whole block
        self._held_sizes = array("q", count)
        self._direct = array("b", [1 if _DIRECT else 0])
        self._pace = array("d", 2)  # bytes and seconds of the direct writes so far (a rough guide: not locked)
        self._counts = array("q", 2)  # bytes handed to the writing threads of every process, and bytes written
        self._lock: Any = multiprocessing.Lock() if shared else threading.Lock()  # for the counts
        self._failure = array("i", 1)  # errno of a write that failed in a thread (0: none)
        self._local: _Local | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if name != "_local"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state, _local=None)

    @property
    def direct(self) -> bool:
        """Whether whole blocks still go to the disk past the page cache."""
        return bool(self._direct[0])

    def append(self, texts: Sequence[Pieces]) -> None:
        """Append ``texts[i]`` to file ``i``."""
        local = self._opened()
        self._check()
        for index, text in enumerate(texts):
            if not size(text):
                continue
            if _DIRECT:
                self._gather(local, index, text)
            else:
                write_all(local.appending[index], text)

    def flush(self) -> None:
        """Wait until this process's writes have landed (before it forks workers, say); raise a write's error."""
        if self._local is not None:
            self._local.wait()
        self._check()

    def finish(self) -> None:
        """Once every chunk is in (and the workers have ended): wait for this process's writes, check that every
        block handed to a writing thread landed, and write the bytes still held."""
        if not _DIRECT:
            return
        local = self._opened()
        local.wait()
        self._check()
        handed, done = self._counts
        if done != handed:
            raise OSError(
                errno.EIO,
                f"{handed - done} bytes of the output were never written (a worker process "
                "ended before its writes landed); the run is abandoned",
            )
        for index in range(len(self.paths)):
            held = self._held_sizes[index]
            if held:
                tail = memoryview(self._held).cast("B")[index * BLOCK : index * BLOCK + held]
                _pwrite_all(local.cached[index], tail, self._written[index])
                self._written[index] += held
                self._held_sizes[index] = 0

    def close(self) -> None:
        """Wait for this process's writes and close its descriptors of the files (the workers' close as they end)."""
        local, self._local = self._local, None
        if local is not None:
            local.wait()
            local.close()

    def _opened(self) -> _Local:
        if self._local is None or self._local.pid != os.getpid():  # a forked worker opens its own
            self._local = _Local(self)
        return self._local

    def _check(self) -> None:
        """Raise the error of a write that failed in a writing thread (of any process)."""
        failure = self._failure[0]
        if failure:
            raise OSError(failure, f"writing the output failed: {os.strerror(failure)}")

    def _gather(self, local: _Local, index: int, text: Pieces) -> None:
        """Append ``text`` to file ``index``: the held bytes and ``text`` gathered into the ring's buffers and handed
        to the writing thread a buffer at a time in whole blocks; the last bytes short of a block held for the next
        chunk."""
        store = memoryview(self._held).cast("B")[index * BLOCK : (index + 1) * BLOCK]
        slot = local.free.get()
        buffer = local.ring[slot]
        filled = self._held_sizes[index]
        buffer[:filled] = store[:filled]
        for piece in text if isinstance(text, tuple) else (text,):
            data = memoryview(piece).cast("B")
            while data:
                taken = min(len(data), _SLICE - filled)
                buffer[filled : filled + taken] = data[:taken]
                filled += taken
                data = data[taken:]
                if filled == _SLICE:
                    self._hand(local, index, slot, _SLICE)
                    slot = local.free.get()
                    buffer, filled = local.ring[slot], 0
        whole = filled - filled % BLOCK
        store[: filled - whole] = buffer[whole:filled]
        self._held_sizes[index] = filled - whole
        if whole:
            self._hand(local, index, slot, whole)
        else:
            local.free.put(slot)

    def _hand(self, local: _Local, index: int, slot: int, length: int) -> None:
        """Give the first ``length`` bytes of buffer ``slot`` their place at the end of file ``index`` and hand them
        to the writing thread."""
        at = self._written[index]
        self._written[index] = at + length
        with self._lock:
            self._counts[0] += length
        local.hand((index, slot, length, at))

    def _write(self, local: _Local, index: int, blocks: memoryview, at: int) -> None:
        """Write whole blocks at ``at`` in file ``index`` (in a writing thread): past the cache while that serves,
        else through it."""
        if self._direct[0] and local.direct[index] >= 0:
            began = time.perf_counter()
            try:
                _pwrite_all(local.direct[index], blocks, at)
            except OSError as error:
                if error.errno != errno.EINVAL:
                    raise
                self._direct[0] = 0  # the file system takes no direct writes after all: write through the cache
            else:
                self._keep_pace(len(blocks), time.perf_counter() - began)
                return
        _pwrite_all(local.cached[index], blocks, at)

    def _landed(self, length: int, error: OSError | None) -> None:
        """Count ``length`` bytes written by a writing thread, or note the error its write failed with."""
        if error is not None:
            self._failure[0] = error.errno or errno.EIO
            return
        with self._lock:
            self._counts[1] += length

    def _keep_pace(self, written: int, seconds: float) -> None:
        """Give direct writes up when the disk takes them more slowly than :data:`DIRECT_PACE`."""
        pace = self._pace
        pace[0] += written
        pace[1] += seconds
        if pace[0] >= _PACE_AFTER and pace[0] < DIRECT_PACE * pace[1]:
            self._direct[0] = 0


class _Local:
    """One process's descriptors of the output files, its ring of aligned buffers and its writing thread."""

    def __init__(self, owner: Appender) -> None:
        self.pid = os.getpid()
        self.owner = owner
        self.appending: list[int] = []
        self.cached: list[int] = []
        self.direct: list[int] = []
        self.ring = [  # page-aligned; private: a forked worker makes its own
            memoryview(mmap.mmap(-1, _SLICE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS))
            for _ in range(_RING if _DIRECT else 0)
        ]
        self.free: queue.SimpleQueue[int] = queue.SimpleQueue()
        for slot in range(len(self.ring)):
            self.free.put(slot)
        self.jobs: deque[tuple[int, int, int, int]] = deque()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        try:
            for path in owner.paths:
                if not _DIRECT:
                    self.appending.append(os.open(path, _APPEND_FLAGS))
                    continue
                self.cached.append(os.open(path, os.O_WRONLY))
                self.direct.append(_open_direct(path) if owner.direct else -1)
        except BaseException:
            self.close()
            raise

    def hand(self, job: tuple[int, int, int, int]) -> None:
        """Queue a write (file, buffer, length, place), starting the writing thread when none is running."""
        with self.lock:
            self.jobs.append(job)
            if self.thread is None:
                self.thread = threading.Thread(target=self._drain, name="slakit-output", daemon=False)
                self.thread.start()

    def _drain(self) -> None:
        """Write the queued blocks, in order, until none is left; then end (a new thread starts with new ones)."""
        while True:
            with self.lock:
                if not self.jobs:
                    self.thread = None
                    return
                index, slot, length, at = self.jobs.popleft()
            error: OSError | None = None
            try:
                if not self.owner._failure[0]:  # after a failure the run is abandoned: nothing more to write
                    self.owner._write(self, index, self.ring[slot][:length], at)
            except Exception as failed:  # any failure of a write fails the run (finish, or the next chunk)
                error = failed if isinstance(failed, OSError) else OSError(errno.EIO, repr(failed)[:200])
            finally:
                self.free.put(slot)
            self.owner._landed(length, error)

    def wait(self) -> None:
        """Wait until every queued write of this process has landed (or failed)."""
        with self.lock:
            thread = self.thread
        while thread is not None:
            thread.join()
            with self.lock:
                thread = self.thread

    def close(self) -> None:
        for fd in (*self.appending, *self.cached, *self.direct):
            if fd >= 0:
                os.close(fd)
        self.appending, self.cached, self.direct = [], [], []


_CTYPES: dict[str, Any] = {
    "q": ctypes.c_longlong,
    "B": ctypes.c_ubyte,
    "b": ctypes.c_byte,
    "i": ctypes.c_int,
    "d": ctypes.c_double,
}  # the type codes used here, as sharedctypes maps them (its table is not in its typed interface)


def _private_array(typecode: str, size_or_values: int | list[int]) -> Any:
    """A ctypes array in this process's memory, as ``sharedctypes.RawArray`` makes one in shared memory."""
    kind = _CTYPES[typecode]
    if isinstance(size_or_values, int):
        return (kind * size_or_values)()
    return (kind * len(size_or_values))(*size_or_values)


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
