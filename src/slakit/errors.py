"""Every error slakit raises, in one hierarchy under :class:`SlakitError`.

Each leaf also subclasses the built-in exception that fits, so ``except ValueError`` in a host keeps
working. Messages name the field, the value and what would be accepted, in the style
``'within' must be a duration (got 'abc')``. Errors with a recurring shape are built by ``for_*``
class methods so that the wording stays the same everywhere.
"""

from __future__ import annotations

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
    "UnknownPriorityError",
    "UnsatisfiableError",
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
        return cls(f"{field!r} must be {expected} (got {value!r})", path=field, expected=expected)


class NaiveDatetimeError(SlakitError, ValueError):
    """A datetime without a time zone was given where slakit needs an instant."""

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter

    @classmethod
    def for_parameter(cls, parameter: str, value: Any) -> NaiveDatetimeError:
        """The standard message for a naive ``value`` passed as ``parameter``."""
        return cls(
            f"{parameter!r} must be an aware datetime with a time zone (got naive {value!r}); "
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
        return cls(f"{field!r} must be one of {', '.join(known)} (got {code!r})")


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
