import contextlib
import subprocess
import sys
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.errors import ConfigError, PatternConflictError, SequenceExhaustedError
from slakit.numbering import MAX_COUNTER, MemorySequenceStore, SchemeRegistry, SequenceStore, TicketNumberer

MAY_1 = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_counters_start_at_one_and_are_independent():
    store = MemorySequenceStore()
    assert store.peek("TS:2024-05-01") == 0
    issued = [store.next("TS:2024-05-01"), store.next("TS:2024-05-01"), store.next("SS:2024-05-01")]
    assert issued == [1, 2, 1]
    assert store.peek("TS:2024-05-01") == 2
    assert store.peek("TS:2024-05-01") == 2
    assert "2 keys" in repr(store)


@pytest.mark.parametrize("key", ["", None, 5])
def test_keys_are_non_empty_strings(key):
    with pytest.raises(ConfigError, match="'key' must be a non-empty string"):
        MemorySequenceStore().next(key)
    with pytest.raises(ConfigError, match="'key' must be a non-empty string"):
        MemorySequenceStore().advance(key, 1)
    with pytest.raises(ConfigError, match="'key' must be a non-empty string"):
        MemorySequenceStore().peek(key)


def test_the_protocol_is_checkable_at_runtime():
    class HostStore:
        def next(self, key: str) -> int:
            return 1

        def peek(self, key: str) -> int:
            return 0

    assert isinstance(MemorySequenceStore(), SequenceStore)
    assert isinstance(HostStore(), SequenceStore)
    assert not isinstance(object(), SequenceStore)


def test_eight_threads_never_get_the_same_number():
    numberer = TicketNumberer("TS", pattern="{prefix}{date:%Y%m%d}{seq:05d}", store=MemorySequenceStore())
    at = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    results: list[list[str]] = [[] for _ in range(8)]
    start = threading.Barrier(8)

    def issue(out: list[str]) -> None:
        start.wait()
        out.extend(numberer.next(at=at) for _ in range(2_000))

    threads = [threading.Thread(target=issue, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [number for out in results for number in out]
    assert len(numbers) == len(set(numbers)) == 16_000
    assert sorted(numberer.parse(n).seq for n in numbers) == list(range(1, 16_001))


def test_the_memory_store_refuses_to_pass_the_largest_counter():
    # Regression: a counter at 2**63 - 1 handed out 9223372036854775808, and then again.
    store = MemorySequenceStore()
    assert store.advance("TS:all", MAX_COUNTER - 1) == MAX_COUNTER - 1
    assert store.next("TS:all") == MAX_COUNTER
    for _ in range(2):
        with pytest.raises(SequenceExhaustedError, match="counter 'TS:all' is at 9223372036854775807"):
            store.next("TS:all")
    assert store.peek("TS:all") == MAX_COUNTER


def test_advance_only_raises_counters():
    store = MemorySequenceStore()
    assert store.advance("k", 137) == 137
    assert store.next("k") == 138
    assert store.advance("k", 5) == 138  # never back
    assert store.advance("j", 0) == 0
    assert store.next("j") == 1
    for bad in (-1, MAX_COUNTER + 1, "5", 2.0, True):
        with pytest.raises(ConfigError, match=r"^'value' must be an integer from 0 to"):
            store.advance("k", bad)
    with pytest.raises(ConfigError, match=r"^'key' must be"):
        store.advance("", 1)
    assert store.peek("k") == 138


def test_the_memory_store_refuses_a_pattern_that_could_repeat_a_number():
    store = MemorySequenceStore()
    assert isinstance(store, SchemeRegistry)
    daily = TicketNumberer("TS", store=store)
    assert daily.next(at=MAY_1) == "TS20240501001"
    monthly = TicketNumberer("TS", store=store, reset="monthly")  # would print TS20240501001 again
    with pytest.raises(PatternConflictError, match=r"reset='monthly'.*reset='daily'"):
        monthly.next(at=MAY_1)
    assert store.peek("TS:2024-05") == 0  # nothing issued
    assert daily.next(at=MAY_1) == "TS20240501002"


def test_host_stores_need_no_registry():
    class HostStore:
        def next(self, key: str) -> int:
            return 1

        def peek(self, key: str) -> int:
            return 0

    assert isinstance(HostStore(), SequenceStore)
    assert not isinstance(HostStore(), SchemeRegistry)
    assert TicketNumberer("TS", store=HostStore()).next(at=MAY_1) == "TS20240501001"


# Operations on one memory store: issue with one of several numberings (a pattern change when it
# differs from the last), or raise a counter with advance(). Whatever happens, no text twice.
NUMBERINGS = [
    {"pattern": "{prefix}{date:%Y%m%d}{seq:02d}"},
    {"pattern": "{prefix}{date:%Y%m%d}{seq:02d}", "reset": "monthly"},
    {"pattern": "{prefix}{date:%Y%m%d}{seq:02d}", "overflow": "widen"},
    {"pattern": "{prefix}{date:%Y%m}{seq:04d}", "reset": "monthly"},
    {"pattern": "{prefix}-{date:%Y%m%d}-{seq:02d}"},
    {"pattern": "{prefix}{date:%Y%m%d}{seq:03d}"},
    {"pattern": "{prefix}{seq:02d}", "reset": "never", "check": "luhn"},
]
DAYS = [MAY_1, MAY_1.replace(day=2), MAY_1.replace(month=6)]
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(0, len(NUMBERINGS) - 1), st.integers(0, len(DAYS) - 1)),
        st.tuples(st.just("advance"), st.integers(0, len(NUMBERINGS) - 1), st.integers(0, len(DAYS) - 1)),
    ),
    max_size=60,
)


@given(OPERATIONS, st.integers(0, 120))
def test_no_text_is_issued_twice_by_a_memory_store(operations, start):
    store = MemorySequenceStore()
    issued: list[str] = []
    for operation, which, day in operations:
        numberer = TicketNumberer("TS", store=store, **NUMBERINGS[which])
        if operation == "advance":
            key = numberer.key_for(at=DAYS[day])
            store.advance(key, store.peek(key) + start)
            continue
        with contextlib.suppress(PatternConflictError, SequenceExhaustedError):
            issued.append(numberer.next(at=DAYS[day]))
    assert len(issued) == len(set(issued))
    if operations and operations[0][0] == "issue" and not start:
        assert issued  # the first numbering always issues


def test_slakit_imports_without_psycopg_and_the_postgres_store_says_what_to_install():
    # The PostgreSQL store is an optional extra: nothing imports psycopg until the store is built.
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None\n"
        "import slakit, slakit.numbering\n"
        "from slakit.errors import ConfigError\n"
        "try:\n"
        "    slakit.numbering.PostgresSequenceStore('dbname=x')\n"
        "except ConfigError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'slakit[postgres]'" in out
