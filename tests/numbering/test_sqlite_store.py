"""SQLiteSequenceStore against real files, real threads and real processes (forked and killed)."""

import multiprocessing
import os
import pickle
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.errors import (
    ConfigError,
    PatternConflictError,
    SequenceExhaustedError,
    SequenceIntegrityError,
    SequenceLockedError,
    SequenceStoreError,
    SlakitError,
)
from slakit.numbering import MAX_COUNTER, SchemeRegistry, SequenceStore, SQLiteSequenceStore, TicketNumberer
from slakit.numbering import sqlite_store as sqlite_store_module

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = [datetime(2024, 5, 1, 9, tzinfo=SHANGHAI), datetime(2024, 5, 2, 9, tzinfo=SHANGHAI)]
PATTERN = "{prefix}{date:%Y%m%d}{seq:05d}"


def test_counts_in_a_file_that_outlives_the_store(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path)
    assert isinstance(store, SequenceStore)
    assert store.peek("TS:2024-05-01") == 0
    issued = [store.next("TS:2024-05-01"), store.next("TS:2024-05-01"), store.next("SS:2024-05-01")]
    assert issued == [1, 2, 1]
    store.close()
    store.close()
    again = SQLiteSequenceStore(str(path))
    assert again.peek("TS:2024-05-01") == 2
    assert again.next("TS:2024-05-01") == 3
    assert store.next("TS:2024-05-01") == 4  # a closed store reopens on demand


def test_uses_wal_full_sync_and_its_own_table(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path)
    store.next("TS:2024-05-01")
    with sqlite3.connect(path) as probe:
        assert probe.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert probe.execute("SELECT key, value FROM slakit_sequences").fetchall() == [("TS:2024-05-01", 1)]
        assert probe.execute("SELECT key, value FROM slakit_sequence_marks").fetchall() == [("TS:2024-05-01", 1)]
        assert probe.execute("SELECT count(*) FROM slakit_numbering_schemes").fetchone() == (0,)
    assert (store.path, store.timeout, store.synchronous) == (str(path), 30.0, "full")
    assert "synchronous='full'" in repr(store)


def test_shares_a_file_with_the_hosts_own_tables(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as host:
        host.execute("CREATE TABLE tickets (number TEXT)")
    numberer = TicketNumberer("TS", store=SQLiteSequenceStore(path, synchronous="normal"))
    assert numberer.next(at=DAYS[0]) == "TS20240501001"


def test_a_failed_transaction_is_rolled_back(tmp_path, monkeypatch):
    store = SQLiteSequenceStore(tmp_path / "numbers.db")
    store.next("k")
    # The counter is written, then writing its mark fails: the counter's write must be undone too.
    monkeypatch.setattr(sqlite_store_module, "_WRITE_MARK", "INSERT INTO no_such_table VALUES (?, ?, ?)")
    with pytest.raises(SequenceStoreError, match=r"failed .*no such table: no_such_table.*nothing was issued"):
        store.next("k")
    monkeypatch.undo()
    assert store.peek("k") == 1
    assert store.next("k") == 2


def test_a_locked_file_times_out_with_a_typed_error(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path, timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(SequenceLockedError, match=f"^SQLite store '{path}' is locked: .*0.05 s") as info:
            store.next("k")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert isinstance(info.value, TimeoutError)
    assert info.value.path == str(path)
    assert store.next("k") == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"path": ":memory:"}, "path"),
        ({"path": ""}, "path"),
        ({"path": 5}, "path"),
        ({"path": "x.db", "timeout": 0}, "timeout"),
        ({"path": "x.db", "timeout": True}, "timeout"),
        ({"path": "x.db", "timeout": "5"}, "timeout"),
        ({"path": "x.db", "synchronous": "off"}, "synchronous"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=f"^'{field}' must be"):
        SQLiteSequenceStore(**kwargs)


