"""Chunk text appended by worker processes reaches the output files whole and in input order, whatever order
the workers finish in; a failed chunk stops the later ones from writing, and nobody waits for ever. The bytes
are the same whether they went past the page cache in whole blocks or through it (a file system that refuses
direct writes, a slow disk, a system without them)."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.batch import appending, parallel

PARTS = (b"id,line\r\n1,2\r\n", b'{"a":1}\n' * 500_000, b"", "破损,退货\r\n".encode())


def _paths(tmp_path: Path, count: int = len(PARTS)) -> tuple[str, ...]:
    paths = tuple(str(tmp_path / f"out{i}") for i in range(count))
    for path in paths:
        Path(path).write_bytes(b"")
    return paths


@pytest.fixture(params=["direct where it can", "through the cache", "appending (no direct writes here)"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way the appender can write: direct where the file system takes it, buffered at offsets, appending."""
    if request.param == "through the cache":
        monkeypatch.setattr(appending, "_open_direct", lambda path: -1)
    elif request.param.startswith("appending"):
        monkeypatch.setattr(appending, "_DIRECT", 0)
    return str(request.param)


def _written(paths: tuple[str, ...], texts: list[list[appending.Pieces]]) -> list[bytes]:
    appender = appending.Appender(paths)
    try:
        for chunk in texts:
            appender.append(chunk)
        appender.finish()
    finally:
        appender.close()
    return [Path(path).read_bytes() for path in paths]


def test_parts_are_appended_to_their_files(tmp_path: Path, way: str) -> None:
    paths = _paths(tmp_path)
    texts: list[list[appending.Pieces]] = [
        [b"head\n", b"", b"", b"head\n"],
        list(PARTS),
        [memoryview(part) for part in PARTS],
        [(part[:3], memoryview(part)[3:7], part[7:]) for part in PARTS],  # in pieces
    ]
    heads = [b"head\n", b"", b"", b"head\n"]
    assert _written(paths, texts) == [head + part * 3 for head, part in zip(heads, PARTS, strict=True)]
    assert [appending.size((part[:3], part[3:])) for part in PARTS] == [len(part) for part in PARTS]
    assert appending.joined((b"ab", memoryview(b"cd"))) == appending.joined(memoryview(b"abcd")) == b"abcd"


@given(st.lists(st.lists(st.integers(0, 3 * appending.BLOCK), max_size=3), min_size=1, max_size=6))
def test_any_sizes_land_whole_and_in_order(tmp_path_factory: pytest.TempPathFactory, sizes: list[list[int]]) -> None:
    """Pieces of any size, across block and slice ends, make the file they say (an independent join)."""
    paths = _paths(tmp_path_factory.mktemp("sizes"), 1)
    texts = [[tuple(bytes([65 + (k + i) % 26]) * n for k, n in enumerate(chunk))] for i, chunk in enumerate(sizes)]
    assert _written(paths, texts) == [b"".join(b"".join(piece) for [piece] in texts)]  # type: ignore[arg-type]


def test_a_file_system_that_refuses_direct_writes_gets_them_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not appending._DIRECT:
        pytest.skip("no direct writes on this system")
    real, direct = os.pwrite, set()
    monkeypatch.setattr(appending, "_open_direct", lambda path: direct.add(fd := os.open(path, os.O_WRONLY)) or fd)

    def refusing(fd: int, data: memoryview, at: int) -> int:
        if fd in direct:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(fd, data, at)

    monkeypatch.setattr(os, "pwrite", refusing)
    paths = _paths(tmp_path)
    appender = appending.Appender(paths)
    assert appender.direct
    try:
        appender.append(PARTS)
        appender.finish()
    finally:
        appender.close()
    assert not appender.direct
    assert [Path(path).read_bytes() for path in paths] == list(PARTS)


def test_a_disk_slower_than_the_pace_gets_the_rest_through_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not appending._DIRECT:
        pytest.skip("no direct writes on this system")
    monkeypatch.setattr(appending, "_PACE_AFTER", 1)
    monkeypatch.setattr(appending, "DIRECT_PACE", 1 << 60)  # no disk is that fast
    paths = _paths(tmp_path)
    assert _written(paths, [list(PARTS), list(PARTS)]) == [part * 2 for part in PARTS]
    appender = appending.Appender(paths[:1])
    try:
        appender.append([b"x" * 3 * appending.BLOCK])
        appender.flush()
        assert not appender.direct or appending._open_direct(paths[0]) == -1
    finally:
        appender.close()


