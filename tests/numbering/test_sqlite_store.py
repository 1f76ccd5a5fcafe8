"""SQLiteSequenceStore against real files, real threads and real processes (forked and killed)."""

import multiprocessing
import os
import pickle
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slakit.errors import ConfigError
from slakit.numbering import SequenceStore, SQLiteSequenceStore, TicketNumberer
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
    assert (store.path, store.timeout, store.synchronous) == (str(path), 30.0, "full")
    assert "synchronous='full'" in repr(store)


def test_shares_a_file_with_the_hosts_own_tables(tmp_path):
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as host:
        host.execute("CREATE TABLE tickets (number TEXT)")
    numberer = TicketNumberer("TS", store=SQLiteSequenceStore(path, synchronous="normal"))
    assert numberer.next(at=DAYS[0]) == "TS20240501001"


def test_works_without_returning_on_old_sqlite(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_store_module, "_HAS_RETURNING", False)
    store = SQLiteSequenceStore(tmp_path / "numbers.db")
    assert [store.next("k"), store.next("k"), store.next("j")] == [1, 2, 1]


def test_a_failed_transaction_is_rolled_back(tmp_path, monkeypatch):
    store = SQLiteSequenceStore(tmp_path / "numbers.db")
    store.next("k")
    monkeypatch.setattr(sqlite_store_module, "_UPSERT", "SELECT no_such_column FROM slakit_sequences")
    monkeypatch.setattr(sqlite_store_module, "_HAS_RETURNING", True)
    with pytest.raises(sqlite3.OperationalError):
        store.next("k")
    monkeypatch.undo()
    assert store.next("k") == 2


def test_a_locked_file_times_out_with_sqlites_error(tmp_path):
    path = tmp_path / "numbers.db"
    store = SQLiteSequenceStore(path, timeout=0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store.next("k")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
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


def test_an_unusable_path_fails_at_construction(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        SQLiteSequenceStore(tmp_path / "missing-dir" / "numbers.db")


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
