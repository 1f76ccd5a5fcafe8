"""PostgresSequenceStore against a real PostgreSQL server: a throwaway cluster on a local socket.

The cluster is made with this machine's ``initdb`` and ``pg_ctl`` (on PATH or in
/usr/lib/postgresql/*/bin) in a temporary folder and stopped at the end. Without them, or without
psycopg, the tests skip; under SLAKIT_CI=1 they fail instead (tests/optional.py).
"""

import contextlib
import glob
import multiprocessing
import os
import pickle
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.optional import require_module, require_program

require_module("psycopg")
require_module("psycopg_pool")

import psycopg  # noqa: E402 - only once the modules are known to be there
from psycopg_pool import ConnectionPool  # noqa: E402 - only once the modules are known to be there

from slakit.errors import (  # noqa: E402 - only once the modules are known to be there
    ConfigError,
    PatternConflictError,
    SequenceExhaustedError,
    SequenceIntegrityError,
    SequenceLockedError,
    SequenceStoreError,
)
from slakit.numbering import (  # noqa: E402 - only once the modules are known to be there
    MAX_COUNTER,
    PostgresSequenceStore,
    SchemeRegistry,
    SequenceStore,
    TicketNumberer,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the throwaway cluster uses a unix socket")

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
DAYS = [datetime(2024, 5, 1, 9, tzinfo=SHANGHAI), datetime(2024, 5, 2, 9, tzinfo=SHANGHAI)]
PATTERN = "{prefix}{date:%Y%m%d}{seq:05d}"


class Cluster:
    """A PostgreSQL cluster in a temporary folder, reached through a unix socket in that folder."""

    def __init__(self, bin_dir: str, root: str) -> None:
        self.bin_dir = bin_dir
        self.root = root
        self.data = os.path.join(root, "data")
        self.conninfo = f"host={root} port=5432 user=slakit dbname=postgres"
        # PostgreSQL refuses to run as root: run its programs as the postgres (or nobody) account then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            account = "postgres" if _has_account("postgres") else "nobody"
            shutil.chown(root, account)
            self.prefix = ["runuser", "-u", account, "--"]

    def pg(self, program: str, *args: str) -> None:
        command = [*self.prefix, os.path.join(self.bin_dir, program), *args]
        subprocess.run(command, cwd=self.root, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-c listen_addresses='' -c unix_socket_directories={self.root} -c fsync=off -c max_connections=60"
        self.pg("pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "log"), "-o", options, "-w", "start")

    def restart(self) -> None:
        """Stop the server as a crash would (no shutdown checkpoint), then start it again."""
        self.pg("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        self.start()

    def sql(self, statement: str, *args: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            cursor = connection.execute(statement, args or None)
            return cursor.fetchall() if cursor.description else []


def _has_account(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _bin_dir() -> str:
    found = shutil.which("initdb")
    if found is None:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        found = candidates[-1] if candidates else require_program("initdb")
    return os.path.dirname(os.path.realpath(found))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bin_dir = _bin_dir()
    root = tempfile.mkdtemp(prefix="slakit-pg-")
    made = Cluster(bin_dir, root)
    try:
        made.pg("initdb", "-D", made.data, "-U", "slakit", "-A", "trust", "-E", "UTF8", "--no-sync")
        made.start()
        yield made
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            made.pg("pg_ctl", "-D", made.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def store(cluster: Cluster) -> Iterator[PostgresSequenceStore]:
    with PostgresSequenceStore(cluster.conninfo) as made:
        yield made


_KEYS = iter(range(1_000_000))


def fresh_key() -> str:
    """A key no other test used (the tables are shared by the module's tests)."""
    return f"T{os.getpid()}:{next(_KEYS)}"


def fresh_prefix() -> str:
    n = next(_KEYS)
    return "P" + "".join(chr(ord("A") + (n // 26**i) % 26) for i in range(3))


# The protocol and the basics.


def test_counts_peeks_and_advances(store):
    assert isinstance(store, SequenceStore)
    assert isinstance(store, SchemeRegistry)
    key = fresh_key()
    assert store.peek(key) == 0
    assert [store.next(key) for _ in range(3)] == [1, 2, 3]
    assert store.peek(key) == 3
    assert store.advance(key, 10) == 10
    assert store.advance(key, 5) == 10  # never lowers
    assert store.next(key) == 11


def test_bad_arguments_name_the_field(cluster):
    with pytest.raises(ConfigError, match="'timeout'"):
        PostgresSequenceStore(cluster.conninfo, timeout=0)
    with pytest.raises(ConfigError, match="'max_size'"):
        PostgresSequenceStore(cluster.conninfo, max_size=0)
    with pytest.raises(ConfigError, match="'source'"):
        PostgresSequenceStore(42)  # type: ignore[arg-type]


def test_an_unreachable_server_fails_at_construction_with_a_typed_error(tmp_path):
    with pytest.raises(SequenceStoreError, match=r"cannot connect to the server .*nothing was issued") as raised:
        PostgresSequenceStore(f"host={tmp_path} port=5432 user=slakit dbname=postgres", timeout=1)
    assert not isinstance(raised.value, SequenceLockedError)  # not "try again": the server is not there


def test_pickles_as_its_settings_but_not_with_a_host_pool(cluster, store):
    copy = pickle.loads(pickle.dumps(store))  # noqa: S301 - our own bytes, just made
    key = fresh_key()
    assert store.next(key) == 1
    assert copy.next(key) == 2
    copy.close()
    with ConnectionPool(cluster.conninfo, min_size=1, max_size=2) as pool, pytest.raises(TypeError):
        pickle.dumps(PostgresSequenceStore(pool))


def test_works_in_the_hosts_pool_outside_the_hosts_transaction(cluster):
    with ConnectionPool(cluster.conninfo, min_size=1, max_size=3) as pool:
        store = PostgresSequenceStore(pool)
        numberer = TicketNumberer(fresh_prefix(), store=store)
        with pool.connection() as host:
            host.execute("CREATE TABLE IF NOT EXISTS tickets (number text PRIMARY KEY)")
            host.commit()
            host.execute("INSERT INTO tickets VALUES ('draft')")  # the host's transaction is open
            number = numberer.next(at=DAYS[0])
            host.rollback()  # the host gives up its ticket: the number stays issued
        assert number.endswith("001")
        assert numberer.next(at=DAYS[0]).endswith("002")
        store.close()  # leaves the host's pool open
        assert not pool.closed


def test_a_host_pool_with_dict_rows_and_autocommit_works_too(cluster):
    from psycopg.rows import dict_row

    kwargs = {"row_factory": dict_row, "autocommit": True}
    with ConnectionPool(cluster.conninfo, min_size=1, max_size=2, kwargs=kwargs) as pool:
        store = PostgresSequenceStore(pool)
        key = fresh_key()
        assert [store.next(key), store.next(key), store.peek(key)] == [1, 2, 2]


def test_keeps_the_options_of_the_connection_string(cluster):
    with PostgresSequenceStore(cluster.conninfo + " options='-c application_name=helpdesk'") as store:
        store.next(fresh_key())
        names = cluster.sql("SELECT application_name FROM pg_stat_activity WHERE application_name = 'helpdesk'")
        assert names


def test_a_row_held_by_another_transaction_times_out_with_a_typed_error(cluster):
    key = fresh_key()
    with PostgresSequenceStore(cluster.conninfo, timeout=0.5) as store:
        store.next(key)
        with psycopg.connect(cluster.conninfo) as other:
            other.execute("SELECT 1 FROM slakit_sequences WHERE key = %s FOR UPDATE", (key,))
            with pytest.raises(SequenceLockedError, match="trying again is safe"):
                store.next(key)
            other.rollback()
        assert store.next(key) == 2


# Several processes and threads.


def _issue_in_forked_child(numberer: TicketNumberer, start, count: int, out: str) -> None:
    start.wait()
    numbers = [numberer.next(at=DAYS[i % 2]) for i in range(count)]
    Path(out).write_text("\n".join(numbers))


PER_PROCESS = 5_000


def test_four_processes_share_one_database_without_repeats_or_gaps(store, tmp_path):
    # The store's pool is opened in the parent before forking, so each child must notice and open its own.
    prefix = fresh_prefix()
    numberer = TicketNumberer(prefix, pattern=PATTERN, store=store)
    numberer.next(at=DAYS[0])
    context = multiprocessing.get_context("fork")
    start = context.Barrier(4)
    outputs = [tmp_path / f"child-{i}.txt" for i in range(4)]
    children = [
        context.Process(target=_issue_in_forked_child, args=(numberer, start, PER_PROCESS, str(out))) for out in outputs
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=300)
        assert child.exitcode == 0
    numbers = [n for out in outputs for n in out.read_text().split("\n")]
    assert len(numbers) == len(set(numbers)) == 4 * PER_PROCESS
    half = 4 * PER_PROCESS // 2
    first = sorted(numberer.parse(n).seq for n in numbers if n[4:12] == "20240501")
    second = sorted(numberer.parse(n).seq for n in numbers if n[4:12] == "20240502")
    assert first == list(range(2, half + 2))  # 1 was issued by the parent before forking
    assert second == list(range(1, half + 1))
    assert numberer.next(at=DAYS[0]) == f"{prefix}20240501{half + 2:05d}"  # the parent's pool still works


def test_threads_share_one_store(store):
    numberer = TicketNumberer(fresh_prefix(), pattern=PATTERN, store=store)
    results: list[list[str]] = [[] for _ in range(8)]

    def issue(out: list[str]) -> None:
        out.extend(numberer.next(at=DAYS[0]) for _ in range(100))

    threads = [threading.Thread(target=issue, args=(out,)) for out in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = sorted(numberer.parse(n).seq for out in results for n in out)
    assert seqs == list(range(1, 801))


CHILD = """
import sys
from datetime import datetime
from zoneinfo import ZoneInfo
from slakit.numbering import PostgresSequenceStore, TicketNumberer

store = PostgresSequenceStore(sys.argv[1])
numberer = TicketNumberer(sys.argv[3], pattern="{prefix}{date:%Y%m%d}{seq:06d}", store=store)
at = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
for _ in range(int(sys.argv[2])):
    print(numberer.next(at=at), flush=True)
"""


def _child(conninfo: str, count: int, prefix: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, conninfo, str(count), prefix], stdout=subprocess.PIPE, text=True
    )


def test_killed_processes_never_cause_a_number_to_be_issued_twice(cluster):
    prefix = fresh_prefix()
    rng = random.Random(4)
    printed: list[str] = []
    kills = 4
    for _ in range(kills):
        children = [_child(cluster.conninfo, 1_000_000, prefix) for _ in range(2)]
        for child in children:
            assert child.stdout is not None
            for _ in range(rng.randint(20, 300)):
                printed.append(child.stdout.readline().strip())
        for child in children:
            os.kill(child.pid, signal.SIGKILL)  # somewhere inside next(): before, during or after a commit
        for child in children:
            assert child.stdout is not None
            printed.extend(line.strip() for line in child.stdout)
            child.wait()
            assert child.returncode == -signal.SIGKILL
    survivor = _child(cluster.conninfo, 100, prefix)
    out, _ = survivor.communicate(timeout=60)
    assert survivor.returncode == 0
    continued = out.split()
    printed = [n for n in printed if len(n) == len(prefix) + 14]  # a line cut short by the kill was never printed
    assert len(printed) == len(set(printed))
    assert not set(printed) & set(continued)
    assert len(continued) == len(set(continued)) == 100
    # At most one number per killed process is lost (committed, then killed before printing), none reused.
    last_printed = max(int(n[-6:]) for n in printed)
    assert last_printed < int(continued[0][-6:]) <= last_printed + 2 * kills + 1


def test_the_day_rolls_over_at_local_midnight_in_each_time_zone(store):
    # Two numberers of one prefix in two time zones share the store: the same instant is another local
    # day in each, and each day's counter restarts at 1 at that day's local midnight.
    prefix = fresh_prefix()
    numberers = {zone: TicketNumberer(prefix, timezone=zone, store=store) for zone in (SHANGHAI, NEW_YORK)}
    issued: list[tuple[str, object]] = []
    start = datetime(2024, 5, 1, 14, tzinfo=UTC)  # 22:00 in Shanghai, 10:00 in New York
    for minutes in range(0, 24 * 60, 30):
        at = start + timedelta(minutes=minutes)
        for zone, numberer in numberers.items():
            issued.append((numberer.next(at=at), at.astimezone(zone).date()))
    texts = [text for text, _ in issued]
    assert len(texts) == len(set(texts))
    for text, local_day in issued:
        assert numberers[SHANGHAI].parse(text).date == local_day
    by_day: dict[object, list[int]] = {}
    for text, local_day in issued:
        by_day.setdefault(local_day, []).append(numberers[SHANGHAI].parse(text).seq)
    for seqs in by_day.values():
        assert seqs == list(range(1, len(seqs) + 1))  # restarts at 1, no gaps, in issue order
    assert sorted(by_day) == [datetime(2024, 5, d).date() for d in (1, 2)]


# A counter changed by hand is refused, never restarted or repeated.


def _seed(cluster: Cluster, store: PostgresSequenceStore, issued: int) -> str:
    key = fresh_key()
    for _ in range(issued):
        store.next(key)
    return key


@pytest.mark.parametrize("value", ["2.5", "7.0", "1e30", "-1", "'NaN'"])
def test_a_counter_set_to_a_non_integer_is_refused(cluster, store, value):
    key = _seed(cluster, store, 5)
    cluster.sql(f"UPDATE slakit_sequences SET value = {value} WHERE key = %s", key)  # noqa: S608 - test values
    with pytest.raises(SequenceIntegrityError, match="not an integer"):
        store.next(key)
    with pytest.raises(SequenceIntegrityError):
        store.peek(key)


def test_a_lowered_or_deleted_counter_is_refused(cluster, store):
    key = _seed(cluster, store, 5)
    cluster.sql("UPDATE slakit_sequences SET value = 2 WHERE key = %s", key)
    with pytest.raises(SequenceIntegrityError, match="went back from 5 to 2"):
        store.next(key)
    cluster.sql("DELETE FROM slakit_sequences WHERE key = %s", key)
    with pytest.raises(SequenceIntegrityError, match="missing"):
        store.next(key)
    assert store.advance(key, 0) == 5  # the intact mark proves 5 was issued
    assert store.next(key) == 6


def test_a_damaged_or_missing_mark_is_refused(cluster, store):
    key = _seed(cluster, store, 3)
    cluster.sql("UPDATE slakit_sequence_marks SET value = 9 WHERE key = %s", key)
    with pytest.raises(SequenceIntegrityError, match="damaged"):
        store.next(key)
    cluster.sql("DELETE FROM slakit_sequence_marks WHERE key = %s", key)
    with pytest.raises(SequenceIntegrityError, match="no high-water mark"):
        store.next(key)
    cluster.sql("INSERT INTO slakit_sequences VALUES (%s, 4)", fresh := fresh_key())
    with pytest.raises(SequenceIntegrityError, match="no high-water mark"):
        store.next(fresh)


def test_a_counter_at_the_largest_integer_is_refused_instead_of_repeating(cluster, store):
    key = _seed(cluster, store, 1)
    assert store.advance(key, MAX_COUNTER - 1) == MAX_COUNTER - 1
    assert store.next(key) == MAX_COUNTER
    with pytest.raises(SequenceExhaustedError):
        store.next(key)
    assert store.peek(key) == MAX_COUNTER
    by_hand = _seed(cluster, store, 1)
    cluster.sql("UPDATE slakit_sequences SET value = %s WHERE key = %s", MAX_COUNTER, by_hand)
    with pytest.raises(SequenceExhaustedError):  # raised by hand above the mark: trusted, and the last one
        store.next(by_hand)


def test_a_counter_raised_by_hand_continues_above_it(cluster, store):
    key = _seed(cluster, store, 2)
    cluster.sql("UPDATE slakit_sequences SET value = 40 WHERE key = %s", key)
    assert store.next(key) == 41


def test_a_pattern_change_is_refused_by_every_store_on_the_database(cluster, store):
    prefix = fresh_prefix()
    assert TicketNumberer(prefix, store=store).next(at=DAYS[0]).endswith("20240501001")
    with PostgresSequenceStore(cluster.conninfo) as elsewhere:
        with pytest.raises(PatternConflictError):
            TicketNumberer(prefix, store=elsewhere, reset="monthly").next(at=DAYS[0])
        assert TicketNumberer(prefix, store=elsewhere).next(at=DAYS[0]).endswith("20240501002")


def test_a_damaged_scheme_list_is_refused(cluster, store):
    TicketNumberer(fresh_prefix(), store=store).next(at=DAYS[0])
    cluster.sql("UPDATE slakit_numbering_schemes SET checksum = checksum + 1")
    try:
        with pytest.raises(SequenceIntegrityError, match="damaged"):
            TicketNumberer(fresh_prefix(), store=store).next(at=DAYS[0])
    finally:
        cluster.sql("UPDATE slakit_numbering_schemes SET checksum = checksum - 1")


# The server restarted under load.


def test_a_server_restarted_under_load_gives_typed_errors_then_recovers_without_reuse(cluster):
    key = fresh_key()
    issued: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()
    with PostgresSequenceStore(cluster.conninfo, timeout=20) as store:

        def issue() -> None:
            while not stop.is_set():
                try:
                    issued.append(store.next(key))
                except Exception as exc:
                    errors.append(exc)
                    time.sleep(0.01)

        threads = [threading.Thread(target=issue) for _ in range(4)]
        for thread in threads:
            thread.start()
        while len(issued) < 200:
            time.sleep(0.01)
        cluster.restart()
        before_recovery = len(issued)
        deadline = time.monotonic() + 60
        while len(issued) < before_recovery + 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join()
        assert len(issued) >= before_recovery + 200, "the store did not recover after the restart"
        assert errors, "the restart went unnoticed"
        assert all(isinstance(error, SequenceStoreError) for error in errors), errors[:3]
        assert len(issued) == len(set(issued))
        assert store.next(key) > max(issued)


# A property: any sequence of next, peek and advance on a few keys behaves as the documented rule says.

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["next", "peek", "advance"]), st.integers(0, 2), st.integers(0, 50)),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_counters_follow_the_documented_rule(store, operations):
    # The rule, from docs/numbering.md: next adds 1 (a new key starts at 0) and returns the new value,
    # peek returns the last value issued, advance raises to the value unless higher and never lowers.
    keys = [fresh_key() for _ in range(3)]
    expected = [0, 0, 0]
    for operation, which, value in operations:
        key = keys[which]
        if operation == "next":
            expected[which] += 1
            assert store.next(key) == expected[which]
        elif operation == "peek":
            assert store.peek(key) == expected[which]
        else:
            expected[which] = max(expected[which], value)
            assert store.advance(key, value) == expected[which]
