"""ISO 8601 texts of epoch-microsecond instants in one zone, exactly as ``datetime.isoformat`` writes them, fast.

Every row of results.csv and results.jsonl shows five or so instants. ``from_us(us, zone).isoformat()``
costs about 2.5 µs (the zone is asked for its offset twice); across a million rows that is a tenth
of the batch. Instants of one UTC hour share their zone offset, and instants of one local day
their date, so both are worked out once and the text is put together from them. An hour in which
the offset changes, or whose offset is not whole minutes (local mean times before 1900 or so, when
local and UTC seconds differ), is written the slow way.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta, tzinfo

from slakit._time import US_PER_DAY, US_PER_SECOND, from_us, td_to_us, to_us

__all__ = ["InstantTexts"]

_US_PER_MINUTE = 60 * US_PER_SECOND
_US_PER_HOUR = 60 * _US_PER_MINUTE
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_CLOCK = tuple(f"{minute // 60:02d}:{minute % 60:02d}:" for minute in range(24 * 60))  # "HH:MM:" of a day
_SECONDS = tuple(f"{second:02d}" for second in range(60))
_REMEMBERED = 100_000  # hours and days each: some eleven years of hours
_KNOWN = 200_000  # texts by instant (about 25 MB)
_SLOW = (0, "")  # an hour that is written the slow way


class InstantTexts:
    """``from_us(us, zone).isoformat()`` for instants ``us``, remembering offsets per hour and dates per day."""

    __slots__ = ("_days", "_hours", "known", "zone")

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.known: dict[int, str] = {}
        """Texts already made, by instant: ``known.get(us) or texts(us)`` skips even the call (exports repeat
        instants: whole minutes, closing times)."""
        self._hours: dict[int, tuple[int, str]] = {}  # UTC hour -> (offset in µs, "+08:00"), or _SLOW
        self._days: dict[int, str] = {}  # local day since 1970-01-01 -> "2025-03-04T"

    def __call__(self, us: int) -> str:
        """The instant ``us`` (microseconds since the epoch) in ISO 8601, in the zone; remembered in ``known``."""
        known = self.known
        if len(known) >= _KNOWN:
            known.clear()
        text = known[us] = self._compose(us)
        return text

    def _compose(self, us: int) -> str:
        offset, suffix = self._hours.get(us // _US_PER_HOUR) or self._hour(us // _US_PER_HOUR)
        if not suffix:
            return from_us(us, self.zone).isoformat()
        day, within = divmod(us + offset, US_PER_DAY)
        head = self._days.get(day) or self._day(day)
        minute, rest = divmod(within, _US_PER_MINUTE)
        if not rest:
            return f"{head}{_CLOCK[minute]}00{suffix}"
        second, micro = divmod(rest, US_PER_SECOND)
        if micro:
            return f"{head}{_CLOCK[minute]}{_SECONDS[second]}.{micro:06d}{suffix}"
        return f"{head}{_CLOCK[minute]}{_SECONDS[second]}{suffix}"

    def _hour(self, hour: int) -> tuple[int, str]:
        """The offset throughout UTC ``hour`` and its text, or _SLOW when it is not one whole-minute offset."""
        if len(self._hours) >= _REMEMBERED:
            self._hours.clear()
        start = hour * _US_PER_HOUR
        try:
            first, last = from_us(start, self.zone), from_us(start + _US_PER_HOUR - 1, self.zone)
            offset = first.utcoffset()
            steady = (
                offset is not None
                and offset == last.utcoffset()
                and not offset % timedelta(minutes=1)
                # and the wall times are UTC plus the offset (a tzinfo whose fromutc and utcoffset disagree: not)
                and to_us(first.replace(tzinfo=UTC)) == start + td_to_us(offset)
                and to_us(last.replace(tzinfo=UTC)) == start + _US_PER_HOUR - 1 + td_to_us(offset)
            )
        except (OverflowError, ValueError):  # the ends of the datetime range: the instant itself may still be fine
            steady = False
        if not steady or offset is None:
            self._hours[hour] = _SLOW
            return _SLOW
        text = first.isoformat()
        found = self._hours[hour] = (
            td_to_us(offset),
            text[19:],  # after "YYYY-MM-DDTHH:MM:SS": the offset as isoformat writes it
        )
        return found

    def _day(self, day: int) -> str:
        if len(self._days) >= _REMEMBERED:
            self._days.clear()
        head = self._days[day] = date.fromordinal(day + _EPOCH_ORDINAL).isoformat() + "T"
        return head
