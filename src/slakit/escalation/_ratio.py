"""``elapsed_ratio`` within one phase: the runs of the clock at which a leaf on it holds.

``elapsed_ratio`` is the SLA report's ``elapsed / target`` as a Decimal quotient. While the clock
counts, the target is fixed and the ratio moves one way (up for a positive target). While only
an agreed deadline approaches (the clock stopped, the ticket open) the target shrinks through
zero, where the ratio has no value, and the ratio grows on each side of it. On each monotonic
piece a threshold is found by a gallop from a close guess and a bisection, on the same Decimal
quotient a rule compares, so rounding never puts an instant off by one.
"""

from __future__ import annotations

from decimal import Decimal

from slakit.escalation.conditions import Leaf
from slakit.escalation.phases import INF, Phase, threshold_runs

__all__ = ["MIRROR", "ratio_spans"]

# a falling figure: "f op x" is "-f op' -x" with op' mirrored
MIRROR = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}


class _Ratio:
    """``elapsed_ratio`` after a run ``d`` of the phase's clock, exactly as the SLA report's figures
    give it (a Decimal quotient), times ``sign`` so that it grows with ``d``."""

    __slots__ = ("counting", "elapsed", "sign", "slope", "target")

    def __init__(self, elapsed: int, target: int, counting: int, slope: int, sign: int) -> None:
        self.elapsed = elapsed
        self.target = target
        self.counting = counting
        self.slope = slope
        self.sign = sign

    def at(self, d: int) -> Decimal | None:
        total = self.target + self.slope * d
        return Decimal(self.elapsed + self.counting * d) / Decimal(total) if total else None

    def reaches(self, d: int, y: Decimal, strict: bool) -> bool:
        value = self.at(d)
        assert value is not None  # noqa: S101 -- only asked where the ratio is defined
        value = value if self.sign > 0 else -value
        return value > y if strict else value >= y

    def guess(self, value: Decimal) -> int:
        """Roughly where the ratio equals ``value`` (the search makes it exact)."""
        try:
            if self.counting:  # (elapsed + d) / target = value
                return int(value * self.target) - self.elapsed
            if value:  # elapsed / (target - d) = value
                return self.target - int(self.elapsed / value)
        except (ArithmeticError, ValueError):
            pass
        return 0


def ratio_spans(leaf: Leaf, phase: Phase) -> list[tuple[int, int]]:
    """The runs ``d`` of the phase's clock (sorted, disjoint spans) at which ``elapsed_ratio``
    satisfies ``leaf``."""
    elapsed, counting, falling = phase.elapsed, int(phase.counting), int(phase.falling)
    target = elapsed + phase.remaining
    slope = counting - falling  # of the target
    if not counting and not falling:
        value = Decimal(elapsed) / Decimal(target) if target else None
        return [(0, INF)] if leaf.holds({leaf.fact: value}) else []
    pieces: list[tuple[int, int]]  # runs over which the ratio is monotonic and defined
    if slope == 0:
        if target == 0:
            return []
        pieces = [(0, INF)]
    elif target > 0:  # a shrinking target reaches zero after `target` of run
        pieces = [(0, target), (target + 1, INF)]
    else:
        pieces = [(0, INF)] if target < 0 else [(1, INF)]
    rising = (slope == 0 and target > 0) or slope < 0
    curve = _Ratio(elapsed, target, counting, slope, 1 if rising else -1)
    op = leaf.op if rising else MIRROR.get(leaf.op, leaf.op)
    result: list[tuple[int, int]] = []
    for value in leaf.value if leaf.op == "in" else (leaf.value,):
        y = value if rising else -value
        for low, high in pieces:
            reached = _first(curve, y, False, low, high, curve.guess(value))
            passed = _first(curve, y, True, reached, high, reached)
            for a, b in threshold_runs("eq" if op == "in" else op, reached, passed):
                a, b = max(a, low), min(b, high)
                if a < b:
                    result.append((a, b))
    return _merged(sorted(result))


def _first(curve: _Ratio, y: Decimal, strict: bool, low: int, high: int, guess: int) -> int:
    """The first run in ``[low, high)`` at which ``curve`` reaches ``y`` (passes it if ``strict``);
    ``high`` if none. A gallop from ``guess``, then bisection."""
    if low >= high:
        return high
    guess = min(max(guess, low), high - 1) if high != INF else max(guess, low)
    if curve.reaches(guess, y, strict):
        step, good = 1, guess
        while good - step >= low and curve.reaches(good - step, y, strict):
            good -= step
            step *= 2
        bad = good - step if good - step >= low else low - 1
    else:
        step, bad = 1, guess
        while True:
            probe = bad + step
            if probe >= high:
                if high == INF or not curve.reaches(high - 1, y, strict):
                    return high
                good = high - 1
                break
            if curve.reaches(probe, y, strict):
                good = probe
                break
            bad = probe
            step *= 2
    while good - bad > 1:  # reaches at good, not at bad (or bad is below low)
        middle = (bad + good) // 2
        if curve.reaches(middle, y, strict):
            good = middle
        else:
            bad = middle
    return good


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
