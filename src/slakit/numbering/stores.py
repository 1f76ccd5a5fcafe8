"""Where sequences live: the :class:`SequenceStore` protocol and the in-process memory store."""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from slakit.numbering.guards import admit_scheme, advanced, following, require_key

__all__ = ["MemorySequenceStore", "SchemeRegistry", "SequenceStore", "require_key"]


@runtime_checkable
class SequenceStore(Protocol):
    """A set of named counters that never hand out the same value twice.

    ``next(key)`` atomically adds one to the counter ``key`` (a missing counter starts at 0) and
    returns the new value, so the first call returns 1. It must not return before the increment is
    as durable as the host needs: a value returned once must never be returned again for that key,
    even after a crash. When it cannot be sure of that (the counter cannot be read, went back or
    reached :data:`~slakit.numbering.MAX_COUNTER`) it raises and issues nothing; the checks in
    :mod:`slakit.numbering.guards` do that for any store. ``peek(key)`` returns the last value
    ``next(key)`` returned, or 0, and changes nothing. Keys are non-empty strings such as
    ``"TS:2024-05-01"``.
    """

    def next(self, key: str) -> int:
        """Increment the counter ``key`` and return its new value (1 for a new key)."""
        ...

    def peek(self, key: str) -> int:
        """The counter's current value: the last one ``next(key)`` returned, or 0."""
        ...


@runtime_checkable
class SchemeRegistry(Protocol):
    """A store that also records which numbering schemes issued from it (optional, beside SequenceStore).

    A :class:`~slakit.numbering.TicketNumberer` calls ``register_scheme(scheme)`` once before its
    first number, with the canonical text of its prefix, pattern, reset and check method
    (:class:`~slakit.numbering.scheme.NumberingScheme`). The store checks the recorded schemes with
    :func:`~slakit.numbering.guards.admit_scheme` and records ``scheme``, all in one atomic step, so
    that a changed pattern that could print a number already issued raises
    :class:`~slakit.errors.PatternConflictError` and issues nothing. Stores without this method
    still work; nothing then guards against such a change.
    """

    def register_scheme(self, scheme: str) -> None:
        """Record ``scheme``; PatternConflictError when it could repeat a recorded scheme's number."""
        ...


class MemorySequenceStore:
    """Counters in a dict behind a lock: safe across threads, private to one process, lost on exit.

    Right for tests, demos and single-process tools; hosts with several workers or that must not
    repeat numbers after a restart use :class:`~slakit.numbering.SQLiteSequenceStore` or their own
    :class:`SequenceStore`. It refuses what any store refuses where that can happen in memory: a
    counter past :data:`~slakit.numbering.MAX_COUNTER` and a numbering scheme that could repeat a
    number (it is a :class:`SchemeRegistry`).
    """

    __slots__ = ("_counters", "_lock", "_schemes")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._schemes: list[str] = []

    def next(self, key: str) -> int:
        """Increment the counter ``key`` and return its new value (1 for a new key)."""
        require_key(key)
        with self._lock:
            value = following(key, self._counters.get(key, 0), store="MemorySequenceStore")
            self._counters[key] = value
        return value

    def peek(self, key: str) -> int:
        """The counter's current value: the last one ``next(key)`` returned, or 0."""
        require_key(key)
        with self._lock:
            return self._counters.get(key, 0)

    def advance(self, key: str, value: int) -> int:
        """Raise the counter ``key`` to ``value`` unless it is higher already; return its value.

        For continuing a numbering started elsewhere: the next number is then ``value + 1``.
        Counters never go back; ConfigError when ``value`` is not an integer from 0 to MAX_COUNTER.
        """
        require_key(key)
        with self._lock:
            counters = [(self._counters[key],)] if key in self._counters else []
            self._counters[key] = advanced(key, counters, [], value)
            return self._counters[key]

    def register_scheme(self, scheme: str) -> None:
        """Record ``scheme``; PatternConflictError when it could repeat a recorded scheme's number."""
        with self._lock:
            if admit_scheme(scheme, self._schemes):
                self._schemes.append(scheme)

    def __repr__(self) -> str:
        return f"MemorySequenceStore({len(self._counters)} keys)"
