"""A :class:`SequenceStore` in an SQLite file, safe across threads, processes and crashes.

Every number is one short ``BEGIN IMMEDIATE`` transaction in WAL mode: the write lock is taken up
front (waiting up to ``timeout`` seconds for other writers), the counter is incremented, and the
value is returned only after ``COMMIT`` succeeded. A process killed at any moment therefore leaves
either the old counter (nothing was handed out) or the new one (the value may be lost, never reused).
With ``synchronous="full"`` (the default) every commit is also flushed to disk, so numbers are not
reused after a power cut either.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any, Final, Literal

from slakit.errors import ConfigError
from slakit.numbering.stores import require_key

__all__ = ["TABLE", "SQLiteSequenceStore", "Synchronous"]

Synchronous = Literal["full", "normal"]
"""SQLite's ``PRAGMA synchronous`` for the store: ``full`` survives power loss, ``normal`` only crashes."""

TABLE: Final = "slakit_sequences"
"""The table the counters live in: ``key TEXT PRIMARY KEY, value INTEGER NOT NULL``."""

_CREATE: Final = (
    "CREATE TABLE IF NOT EXISTS slakit_sequences (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID"
)
_SYNCHRONOUS: Final = {"full": "PRAGMA synchronous = FULL", "normal": "PRAGMA synchronous = NORMAL"}
_UPSERT: Final = (
    "INSERT INTO slakit_sequences (key, value) VALUES (?, 1) "
    "ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value"
)
_UPDATE: Final = "UPDATE slakit_sequences SET value = value + 1 WHERE key = ?"
_INSERT: Final = "INSERT INTO slakit_sequences (key, value) VALUES (?, 1)"
_SELECT: Final = "SELECT value FROM slakit_sequences WHERE key = ?"
_HAS_RETURNING: Final = sqlite3.sqlite_version_info >= (3, 35, 0)

# Connections a forked child inherited from its parent. They must not be used in the child, and
# closing them there could disturb the parent's locks, so they are kept referenced, never closed.
_INHERITED: list[threading.local] = []


class SQLiteSequenceStore:
    """Counters in the SQLite file ``path``, shared by every thread and process that opens it.

    ``timeout`` is how many seconds a number may wait for another writer (SQLite's busy timeout)
    before ``sqlite3.OperationalError: database is locked`` is raised. Each thread gets its own
    connection, and a process forked after the store was opened opens fresh ones. The store pickles
    as its settings, so it can be handed to ``multiprocessing`` workers. The file, its ``-wal`` and
    ``-shm`` companions and the table ``slakit_sequences`` are created on first use; the file may
    also be a host's own database. Raises :class:`~slakit.errors.ConfigError` for bad arguments and
    ``sqlite3.Error`` when the file cannot be opened.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, synchronous: Synchronous = "full"
    ) -> None:
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or path in ("", ":memory:"):
            raise ConfigError.for_value(
                "path",
                path,
                "the path of an SQLite file (in-memory databases are private to one "
                "connection: use MemorySequenceStore)",
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < 86_400:
            raise ConfigError.for_value("timeout", timeout, "a number of seconds above 0 and below 86400")
        if synchronous not in _SYNCHRONOUS:
            raise ConfigError.for_value("synchronous", synchronous, "'full' or 'normal'")
        self._path = path
        self._timeout = float(timeout)
        self._synchronous: Synchronous = synchronous
        self._local = threading.local()
        self._pid = os.getpid()
        self._connection()  # fail here, not at the first number, when the file cannot be used

    @property
    def path(self) -> str:
        """The SQLite file."""
        return self._path

    @property
    def timeout(self) -> float:
        """Seconds a number waits for another writer before giving up."""
        return self._timeout

    @property
    def synchronous(self) -> Synchronous:
        """``full`` (flush every commit) or ``normal`` (crash-safe, not power-loss-safe)."""
        return self._synchronous

    def __repr__(self) -> str:
        return f"SQLiteSequenceStore({self._path!r}, timeout={self._timeout}, synchronous={self._synchronous!r})"

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self._path, "timeout": self._timeout, "synchronous": self._synchronous}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._path = state["path"]
        self._timeout = state["timeout"]
        self._synchronous = state["synchronous"]
        self._local = threading.local()
        self._pid = os.getpid()

    def next(self, key: str) -> int:
        """Increment the counter ``key`` in one committed transaction and return its new value."""
        require_key(key)
        connection = self._connection()
        if connection.in_transaction:  # left open by an interrupted rollback: nothing in it was issued
            connection.execute("ROLLBACK")
        connection.execute("BEGIN IMMEDIATE")
        try:
            if _HAS_RETURNING:
                value = int(connection.execute(_UPSERT, (key,)).fetchall()[0][0])
            else:  # SQLite before 3.35 has no RETURNING; the write lock makes the three steps atomic
                if connection.execute(_UPDATE, (key,)).rowcount == 0:
                    connection.execute(_INSERT, (key,))
                value = int(connection.execute(_SELECT, (key,)).fetchall()[0][0])
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            raise
        return value

    def peek(self, key: str) -> int:
        """The counter's committed value: the last one ``next(key)`` returned, or 0."""
        require_key(key)
        row = self._connection().execute(_SELECT, (key,)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the calling thread's connection; the next call on this thread opens a new one."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._pid == os.getpid():
            self._local.connection = None
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        if self._pid != os.getpid():  # forked: leave the parent's connections alone, open our own
            _INHERITED.append(self._local)
            self._local = threading.local()
            self._pid = os.getpid()
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
        return connection

    def _open(self) -> sqlite3.Connection:
        # ``timeout`` becomes SQLite's busy timeout; isolation_level=None lets us issue BEGIN ourselves.
        connection = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ConfigError.for_value(
                    "path",
                    self._path,
                    f"an SQLite file that can use WAL journal mode (it stays in {mode!r} mode)",
                )
            connection.execute(_SYNCHRONOUS[self._synchronous])
            connection.execute(_CREATE)
        except BaseException:
            connection.close()
            raise
        return connection
