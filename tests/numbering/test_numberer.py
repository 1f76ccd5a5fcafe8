import pickle
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from slakit.errors import (
    ConfigError,
    InvalidTicketNumberError,
    NaiveDatetimeError,
    PatternConflictError,
    SequenceExhaustedError,
)
from slakit.numbering import MAX_COUNTER, MemorySequenceStore, TicketNumber, TicketNumberer

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAY_1 = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)


class FixedStore:
    """A host-written SequenceStore that hands out one chosen value: lets a test start anywhere."""

    def __init__(self, value):
        self.value = value
        self.keys = []

    def next(self, key):
        self.keys.append(key)
        return self.value

    def peek(self, key):
        return self.value


def test_issue_contract_example():
    numberer = TicketNumberer(
        prefix="TS",
        pattern="{prefix}{date:%Y%m%d}{seq:03d}",
        timezone="Asia/Shanghai",
        reset="daily",
        store=MemorySequenceStore(),
        overflow="raise",
        check="none",
    )
    assert numberer.next(at=MAY_1) == "TS20240501001"
    assert numberer.next(at=MAY_1) == "TS20240501002"
    assert numberer.parse("TS20240501001") == TicketNumber(prefix="TS", date=date(2024, 5, 1), seq=1)
    assert numberer.is_valid("TS20240501001")
    assert not numberer.is_valid("TS20240501000")
    assert not numberer.is_valid(None)


def test_defaults():
    numberer = TicketNumberer("TS")
    assert (numberer.pattern, numberer.reset, numberer.overflow, numberer.check) == (
        "{prefix}{date:%Y%m%d}{seq:03d}",
        "daily",
        "raise",
        "none",
    )
    assert numberer.timezone == SHANGHAI
    assert isinstance(numberer.store, MemorySequenceStore)
    assert TicketNumberer("TS").store is not numberer.store


def test_date_part_is_the_numberers_calendar_day():
    late_utc = datetime(2024, 4, 30, 16, 30, tzinfo=UTC)
    assert TicketNumberer("TS").next(at=late_utc) == "TS20240501001"
    assert TicketNumberer("TS", timezone="UTC").next(at=late_utc) == "TS20240430001"
    assert TicketNumberer("TS", timezone=timezone(timedelta(hours=-5))).next(at=late_utc) == "TS20240430001"


def test_sequence_restarts_each_day_and_counts_per_prefix_in_a_shared_store():
    store = MemorySequenceStore()
    ts = TicketNumberer("TS", store=store)
    ss = TicketNumberer("SS", store=store)
    assert [ts.next(at=MAY_1), ts.next(at=MAY_1), ss.next(at=MAY_1)] == [
        "TS20240501001",
        "TS20240501002",
        "SS20240501001",
    ]
    assert ts.next(at=MAY_1 + timedelta(days=1)) == "TS20240502001"
    assert store.peek("TS:2024-05-01") == 2
    assert store.peek(ts.key_for(at=MAY_1)) == 2


@pytest.mark.parametrize(
    ("reset", "pattern", "second_key", "second"),
    [
        ("daily", "{prefix}{date:%Y%m%d}{seq:03d}", "TS:2024-05-31", "TS20240531001"),
        ("monthly", "{prefix}{date:%Y%m%d}{seq:03d}", "TS:2024-05", "TS20240531002"),
        ("monthly", "{prefix}{date:%Y%m}{seq:03d}", "TS:2024-05", "TS202405002"),
        ("yearly", "{prefix}{date:%Y}{seq:03d}", "TS:2024", "TS2024002"),
        ("never", "{prefix}{seq:03d}", "TS:all", "TS002"),
    ],
)
def test_reset_periods(reset, pattern, second_key, second):
    numberer = TicketNumberer("TS", pattern=pattern, reset=reset)
    numberer.next(at=MAY_1)
    later = MAY_1 + timedelta(days=30)
    assert numberer.key_for(at=later) == second_key
    assert numberer.next(at=later) == second
    assert numberer.next(at=datetime(2025, 1, 1, tzinfo=SHANGHAI)).endswith("001") is (reset != "never")


