"""One metric clock: the stretches it ran, the targets in force, and where it stands.

A track starts at ``start`` and runs during ``segments`` (already cut by pauses and resolved time),
up to ``horizon``: its completion instant, or the evaluation instant when still running. Targets
come in pieces, each in force from an instant: the priority at the start, later priority
changes, and customer-agreed extensions (an absolute deadline that later priority changes do not
move). All instants and durations are epoch microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from slakit.calendar import BusinessCalendar


@dataclass(frozen=True, slots=True)
class Piece:
    """A target in force from ``since``: a duration of clock time, or an absolute ``until``."""

    since: int
    within: int | None = None
    until: int | None = None
    source: str = ""


@dataclass(slots=True)
class Outcome:
    """Where a track stands at its horizon."""

    elapsed: int
    target: int
    deadline: int
    breached_at: int | None
    next_change: int | None
    at_risk: bool
    final: Piece
    applied: list[tuple[Piece, int]] = field(default_factory=list)  # (extension piece, event index)
    ignored: list[tuple[int, str]] = field(default_factory=list)  # (event index, reason)


class Track:
    """Elapsed clock time and target crossings over a fixed list of running segments."""

    __slots__ = ("clock", "cum_end", "horizon", "segments", "start")

    def __init__(self, clock: BusinessCalendar, start: int, horizon: int, segments: list[tuple[int, int]]) -> None:
        self.clock = clock
        self.start = start
        self.horizon = horizon
        self.segments = segments
        total = 0
        self.cum_end: list[int] = []
        for a, b in segments:
            total += clock.elapsed_us(a, b)
            self.cum_end.append(total)

    @property
    def total(self) -> int:
        """Clock time counted up to the horizon."""
        return self.cum_end[-1] if self.cum_end else 0

    def elapsed_at(self, t: int) -> int:
        """Clock time counted before instant ``t``."""
        counted = 0
        for (a, b), cum in zip(self.segments, self.cum_end, strict=True):
            if b <= t:
                counted = cum
                continue
            if a < t:
                counted += self.clock.elapsed_us(a, t)
            break
        return counted

    def reach(self, amount: int) -> int:
        """The earliest instant at which ``amount`` of clock time has been counted.

        Inside the counted segments this is exact history; past them it is the projection as if
        the clock ran on from the horizon.
        """
        if amount <= 0:
            return self.start
        before = 0
        for (a, _), cum in zip(self.segments, self.cum_end, strict=True):
            if cum >= amount:
                return self.clock.add_us(a, amount - before)
            before = cum
        return self.clock.add_us(self.horizon, amount - before)

    def reached_within(self, amount: int) -> bool:
        """Whether ``amount`` was counted inside the segments (not just projected)."""
        return amount <= 0 or amount <= self.total


def evaluate_track(
    track: Track,
    pieces: list[Piece],
    extensions: list[tuple[int, int, bool, int]],
    *,
    running: bool,
    ratio: Fraction,
) -> Outcome | None:
    """Apply the target pieces and extensions ``(at, until, agreed, index)`` in time order.

    Returns None when no piece has a target (the metric is not tracked). ``running`` says whether
    the clock is counting at the horizon (not completed, not paused).
    """
    horizon = track.horizon
    if len(pieces) == 1 and not extensions:
        return _single_target(track, pieces[0], running=running, ratio=ratio)
    changes: list[tuple[int, int, Piece | None, tuple[int, int, bool, int] | None]] = []
    if len(pieces) > 1 or extensions:
        changes = [(p.since, 0, p, None) for p in pieces[1:]]
        changes += [(ext[0], 1, None, ext) for ext in extensions]
        changes.sort(key=lambda item: (item[0], item[1]))
    effective = [pieces[0]]
    applied: list[tuple[Piece, int]] = []
    ignored: list[tuple[int, str]] = []
    for _, _, piece, ext in changes:
        current = effective[-1]
        if piece is not None:
            if current.until is None:  # an agreed deadline is not moved by a priority change
                effective.append(piece)
            continue
        assert ext is not None  # noqa: S101 -- one of the two is set
        at, until, agreed, index = ext
        if not agreed:
            ignored.append((index, "the customer did not agree"))
        elif current.within is None and current.until is None:
            ignored.append((index, "the metric has no target for this priority"))
        elif _deadline(track, current) <= at:
            ignored.append((index, "recorded at or after the deadline it would move"))
        elif until <= at:
            ignored.append((index, "'until' is not after the extension was recorded"))
        else:
            extension = Piece(since=at, until=until, source="extension")
            effective.append(extension)
            applied.append((extension, index))
    breached_at = _first_breach(track, effective)
    final = effective[-1]
    if final.within is None and final.until is None:
        tracked = [p for p in effective if p.within is not None or p.until is not None]
        if not tracked:
            return None
        final = tracked[-1]
    elapsed = track.total
    if final.until is not None:
        remaining = track.clock.elapsed_us(horizon, final.until)
        target = elapsed + remaining
        deadline = final.until
    else:
        assert final.within is not None  # noqa: S101 -- checked above
        target = final.within
        deadline = track.reach(target)
    at_risk = breached_at is None and elapsed * ratio.denominator >= target * ratio.numerator
    next_change = None
    if running and breached_at is None:
        next_change = deadline + 1  # evaluating strictly after the deadline shows the breach
        if not at_risk:
            threshold = -(-target * ratio.numerator // ratio.denominator)
            next_change = min(next_change, track.reach(threshold))
    return Outcome(elapsed, target, deadline, breached_at, next_change, at_risk, final, applied, ignored)


def _single_target(track: Track, piece: Piece, *, running: bool, ratio: Fraction) -> Outcome | None:
    """The common case of :func:`evaluate_track`: one target all along, no extension."""
    target = piece.within
    if target is None:
        return None
    elapsed = track.total
    deadline = track.reach(target)
    breached_at = deadline if deadline < track.horizon and track.reached_within(target) else None
    at_risk = breached_at is None and elapsed * ratio.denominator >= target * ratio.numerator
    next_change = None
    if running and breached_at is None:
        next_change = deadline + 1
        if not at_risk:
            next_change = min(next_change, track.reach(-(-target * ratio.numerator // ratio.denominator)))
    return Outcome(elapsed, target, deadline, breached_at, next_change, at_risk, piece)


def _deadline(track: Track, piece: Piece) -> int:
    if piece.until is not None:
        return piece.until
    assert piece.within is not None  # noqa: S101 -- callers pass tracked pieces
    return track.reach(piece.within)


def _first_breach(track: Track, effective: list[Piece]) -> int | None:
    """The first piece whose deadline passed while it was in force and before the horizon.

    A piece that comes into force with its deadline already behind it breaches at that deadline
    ("if the new deadline is already past, breached_at is the new deadline, once").
    """
    for i, piece in enumerate(effective):
        ends = effective[i + 1].since if i + 1 < len(effective) else None
        if piece.until is not None:
            deadline = piece.until
        elif piece.within is not None and track.reached_within(piece.within):
            deadline = track.reach(piece.within)
        else:
            continue
        if deadline < track.horizon and (ends is None or deadline < ends):
            return deadline
    return None