def test_an_unusable_path_fails_at_construction_with_a_typed_error(tmp_path):
    for path, says in [
        (tmp_path / "missing-dir" / "numbers.db", "can open, in a folder that exists"),
        (tmp_path, "can open"),  # a folder
    ]:
        with pytest.raises(SequenceStoreError, match=r"^'path' must be an SQLite file this process can open") as info:
            SQLiteSequenceStore(path)
        assert str(path) in str(info.value)
        assert says in str(info.value)
        assert info.value.path == str(path)
    garbage = tmp_path / "notes.txt"
    garbage.write_bytes(b"not a database at all " * 300)
    with pytest.raises(
        SequenceStoreError, match=r"^'path' must be an SQLite database file .*notes.txt.*not a database"
    ):
        SQLiteSequenceStore(garbage)
    with pytest.raises(ConfigError, match=r"^'path' must be the path of an SQLite file"):
        SQLiteSequenceStore(str(tmp_path / "a\0b.db"))


def test_a_read_only_file_is_a_typed_error(tmp_path, monkeypatch):
    path = tmp_path / "numbers.db"
    SQLiteSequenceStore(path).next("k")

    def read_only(path, timeout):
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=timeout, isolation_level=None)

    monkeypatch.setattr(sqlite_store_module, "_connect", read_only)
    store = SQLiteSequenceStore(path)
    assert store.peek("k") == 1  # reading works
    with pytest.raises(SequenceStoreError, match=r"^'path' must be an SQLite file this process can write") as info:
        store.next("k")
    assert "readonly" in str(info.value)
    monkeypatch.undo()
    assert SQLiteSequenceStore(path).next("k") == 2


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="POSIX permissions; root ignores them")
def test_an_unreadable_file_is_a_typed_error(tmp_path):  # pragma: no cover - CI may run as root
    path = tmp_path / "numbers.db"
    SQLiteSequenceStore(path).close()
    path.chmod(0)
    try:
        with pytest.raises(SequenceStoreError, match=str(path)):
            SQLiteSequenceStore(path).next("k")
    finally:
        path.chmod(0o600)


def test_pickles_as_its_settings(tmp_path):
    store = SQLiteSequenceStore(tmp_path / "numbers.db", timeout=5, synchronous="normal")
    store.next("k")
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes, just made
    assert (copy.path, copy.timeout, copy.synchronous) == (store.path, 5.0, "normal")
    assert copy.next("k") == 2


def test_a_numberer_on_sqlite_pickles_for_spawned_workers(tmp_path):
    numberer = TicketNumberer("TS", store=SQLiteSequenceStore(tmp_path / "numbers.db"), check="luhn")
    first = numberer.next(at=DAYS[0])
    copy = pickle.loads(pickle.dumps(numberer))  # noqa: S301 - our own bytes, just made
    assert copy.parse(copy.next(at=DAYS[0])).seq == numberer.parse(first).seq + 1


def test_a_transaction_left_open_is_rolled_back_first(tmp_path):
    store = SQLiteSequenceStore(tmp_path / "numbers.db")
    store.next("k")
    connection = store._connection()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE slakit_sequences SET value = 100")
    assert store.next("k") == 2


