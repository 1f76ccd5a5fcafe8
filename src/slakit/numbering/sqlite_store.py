"""A :class:`SequenceStore` in an SQLite file, safe across threads, processes, crashes and damage.

Every number is one short ``BEGIN IMMEDIATE`` transaction in WAL mode: the write lock is taken up
front (waiting up to ``timeout`` seconds for other writers), the counter and its high-water mark are
read and checked (:func:`~slakit.numbering.guards.verified_counter`), both are written with the new
value, and the value is returned only after ``COMMIT`` succeeded. A process killed at any moment
therefore leaves either the old counter (nothing was handed out) or the new one (the value may be
lost, never reused). With ``synchronous="full"`` (the default) every commit is also flushed to disk,
so numbers are not reused after a power cut either. A counter that cannot be trusted, and every
SQLite failure, raise a :class:`~slakit.errors.SequenceStoreError` and issue nothing.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Final, Literal, TypeVar

from slakit.errors import (
    ConfigError,
    SequenceIntegrityError,
    SequenceLockedError,
    SequenceStoreError,
)
from slakit.numbering.guards import (
    MAX_COUNTER,
    SCHEME_SEAL_KEY,
    admit_scheme,
    advanced,
    following,
    mark_checksum,
    require_key,
    scheme_checksum,
    scheme_seal,
    verified_counter,
    verified_schemes,
)

__all__ = ["MARKS_TABLE", "SCHEMES_TABLE", "TABLE", "SQLiteSequenceStore", "Synchronous"]

Synchronous = Literal["full", "normal"]
"""SQLite's ``PRAGMA synchronous`` for the store: ``full`` survives power loss, ``normal`` only crashes."""

TABLE: Final = "slakit_sequences"
"""The table the counters live in: ``key TEXT PRIMARY KEY, value INTEGER NOT NULL``."""

MARKS_TABLE: Final = "slakit_sequence_marks"
"""The high-water marks: ``key TEXT PRIMARY KEY, value INTEGER NOT NULL, checksum INTEGER NOT NULL``."""

SCHEMES_TABLE: Final = "slakit_numbering_schemes"
"""The numbering schemes issued with: ``scheme TEXT PRIMARY KEY, checksum INTEGER NOT NULL``."""

_TABLES: Final = (
    "SELECT name FROM sqlite_master WHERE type = 'table' "
    "AND name IN ('slakit_sequences', 'slakit_sequence_marks', 'slakit_numbering_schemes')"
)
_CREATE: Final = (
    "CREATE TABLE IF NOT EXISTS slakit_sequences (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID"
)
_CREATE_MARKS: Final = (
    "CREATE TABLE slakit_sequence_marks "
    "(key TEXT PRIMARY KEY, value INTEGER NOT NULL, checksum INTEGER NOT NULL) WITHOUT ROWID"
)
_CREATE_SCHEMES: Final = (
    "CREATE TABLE IF NOT EXISTS slakit_numbering_schemes "
    "(scheme TEXT PRIMARY KEY, checksum INTEGER NOT NULL) WITHOUT ROWID"
)
_SYNCHRONOUS: Final = {"full": "PRAGMA synchronous = FULL", "normal": "PRAGMA synchronous = NORMAL"}
_SELECT_MARK: Final = "SELECT value, checksum FROM slakit_sequence_marks WHERE key = ?"
_SELECT_BOTH: Final = (  # the counter's rows (tagged 0) and its mark's rows (tagged 1), in one statement
    "SELECT 0, value, NULL FROM slakit_sequences WHERE key = ?1 "
    "UNION ALL SELECT 1, value, checksum FROM slakit_sequence_marks WHERE key = ?1"
)
_SELECT_ALL: Final = "SELECT key, value FROM slakit_sequences"
_SELECT_SCHEMES: Final = "SELECT scheme, checksum FROM slakit_numbering_schemes"
_WRITE: Final = "INSERT OR REPLACE INTO slakit_sequences (key, value) VALUES (?, ?)"
_WRITE_MARK: Final = "INSERT OR REPLACE INTO slakit_sequence_marks (key, value, checksum) VALUES (?, ?, ?)"
_WRITE_SCHEME: Final = "INSERT INTO slakit_numbering_schemes (scheme, checksum) VALUES (?, ?)"

# SQLite's primary result codes (the low byte of an error's ``sqlite_errorcode``).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26

