"""The checks every store runs before it issues a number (slakit.numbering.guards)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.errors import (
    ConfigError,
    PatternConflictError,
    SequenceExhaustedError,
    SequenceIntegrityError,
    SequenceStoreError,
)
from slakit.numbering.guards import (
    MAX_COUNTER,
    SCHEME_SEAL_KEY,
    admit_scheme,
    advanced,
    checked_sequence,
    following,
    mark_checksum,
    require_key,
    scheme_checksum,
    scheme_seal,
    verified_counter,
    verified_schemes,
)
from slakit.numbering.scheme import NumberingScheme

KEY = "TS:2024-05-01"


def mark(value, key=KEY):
    return (value, mark_checksum(key, value))


def scheme(pattern="{prefix}{date:%Y%m%d}{seq:03d}", *, prefix="TS", reset="daily", check="none", widen=False):
    return NumberingScheme(prefix=prefix, pattern=pattern, reset=reset, check=check, widen=widen).text


def test_the_check_values_are_a_file_format_and_never_change():
    # Stores written today must be readable by every later release: these values are on disk.
    assert MAX_COUNTER == 9_223_372_036_854_775_807
    assert mark_checksum("TS:2024-05-01", 1) == mark_checksum("TS:2024-05-01", 1)
    assert mark_checksum("TS:2024-05-01", 1) == 9_034_819_383_848_709_880
    assert scheme_checksum("x") == 2_770_147_062_484_566_028
    assert scheme_seal(["b", "a"]) == scheme_seal(["a", "b"]) == (2, -3_010_335_793_435_580_880)
    assert mark_checksum(KEY, 1) != mark_checksum(KEY, 2) != mark_checksum("SS:2024-05-01", 2)


@pytest.mark.parametrize(
    ("counters", "marks", "value"),
    [
        ([], [], 0),  # a new counter
        ([(0,)], [mark(0)], 0),  # a row written with nothing issued
        ([(7,)], [mark(7)], 7),
        ([(9,)], [mark(7)], 9),  # raised outside: numbers 8 and 9 are skipped, none repeated
        ([(MAX_COUNTER,)], [mark(MAX_COUNTER)], MAX_COUNTER),
    ],
)
def test_a_counter_is_trusted_when_its_records_agree(counters, marks, value):
    assert verified_counter(KEY, counters, marks, store="test store") == value


@pytest.mark.parametrize(
    ("counters", "marks", "says"),
    [
        ([("abc",)], [mark(7)], "holds 'abc' \\(str\\), not an integer from 0 to 9223372036854775807"),
        ([("abc",)], [], "holds 'abc'"),
        ([(1.5,)], [mark(1)], "holds 1.5 \\(float\\)"),
        ([(9.223372036854776e18,)], [mark(7)], "holds 9.223372036854776e\\+18"),
        ([(b"\x00\x01",)], [mark(1)], "holds b'\\\\x00\\\\x01' \\(bytes\\)"),
        ([(None,)], [mark(1)], "holds None"),
        ([(-1,)], [], "holds -1"),
        ([(MAX_COUNTER + 1,)], [mark(1)], "holds 9223372036854775808"),
        ([(True,)], [mark(1)], "holds True"),
        ([("x" * 10_000,)], [], "holds 'x{20,80}\\.\\.\\. \\(str\\)"),  # shortened (errors.shown)
        ([(3,)], [mark(7)], "went back from 7 to 3, so numbers 4 to 7 would be issued again"),
        ([], [mark(7)], "is missing although numbers up to 7 were issued"),
        ([(7,)], [], "is at 7 but has no high-water mark"),
        ([(7,)], [(7, 12345)], "high-water mark of counter 'TS:2024-05-01' is damaged"),
        ([(8,)], [(8, mark_checksum(KEY, 7))], "is damaged"),
        ([(7,)], [mark(7, "SS:2024-05-01")], "is damaged"),  # a mark moved to another key
        ([(7,)], [(-1, mark_checksum(KEY, -1))], "is damaged"),  # a mark is 0 or more
        ([(0,)], [], "is at 0 but has no high-water mark"),  # lost its mark, or lowered and lost it
        ([(7,)], [("7", mark_checksum(KEY, 7))], "is damaged"),
        ([(7,)], [(7,)], "is damaged"),
        ([(7,), (7,)], [mark(7)], "counter 'TS:2024-05-01' has 2 rows"),
        ([(7,)], [mark(7), mark(7)], "has 2 rows"),
    ],
)
def test_a_counter_that_cannot_be_trusted_is_refused(counters, marks, says):
    with pytest.raises(SequenceIntegrityError, match=says) as info:
        verified_counter(KEY, counters, marks, store="SQLite store 'n.db'", path="n.db")
    assert str(info.value).startswith("SQLite store 'n.db': ")
    assert "nothing was issued" in str(info.value)
    assert info.value.path == "n.db"
    assert isinstance(info.value, SequenceStoreError)
    assert isinstance(info.value, OSError)


def test_following_refuses_to_pass_the_largest_counter():
    assert following(KEY, 0, store="s") == 1
    assert following(KEY, MAX_COUNTER - 1, store="s") == MAX_COUNTER
    with pytest.raises(SequenceExhaustedError, match="counter 'TS:2024-05-01' is at 9223372036854775807") as info:
        following(KEY, MAX_COUNTER, store="s")
    assert isinstance(info.value, OverflowError)


def test_advanced_never_goes_below_what_the_records_prove():
    assert advanced(KEY, [], [], 137) == 137
    assert advanced(KEY, [(200,)], [mark(200)], 137) == 200
    assert advanced(KEY, [(3,)], [mark(200)], 137) == 200  # an intact mark wins over a lowered counter
    assert advanced(KEY, [("abc",)], [(5, 5)], 137) == 137  # damaged records prove nothing: a repair
    assert advanced(KEY, [(300,)], [(5, 5)], 137) == 300
    for bad in (-1, MAX_COUNTER + 1, 1.0, "5", True, None):
        with pytest.raises(ConfigError, match="'value' must be an integer from 0 to 9223372036854775807"):
            advanced(KEY, [], [], bad)


@pytest.mark.parametrize("value", [0, -1, MAX_COUNTER + 1, 2**64, "7", 1.0, True, None])
def test_checked_sequence_names_the_store_and_what_it_returned(value):
    with pytest.raises(ConfigError, match=r"returned .* from next\('TS:2024-05-01'\)") as info:
        checked_sequence(value, key=KEY, store="host store")
    assert info.value.path == "store"
    assert checked_sequence(MAX_COUNTER, key=KEY, store="s") == MAX_COUNTER


@pytest.mark.parametrize("key", ["", None, 5, b"TS", "x" * 1001, "TS:\ud800"])
def test_keys_are_short_utf8_strings(key):
    with pytest.raises(ConfigError, match=r"^'key' must be a non-empty string"):
        require_key(key)
    assert require_key("x" * 1000) == "x" * 1000
    assert SCHEME_SEAL_KEY == ""  # never a counter's key, so the seal cannot collide with one


def test_scheme_lists_are_verified_against_their_check_values_and_seal():
    a, b = scheme(), scheme("{prefix}-{date:%Y%m%d}-{seq:03d}")
    rows = [(a, scheme_checksum(a)), (b, scheme_checksum(b))]
    assert verified_schemes(rows, [scheme_seal([a, b])], store="s") == [a, b]
    assert verified_schemes([], [], store="s") == []
    damaged = [
        ([(a, scheme_checksum(a) + 1)], [scheme_seal([a])], "a recorded numbering scheme is damaged"),
        ([(a.replace("TS", "TX"), scheme_checksum(a))], [scheme_seal([a])], "is damaged"),
        ([("not json", scheme_checksum("not json"))], [scheme_seal(["not json"])], "is damaged"),
        ([(a, scheme_checksum(a))], [], "does not match its seal \\(1 recorded, the seal reads \\[\\]\\)"),
        (rows[:1], [scheme_seal([a, b])], "does not match its seal"),  # a lost row
        ([], [scheme_seal([a])], "does not match its seal"),
        (rows, [scheme_seal([a, b]), scheme_seal([a, b])], "does not match its seal"),
    ]
    for found, seals, says in damaged:
        with pytest.raises(SequenceIntegrityError, match=says):
            verified_schemes(found, seals, store="s", path="p")


def test_admit_scheme_refuses_a_scheme_that_could_repeat_a_number():
    daily = scheme()
    assert admit_scheme(daily, []) is True
    assert admit_scheme(daily, [daily]) is False  # already recorded
    assert admit_scheme(scheme(widen=True), [daily]) is True  # numbers alike: shares the counters
    assert admit_scheme(scheme("{prefix}-{date:%Y%m%d}-{seq:03d}"), [daily]) is True
    with pytest.raises(PatternConflictError, match=r"reset='monthly'.*reset='daily'") as info:
        admit_scheme(scheme(reset="monthly"), [daily])
    assert info.value.path == "pattern"
    assert isinstance(info.value, ConfigError)
    with pytest.raises(ConfigError, match=r"^'scheme' must be the text of a NumberingScheme"):
        admit_scheme("{}", [daily])


@given(st.text(max_size=30), st.integers(0, MAX_COUNTER), st.integers(0, MAX_COUNTER))
def test_a_mark_checks_exactly_its_key_and_value(key, value, other):
    # The oracle is the definition: a check value that matched another value would let a damaged
    # mark pass. (Collisions of a 64-bit digest are possible in theory, never in this search.)
    if other != value:
        assert mark_checksum(key, value) != mark_checksum(key, other)
    assert -(2**63) <= mark_checksum(key, value) < 2**63