@pytest.mark.parametrize(
    ("reset", "pattern"),
    [
        ("daily", "{prefix}{date:%Y%m}{seq:03d}"),
        ("daily", "{prefix}{seq:03d}"),
        ("monthly", "{prefix}{date:%Y}{seq:03d}"),
        ("yearly", "{prefix}{seq:03d}"),
    ],
)
def test_pattern_must_tell_periods_apart(reset, pattern):
    with pytest.raises(ConfigError, match=f"'pattern' must be .*reset='{reset}'"):
        TicketNumberer("TS", pattern=pattern, reset=reset)


def test_1000th_number_of_a_day_raises_naming_key_and_pattern():
    numberer = TicketNumberer("TS")
    numbers = [numberer.next(at=MAY_1) for _ in range(999)]
    assert numbers[-1] == "TS20240501999"
    with pytest.raises(SequenceExhaustedError, match=r"'TS:2024-05-01'.*'\{prefix\}\{date:%Y%m%d\}\{seq:03d\}'"):
        numberer.next(at=MAY_1)
    assert numberer.next(at=MAY_1 + timedelta(days=1)) == "TS20240502001"


def test_sequence_exhausted_is_an_overflow_error():
    with pytest.raises(OverflowError):
        TicketNumberer("TS", store=FixedStore(1000)).next(at=MAY_1)


def test_widen_prints_more_digits_and_still_parses():
    numberer = TicketNumberer("TS", overflow="widen", store=FixedStore(1000))
    assert numberer.next(at=MAY_1) == "TS202405011000"
    assert numberer.parse("TS202405011000") == TicketNumber("TS", date(2024, 5, 1), 1000)


def test_check_digits_protect_numbers():
    numberer = TicketNumberer("TS", check="luhn")
    number = numberer.next(at=MAY_1)
    assert len(number) == 14
    assert numberer.parse(number).seq == 1
    typo = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    with pytest.raises(InvalidTicketNumberError, match="bad check digits"):
        numberer.parse(typo)


def test_naive_at_raises_naive_datetime_error():
    with pytest.raises(NaiveDatetimeError, match="'at' must be an aware datetime"):
        TicketNumberer("TS").next(at=datetime(2024, 5, 1, 9))
    with pytest.raises(NaiveDatetimeError):
        TicketNumberer("TS").key_for(at=datetime(2024, 5, 1, 9))


def test_at_is_keyword_only_and_must_be_a_datetime():
    numberer = TicketNumberer("TS")
    with pytest.raises(TypeError):
        numberer.next(MAY_1)  # type: ignore[misc]
    with pytest.raises(ConfigError, match="'at' must be an aware datetime"):
        numberer.next(at=date(2024, 5, 1))


def test_two_digit_year_patterns_refuse_instants_outside_2000_to_2099():
    numberer = TicketNumberer("TS", pattern="{prefix}{date:%y%m%d}{seq:03d}")
    assert numberer.next(at=MAY_1) == "TS240501001"
    with pytest.raises(ConfigError, match="'at' must be an instant in 2000-2099"):
        numberer.next(at=datetime(2100, 1, 1, 12, tzinfo=SHANGHAI))


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"prefix": ""}, "prefix", ""),
        ({"prefix": "TS", "timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"prefix": "TS", "reset": "hourly"}, "reset", "hourly"),
        ({"prefix": "TS", "overflow": "wrap"}, "overflow", "wrap"),
        ({"prefix": "TS", "check": "crc"}, "check", "crc"),
        ({"prefix": "TS", "store": {}}, "store", {}),
        ({"prefix": "TS", "pattern": 5}, "pattern", 5),
    ],
)
def test_bad_arguments_name_field_and_value(kwargs, field, value):
    with pytest.raises(ConfigError) as info:
        TicketNumberer(**kwargs)
    assert str(info.value).startswith(f"{field!r} must be")
    assert f"(got {value!r})" in str(info.value)
    assert info.value.path == field


