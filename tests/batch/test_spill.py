"""Chunk text spilled by workers reaches the output files whole and in order, with or without copy_file_range."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slakit.batch import spill

PARTS = (b"id,line\r\n1,2\r\n", b'{"a":1}\n' * 50_000, b"", "破损,退货\r\n".encode())


def _targets(tmp_path: Path) -> list[int]:
    return [os.open(tmp_path / f"out{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) for i in range(4)]


def _read(tmp_path: Path) -> list[bytes]:
    return [(tmp_path / f"out{i}").read_bytes() for i in range(4)]


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_spilled_parts_are_appended_in_order_and_the_file_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool
) -> None:
    if not kernel_copy:  # a file system or platform without it: copied through memory
        monkeypatch.setattr(os, "copy_file_range", _refuse, raising=False)
    targets = _targets(tmp_path)
    try:
        for target in targets:
            spill.write_all(target, b"head\n")
        for _ in range(2):
            path, sizes = spill.spill(PARTS, str(tmp_path))
            assert sizes == tuple(len(part) for part in PARTS)
            spill.append(targets, path, sizes)
            assert not Path(path).exists()
    finally:
        for target in targets:
            os.close(target)
    assert _read(tmp_path) == [b"head\n" + part + part for part in PARTS]


def test_a_spilled_file_that_is_too_short_is_an_error_not_a_silent_gap(tmp_path: Path) -> None:
    targets = _targets(tmp_path)
    try:
        path, sizes = spill.spill(PARTS, str(tmp_path))
        with pytest.raises(OSError, match="ended"):
            spill.append(targets, path, (sizes[0], sum(sizes), 0, 0))
    finally:
        for target in targets:
            os.close(target)


def test_write_all_finishes_a_short_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real(fd, bytes(data[:3])))  # three bytes at a time
    fd = os.open(tmp_path / "short", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        spill.write_all(fd, b"0123456789")
    finally:
        os.close(fd)
    assert (tmp_path / "short").read_bytes() == b"0123456789"


def _refuse(*_: object, **__: object) -> int:
    raise OSError(18, "Invalid cross-device link")