def test_threads_get_their_own_connections(tmp_path):
    numberer = TicketNumberer("TS", pattern=PATTERN, store=SQLiteSequenceStore(tmp_path / "numbers.db"))
    results: list[list[str]] = [[] for _ in range(4)]

    def issue(out: list[str]) -> None:
        out.extend(numberer.next(at=DAYS[0]) for _ in range(250))

    threads = [threading.Thread(target=issue, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(n for out in results for n in out)
    assert numbers == [f"TS20240501{seq:05d}" for seq in range(1, 1001)]


def _issue_in_forked_child(numberer: TicketNumberer, start: "threading.Barrier", out: str) -> None:
    start.wait()
    numbers = [numberer.next(at=DAYS[i % 2]) for i in range(2_000)]
    Path(out).write_text("\n".join(numbers))


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX-only")
def test_four_processes_share_one_file_without_repeats_or_gaps(tmp_path):
    # The store is opened in the parent before forking, so each child must notice and reconnect.
    numberer = TicketNumberer("TS", pattern=PATTERN, store=SQLiteSequenceStore(tmp_path / "numbers.db"))
    context = multiprocessing.get_context("fork")
    start = context.Barrier(4)
    outputs = [tmp_path / f"child-{i}.txt" for i in range(4)]
    children = [context.Process(target=_issue_in_forked_child, args=(numberer, start, str(out))) for out in outputs]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=120)
        assert child.exitcode == 0
    numbers = [n for out in outputs for n in out.read_text().split("\n")]
    assert len(numbers) == len(set(numbers)) == 8_000
    for day in ("20240501", "20240502"):
        seqs = sorted(numberer.parse(n).seq for n in numbers if n[2:10] == day)
        assert seqs == list(range(1, 4_001))
    assert numberer.next(at=DAYS[0]) == "TS2024050104001"  # the parent's own connection still works


CHILD = """
import sys
from datetime import datetime
from zoneinfo import ZoneInfo
from slakit.numbering import SQLiteSequenceStore, TicketNumberer

store = SQLiteSequenceStore(sys.argv[1])
numberer = TicketNumberer("TS", pattern="{prefix}{date:%Y%m%d}{seq:06d}", store=store)
at = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
for _ in range(int(sys.argv[2])):
    print(numberer.next(at=at), flush=True)
"""


def _child(path: Path, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(count)], stdout=subprocess.PIPE, text=True)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX-only")
def test_a_killed_process_never_causes_a_number_to_be_issued_twice(tmp_path):
    path = tmp_path / "numbers.db"
    rng = random.Random(4)
    printed: list[str] = []
    for _ in range(3):
        child = _child(path, 1_000_000)
        assert child.stdout is not None
        for _ in range(rng.randint(20, 400)):
            printed.append(child.stdout.readline().strip())
        os.kill(child.pid, signal.SIGKILL)  # somewhere inside next(): before, during or after a commit
        printed.extend(line.strip() for line in child.stdout)
        child.wait()
        assert child.returncode == -signal.SIGKILL
    survivor = _child(path, 100)
    out, _ = survivor.communicate(timeout=60)
    assert survivor.returncode == 0
    continued = out.split()
    printed = [n for n in printed if len(n) == 16]  # a line cut short by the kill was never printed
    assert len(printed) == len(set(printed))
    assert not set(printed) & set(continued)
    assert len(continued) == len(set(continued)) == 100
    # At most one number per kill is lost (committed, then killed before printing), none is reused.
    last_printed = max(int(n[-6:]) for n in printed)
    assert last_printed < int(continued[0][-6:]) <= last_printed + 2


# Numbers are never issued twice: a counter the store cannot trust is refused, never restarted.

KEY = "TS:2024-05-01"


def _sql(path, statement, *args):
    with sqlite3.connect(path) as connection:
        connection.execute(statement, args)
    connection.close()


def _store_with(path, value):
    store = SQLiteSequenceStore(path, synchronous="normal")
    store.advance(KEY, value)
    return store


def test_a_counter_at_the_largest_integer_is_refused_instead_of_repeating(tmp_path):
    # Regression: value + 1 overflowed into a REAL, and 9223372036854775808 was returned twice.
    path = tmp_path / "numbers.db"
    store = _store_with(path, 5)
    _sql(path, "UPDATE slakit_sequences SET value = ? WHERE key = ?", MAX_COUNTER, KEY)  # raised outside
    for _ in range(2):
        with pytest.raises(SequenceExhaustedError, match=f"counter '{KEY}' is at 9223372036854775807"):
            store.next(KEY)
    assert store.peek(KEY) == MAX_COUNTER
    _sql(path, "UPDATE slakit_sequences SET value = value + 1 WHERE key = ?", KEY)  # SQLite makes it a REAL
    with pytest.raises(SequenceIntegrityError, match=r"holds 9.223372036854776e\+18 \(float\)"):
        store.next(KEY)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("'abc'", "'abc'"), ("1.5", "1.5"), ("x'0001'", "b'\\\\x00\\\\x01'"), ("-3", "-3"), ("'12abc'", "'12abc'")],
)
def test_a_counter_that_is_not_an_integer_is_refused_instead_of_restarting_at_1(tmp_path, stored, shown):
    # Regression: a counter stored as TEXT restarted at 1.
    path = tmp_path / "numbers.db"
    store = _store_with(path, 7)
    _sql(path, f"UPDATE slakit_sequences SET value = {stored} WHERE key = ?", KEY)  # noqa: S608 -- test literals
    for call in (store.next, store.peek):
        with pytest.raises(SequenceIntegrityError, match=f"counter '{KEY}' holds {shown} ") as info:
            call(KEY)
        assert str(path) in str(info.value)
        assert "nothing was issued" in str(info.value)
    assert store.next("TS:2024-05-02") == 1  # other counters are unaffected


