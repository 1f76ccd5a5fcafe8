"""One metric clock (``slakit.sla.track``): the bisections agree with the definitions they replace.

``in_force_from``, ``running_segments`` with ``hole_reach``, ``Track.elapsed_at`` and ``Track.reach`` find
their answer by bisection so that a ticket with many events costs n log n; each is checked here against
the plain definition, a scan of every item.
"""

from hypothesis import given
from hypothesis import strategies as st

from slakit.calendar import BusinessCalendar, Rulers
from slakit.sla.track import (
    Track,
    due_in_stretch,
    first_open,
    hole_reach,
    in_force_from,
    running_segments,
)

HOUR = 3_600_000_000
MONDAY = 1_741_593_600_000_000  # 2025-03-10 08:00 UTC
CALENDAR = BusinessCalendar.from_config({"timezone": "UTC", "hours": {"mon-fri": ["09:00-12:00", "13:00-18:00"]}})
instants = st.integers(MONDAY, MONDAY + 10 * 24 * HOUR).map(lambda t: t - t % (HOUR // 4))


@given(st.lists(st.integers(0, 20), max_size=8).map(sorted), st.integers(-1, 21))
def test_the_targets_in_force_from_a_start_are_a_suffix(sinces, start):
    expected = [i for i in range(len(sinces)) if i + 1 == len(sinces) or sinces[i + 1] > start]
    assert list(in_force_from(sinces, start)) == expected


@st.composite
def holes(draw):
    """Holes sorted by start, possibly overlapping (as a careless export makes them), the last perhaps open."""
    found = []
    for a in sorted(draw(st.lists(instants, max_size=12))):
        length = draw(st.one_of(st.just(0), st.integers(0, 30 * HOUR)))
        found.append((a, a + length - length % (HOUR // 4)))
    if found and draw(st.booleans()):
        found[-1] = (found[-1][0], None)
    return found


@given(holes(), instants, instants)
def test_running_segments_skip_the_holes_before_the_start_by_bisection(found, a, b):
    start, end = min(a, b), max(a, b)
    assert running_segments(start, end, found, hole_reach(found)) == running_segments(start, end, found)


def track_of(start, end, found):
    ruler = Rulers().of(CALENDAR)
    segments = running_segments(start, end, found)
    totals = ruler.running_totals(segments)
    return Track(ruler, start, end, segments, totals, totals[-1] if totals else 0)


@given(holes(), instants, instants, instants)
def test_elapsed_at_counts_the_open_time_of_the_segments_before_an_instant(found, a, b, t):
    start, end = min(a, b), max(a, b)
    track = track_of(start, end, found)
    expected = sum(track.clock.elapsed(x, min(y, t)) for x, y in track.segments if x < t)
    assert track.elapsed_at(t) == expected


@given(holes(), instants, instants, st.integers(0, 60 * HOUR).map(lambda d: d - d % (HOUR // 4)))
def test_reach_is_the_first_segment_where_the_amount_is_due(found, a, b, amount):
    start, end = min(a, b), max(a, b)
    track = track_of(start, end, found)
    if amount > track.total:
        expected = track.clock.add(end, amount - track.total)
    else:  # each segment in turn, as docs/sla.md ("Breach") has it
        expected = None
        before = 0
        last = len(track.segments) - 1
        for i, ((x, y), counted) in enumerate(zip(track.segments, track.cum_end, strict=True)):
            if counted >= amount:
                expected = due_in_stretch(track.clock, x, y, amount - before, stops=i < last or y < end)
                if expected is not None:
                    break
            before = counted
        if expected is None:
            expected = first_open(track.clock, end)
    assert track.reach(amount) == expected
