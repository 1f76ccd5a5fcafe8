"""One metric clock: the stretches it ran, the targets in force, and where it stands.

A track starts at ``start`` and runs during ``segments`` (already cut by pauses and resolved time),
up to ``horizon``: its completion instant, or the evaluation instant when still running. Targets
come in pieces, each in force from an instant: the priority at the start, later priority
changes, and customer-agreed extensions (an absolute deadline that later priority changes do not
move). All instants and durations are epoch microseconds.

Breach is decided here, once for every path (the SLA clocks, the escalation phases, the batch):
:func:`is_breached`, from :func:`breach_instant`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from operator import itemgetter
from typing import NamedTuple

from slakit.calendar import HORIZON_YEARS, BusinessCalendar, Ruler
from slakit.calendar.table import wall_instant
from slakit.errors import UnsatisfiableError
from slakit.instants import from_us
from slakit.sla.policy import Target

__all__ = [
    "Figures",
    "Outcome",
    "Piece",
    "TargetTrace",
    "Track",
    "at_risk_threshold",
    "breach_instant",
    "clock_stop",
    "due_in_stretch",
    "end_of_business_day",
    "evaluate_track",
    "first_open",
    "hole_reach",
    "ignored_extension",
    "in_force_from",
    "is_at_risk",
    "is_breached",
    "moved_by_priority",
    "passed_in_force",
    "running_segments",
    "single_target",
    "target_length",
]

# How a target appears in a trace: (since, within, until, source), the shape of Trace.targets items.
TargetTrace = tuple[int, int | None, int | None, str]
# What single_target finds: (elapsed, deadline, breached_at, next_change, at_risk).
Figures = tuple[int, int, int | None, int | None, bool]


def breach_instant(deadline: int) -> int:
    """The first instant at which a clock due at ``deadline`` shows breached: one microsecond after it.

    Breach is strict: at the deadline itself a running clock is still within its target, and one
    completed exactly then has met it. :func:`is_breached` and every engine's breach instants derive from
    this one function.
    """
    return deadline + 1


def is_breached(deadline: int, at: int) -> bool:
    """Whether a clock due at ``deadline`` is breached by the instant ``at`` (its completion, the end of the
    target's time in force, or the evaluation instant)."""
    return at >= breach_instant(deadline)


def passed_in_force(deadline: int, horizon: int, superseded: int | None) -> bool:
    """Whether a target due at ``deadline`` was breached while in force: before the clock's ``horizon`` and
    before the next target took over at ``superseded`` (None: it never was)."""
    return is_breached(deadline, horizon) and (superseded is None or is_breached(deadline, superseded))


def is_at_risk(elapsed: int, target: int, ratio: tuple[int, int]) -> bool:
    """Whether ``elapsed / target`` has reached the at-risk ``ratio`` ``(numerator, denominator)``, in integers
    (a metric is at risk when so, running or paused, and not breached)."""
    return elapsed * ratio[1] >= target * ratio[0]


def at_risk_threshold(target: int, ratio: tuple[int, int]) -> int:
    """The least elapsed time at which a clock with ``target`` is at risk (:func:`is_at_risk`)."""
    return -(-target * ratio[0] // ratio[1])


def in_force_from(sinces: Sequence[int], start: int) -> range:
    """The indexes of the targets (coming into force at ``sinces``, in order) that count for a clock started at
    ``start``: the one in force at the start and each later one; those superseded before it do not.

    That is each ``i`` that is the last or whose successor comes into force after ``start``: a suffix, found
    by bisection."""
    return range(max(bisect_right(sinces, start) - 1, 0), len(sinces))


def clock_stop(resolved: tuple[tuple[int, int | None], ...], start: int, natural: int | None) -> int | None:
    """When a response or acknowledge clock started at ``start`` stops for good: at its own event
    (``natural``), or at a resolve before it; one started on an already resolved ticket stops at once.

    The rule "a resolve completes every running clock" for these once-per-ticket clocks.
    """
    forced = None
    for a, b in resolved:
        if a >= start or b is None or start < b:
            forced = max(a, start)
            break
    return forced if natural is None or (forced is not None and forced < natural) else natural


def first_open(clock: Ruler, t: int) -> int:
    """The first instant at or after ``t`` at which ``clock``'s calendar is open."""
    return clock.add(t, 1) - 1


def due_in_stretch(clock: Ruler, a: int, b: int, need: int, *, stops: bool) -> int | None:
    """Where a clock running over ``[a, b)`` with ``need`` left to count is due, if it is due in that stretch
    (None: later). ``stops`` says whether the clock stands still from ``b`` (a pause or a resolve begins).

    The one rule of where a deadline falls (docs/sla.md, "Breach"): the earliest instant by which the
    clock has counted ``need``, except that a deadline never falls in closed time (nothing left to count
    is due at the first open instant, so a ``0s`` target set outside business hours is due at the
    next opening), and a deadline reached exactly as the clock stops is not passed while it stands
    still: it falls where the clock runs again, in a later stretch.
    """
    if need <= 0:
        due = first_open(clock, a)
        return due if due < b else None
    due = clock.add(a, need)
    return due if due < b or (due == b and not stops) else None


def end_of_business_day(
    calendar: BusinessCalendar, start: int, days: int, closes: dict[date, int | None] | None = None
) -> int:
    """The deadline of a relative target (``due: end_of_business_day``) whose clock starts at ``start``: the last
    closing instant of the calendar's ``days``-th business day after the business day of the start.

    The business day of the start is its own local date when that date's hours close after the start (the
    calendar is open then, or opens again later that day), else the next business day; a business day is a date
    with hours (holidays closed, make-up workdays open, special hours as given). Its last closing instant is that
    of its last interval (after a lunch break; past midnight for hours that cross it), by the calendar's own rule
    for wall times (:func:`slakit.calendar.table.wall_instant`, so DST moves it as it moves any closing).
    :class:`~slakit.errors.UnsatisfiableError` when the calendar has no such day within its search horizon.
    ``closes``, when given, keeps each date's last closing instant for later calls on the same calendar.
    """
    memo: dict[date, int | None] = {} if closes is None else closes
    if len(memo) > _MEMO_DAYS:
        memo.clear()
    zone = calendar.timezone
    day = from_us(start, zone).date()
    close = _last_close(calendar, day, memo)
    if close is None or close <= start:
        day, close = _next_business_day(calendar, day, memo)
    for _ in range(days):
        day, close = _next_business_day(calendar, day, memo)
    return close


_MEMO_DAYS = 20_000


def _last_close(calendar: BusinessCalendar, day: date, memo: dict[date, int | None]) -> int | None:
    """The last closing instant of ``day``'s hours, None when it has none (a day with no open time)."""
    if day in memo:
        return memo[day]
    zone = calendar.timezone
    closes = []
    for r in calendar.schedule(day).ranges:
        close = wall_instant(day, r.end, zone, closing=True)
        if close > wall_instant(day, r.start, zone, closing=False):  # not emptied by a DST gap
            closes.append(close)
    found = memo[day] = max(closes) if closes else None
    return found


_MAX_DAYS = HORIZON_YEARS * 366


def _next_business_day(calendar: BusinessCalendar, day: date, memo: dict[date, int | None]) -> tuple[date, int]:
    """The first business day after ``day``, with its last closing instant."""
    for _ in range(_MAX_DAYS):
        day += timedelta(days=1)
        close = _last_close(calendar, day, memo)
        if close is not None:
            return day, close
    raise UnsatisfiableError(
        f"the calendar has no business day within {HORIZON_YEARS} years after {day.isoformat()}: a relative "
        "deadline (due: end_of_business_day) cannot fall"
    )


def target_length(target: Target, start: int) -> int:
    """The length of ``target`` for a clock started at ``start``: its ``within``; for a relative target the open
    time of its calendar from the start to its deadline (:func:`end_of_business_day`), so that a clock running
    straight on is due exactly at that deadline (:func:`due_in_stretch`, the one rule of where a deadline falls),
    and elapsed, remaining and at-risk are measured against that length like any other target's."""
    if target.days is None:
        return target.within_us
    return target.clock.elapsed_us(start, end_of_business_day(target.clock, start, target.days, target.closes))


def running_segments(
    start: int, end: int, holes: Sequence[tuple[int, int | None]], reach: Sequence[int] | None = None
) -> list[tuple[int, int]]:
    """``[start, end)`` minus the ``holes`` (sorted by start): where a clock runs.

    ``reach``, when given, is :func:`hole_reach` of ``holes``: the holes that end by ``start`` are then
    skipped by bisection rather than one by one.
    """
    segments: list[tuple[int, int]] = []
    cursor = start
    first = bisect_right(reach, start) if reach is not None else 0
    for hole_start, hole_end in holes if not first else _from(holes, first):
        stop = end if hole_end is None else hole_end
        if stop <= cursor:
            continue
        if hole_start >= end:
            break
        if hole_start > cursor:
            segments.append((cursor, hole_start))
        cursor = max(cursor, stop)
        if cursor >= end:
            break
    if cursor < end:
        segments.append((cursor, end))
    return segments


def _from(items: Sequence[tuple[int, int | None]], first: int) -> Iterator[tuple[int, int | None]]:
    """The items from index ``first`` on, without copying the list."""
    for i in range(first, len(items)):
        yield items[i]


def hole_reach(holes: Sequence[tuple[int, int | None]]) -> list[int]:
    """For each of ``holes`` (sorted by start), the latest end among it and those before it (a hole still open
    counts as endless): a sorted list, so that :func:`running_segments` finds the first hole that matters by
    bisection."""
    reach: list[int] = []
    latest = -(1 << 63)
    for _, end in holes:
        if end is None:
            latest = 1 << 63
        elif end > latest:
            latest = end
        reach.append(latest)
    return reach


_END = itemgetter(1)


class Piece(NamedTuple):
    """A target in force from ``since``: a duration of clock time, or an absolute ``until``.

    ``track`` is the clock an earlier priority's target is measured on when its clock or
    pausability differs from the current priority's (None: the metric's own track), so that a
    breach under the earlier priority stays a breach after a change.
    """

    since: int
    within: int | None
    until: int | None
    source: str
    track: Track | None = None


class Outcome(NamedTuple):
    """Where a track stands at its horizon. ``final`` is the target in force at the end; ``applied`` the
    extension pieces applied with their event index, ``ignored`` the ignored ones with the reason."""

    elapsed: int
    target: int
    deadline: int
    breached_at: int | None
    next_change: int | None
    at_risk: bool
    final: TargetTrace
    applied: tuple[tuple[Piece, int], ...] = ()
    ignored: tuple[tuple[int, str], ...] = ()


class Track(NamedTuple):
    """Elapsed clock time and target crossings over a fixed list of running segments.

    ``clock`` runs during ``segments`` from ``start`` to ``horizon``; ``cum_end`` is the clock time
    counted by the end of each segment (``clock.running_totals(segments)``), ``total`` up to the horizon.
    """

    clock: Ruler
    start: int
    horizon: int
    segments: list[tuple[int, int]]
    cum_end: list[int]
    total: int

    def elapsed_at(self, t: int) -> int:
        """Clock time counted before instant ``t``."""
        segments = self.segments
        i = bisect_right(segments, t, key=_END)  # the first segment that ends after t
        counted = self.cum_end[i - 1] if i else 0
        if i < len(segments):
            a = segments[i][0]
            if a < t:
                counted += self.clock.elapsed(a, t)
        return counted

    def reach(self, amount: int) -> int:
        """The deadline of ``amount`` of clock time: the instant by which the clock, running, has counted it.

        Inside the counted segments this is exact history; past them it is the projection as if
        the clock ran on from the horizon. Each segment is taken by :func:`due_in_stretch`, the one
        rule of where a deadline falls.
        """
        if amount > self.total:  # the common case: a deadline ahead of the horizon
            return self.clock.add(self.horizon, amount - self.total)
        segments, cum_end = self.segments, self.cum_end
        last = len(segments) - 1
        i = bisect_left(cum_end, amount)  # the segments before it counted less than the amount
        while i <= last:
            a, b = segments[i]
            before = cum_end[i - 1] if i else 0
            # the clock stops at b unless b is the horizon it runs up to
            due = due_in_stretch(self.clock, a, b, amount - before, stops=i < last or b < self.horizon)
            if due is not None:
                return due
            i += 1
        return first_open(self.clock, self.horizon)

    def reached_within(self, amount: int) -> bool:
        """Whether ``amount`` was counted inside the segments (not just projected)."""
        return amount <= 0 or amount <= self.total


def evaluate_track(
    track: Track,
    pieces: list[Piece],
    extensions: list[tuple[int, int, bool, int]],
    *,
    running: bool,
    ratio: tuple[int, int],
    paused: bool = False,
) -> Outcome | None:
    """Apply the target pieces and extensions ``(at, until, agreed, index)`` in time order.

    Returns None when no piece has a target (the metric is not tracked). ``running`` says whether
    the clock is counting at the horizon (not completed, not paused); ``paused`` whether it is
    paused there (not completed): an agreed deadline still comes closer, and passes, while paused.
    """
    if len(pieces) == 1 and not extensions and pieces[0].track is None:
        only = pieces[0]
        if only.within is None:
            return None
        elapsed, deadline, breached_at, next_change, at_risk = single_target(track, only.within, running, ratio)
        start_trace = (track.start, only.within, None, only.source)
        return Outcome(elapsed, only.within, deadline, breached_at, next_change, at_risk, start_trace)
    effective, applied, ignored = _in_force(track, pieces, extensions)
    breached_at = _first_breach(track, effective)
    final = effective[-1]
    if final.within is None and final.until is None:
        tracked = [p for p in effective if p.within is not None or p.until is not None]
        if not tracked:
            return None
        final = tracked[-1]
    elapsed = track.total
    if final.until is not None:
        remaining = track.clock.elapsed(track.horizon, final.until)
        target = elapsed + remaining
        deadline = final.until
    else:
        assert final.within is not None  # noqa: S101 -- checked above
        target = final.within
        deadline = track.reach(target)
    numerator, denominator = ratio
    at_risk = breached_at is None and is_at_risk(elapsed, target, ratio)
    next_change = None
    if running and breached_at is None:
        next_change = breach_instant(deadline)
        if not at_risk:
            next_change = min(next_change, track.reach(at_risk_threshold(target, ratio)))
    elif paused and final.until is not None and breached_at is None:
        # paused against an agreed deadline: elapsed stands still, remaining falls with open time, so
        # at risk from the first instant with remaining * n <= elapsed * (d - n)
        next_change = breach_instant(deadline)
        if not at_risk:
            least = elapsed * (denominator - numerator) // numerator
            next_change = min(next_change, track.clock.add(track.horizon, remaining - least))
    trace = (final.since, final.within, final.until, final.source)
    return Outcome(elapsed, target, deadline, breached_at, next_change, at_risk, trace, applied, ignored)


def _in_force(
    track: Track, pieces: list[Piece], extensions: list[tuple[int, int, bool, int]]
) -> tuple[list[Piece], tuple[tuple[Piece, int], ...], tuple[tuple[int, str], ...]]:
    """The pieces in force one after the other, once priority changes and extensions are applied in time
    order (a priority change before an extension recorded at the same instant); with the extensions
    applied (and their index) and those ignored (with the reason).

    ``pieces`` and ``extensions`` are each in time order, so they are merged rather than sorted.
    """
    if not extensions:  # each priority change takes over: no agreed deadline stands in its way
        return list(pieces), (), ()
    effective = [pieces[0]]
    applied: list[tuple[Piece, int]] = []
    ignored: list[tuple[int, str]] = []

    def deadline(piece: Piece) -> int:
        return _deadline(track, piece)

    def extend(ext: tuple[int, int, bool, int]) -> None:
        at, until, agreed, index = ext
        reason = ignored_extension(effective[-1], at, until, agreed, deadline)
        if reason is not None:
            ignored.append((index, reason))
        else:
            extension = Piece(at, None, until, "extension")
            effective.append(extension)
            applied.append((extension, index))

    following = iter(extensions)
    ext = next(following, None)
    for piece in pieces[1:]:
        while ext is not None and ext[0] < piece.since:
            extend(ext)
            ext = next(following, None)
        if moved_by_priority(effective[-1]):
            effective.append(piece)
    while ext is not None:
        extend(ext)
        ext = next(following, None)
    return effective, tuple(applied), tuple(ignored)


def moved_by_priority(current: Piece) -> bool:
    """Whether a priority change replaces the target in force ``current``: unless it is an agreed deadline
    (an extension), which a later priority change does not move."""
    return current.until is None


def ignored_extension(
    current: Piece, at: int, until: int, agreed: bool, deadline: Callable[[Piece], int]
) -> str | None:
    """Why an extension recorded at ``at`` cannot move the deadline of the target in force ``current`` to
    ``until`` (None: it does). ``deadline`` gives the deadline of a piece with a target, as the clock stands
    at the instant the question is asked (asked only when needed)."""
    if not agreed:
        return "the customer did not agree"
    if current.within is None and current.until is None:
        return "the metric has no target for this priority"
    if deadline(current) <= at:
        return "recorded at or after the deadline it would move"
    if until <= at:
        return "'until' is not after the extension was recorded"
    return None


def single_target(track: Track, within: int, running: bool, ratio: tuple[int, int]) -> Figures:
    """The common case of :func:`evaluate_track`: one target all along, no extension.

    Returns ``(elapsed, deadline, breached_at, next_change, at_risk)`` as plain values (no
    :class:`Outcome`): most metrics of most tickets come this way.
    """
    elapsed = track.total
    if within > elapsed:  # the deadline lies ahead of the horizon
        deadline = track.clock.add(track.horizon, within - elapsed)
        breached_at = None
    else:
        deadline = track.reach(within)
        breached_at = deadline if is_breached(deadline, track.horizon) else None
    at_risk = breached_at is None and is_at_risk(elapsed, within, ratio)
    next_change = None
    if running and breached_at is None:
        next_change = breach_instant(deadline)
        if not at_risk:  # then the at-risk threshold lies ahead of the horizon too
            threshold = at_risk_threshold(within, ratio)
            next_change = min(next_change, track.clock.add(track.horizon, threshold - elapsed))
    return elapsed, deadline, breached_at, next_change, at_risk


def _deadline(track: Track, piece: Piece) -> int:
    if piece.until is not None:
        return piece.until
    assert piece.within is not None  # noqa: S101 -- callers pass tracked pieces
    return (piece.track or track).reach(piece.within)


def _first_breach(track: Track, effective: list[Piece]) -> int | None:
    """The first piece whose deadline passed while it was in force and before the horizon.

    A piece that comes into force with its deadline already behind it breaches at that deadline
    ("if the new deadline is already past, breached_at is the new deadline, once").
    """
    horizon, start = track.horizon, track.start
    last = len(effective) - 1
    for i, piece in enumerate(effective):
        ends = effective[i + 1].since if i < last else None
        if piece.until is not None:
            deadline = piece.until
        elif piece.within is not None:
            within = piece.within
            # open time never exceeds wall time: a target longer than the time the piece was in force (and the
            # clock ran) cannot have passed in it, which saves a calendar lookup for most pieces
            if within > 0 and (horizon if ends is None or ends > horizon else ends) - start < within:
                continue
            clock = piece.track or track
            if not clock.reached_within(within):
                continue
            deadline = clock.reach(within)
        else:
            continue
        if passed_in_force(deadline, horizon, ends):
            return deadline
    return None
