"""Where sequences live: the :class:`SequenceStore` protocol and the in-process memory store."""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from slakit.errors import ConfigError

__all__ = ["MemorySequenceStore", "SequenceStore", "require_key"]


@runtime_checkable
class SequenceStore(Protocol):
    """A set of named counters that never hand out the same value twice.

    ``next(key)`` atomically adds one to the counter ``key`` (a missing counter starts at 0) and
    returns the new value, so the first call returns 1. It must not return before the increment is
    as durable as the host needs: a value returned once must never be returned again for that key,
    even after a crash. ``peek(key)`` returns the last value ``next(key)`` returned, or 0, and
    changes nothing. Keys are non-empty strings such as ``"TS:2024-05-01"``.
    """

    def next(self, key: str) -> int:
        """Increment the counter ``key`` and return its new value (1 for a new key)."""
        ...

    def peek(self, key: str) -> int:
        """The counter's current value: the last one ``next(key)`` returned, or 0."""
        ...


def require_key(key: object) -> str:
    """Return ``key`` if it is a valid sequence key (a non-empty string), else raise ConfigError."""
    if not isinstance(key, str) or not key:
        raise ConfigError.for_value("key", key, "a non-empty string such as 'TS:2024-05-01'")
    return key


class MemorySequenceStore:
    """Counters in a dict behind a lock: safe across threads, private to one process, lost on exit.

    Right for tests, demos and single-process tools; hosts with several workers or that must not
    repeat numbers after a restart use :class:`~slakit.numbering.SQLiteSequenceStore` or their own
    :class:`SequenceStore`.
    """

    __slots__ = ("_counters", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}

    def next(self, key: str) -> int:
        """Increment the counter ``key`` and return its new value (1 for a new key)."""
        require_key(key)
        with self._lock:
            value = self._counters.get(key, 0) + 1
            self._counters[key] = value
        return value

    def peek(self, key: str) -> int:
        """The counter's current value: the last one ``next(key)`` returned, or 0."""
        require_key(key)
        with self._lock:
            return self._counters.get(key, 0)

    def __repr__(self) -> str:
        with self._lock:
            return f"MemorySequenceStore({len(self._counters)} keys)"