@pytest.mark.parametrize("returned", [0, -1, "7", 1.0, True, None])
def test_a_misbehaving_store_is_reported(returned):
    with pytest.raises(ConfigError, match=r"returned .* from next\('TS:2024-05-01'\)"):
        TicketNumberer("TS", store=FixedStore(returned)).next(at=MAY_1)


def test_format_prints_parsed_parts_and_checks_them():
    numberer = TicketNumberer("TS", check="mod97")
    number = numberer.next(at=MAY_1)
    assert numberer.format(numberer.parse(number)) == number
    for bad in (
        TicketNumber("SS", date(2024, 5, 1), 1),
        TicketNumber("TS", date(2024, 5, 1), 1000),
        TicketNumber("TS", date(2024, 5, 1), 0),
        TicketNumber("TS", None, 1),
        "TS20240501001",
    ):
        with pytest.raises(ConfigError, match="'number' must be a TicketNumber"):
            numberer.format(bad)
    assert TicketNumberer("TS", overflow="widen").format(TicketNumber("TS", date(2024, 5, 1), 1000)).endswith("1000")
    assert (
        TicketNumberer("TS", pattern="{prefix}{seq:02d}", reset="never").format(TicketNumber("TS", None, 7)) == "TS07"
    )


def test_ticket_number_is_frozen_and_hashable():
    number = TicketNumber(prefix="TS", date=date(2024, 5, 1), seq=1)
    with pytest.raises(AttributeError):
        number.seq = 2  # type: ignore[misc]
    assert {number, TicketNumber("TS", date(2024, 5, 1), 1)} == {number}
    assert pickle.loads(pickle.dumps(number)) == number  # noqa: S301 - our own bytes, just made


def test_repr_shows_the_settings():
    text = repr(TicketNumberer("TS", check="luhn"))
    assert "TicketNumberer('TS'" in text
    assert "timezone='Asia/Shanghai'" in text
    assert "check='luhn'" in text


# (pattern, resets it can serve, check methods it can serve, needs a 2000-2099 date)
PATTERNS = [
    (
        "{prefix}{date:%Y%m%d}{seq:03d}",
        ["daily", "monthly", "yearly", "never"],
        ["none", "luhn", "mod97"],
        False,
    ),
    ("{prefix}-{date:%Y-%m-%d}-{seq:04d}", ["daily", "monthly", "never"], ["none", "mod97"], False),
    ("{prefix}{date:%y%j}{seq:02d}{check}", ["daily", "yearly"], ["luhn", "mod97"], True),
    ("{prefix}{date:%Y%m}{seq:05d}", ["monthly", "yearly"], ["none", "luhn"], False),
    ("{prefix}{date:%Y}{seq:06d}", ["yearly", "never"], ["none", "mod97"], False),
    ("{check}{prefix}{seq:01d}", ["never"], ["luhn", "mod97"], False),
    ("{{{prefix}}}/{date:%Y%%%m%d}/{seq:03d}", ["daily"], ["none", "luhn"], False),
]


@st.composite
def numberers_and_instants(draw):
    pattern, resets, checks, two_digit_year = draw(st.sampled_from(PATTERNS))
    overflow = draw(st.sampled_from(["raise", "widen"]))
    width = int(pattern.split("{seq:0")[1][0])
    top = 10**width - 1 if overflow == "raise" else 10 ** (width + 3)
    low, high = (
        (datetime(2001, 1, 1), datetime(2098, 12, 31))
        if two_digit_year
        else (datetime(1001, 1, 1), datetime(9998, 12, 31))
    )
    return (
        draw(st.text("ABCXYZ019-_技术", min_size=1, max_size=5)),
        pattern,
        draw(st.sampled_from(resets)),
        overflow,
        draw(st.sampled_from(checks)),
        draw(st.integers(1, top)),
        draw(st.timezones()),
        draw(st.datetimes(min_value=low, max_value=high, timezones=st.timezones())),
    )


