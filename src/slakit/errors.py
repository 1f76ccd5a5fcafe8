"""Every error slakit raises, in one hierarchy under :class:`SlakitError`.

Each leaf also subclasses the built-in exception that fits, so ``except ValueError`` in a host keeps
working. Messages name the field, the value and what would be accepted, in the style
``'within' must be a duration (got 'abc')``. Errors with a recurring shape are built by ``for_*``
class methods so that the wording stays the same everywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

__all__ = [
    "ConfigError",
    "InvalidSurveyResponseError",
    "InvalidTicketError",
    "InvalidTicketNumberError",
    "NaiveDatetimeError",
    "PatternConflictError",
    "SequenceExhaustedError",
    "SequenceIntegrityError",
    "SequenceLockedError",
    "SequenceStoreError",
    "SlakitError",
    "TooManyRejectedError",
    "UnknownPriorityError",
    "UnsatisfiableError",
    "WorkerLostError",
    "listed",
    "shown",
]


class SlakitError(Exception):
    """Root of every error slakit raises on purpose."""


class ConfigError(SlakitError, ValueError):
    """A configuration (calendar, policy, rules, scheme) or argument is malformed.

    ``path`` is where in the configuration the problem is (``hours.mon-fri[1]``), or ``None``.
    """

    def __init__(self, message: str, *, path: str | None = None, expected: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.expected = expected

    @classmethod
    def for_value(cls, field: str, value: Any, expected: str) -> ConfigError:
        """``'field' must be <expected> (got <value!r>)``; ``expected`` is kept for re-wording."""
        return cls(f"{field!r} must be {expected} (got {shown(value)})", path=field, expected=expected)


class NaiveDatetimeError(SlakitError, ValueError):
    """A datetime without a time zone was given where slakit needs an instant."""

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter

    @classmethod
    def for_parameter(cls, parameter: str, value: Any) -> NaiveDatetimeError:
        """The standard message for a naive ``value`` passed as ``parameter``."""
        return cls(
            f"{parameter!r} must be an aware datetime with a time zone (got naive {shown(value)}); "
            "attach one, e.g. value.replace(tzinfo=ZoneInfo('Asia/Shanghai'))",
            parameter=parameter,
        )


class UnsatisfiableError(SlakitError, ValueError):
    """A computation has no answer within slakit's search horizon (for example a deadline on a
    calendar that never opens again)."""


class InvalidTicketNumberError(SlakitError, ValueError):
    """A ticket number does not match the numberer's pattern (prefix, date, length or check digits)."""


class SequenceExhaustedError(SlakitError, OverflowError):
    """A ticket-number sequence has used every value its pattern can print."""


class InvalidSurveyResponseError(SlakitError, ValueError):
    """A survey response has an answer outside the scale, an unknown or a missing dimension."""


class InvalidTicketError(SlakitError, ValueError):
    """A ticket or one of its events is malformed (unknown event type, event before creation, ...)."""


class UnknownPriorityError(SlakitError, LookupError):
    """A ticket names a priority the policy does not define."""

    @classmethod
    def for_code(cls, code: object, known: list[str], *, field: str = "priority") -> UnknownPriorityError:
        """``'priority' must be one of P1, P2, P3 (got 'P9')``."""
        return cls(f"{field!r} must be one of {', '.join(known)} (got {shown(code)})")


class WorkerLostError(SlakitError, RuntimeError):
    """A worker process of a parallel batch ended abruptly (killed, e.g. by the out-of-memory killer); the
    message names the input lines that were being evaluated. The run is abandoned: its outputs are not written."""


class TooManyRejectedError(SlakitError, ValueError):
    """More input rows were rejected than a run's ``max_rejected`` allows.

    Raised by :func:`slakit.batch.run` once its outputs are in place: they are complete (rejected.csv
    lists each rejected row with its reason), so ``outcome`` (the run's ``RunOutcome``) is attached.
    """

    def __init__(self, message: str, *, outcome: Any = None) -> None:
        super().__init__(message)
        self.outcome = outcome


SHOWN_LENGTH = 80
"""How many characters of a value an error message shows at most (:func:`shown`)."""


def shown(value: object, limit: int = SHOWN_LENGTH) -> str:
    """``repr(value)`` cut to at most ``limit`` characters, for error messages.

    The cut is made while the text is built, so the time and memory it takes depend on ``limit``,
    not on the value: a 50 MB string, a 10**5000 integer, a list nested 10,000 deep or a YAML alias
    bomb of a billion leaves are shown as quickly as ``'abc'``. Strings, numbers, mappings and
    sequences are written as ``repr`` writes them; other objects by their own ``repr``.
    """
    text = _shown(value, limit + 1, depth=4)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def listed(names: Iterable[str], limit: int = 20) -> str:
    """``names`` joined with commas for an error's "must be one of ...", at most ``limit`` of them shown.

    A policy may define thousands of categories or calendars; a message lists the first ``limit``
    (each shortened by :func:`shown`'s rule) and says how many more there are, so it stays short.
    """
    items = list(itertools.islice(iter(names), limit + 1))
    head = ", ".join(name if len(name) <= SHOWN_LENGTH else shown(name) for name in items[:limit])
    if len(items) <= limit:
        return head
    rest = sum(1 for _ in names) - limit if isinstance(names, Collection) else None
    return f"{head}, ... ({rest} more)" if rest is not None else f"{head}, ..."


def _shown(value: object, budget: int, depth: int) -> str:
    """About ``budget`` characters of ``repr(value)`` at most (more only by closing brackets)."""
    if isinstance(value, str | bytes):
        return repr(value[:budget])[:budget] if len(value) > budget else repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 4 * budget:  # surely more than ``budget`` digits: never written out
            return f"<an integer of {value.bit_length()} bits>"
        return repr(value)
    if isinstance(value, Mapping):
        opening, closing = "{", "}"
        pairs: Iterator[tuple[object, object]] = iter(value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        opening, closing = _BRACKETS[type(value) if type(value) in _BRACKETS else _base(value)]
        if not value and isinstance(value, set | frozenset):
            return "set()" if isinstance(value, set) else "frozenset()"
        if len(value) == 1 and isinstance(value, tuple):
            closing = ",)"
        pairs = ((item, _NO_VALUE) for item in value)
    else:
        return repr(value)[:budget]
    if depth <= 0 and value:
        return opening + "..." + closing
    parts, used = [], len(opening)
    for key, item in pairs:
        if used >= budget:
            parts.append("...")
            break
        part = _shown(key, budget - used, depth - 1)
        if item is not _NO_VALUE:
            part += ": " + _shown(item, max(budget - used - len(part) - 2, 1), depth - 1)
        parts.append(part)
        used += len(part) + 2
    return opening + ", ".join(parts) + closing


_NO_VALUE = object()
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
}


def _base(value: object) -> type:
    return next(kind for kind in _BRACKETS if isinstance(value, kind))


class SequenceStoreError(SlakitError, OSError):
    """A sequence store cannot issue a number: its file cannot be opened or written, is not a
    database, or its storage failed. Nothing was issued. ``path`` names the store (or is ``None``)."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SequenceLockedError(SequenceStoreError, TimeoutError):
    """Another writer held a sequence store's lock for longer than its timeout. Nothing was issued;
    trying again is safe."""


class SequenceIntegrityError(SequenceStoreError):
    """A sequence store cannot be sure a number was not issued before (a damaged file, a counter that
    is not an integer, went back or lost its high-water mark), so it issues nothing."""


class PatternConflictError(ConfigError):
    """A numberer's pattern, prefix and reset could print a number that another numbering already
    issued from the same store."""
