"""The output folder of a run: complete or untouched, never the input, never written through a link.

A run writes every file into a staging folder inside the output folder (``.slakit-run-<pid>-<start>-<token>``,
the process id and start time of the run that owns it), and only when it has succeeded moves them into place:
``run.json`` is removed first, each file is renamed over its old version (a rename replaces a symbolic link
rather than writing through it), outputs of an earlier run that this one does not write are removed, and a
new ``run.json`` is written last. A folder whose ``run.json`` is missing does not hold a complete run. A run
that fails or is interrupted removes its staging folder and leaves the previous outputs as they were; one
that is killed leaves it behind, and the next run in that folder removes it once its owner is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from slakit.errors import ConfigError

__all__ = ["RUN_FILE", "STAGING_PREFIX", "Staging", "refuse_input_as_output", "remove_abandoned"]

RUN_FILE = "run.json"
"""Written last, when every other output of the run is in place (docs/report.md, "The output folder")."""
STAGING_PREFIX = ".slakit-run-"
_OLD_CHUNKS_PREFIX = ".slakit-chunks-"  # what versions before the staging folder left behind: no owner recorded


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), or None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            text = file.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()  # after the command name, which may hold spaces
    return fields[19] if len(fields) > 19 else None


def _owner_alive(pid: int, started: str) -> bool:
    """Whether the run that named a staging folder ``pid`` and ``started`` is still running."""
    if pid == os.getpid():
        return started == (_start_time(pid) or "0")
    now = _start_time(pid)
    if now is not None:
        return now == started
    if os.path.isdir("/proc"):  # Linux: no such process
        return False
    if os.name != "posix":  # no safe way to ask (os.kill would end the process on Windows): keep its folder
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def remove_abandoned(out: Path) -> None:
    """Remove the staging folders in ``out`` of runs that are no longer alive (and chunk folders of old versions).

    A folder of a live run is left alone: that run is still writing.
    """
    try:
        entries = list(os.scandir(out))
    except FileNotFoundError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith(_OLD_CHUNKS_PREFIX):
            abandoned = True
        elif name.startswith(STAGING_PREFIX):
            owner = name[len(STAGING_PREFIX) :].split("-")
            abandoned = len(owner) == 3 and owner[0].isdigit() and not _owner_alive(int(owner[0]), owner[1])
        else:
            continue
        if abandoned and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def refuse_input_as_output(identity: os.stat_result | None, shown: str, out: Path, names: Iterable[str]) -> None:
    """Raise :class:`~slakit.errors.ConfigError` when one of the files ``names`` in ``out`` is the input.

    ``identity`` is the input's ``stat`` (None: not a file). The same file is found however it is reached:
    the same path, another spelling of it, a symbolic link or a hard link.
    """
    if identity is None:
        return
    for name in names:
        try:
            found = os.stat(out / name)
        except OSError:
            continue
        if os.path.samestat(found, identity):
            raise ConfigError(
                f"the input {shown!r} is the output file {str(out / name)!r}: the run would replace it before "
                "reading it; write the report elsewhere (--out) or move the input out of the output folder",
                path="out_dir",
            )


class Staging:
    """A run's staging folder inside ``out``: its files go there, and :meth:`commit` moves them into place."""

    def __init__(self, out: Path) -> None:
        self.out = out
        pid = os.getpid()
        self.path = out / f"{STAGING_PREFIX}{pid}-{_start_time(pid) or '0'}-{secrets.token_hex(4)}"
        self.path.mkdir(mode=0o700)

    def commit(self, names: Iterable[str], known: Iterable[str], record: dict[str, Any]) -> list[Path]:
        """Move the staged ``names`` into ``out``, remove the other ``known`` outputs of an earlier run, write
        ``record`` as run.json last, and remove the staging folder. Returns the files in place, run.json last."""
        names = list(names)
        _remove(self.out / RUN_FILE)
        for name in names:
            os.replace(self.path / name, self.out / name)
        for name in set(known) - set(names) - {RUN_FILE}:
            _remove(self.out / name)
        staged = self.path / RUN_FILE
        staged.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(staged, self.out / RUN_FILE)
        self.discard()
        return [self.out / name for name in (*names, RUN_FILE)]

    def discard(self) -> None:
        """Remove the staging folder and whatever is in it."""
        shutil.rmtree(self.path, ignore_errors=True)


def _remove(path: Path) -> None:
    """Remove a file or a symbolic link (never what it points to); nothing when there is none."""
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