@given(numberers_and_instants())
def test_parse_of_next_round_trips(case):
    prefix, pattern, reset, overflow, check, seq, zone, at = case
    numberer = TicketNumberer(
        prefix,
        pattern=pattern,
        timezone=zone,
        reset=reset,
        store=FixedStore(seq),
        overflow=overflow,
        check=check,
    )
    number = numberer.next(at=at)
    parsed = numberer.parse(number)
    local = at.astimezone(zone).date()
    if "{date:%Y%m}" in pattern:
        local = local.replace(day=1)
    elif "{date:%Y}" in pattern:
        local = local.replace(month=1, day=1)
    elif "{date" not in pattern:
        local = None
    assert parsed == TicketNumber(prefix=prefix, date=local, seq=seq)
    assert numberer.is_valid(number)
    assert numberer.format(parsed) == number


@given(st.text("TS0123456789", max_size=16), st.sampled_from(["none", "luhn", "mod97"]))
def test_whatever_parses_is_printed_back_identically(text, check):
    numberer = TicketNumberer("TS", check=check, overflow="widen")
    try:
        parsed = numberer.parse(text)
    except InvalidTicketNumberError:
        return
    assert numberer.format(parsed) == text


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)),
    st.integers(1, 999),
    st.sampled_from(["luhn", "mod97"]),
    st.data(),
)
def test_any_single_digit_typo_is_caught(at, seq, check, data):
    numberer = TicketNumberer("TS", check=check, store=FixedStore(seq))
    number = numberer.next(at=at)
    index = data.draw(st.integers(2, len(number) - 1))
    replacement = data.draw(st.sampled_from("0123456789"))
    assume(replacement != number[index])
    assert not numberer.is_valid(number[:index] + replacement + number[index + 1 :])


# Numbers are never issued twice; instants and values at the edges get typed errors.


def test_a_changed_reset_in_the_same_store_is_refused_before_it_repeats_a_number():
    # Regression: counting the same pattern per month issued TS20240501001 a second time.
    store = MemorySequenceStore()
    assert TicketNumberer("TS", store=store).next(at=MAY_1) == "TS20240501001"
    with pytest.raises(PatternConflictError) as info:
        TicketNumberer("TS", store=store, reset="monthly").next(at=MAY_1)
    message = str(info.value)
    assert message.startswith("'pattern' must be a numbering that cannot print a number this store already issued")
    assert "pattern '{prefix}{date:%Y%m%d}{seq:03d}' with prefix 'TS', reset='daily'" in message
    assert "reset='monthly'" in message
    assert "nothing was issued" in message
    assert store.peek("TS:2024-05") == 0


@pytest.mark.parametrize(
    "changed",
    [
        {"overflow": "widen"},  # numbers alike: the counters are shared
        {"pattern": "{prefix}-{date:%Y%m%d}-{seq:03d}"},
        {"pattern": "{prefix}{date:%Y%m%d}{seq:04d}"},  # one character longer: never the same text
        {"check": "luhn"},
        {"timezone": "UTC"},  # the zone decides the day, and the day decides key and text alike
    ],
)
def test_a_change_that_cannot_repeat_a_number_is_accepted(changed):
    store = MemorySequenceStore()
    first = TicketNumberer("TS", store=store)
    issued = {first.next(at=MAY_1) for _ in range(3)}
    second = TicketNumberer("TS", store=store, **changed)
    issued |= {second.next(at=MAY_1) for _ in range(3)}
    issued.add(first.next(at=MAY_1))
    assert len(issued) == 7


