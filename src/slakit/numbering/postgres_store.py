"""A :class:`SequenceStore` in PostgreSQL, for hosts whose web servers and workers run on several machines.

Needs the ``postgres`` extra (``pip install slakit[postgres]``: psycopg 3 and psycopg_pool); importing
:mod:`slakit` does not. Each number is one short transaction on a connection of its own, taken from a
connection pool (the host's, or one the store opens from a connection string), so it never takes
part in a transaction the host has open on another connection:

1. ``SELECT ... FOR UPDATE`` reads the counter and its high-water mark and locks both rows, so
   callers of the same key queue up and each sees the previous one's committed value;
2. the two records are checked in Python by :func:`~slakit.numbering.guards.verified_counter` and
   :func:`~slakit.numbering.guards.following`, the same checks as every other store;
3. both rows are written with the new value (inserted for a new key: two first calls racing are
   resolved by the primary key, and the loser starts again), and the value is returned only after
   ``COMMIT`` succeeded.

The counter column is ``numeric``, not ``bigint``, so that a value set by hand to ``2.5`` or
``1e30`` is kept as written and refused, rather than rounded. Every psycopg failure becomes a
:class:`~slakit.errors.SequenceStoreError` and issues nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from slakit.errors import (
    ConfigError,
    SequenceIntegrityError,
    SequenceLockedError,
    SequenceStoreError,
)
from slakit.numbering.guards import (
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

if TYPE_CHECKING:
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["MARKS_TABLE", "SCHEMES_TABLE", "TABLE", "PostgresSequenceStore"]

TABLE: Final = "slakit_sequences"
"""The counters: ``key text PRIMARY KEY, value numeric NOT NULL``."""

MARKS_TABLE: Final = "slakit_sequence_marks"
"""The high-water marks: ``key text PRIMARY KEY, value bigint NOT NULL, checksum bigint NOT NULL``."""

SCHEMES_TABLE: Final = "slakit_numbering_schemes"
"""The numbering schemes issued with: ``scheme text PRIMARY KEY, checksum bigint NOT NULL``."""

_CREATE: Final = (
    "SELECT pg_advisory_xact_lock(7140723189245061)",  # one creator at a time: CREATE IF NOT EXISTS can race
    "CREATE TABLE IF NOT EXISTS slakit_sequences (key text PRIMARY KEY, value numeric NOT NULL)",
    "CREATE TABLE IF NOT EXISTS slakit_sequence_marks "
    "(key text PRIMARY KEY, value bigint NOT NULL, checksum bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS slakit_numbering_schemes (scheme text PRIMARY KEY, checksum bigint NOT NULL)",
)
_EXISTS: Final = (
    "SELECT to_regclass('slakit_sequences') IS NOT NULL AND to_regclass('slakit_sequence_marks') IS NOT NULL "
    "AND to_regclass('slakit_numbering_schemes') IS NOT NULL"
)
# The counter's row (tagged 0) and its mark's row (tagged 1), in one statement. Under READ COMMITTED a
# row locked FOR UPDATE is returned in its newest committed version, so both are current once locked.
_READ: Final = (
    "WITH c AS (SELECT value FROM slakit_sequences WHERE key = %(key)s{lock}), "
    "m AS (SELECT value, checksum FROM slakit_sequence_marks WHERE key = %(key)s{lock}) "
    "SELECT 0, value, NULL::bigint FROM c UNION ALL SELECT 1, value, checksum FROM m"
)
_READ_LOCKED: Final = _READ.format(lock=" FOR UPDATE")
_READ_PLAIN: Final = _READ.format(lock="")
_COUNTER: Final = {
    True: "UPDATE slakit_sequences SET value = %(value)s WHERE key = %(key)s",
    False: "INSERT INTO slakit_sequences (key, value) VALUES (%(key)s, %(value)s)",
}
_MARK: Final = {
    True: "UPDATE slakit_sequence_marks SET value = %(value)s, checksum = %(checksum)s WHERE key = %(key)s",
    False: "INSERT INTO slakit_sequence_marks (key, value, checksum) VALUES (%(key)s, %(value)s, %(checksum)s)",
}
# Both writes in one statement (one round trip): the counter in a CTE, the mark in the main query.
_WRITE: Final = {
    (counter, mark): f"WITH c AS ({_COUNTER[counter]}) {_MARK[mark]}"
    for counter in (True, False)
    for mark in (True, False)
}
_LOCK_SCHEMES: Final = "LOCK TABLE slakit_numbering_schemes IN SHARE ROW EXCLUSIVE MODE"
_SELECT_SCHEMES: Final = "SELECT scheme, checksum FROM slakit_numbering_schemes"
_SELECT_SEAL: Final = "SELECT value, checksum FROM slakit_sequence_marks WHERE key = %s"
_WRITE_SCHEME: Final = "INSERT INTO slakit_numbering_schemes (scheme, checksum) VALUES (%s, %s)"
_WRITE_SEAL: Final = (
    "INSERT INTO slakit_sequence_marks (key, value, checksum) VALUES (%s, %s, %s) "
    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, checksum = EXCLUDED.checksum"
)

_RETRIES: Final = 20
"""How often a transaction that lost a race (two first numbers of a key, a deadlock) starts again."""

# SQLSTATEs: lost a race (start again), waited too long (locked), damaged (integrity).
_RACES: Final = frozenset({"23505", "40001", "40P01"})
_WAITS: Final = frozenset({"55P03", "57014"})
_DAMAGE: Final = frozenset({"XX001", "XX002"})

_T = TypeVar("_T")

# Pools a forked child inherited from its parent: their connections are the parent's, so the child
# keeps them referenced and unused (never closed or collected there) and opens its own.
_INHERITED: list[object] = []


def _modules() -> tuple[Any, Any]:
    """psycopg and psycopg_pool, or a ConfigError saying how to install them."""
    try:
        import psycopg
        import psycopg.conninfo
        import psycopg.rows
        import psycopg_pool
    except ImportError as exc:
        raise ConfigError(
            f"PostgresSequenceStore needs psycopg 3 and psycopg_pool: pip install 'slakit[postgres]' ({exc})",
            path="source",
        ) from exc
    return psycopg, psycopg_pool


def _number(value: object) -> object:
    """A numeric column's value as the guards read it: an int when it is a whole number written as one.

    ``Decimal('5')`` becomes ``5``; ``Decimal('5.0')``, ``Decimal('2.5')`` or NaN stay Decimals,
    which the guards refuse as not an integer (a counter slakit wrote never has decimals).
    """
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == 0:
        return int(value)
    return value


class PostgresSequenceStore:
    """Counters in a PostgreSQL database, shared by every process on every machine that connects to it.

    ``source`` is a :class:`psycopg_pool.ConnectionPool` (the host's own: each call borrows one
    connection for one transaction of its own and gives it back) or a connection string, from which
    the store opens its own pool of up to ``max_size`` connections. ``timeout`` is how many seconds a
    number may wait for a connection from the pool and, with a pool of the store's own, for another
    writer's row lock; then :class:`~slakit.errors.SequenceLockedError` is raised. The tables
    ``slakit_sequences``, ``slakit_sequence_marks`` and ``slakit_numbering_schemes`` are created on
    first use in the connection's default schema. A store built from a connection string pickles as
    its settings and opens a new pool in a forked or spawned process; one built from a pool does not
    pickle (the pool belongs to the host). Raises :class:`~slakit.errors.ConfigError` for bad
    arguments and a :class:`~slakit.errors.SequenceStoreError` when the database cannot be used.
    """

    def __init__(self, source: ConnectionPool[Any] | str, *, timeout: float = 30.0, max_size: int = 4) -> None:
        _, psycopg_pool = _modules()
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < 86_400:
            raise ConfigError.for_value("timeout", timeout, "a number of seconds above 0 and below 86400")
        if isinstance(max_size, bool) or not isinstance(max_size, int) or not 1 <= max_size <= 1_000:
            raise ConfigError.for_value("max_size", max_size, "an integer from 1 to 1000")
        self._timeout = float(timeout)
        self._max_size = max_size
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._conninfo: str | None
        self._pool: ConnectionPool[Any] | None
        if isinstance(source, str):
            self._conninfo = source
            self._pool = None
        elif isinstance(source, psycopg_pool.ConnectionPool):
            self._conninfo = None
            self._pool = source
        else:
            raise ConfigError.for_value(
                "source", source, "a psycopg_pool.ConnectionPool or a PostgreSQL connection string"
            )
        self._prepared = False
        try:
            self._run(lambda _: None, "open")  # fail here, not at the first number, when the database cannot be used
        except BaseException:
            self.close()  # the store's own pool would otherwise keep trying to connect in the background
            raise

    @property
    def timeout(self) -> float:
        """Seconds a number waits for a connection (and, with the store's own pool, a row lock)."""
        return self._timeout

    def __repr__(self) -> str:
        where = "a host pool" if self._conninfo is None else "its own pool"
        return f"PostgresSequenceStore({where}, timeout={self._timeout:g})"

    def __getstate__(self) -> dict[str, Any]:
        if self._conninfo is None:
            raise TypeError(
                "a PostgresSequenceStore built from a host's ConnectionPool cannot be pickled; "
                "build it from a connection string to hand it to other processes"
            )
        return {"conninfo": self._conninfo, "timeout": self._timeout, "max_size": self._max_size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._conninfo = state["conninfo"]
        self._timeout = state["timeout"]
        self._max_size = state["max_size"]
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._pool = None
        self._prepared = False

    def next(self, key: str) -> int:
        """Increment the counter ``key`` in one committed transaction and return its new value.

        Raises :class:`~slakit.errors.SequenceIntegrityError` when the counter cannot be trusted,
        :class:`~slakit.errors.SequenceExhaustedError` when it is at MAX_COUNTER, and another
        :class:`~slakit.errors.SequenceStoreError` when the database fails; nothing is issued then.
        """
        require_key(key)
        return self._run(lambda cursor: self._increment(cursor, key), "write")

    def peek(self, key: str) -> int:
        """The counter's committed value: the last one ``next(key)`` returned, or 0 (refused like ``next``)."""
        require_key(key)
        return self._run(lambda cursor: self._current(cursor, key, _READ_PLAIN), "read")

    def advance(self, key: str, value: int) -> int:
        """Raise the counter ``key`` to ``value`` unless it is higher already; return its value.

        As :meth:`SQLiteSequenceStore.advance <slakit.numbering.SQLiteSequenceStore.advance>`: for
        continuing a numbering and repairing a refused counter; it never lowers a counter.
        """
        require_key(key)
        return self._run(lambda cursor: self._advance(cursor, key, value), "write")

    def register_scheme(self, scheme: str) -> None:
        """Record ``scheme``; PatternConflictError when it could repeat a recorded scheme's number."""
        self._run(lambda cursor: self._register(cursor, scheme), "write")

    def close(self) -> None:
        """Close the store's own pool (a host's pool is left open); the next call opens a new one."""
        with self._lock:
            pool, owned = self._pool, self._conninfo is not None
            if owned:
                self._pool = None
        if owned and pool is not None and self._pid == os.getpid():
            pool.close()

    def __enter__(self) -> PostgresSequenceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # What each call does inside its transaction.

    def _rows(self, cursor: psycopg.Cursor[Any], key: str, statement: str) -> tuple[list[Any], list[Any]]:
        rows = cursor.execute(statement, {"key": key}).fetchall()
        counters = [(_number(row[1]),) for row in rows if row[0] == 0]
        marks = [(_number(row[1]), row[2]) for row in rows if row[0] == 1]
        return counters, marks

    def _current(self, cursor: psycopg.Cursor[Any], key: str, statement: str) -> int:
        counters, marks = self._rows(cursor, key, statement)
        return verified_counter(key, counters, marks, store=self._label)

    def _increment(self, cursor: psycopg.Cursor[Any], key: str) -> int:
        counters, marks = self._rows(cursor, key, _READ_LOCKED)
        value = following(key, verified_counter(key, counters, marks, store=self._label), store=self._label)
        self._write(cursor, key, value, counter=bool(counters), mark=bool(marks))
        return value

    def _advance(self, cursor: psycopg.Cursor[Any], key: str, value: object) -> int:
        counters, marks = self._rows(cursor, key, _READ_LOCKED)
        result = advanced(key, counters, marks, value)
        self._write(cursor, key, result, counter=bool(counters), mark=bool(marks))
        return result

    @staticmethod
    def _write(cursor: psycopg.Cursor[Any], key: str, value: int, *, counter: bool, mark: bool) -> None:
        """Write both records: update the rows that exist (locked), insert the others (a race raises 23505)."""
        parameters = {"key": key, "value": value, "checksum": mark_checksum(key, value)}
        cursor.execute(_WRITE[counter, mark], parameters)

    def _register(self, cursor: psycopg.Cursor[Any], scheme: str) -> None:
        cursor.execute(_LOCK_SCHEMES)  # registrations one at a time; numbers are not held up
        rows = cursor.execute(_SELECT_SCHEMES).fetchall()
        seals = cursor.execute(_SELECT_SEAL, (SCHEME_SEAL_KEY,)).fetchall()
        recorded = verified_schemes(rows, seals, store=self._label)
        if admit_scheme(scheme, recorded):
            cursor.execute(_WRITE_SCHEME, (scheme, scheme_checksum(scheme)))
            count, digest = scheme_seal([*recorded, scheme])
            cursor.execute(_WRITE_SEAL, (SCHEME_SEAL_KEY, count, digest))

    # Pools, transactions and errors.

    @property
    def _label(self) -> str:
        return "PostgreSQL store"

    def _current_pool(self) -> ConnectionPool[Any]:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's pool and its threads are not ours
                self._pid = os.getpid()
                self._prepared = False
                if self._conninfo is not None and self._pool is not None:
                    _INHERITED.append(self._pool)
                    self._pool = None
            if self._pool is None:
                assert self._conninfo is not None  # noqa: S101 - a host's pool is never dropped
                _, psycopg_pool = _modules()
                milliseconds = max(1, round(self._timeout * 1000))
                psycopg, _ = _modules()
                given = psycopg.conninfo.conninfo_to_dict(self._conninfo).get("options") or ""
                options = f"{given} -c lock_timeout={milliseconds}".strip()  # the caller's options kept
                self._pool = psycopg_pool.ConnectionPool(
                    self._conninfo,
                    min_size=1,
                    max_size=self._max_size,
                    timeout=self._timeout,
                    kwargs={"options": options},
                    open=True,
                    name="slakit-numbers",
                )
            return self._pool

    def _run(self, action: Callable[[psycopg.Cursor[Any]], _T], mode: Literal["open", "read", "write"]) -> _T:
        """``action`` in one transaction on a connection of its own; psycopg errors become SequenceStoreErrors."""
        psycopg, psycopg_pool = _modules()
        for attempt in range(_RETRIES):
            try:
                pool = self._current_pool()
                with pool.connection(timeout=self._timeout) as connection:
                    # tuple rows whatever row factory the host's pool gives its connections
                    cursor = connection.cursor(row_factory=psycopg.rows.tuple_row)
                    if not self._prepared:
                        with connection.transaction():
                            _prepare(cursor)
                        self._prepared = True
                    if mode == "open":
                        return action(cursor)
                    with connection.transaction():
                        result = action(cursor)
                return result  # only after the transaction above committed
            except psycopg_pool.PoolTimeout as exc:
                raise self._unreachable(psycopg) or SequenceLockedError(
                    f"{self._label}: no connection came from the pool within the timeout ({self._timeout:g} s): "
                    f"all in use, or the server cannot be reached; nothing was issued and trying again is safe "
                    f"({_one_line(exc)})"
                ) from exc
            except psycopg.Error as exc:
                state = getattr(exc, "sqlstate", None)
                if state in _RACES and attempt + 1 < _RETRIES:
                    continue  # rolled back: nothing was issued; start again and see the winner's row
                raise self._failure(exc, state) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _unreachable(self, psycopg: Any) -> SequenceStoreError | None:
        """Why the store's own pool has no connection, when it is that the server cannot be reached."""
        if self._conninfo is None:
            return None  # a host's pool: its connections may simply all be in use
        try:
            psycopg.connect(self._conninfo, connect_timeout=max(1, round(self._timeout))).close()
        except psycopg.Error as exc:
            return SequenceStoreError(
                f"{self._label} cannot connect to the server ({_one_line(exc)}); nothing was issued"
            )
        return None

    def _failure(self, exc: Exception, state: str | None) -> SequenceStoreError:
        if state in _WAITS or state in _RACES:
            return SequenceLockedError(
                f"{self._label}: another writer held the counter for longer than the timeout; nothing was "
                f"issued and trying again is safe ({_one_line(exc)})"
            )
        if state in _DAMAGE:
            return SequenceIntegrityError(
                f"{self._label} reports damaged data ({exc}); nothing was issued: restore the database from a backup"
            )
        return SequenceStoreError(f"{self._label} failed ({type(exc).__name__}: {_one_line(exc)}); nothing was issued")


def _one_line(exc: BaseException) -> str:
    """A psycopg message on one line (libpq's carry newlines and tabs)."""
    return " ".join(str(exc).split())


def _prepare(cursor: psycopg.Cursor[Any]) -> None:
    """Create the store's tables where missing, each creator in turn (inside the caller's transaction)."""
    row = cursor.execute(_EXISTS).fetchone()
    if row is None or not row[0]:
        for statement in _CREATE:
            cursor.execute(statement)