def test_a_counter_that_went_back_or_vanished_is_refused(tmp_path):
    path = tmp_path / "numbers.db"
    store = _store_with(path, 7)
    _sql(path, "UPDATE slakit_sequences SET value = 2 WHERE key = ?", KEY)
    with pytest.raises(SequenceIntegrityError, match="went back from 7 to 2, so numbers 3 to 7 would be issued again"):
        store.next(KEY)
    _sql(path, "DELETE FROM slakit_sequences WHERE key = ?", KEY)
    with pytest.raises(SequenceIntegrityError, match="is missing although numbers up to 7 were issued"):
        store.next(KEY)
    assert store.peek("TS:2024-05-02") == 0


def test_a_damaged_or_missing_mark_is_refused(tmp_path):
    path = tmp_path / "numbers.db"
    store = _store_with(path, 7)
    _sql(path, "UPDATE slakit_sequence_marks SET value = 3 WHERE key = ?", KEY)
    with pytest.raises(SequenceIntegrityError, match="high-water mark of counter 'TS:2024-05-01' is damaged"):
        store.next(KEY)
    _sql(path, "DELETE FROM slakit_sequence_marks WHERE key = ?", KEY)
    with pytest.raises(SequenceIntegrityError, match="is at 7 but has no high-water mark"):
        store.next(KEY)
    _sql(path, "INSERT INTO slakit_sequences (key, value) VALUES ('TS:2024-05-09', 50)")  # written outside
    with pytest.raises(SequenceIntegrityError, match="'TS:2024-05-09' is at 50 but has no high-water mark"):
        store.next("TS:2024-05-09")


def test_a_counter_raised_outside_the_store_continues_and_advance_repairs(tmp_path):
    path = tmp_path / "numbers.db"
    store = _store_with(path, 7)
    _sql(path, "UPDATE slakit_sequences SET value = 137 WHERE key = ?", KEY)  # the documented migration
    assert store.next(KEY) == 138
    assert store.advance(KEY, 100) == 138  # never back
    _sql(path, "UPDATE slakit_sequences SET value = 'abc' WHERE key = ?", KEY)
    with pytest.raises(SequenceIntegrityError):
        store.next(KEY)
    assert store.advance(KEY, 0) == 138  # the intact mark proves 138 was issued
    assert store.next(KEY) == 139
    _sql(path, "UPDATE slakit_sequence_marks SET checksum = 0 WHERE key = ?", KEY)
    _sql(path, "UPDATE slakit_sequences SET value = 3 WHERE key = ?", KEY)
    with pytest.raises(SequenceIntegrityError):
        store.next(KEY)
    assert store.advance(KEY, 500) == 500  # the operator found that 500 covers every number issued
    assert store.next(KEY) == 501
    with pytest.raises(ConfigError, match=r"^'value' must be an integer"):
        store.advance(KEY, -1)
    assert store.advance("TS:2024-05-02", 0) == 0
    assert store.next("TS:2024-05-02") == 1


def test_a_file_from_before_the_marks_keeps_counting(tmp_path):
    path = tmp_path / "numbers.db"
    with sqlite3.connect(path) as old:
        old.execute("PRAGMA journal_mode = WAL")
        old.execute("CREATE TABLE slakit_sequences (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID")
        old.executemany(
            "INSERT INTO slakit_sequences VALUES (?, ?)", [(KEY, 41), ("SS:2024-05-01", 0), ("odd", "abc"), ("", 3)]
        )
    old.close()
    store = SQLiteSequenceStore(path)
    assert store.next(KEY) == 42
    assert store.next("SS:2024-05-01") == 1
    with pytest.raises(SequenceIntegrityError, match="holds 'abc'"):
        store.next("odd")
    _sql(path, "UPDATE slakit_sequences SET value = 1 WHERE key = ?", KEY)  # marks exist from the first open
    with pytest.raises(SequenceIntegrityError, match="went back"):
        SQLiteSequenceStore(path).next(KEY)


def _damage(path, rng, near):
    """Overwrite 4 random bytes close to one occurrence of ``near`` in the file."""
    data = bytearray(path.read_bytes())
    hits = [i for i in range(len(data)) if data.startswith(near, i)]
    at = min(max(rng.choice(hits) + rng.randint(-24, 24), 0), len(data) - 4)
    data[at : at + 4] = bytes(rng.randrange(256) for _ in range(4))
    path.write_bytes(data)