def test_a_numberer_registers_its_scheme_once_at_its_first_number():
    class CountingStore(MemorySequenceStore):
        __slots__ = ("registered",)

        def __init__(self):
            super().__init__()
            self.registered = []

        def register_scheme(self, scheme):
            self.registered.append(scheme)
            super().register_scheme(scheme)

    store = CountingStore()
    numberer = TicketNumberer("TS", store=store)
    TicketNumberer("TS", store=store, reset="monthly").parse("TS20240501001")  # reads, issues nothing
    assert store.registered == []
    numberer.next(at=MAY_1)
    numberer.next(at=MAY_1)
    assert store.registered == [numberer.scheme.text]
    assert numberer.scheme.reset == "daily"


@pytest.mark.parametrize(
    ("at", "zone"),
    [
        (datetime(9999, 12, 31, 23, tzinfo=UTC), "Pacific/Kiritimati"),  # +14: day 10000-01-01
        (datetime(9999, 12, 31, 23, tzinfo=UTC), timezone(timedelta(hours=14))),
        (datetime(1, 1, 1, 0, 30, tzinfo=UTC), "Etc/GMT+12"),  # -12: day 0000-12-31
        (datetime(1, 1, 1, 0, 30, tzinfo=UTC), timezone(-timedelta(hours=12))),
        (datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=14))), "UTC"),  # year 0 in UTC
        (datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=12))), "UTC"),  # year 10000 in UTC
    ],
)
def test_an_instant_without_a_calendar_day_in_the_zone_is_a_typed_error(at, zone):
    # Regression: OverflowError ("date value out of range").
    numberer = TicketNumberer("TS", timezone=zone)
    for call in (numberer.next, numberer.key_for):
        with pytest.raises(ConfigError, match=r"^'at' must be an instant whose calendar day in .* is from 0001-01-01"):
            call(at=at)
    assert numberer.store.peek("TS:9999-12-31") == 0


def test_the_last_and_first_days_still_get_numbers():
    assert (
        TicketNumberer("TS", timezone="Pacific/Kiritimati")
        .next(at=datetime(9999, 12, 31, 9, tzinfo=UTC))
        .startswith("TS99991231")
    )
    assert (
        TicketNumberer("TS", timezone="Etc/GMT+12").next(at=datetime(1, 1, 1, 12, tzinfo=UTC)).startswith("TS00010101")
    )


def test_huge_values_are_typed_errors():
    # Regression: ValueError "Exceeds the limit (4300 digits) for integer string conversion".
    numberer = TicketNumberer("TS", overflow="widen")
    for text in ("TS20240501" + "1" * 5000, "TS20240501" + "9" * 19, "TS20240501" + "1" * 20):
        with pytest.raises(InvalidTicketNumberError, match="ticket number 'TS20240501"):
            numberer.parse(text)
    largest = "TS20240501" + str(MAX_COUNTER)
    assert numberer.parse(largest).seq == MAX_COUNTER
    assert numberer.format(numberer.parse(largest)) == largest
    for seq in (10**5000, MAX_COUNTER + 1, 1.5, "1", True, None):
        with pytest.raises(ConfigError, match=r"^'number' must be a TicketNumber"):
            numberer.format(TicketNumber("TS", date(2024, 5, 1), seq))
    with pytest.raises(ConfigError, match=r"^'number' must be a TicketNumber with a date"):
        numberer.format(TicketNumber("TS", "2024-05-01", 1))
    for returned in (MAX_COUNTER + 1, 10**5000):
        with pytest.raises(ConfigError, match=r"returned .* from next\('TS:2024-05-01'\)"):
            TicketNumberer("TS", overflow="widen", store=FixedStore(returned)).next(at=MAY_1)


def test_a_counter_at_the_largest_value_is_refused_not_repeated():
    # Regression: the SQLite store returned 9223372036854775808 twice; the memory store refuses alike.
    store = MemorySequenceStore()
    numberer = TicketNumberer("TS", pattern="{prefix}{seq:018d}", reset="never", overflow="widen", store=store)
    store.advance("TS:all", MAX_COUNTER - 1)
    assert numberer.next(at=MAY_1) == f"TS{MAX_COUNTER}"
    with pytest.raises(SequenceExhaustedError, match="9223372036854775807"):
        numberer.next(at=MAY_1)
