import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slakit.errors import ConfigError
from slakit.numbering import MemorySequenceStore, SequenceStore, TicketNumberer


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