@pytest.mark.parametrize("seed", range(60))
def test_random_damage_near_a_counter_never_makes_it_repeat(tmp_path, seed):
    # Regression: 12 of 40 such damages restarted the counter at 1 (PRAGMA quick_check missed 7).
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path, synchronous="normal")
    for key, count in (("SS:2024-05-01", 5), ("TS:2024-04-30", 5), (KEY, 137), ("TS:2024-05-02", 5)):
        for _ in range(count):
            store.next(key)
    store.close()
    assert not (tmp_path / "numbers.db-wal").exists()  # everything is in the file we damage
    _damage(path, random.Random(seed), KEY.encode())
    try:
        again = SQLiteSequenceStore(path, synchronous="normal")
        issued = [again.next(KEY) for _ in range(3)]
    except SlakitError:
        return  # refused: nothing issued
    assert min(issued) > 137


def test_a_damaged_page_is_an_integrity_error(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path, synchronous="normal")
    store.next(KEY)
    store.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in range(1, len(data) // page_size):  # every page but the schema: b-tree headers of garbage
        data[page * page_size : page * page_size + 8] = b"\xff" * 8
    path.write_bytes(data)
    with pytest.raises(SequenceIntegrityError, match=r"is damaged .*malformed.*restore the file from a backup") as info:
        SQLiteSequenceStore(path).next(KEY)
    assert info.value.path == str(path)


def test_a_pattern_change_is_refused_by_every_process_that_shares_the_file(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path)
    assert isinstance(store, SchemeRegistry)
    assert TicketNumberer("TS", store=store).next(at=DAYS[0]) == "TS20240501001"
    elsewhere = SQLiteSequenceStore(path)  # another process, or a later run of this one
    with pytest.raises(PatternConflictError, match="reset='monthly'"):
        TicketNumberer("TS", store=elsewhere, reset="monthly").next(at=DAYS[0])
    assert elsewhere.peek("TS:2024-05") == 0
    assert TicketNumberer("TS", store=elsewhere).next(at=DAYS[0]) == "TS20240501002"
    assert TicketNumberer("TS", store=elsewhere, check="luhn").next(at=DAYS[0]).startswith("TS20240501003")
    with sqlite3.connect(path) as probe:
        assert probe.execute("SELECT count(*) FROM slakit_numbering_schemes").fetchone() == (2,)
    probe.close()


def test_a_damaged_scheme_list_is_refused(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path)
    TicketNumberer("TS", store=store).next(at=DAYS[0])
    TicketNumberer("SS", store=store).next(at=DAYS[0])
    _sql(path, "DELETE FROM slakit_numbering_schemes WHERE scheme LIKE '%\"TS\"%'")  # the TS scheme is lost
    with pytest.raises(SequenceIntegrityError, match="does not match its seal"):
        TicketNumberer("TS", store=store, reset="monthly").next(at=DAYS[0])
    _sql(path, "UPDATE slakit_numbering_schemes SET checksum = checksum + 1")
    with pytest.raises(SequenceIntegrityError, match="a recorded numbering scheme is damaged"):
        TicketNumberer("XX", store=store).next(at=DAYS[0])


# For random operations on one file (issue with one of several numberings, so changing patterns;
# tamper with one or two of a counter's records the way a damaged file or a careless script would
# (never removing both, which leaves nothing to tell an old counter from a new one); repair a
# counter with advance() after looking up the last number issued; reopen the file), no number
# text is ever issued twice, and whatever is refused is refused with a SlakitError.

NUMBERINGS = [
    {"pattern": "{prefix}{date:%Y%m%d}{seq:02d}"},
    {"pattern": "{prefix}{date:%Y%m%d}{seq:02d}", "reset": "monthly"},  # prints the same texts: conflicts
    {"pattern": "{prefix}{date:%Y%m%d}{seq:02d}", "overflow": "widen"},  # alike the first
    {"pattern": "{prefix}{date:%Y%m}{seq:04d}", "reset": "monthly"},  # TS2024050101 both ways
    {"pattern": "{prefix}-{date:%Y%m%d}-{seq:02d}"},
    {"pattern": "{prefix}{date:%Y%m%d}{seq:03d}"},  # conflicts only with the widened one
    {"pattern": "{prefix}{seq:02d}", "reset": "never", "check": "luhn"},
]
ISSUE_DAYS = [DAYS[0], DAYS[1], datetime(2024, 6, 1, 9, tzinfo=SHANGHAI)]
TAMPERING = {
    "lower": "UPDATE slakit_sequences SET value = max(value - 3, 0) WHERE key = ?",
    "zero": "UPDATE slakit_sequences SET value = 0 WHERE key = ?",
    "text": "UPDATE slakit_sequences SET value = 'abc' WHERE key = ?",
    "real": "UPDATE slakit_sequences SET value = value + 0.5 WHERE key = ?",
    "largest": "UPDATE slakit_sequences SET value = 9223372036854775807 WHERE key = ?",
    "higher": "UPDATE slakit_sequences SET value = value + 7 WHERE key = ?",
    # One of a counter's two records may be lost, never both: a counter with neither is a new one.
    "delete": "DELETE FROM slakit_sequences WHERE key = ?1 AND key IN (SELECT key FROM slakit_sequence_marks)",
    "delete mark": "DELETE FROM slakit_sequence_marks WHERE key = ?1 AND key IN (SELECT key FROM slakit_sequences)",
    "mark": "UPDATE slakit_sequence_marks SET value = value + 1 WHERE key = ?",
    "mark lower": "UPDATE slakit_sequence_marks SET value = max(value - 3, 0) WHERE key = ?",
    "mark checksum": "UPDATE slakit_sequence_marks SET checksum = checksum - 1 WHERE key = ?",
    "scheme": "UPDATE slakit_numbering_schemes SET checksum = checksum + 1 WHERE ? IS NOT NULL",
}
# Mostly the first numbering on the first day, so that a tampered counter is used again.
ISSUE_WITH = [0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6]
ISSUE_ON = [0, 0, 0, 1, 2]
STORE_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["issue"] * 5 + ["tamper"] * 3 + ["repair", "reopen"]),
        st.integers(0, 999),
        st.integers(0, 999),
        st.integers(0, 999),
    ),
    min_size=8,
    max_size=60,
)
# Each example enables a few kinds of tampering and of other operations only ("swarm testing"), so
# that some examples do nothing but the one kind of damage a wrong rule would let through.
SWARMS = st.tuples(
    st.lists(st.sampled_from(sorted(TAMPERING)), min_size=1, max_size=3, unique=True),
    st.sets(st.sampled_from(["repair", "reopen"])),
)


