"""Chunk text appended by worker processes reaches the output files whole and in input order, whatever order
the workers finish in; a failed chunk stops the later ones from writing, and nobody waits for ever."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from slakit.batch import appending, parallel

PARTS = (b"id,line\r\n1,2\r\n", b'{"a":1}\n' * 50_000, b"", "破损,退货\r\n".encode())


def _paths(tmp_path: Path) -> tuple[str, ...]:
    paths = tuple(str(tmp_path / f"out{i}") for i in range(len(PARTS)))
    for path in paths:
        Path(path).write_bytes(b"head\n")
    return paths


def test_parts_are_appended_to_their_files(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    appending.append(paths, PARTS)
    appending.append(paths, [memoryview(part) for part in PARTS])
    appending.append(paths, [(part[:3], memoryview(part)[3:7], part[7:]) for part in PARTS])  # in pieces
    assert [Path(path).read_bytes() for path in paths] == [b"head\n" + part * 3 for part in PARTS]
    assert [appending.size((part[:3], part[3:])) for part in PARTS] == [len(part) for part in PARTS]
    assert appending.joined((b"ab", memoryview(b"cd"))) == appending.joined(memoryview(b"abcd")) == b"abcd"


def _append_late(item: tuple[int, int]) -> int:
    """Item ``index`` finishes after the items that follow it, then appends its number in its turn."""
    index, count = item
    state = parallel.state()
    time.sleep(0.02 * (count - index))
    if index == state["fail"]:
        state["turns"].take(index, None)
        raise ValueError(f"item {index} failed")
    state["turns"].take(index, lambda: appending.append(state["paths"], [f"{index};".encode()]))
    return index


def test_workers_append_in_input_order_whatever_order_they_finish_in(tmp_path: Path) -> None:
    paths = (str(tmp_path / "out"),)
    Path(paths[0]).write_bytes(b"")
    state = {"turns": parallel.Turns(), "paths": paths, "fail": -1}
    items = [(index, 8) for index in range(8)]
    assert list(parallel.ordered_map(_append_late, items, jobs=2, initial=state)) == list(range(8))
    assert Path(paths[0]).read_bytes() == b"".join(f"{index};".encode() for index in range(8))


def test_after_a_failed_item_the_later_ones_do_not_append_and_none_waits(tmp_path: Path) -> None:
    paths = (str(tmp_path / "out"),)
    Path(paths[0]).write_bytes(b"")
    state = {"turns": parallel.Turns(), "paths": paths, "fail": 3}
    started = time.monotonic()
    with pytest.raises(ValueError, match="item 3 failed"):
        list(parallel.ordered_map(_append_late, [(index, 8) for index in range(8)], jobs=2, initial=state))
    assert time.monotonic() - started < 30
    assert Path(paths[0]).read_bytes() == b"0;1;2;"


def test_write_all_finishes_a_short_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:3])))  # three bytes at a time
    fd = os.open(tmp_path / "short", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        appending.write_all(fd, b"0123456789")
    finally:
        os.close(fd)
    assert (tmp_path / "short").read_bytes() == b"0123456789"