def test_a_write_that_fails_in_the_writing_thread_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not appending._DIRECT:
        pytest.skip("no writing threads on this system")
    monkeypatch.setattr(os, "pwrite", lambda fd, data, at: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    appender = appending.Appender(_paths(tmp_path, 1))
    try:
        appender.append([PARTS[1]])  # handed to the thread: the error comes later
        with pytest.raises(OSError, match="No space left") as raised:
            appender.finish()
        assert raised.value.errno == errno.ENOSPC
        with pytest.raises(OSError, match="No space left"):
            appender.append([PARTS[1]])  # and on the next chunk, of any process
    finally:
        appender.close()


def test_blocks_handed_over_that_never_landed_fail_the_run(tmp_path: Path) -> None:
    """As when a worker is killed after its chunk's turn, before its writing thread is done."""
    if not appending._DIRECT:
        pytest.skip("no writing threads on this system")
    appender = appending.Appender(_paths(tmp_path, 1))
    try:
        appender.append([PARTS[1]])
        appender._counts[0] += appending.BLOCK  # handed by a process that is gone
        with pytest.raises(OSError, match=f"{appending.BLOCK} bytes of the output were never written"):
            appender.finish()
    finally:
        appender.close()


def test_short_writes_are_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.pwrite
    monkeypatch.setattr(os, "pwrite", lambda fd, data, at: real(fd, bytes(data[:3]), at))  # three bytes at a time
    fd = os.open(tmp_path / "short", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        appending._pwrite_all(fd, memoryview(b"0123456789"), 2)
    finally:
        os.close(fd)
    assert (tmp_path / "short").read_bytes() == b"\0\0" + b"0123456789"


def _append_late(item: tuple[int, int]) -> int:
    """Item ``index`` finishes after the items that follow it, then appends its number in its turn."""
    index, count = item
    state = parallel.state()
    time.sleep(0.02 * (count - index))
    if index == state["fail"]:
        state["turns"].take(index, None)
        raise ValueError(f"item {index} failed")
    state["turns"].take(index, lambda: state["appender"].append([_item_text(index)]))
    return index


def _item_text(index: int) -> bytes:
    return f"{index};".encode() * (index * 997)  # some items short of a block, some across blocks


def test_workers_append_in_input_order_whatever_order_they_finish_in(tmp_path: Path, way: str) -> None:
    paths = _paths(tmp_path, 1)
    appender = appending.Appender(paths, shared=True)
    state = {"turns": parallel.Turns(), "appender": appender, "fail": -1}
    items = [(index, 8) for index in range(8)]
    assert list(parallel.ordered_map(_append_late, items, jobs=2, initial=state)) == list(range(8))
    appender.finish()
    appender.close()
    assert Path(paths[0]).read_bytes() == b"".join(_item_text(index) for index in range(8))


def test_after_a_failed_item_the_later_ones_do_not_append_and_none_waits(tmp_path: Path) -> None:
    paths = _paths(tmp_path, 1)
    appender = appending.Appender(paths, shared=True)
    state = {"turns": parallel.Turns(), "appender": appender, "fail": 3}
    started = time.monotonic()
    with pytest.raises(ValueError, match="item 3 failed"):
        list(parallel.ordered_map(_append_late, [(index, 8) for index in range(8)], jobs=2, initial=state))
    assert time.monotonic() - started < 30
    appender.finish()
    appender.close()
    assert Path(paths[0]).read_bytes() == b"".join(_item_text(index) for index in range(3))


def test_write_all_finishes_a_short_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:3])))  # three bytes at a time
    fd = os.open(tmp_path / "short", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        appending.write_all(fd, b"0123456789")
    finally:
        os.close(fd)
    assert (tmp_path / "short").read_bytes() == b"0123456789"


def test_one_process_needs_no_shared_memory_or_system_semaphores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run with one job works on hosts without POSIX semaphores or /dev/shm (some serverless ones)."""

    def missing(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(appending.multiprocessing, "Lock", missing)
    monkeypatch.setattr(appending.sharedctypes, "RawArray", missing)
    paths = _paths(tmp_path)
    assert _written(paths, [list(PARTS)]) == list(PARTS)