@given(SWARMS, STORE_OPERATIONS)
def test_no_text_is_issued_twice_whatever_happens_to_the_file(swarm, operations):
    tampering, enabled = swarm
    enabled |= {"issue", "tamper"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "numbers.db"
        store = SQLiteSequenceStore(path, synchronous="normal")
        issued: list[str] = []
        recent: list[str] = []  # the keys issued under, the last one first
        highest: dict[str, int] = {}  # what an operator would look up before a repair
        for operation, first, second, third in operations:
            if operation not in enabled:
                continue
            if operation == "issue":
                numberer = TicketNumberer("TS", store=store, **NUMBERINGS[ISSUE_WITH[first % len(ISSUE_WITH)]])
                at = ISSUE_DAYS[ISSUE_ON[second % len(ISSUE_ON)]]
                key = numberer.key_for(at=at)
                recent = [key, *(used for used in recent if used != key)]
                try:
                    issued.append(numberer.next(at=at))
                except (PatternConflictError, SequenceIntegrityError, SequenceExhaustedError):
                    continue
                highest[key] = max(highest.get(key, 0), numberer.parse(issued[-1]).seq)
            elif operation == "tamper" and recent:  # one or two changes to one key's records, mostly the last
                key = recent[0] if second % 3 else recent[second % len(recent)]
                for kind in {tampering[first % len(tampering)], tampering[third % len(tampering)]}:
                    _sql(path, TAMPERING[kind], key)
            elif operation == "repair" and highest:
                key = sorted(highest)[first % len(highest)]
                store.advance(key, highest[key] + second % 5)
            elif operation == "reopen":
                store.close()
                store = SQLiteSequenceStore(path, synchronous="normal")
        store.close()
    assert len(issued) == len(set(issued)), sorted(issued)
    if operations and operations[0][0] == "issue":
        assert issued  # the first number of a new file is always issued
