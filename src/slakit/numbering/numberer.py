"""Issuing ticket numbers: :class:`TicketNumberer` turns an instant into ``TS20240501001``."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Final, Literal, get_args

from slakit.errors import ConfigError, InvalidTicketNumberError, SequenceExhaustedError, shown
from slakit.instants import require_aware, zone_named
from slakit.numbering.check_digits import CheckMethod
from slakit.numbering.guards import checked_sequence
from slakit.numbering.pattern import DEFAULT_PATTERN, NumberPattern, validate_prefix
from slakit.numbering.scheme import NumberingScheme
from slakit.numbering.stores import MemorySequenceStore, SchemeRegistry, SequenceStore
from slakit.numbering.ticket import MAX_COUNTER, TicketNumber

__all__ = ["DEFAULT_TIMEZONE", "Overflow", "Reset", "TicketNumberer"]

Reset = Literal["daily", "monthly", "yearly", "never"]
"""When the sequence starts again at 1: every calendar day, month, year (in the numberer's zone), or never."""

Overflow = Literal["raise", "widen"]
"""What happens past ``{seq:0Nd}``: raise SequenceExhaustedError, or print the sequence with more digits."""

DEFAULT_TIMEZONE: Final = "Asia/Shanghai"
"""The zone whose calendar day a numberer prints unless told otherwise."""

# Which date directives (besides a year) identify one period of each reset, so that a number can
# never repeat in a later period.
_PERIOD_DIRECTIVES: Final[dict[str, tuple[frozenset[str], ...]]] = {
    "daily": (frozenset({"%m", "%d"}), frozenset({"%j"})),
    "monthly": (frozenset({"%m"}), frozenset({"%j"})),
    "yearly": (frozenset(),),
    "never": (),
}
_PERIOD_NEEDS: Final = {
    "daily": "the day (%Y or %y with %m and %d, or with %j)",
    "monthly": "the month (%Y or %y with %m)",
    "yearly": "the year (%Y or %y)",
}


def _period(reset: Reset, day: date) -> str:
    if reset == "daily":
        return day.isoformat()
    if reset == "monthly":
        return f"{day.year:04d}-{day.month:02d}"
    if reset == "yearly":
        return f"{day.year:04d}"
    return "all"


class TicketNumberer:
    """Issues unique, readable ticket numbers such as ``TS20240501001`` and reads them back.

    ``prefix`` is printed by ``{prefix}`` (``TS`` for technical support, ``SS`` for after-sales
    service); ``pattern`` lays the number out (see :class:`~slakit.numbering.pattern.NumberPattern`);
    ``timezone`` (an IANA name or a tzinfo) decides which calendar day an instant falls on; ``reset``
    (``daily`` | ``monthly`` | ``yearly`` | ``never``) when the sequence restarts at 1; ``store``
    keeps the counters (a fresh :class:`MemorySequenceStore` by default); ``overflow`` is ``raise``
    (:class:`~slakit.errors.SequenceExhaustedError` past ``{seq:0Nd}``) or ``widen`` (more digits);
    ``check`` adds ``none``, ``luhn`` (one digit) or ``mod97`` (ISO 7064 MOD 97-10, two digits)
    check digits, at ``{check}`` or else at the end.

    Counters are kept per (prefix, period) under the key ``"<prefix>:<period>"`` (``TS:2024-05-01``,
    ``TS:2024-05``, ``TS:2024``, ``TS:all``), so numberers with different prefixes can share a store.
    The pattern must print enough of the date to tell periods apart. Bad arguments raise
    :class:`~slakit.errors.ConfigError` naming the argument.
    """

    __slots__ = ("_overflow", "_pattern", "_registry", "_reset", "_scheme", "_store", "_zone", "_zone_name")

    def __init__(
        self,
        prefix: str,
        *,
        pattern: str = DEFAULT_PATTERN,
        timezone: str | tzinfo = DEFAULT_TIMEZONE,
        reset: Reset = "daily",
        store: SequenceStore | None = None,
        overflow: Overflow = "raise",
        check: CheckMethod = "none",
    ) -> None:
        validate_prefix(prefix)
        if reset not in get_args(Reset):
            raise ConfigError.for_value("reset", reset, "one of 'daily', 'monthly', 'yearly' or 'never'")
        if overflow not in get_args(Overflow):
            raise ConfigError.for_value("overflow", overflow, "'raise' or 'widen'")
        if isinstance(timezone, tzinfo):
            self._zone: tzinfo = timezone
            self._zone_name = str(timezone)
        else:
            self._zone = zone_named(timezone, field="timezone")
            self._zone_name = timezone
        if store is None:
            store = MemorySequenceStore()
        elif not isinstance(store, SequenceStore):
            raise ConfigError.for_value("store", store, "a SequenceStore with next(key) and peek(key) methods")
        self._pattern = NumberPattern(pattern, prefix=prefix, check=check, widen=overflow == "widen")
        directives = self._pattern.date_directives
        tells_periods_apart = bool(directives & {"%Y", "%y"}) and any(
            need <= directives for need in _PERIOD_DIRECTIVES[reset]
        )
        if reset != "never" and not tells_periods_apart:
            raise ConfigError.for_value(
                "pattern",
                pattern,
                f"a pattern whose {{date:...}} prints {_PERIOD_NEEDS[reset]} when "
                f"reset={reset!r}, or else numbers would repeat",
            )
        self._reset: Reset = reset
        self._overflow: Overflow = overflow
        self._store = store
        self._scheme = NumberingScheme(
            prefix=prefix, pattern=pattern, reset=reset, check=check, widen=overflow == "widen"
        ).text
        # The store's scheme registry until the scheme is registered there (before the first number),
        # then None; None from the start for a host store that keeps no registry.
        self._registry: SchemeRegistry | None = store if isinstance(store, SchemeRegistry) else None

    @property
    def prefix(self) -> str:
        """What ``{prefix}`` prints, e.g. ``TS``."""
        return self._pattern.prefix

    @property
    def pattern(self) -> str:
        """The pattern as given, e.g. ``{prefix}{date:%Y%m%d}{seq:03d}``."""
        return self._pattern.text

    @property
    def timezone(self) -> tzinfo:
        """The zone whose calendar day the date part is."""
        return self._zone

    @property
    def reset(self) -> Reset:
        """When the sequence starts again at 1."""
        return self._reset

    @property
    def overflow(self) -> Overflow:
        """``raise`` or ``widen`` when a sequence outgrows ``{seq:0Nd}``."""
        return self._overflow

    @property
    def check(self) -> CheckMethod:
        """The check-digit method: ``none``, ``luhn`` or ``mod97``."""
        return self._pattern.check

    @property
    def store(self) -> SequenceStore:
        """Where the counters live."""
        return self._store

    def __repr__(self) -> str:
        return (
            f"TicketNumberer({self.prefix!r}, pattern={self.pattern!r}, timezone={self._zone_name!r}, "
            f"reset={self._reset!r}, store={self._store!r}, overflow={self._overflow!r}, "
            f"check={self.check!r})"
        )

    @property
    def scheme(self) -> NumberingScheme:
        """What decides the numbers' text (prefix, pattern, reset, check, widening), as stores record it."""
        return NumberingScheme.from_text(self._scheme)

    def key_for(self, *, at: datetime) -> str:
        """The store key of the period ``at`` falls in, e.g. ``"TS:2024-05-01"``.

        ``store.peek(numberer.key_for(at=...))`` is how many numbers that period has used so far.
        """
        return f"{self.prefix}:{_period(self._reset, self._day_of(at))}"

    def _day_of(self, at: datetime) -> date:
        """``at``'s calendar day in the numberer's zone; ConfigError when it has none (before year 1
        or after 9999 there, or the zone cannot place it)."""
        aware = require_aware(at, "at")
        try:
            return aware.astimezone(self._zone).date()
        except (OverflowError, ValueError):
            raise ConfigError.for_value(
                "at",
                at,
                f"an instant whose calendar day in {self._zone_name} is from 0001-01-01 to 9999-12-31",
            ) from None

    def next(self, *, at: datetime) -> str:
        """Issue the next number for the instant ``at`` (an aware datetime, usually the creation time).

        The date part is ``at``'s calendar day in the numberer's zone: 2024-04-30 16:30 UTC is
        2024-05-01 in Asia/Shanghai. A naive ``at`` raises :class:`~slakit.errors.NaiveDatetimeError`.
        Past the last sequence ``{seq:0Nd}`` prints, ``overflow="raise"`` raises
        :class:`~slakit.errors.SequenceExhaustedError` (each further call too, until the period
        ends) and ``overflow="widen"`` prints more digits.

        Before its first number the numberer registers its :attr:`scheme` with a store that keeps
        a registry (:class:`~slakit.numbering.SchemeRegistry`): a pattern, reset or check method
        that could print a number the store already issued with another one raises
        :class:`~slakit.errors.PatternConflictError`. Whatever the store refuses (a counter it
        cannot trust, one at :data:`~slakit.numbering.MAX_COUNTER`, a failing file) is raised as a
        :class:`~slakit.errors.SlakitError`; nothing is issued then.
        """
        day = self._day_of(at)
        key = f"{self.prefix}:{_period(self._reset, day)}"
        if "%y" in self._pattern.date_directives and not 2000 <= day.year <= 2099:
            raise ConfigError.for_value(
                "at", at, f"an instant in 2000-2099, because pattern {self.pattern!r} prints a two-digit year"
            )
        if self._registry is not None:
            self._registry.register_scheme(self._scheme)
            self._registry = None
        seq = checked_sequence(self._store.next(key), key=key, store=self._store)
        if seq > self._pattern.max_seq and self._overflow == "raise":
            raise SequenceExhaustedError(
                f"sequence {key!r} is exhausted: pattern {self.pattern!r} prints at most "
                f"{self._pattern.max_seq} numbers per {_period_word(self._reset)} (number {seq} refused); "
                "use overflow='widen' or more digits in {seq:0Nd}"
            )
        return self._pattern.render(day, seq)

    def parse(self, number: str) -> TicketNumber:
        """Read a number this numberer could have issued back into prefix, date and sequence.

        Raises :class:`~slakit.errors.InvalidTicketNumberError` saying what is wrong: the prefix,
        an impossible date, the length, the sequence or the check digits.
        """
        return self._pattern.parse(number)

    def is_valid(self, number: object) -> bool:
        """Whether :meth:`parse` accepts ``number``."""
        try:
            self._pattern.parse(number)
        except InvalidTicketNumberError:
            return False
        return True

    def format(self, number: TicketNumber) -> str:
        """Print parsed parts again: ``format(parse(n)) == n`` for every valid ``n``.

        Issues nothing and checks nothing against the store; raises ConfigError when ``number``
        has another prefix, a sequence below 1, or one the pattern cannot print without widening.
        """
        if not isinstance(number, TicketNumber):
            raise ConfigError.for_value("number", number, f"a TicketNumber with prefix {self.prefix!r}")
        top = MAX_COUNTER if self._overflow == "widen" else self._pattern.max_seq
        seq = number.seq
        if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= top:
            expected = f"a TicketNumber with seq from 1 to {top}"
            # The seq alone is shown: the whole number's repr fails for an int of over 4,300 digits.
            raise ConfigError(f"'number' must be {expected} (got seq {shown(seq)})", path="number", expected=expected)
        if number.prefix != self.prefix:
            raise ConfigError.for_value("number", number, f"a TicketNumber with prefix {self.prefix!r}")
        if not (number.date is None or isinstance(number.date, date)) or (
            number.date is None and self._pattern.date_format is not None
        ):
            raise ConfigError.for_value("number", number, f"a TicketNumber with a date for {self.pattern!r}")
        return self._pattern.render(number.date or date(2000, 1, 1), number.seq)


def _period_word(reset: Reset) -> str:
    return {"daily": "day", "monthly": "month", "yearly": "year", "never": "numberer"}[reset]