# What a path must be, for the errors that say it is not; what happened, for other failures.
_PATH_EXPECTED: Final = {
    _NOTADB: "an SQLite database file",
    _CANTOPEN: "an SQLite file this process can open, in a folder that exists",
    _READONLY: "an SQLite file this process can write, in a folder it can write (for its -wal and -shm files)",
    _PERM: "an SQLite file this process may read and write",
}
_FAILED: Final = {_FULL: "is on a full disk", _IOERR: "could not be read or written"}

# Connections a forked child inherited from its parent. They must not be used in the child, and
# closing them there could disturb the parent's locks, so they are kept referenced, never closed.
_INHERITED: list[threading.local] = []

_T = TypeVar("_T")


def _connect(path: str, timeout: float) -> sqlite3.Connection:
    """Open ``path``; ``timeout`` becomes SQLite's busy timeout, and we issue BEGIN ourselves."""
    return sqlite3.connect(path, timeout=timeout, isolation_level=None)


class SQLiteSequenceStore:
    """Counters in the SQLite file ``path``, shared by every thread and process that opens it.

    ``timeout`` is how many seconds a number may wait for another writer (SQLite's busy timeout)
    before :class:`~slakit.errors.SequenceLockedError` is raised. Each thread gets its own
    connection, and a process forked after the store was opened opens fresh ones. The store pickles
    as its settings, so it can be handed to ``multiprocessing`` workers. The file, its ``-wal`` and
    ``-shm`` companions and the tables ``slakit_sequences``, ``slakit_sequence_marks`` and
    ``slakit_numbering_schemes`` are created on first use; the file may also be a host's own
    database. Raises :class:`~slakit.errors.ConfigError` for bad arguments and a
    :class:`~slakit.errors.SequenceStoreError` naming the path when the file cannot be used.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, timeout: float = 30.0, synchronous: Synchronous = "full"
    ) -> None:
        if isinstance(path, os.PathLike):
            path = os.fspath(path)
        if not isinstance(path, str) or path in ("", ":memory:") or "\0" in path:
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
        self._run(lambda _: None, "open")  # fail here, not at the first number, when the file cannot be used

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
        """Increment the counter ``key`` in one committed transaction and return its new value.

        Raises :class:`~slakit.errors.SequenceIntegrityError` when the counter cannot be trusted,
        :class:`~slakit.errors.SequenceExhaustedError` when it is at MAX_COUNTER, and another
        :class:`~slakit.errors.SequenceStoreError` when SQLite fails; nothing is issued then.
        """
        require_key(key)
        return self._run(lambda connection: self._increment(connection, key), "write")

    def peek(self, key: str) -> int:
        """The counter's committed value: the last one ``next(key)`` returned, or 0.

        Reads the counter and its mark in one transaction and refuses, as ``next`` does, a counter
        that cannot be trusted.
        """
        require_key(key)
        return self._run(lambda connection: self._current(connection, key), "read")

    def advance(self, key: str, value: int) -> int:
        """Raise the counter ``key`` to ``value`` unless it is higher already; return its value.

        For continuing a numbering started elsewhere (the next number is then ``value + 1``), and
        for repairing a counter the store refused after finding out the last number really issued:
        the counter and its mark are rewritten with ``value``, or with what their intact records
        prove if that is higher. ConfigError when ``value`` is not an integer from 0 to MAX_COUNTER.
        """
        require_key(key)
        return self._run(lambda connection: self._advance(connection, key, value), "write")

    def register_scheme(self, scheme: str) -> None:
        """Record ``scheme``; PatternConflictError when it could repeat a recorded scheme's number.

        The recorded list is checked first (each entry's check value and the seal among the marks);
        a damaged list raises :class:`~slakit.errors.SequenceIntegrityError`.
        """
        self._run(lambda connection: self._register(connection, scheme), "write")

    def close(self) -> None:
        """Close the calling thread's connection; the next call on this thread opens a new one."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None and self._pid == os.getpid():
            self._local.connection = None
            connection.close()

    # What each call does inside its transaction.

    def _rows(self, connection: sqlite3.Connection, key: str) -> tuple[list[Any], list[Any]]:
        """The rows of ``key`` among the counters ``(value,)`` and among the marks ``(value, checksum)``."""
        rows = connection.execute(_SELECT_BOTH, (key,)).fetchall()
        return [row[1:2] for row in rows if row[0] == 0], [row[1:] for row in rows if row[0] == 1]

    def _current(self, connection: sqlite3.Connection, key: str) -> int:
        counters, marks = self._rows(connection, key)
        return verified_counter(key, counters, marks, store=self._label, path=self._path)

    def _increment(self, connection: sqlite3.Connection, key: str) -> int:
        value = following(key, self._current(connection, key), store=self._label)
        connection.execute(_WRITE, (key, value))
        connection.execute(_WRITE_MARK, (key, value, mark_checksum(key, value)))
        return value

    def _advance(self, connection: sqlite3.Connection, key: str, value: object) -> int:
        counters, marks = self._rows(connection, key)
        result = advanced(key, counters, marks, value)
        connection.execute(_WRITE, (key, result))
        connection.execute(_WRITE_MARK, (key, result, mark_checksum(key, result)))
        return result

    def _register(self, connection: sqlite3.Connection, scheme: str) -> None:
        rows = connection.execute(_SELECT_SCHEMES).fetchall()
        seals = connection.execute(_SELECT_MARK, (SCHEME_SEAL_KEY,)).fetchall()
        recorded = verified_schemes(rows, seals, store=self._label, path=self._path)
        if admit_scheme(scheme, recorded):
            connection.execute(_WRITE_SCHEME, (scheme, scheme_checksum(scheme)))
            count, digest = scheme_seal([*recorded, scheme])
            connection.execute(_WRITE_MARK, (SCHEME_SEAL_KEY, count, digest))

    # Connections, transactions and errors.

    @property
    def _label(self) -> str:
        return f"SQLite store {self._path!r}"

    def _run(self, action: Callable[[sqlite3.Connection], _T], mode: Literal["open", "read", "write"]) -> _T:
        """``action`` in one transaction (none for ``open``); every SQLite error becomes a SequenceStoreError."""
        try:
            connection = self._connection()
            if mode == "open":
                return action(connection)
            if connection.in_transaction:  # left open by an interrupted rollback: nothing in it was issued
                connection.execute("ROLLBACK")
            connection.execute("BEGIN IMMEDIATE" if mode == "write" else "BEGIN")
            try:
                result = action(connection)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._failure(exc) from exc
        return result

    def _failure(self, exc: sqlite3.Error) -> SequenceStoreError:
        """The typed error for an SQLite failure, naming the path and saying that nothing was issued."""
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        path = self._path
        if primary in (_BUSY, _LOCKED):
            return SequenceLockedError(
                f"{self._label} is locked: another connection held it for more than the timeout "
                f"({self._timeout:g} s); nothing was issued and trying again is safe ({exc})",
                path=path,
            )
        if primary == _CORRUPT:
            return SequenceIntegrityError(
                f"{self._label} is damaged ({exc}); nothing was issued: restore the file from a backup",
                path=path,
            )
        expected = _PATH_EXPECTED.get(primary) if primary is not None else None
        if expected is not None:
            return SequenceStoreError(f"'path' must be {expected} (got {path!r}): {exc}", path=path)
        what = _FAILED.get(primary, "failed") if primary is not None else "failed"
        return SequenceStoreError(f"{self._label} {what} ({exc}); nothing was issued", path=path)

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
        connection = _connect(self._path, self._timeout)
        try:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise ConfigError.for_value(
                    "path",
                    self._path,
                    f"an SQLite file that can use WAL journal mode (it stays in {mode!r} mode)",
                )
            connection.execute(_SYNCHRONOUS[self._synchronous])
            _prepare(connection)
        except BaseException:
            connection.close()
            raise
        return connection


def _prepare(connection: sqlite3.Connection) -> None:
    """Create the store's tables where missing, in one transaction.

    A file written by a slakit without high-water marks gets them now, one per counter that holds an
    integer from 0 to MAX_COUNTER, so that from then on every counter has both records (a counter
    that holds anything else stays without one, and is refused).
    """
    wanted = {TABLE, MARKS_TABLE, SCHEMES_TABLE}
    if {row[0] for row in connection.execute(_TABLES)} >= wanted:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        found = {row[0] for row in connection.execute(_TABLES)}
        connection.execute(_CREATE)
        connection.execute(_CREATE_SCHEMES)
        if MARKS_TABLE not in found:
            connection.execute(_CREATE_MARKS)
            for key, value in connection.execute(_SELECT_ALL).fetchall():
                if _is_key(key) and isinstance(value, int) and 0 <= value <= MAX_COUNTER:
                    connection.execute(_WRITE_MARK, (key, value, mark_checksum(key, value)))
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise


def _is_key(key: object) -> bool:
    try:
        require_key(key)
    except ConfigError:
        return False
    return True
