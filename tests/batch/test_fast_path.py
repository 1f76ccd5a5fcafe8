"""The flat-row fast path (slakit.batch.fast_path) writes exactly what the general path writes.

Every check runs one export through ``run`` twice, with ``pipeline.FAST_PATH`` on and then off, and
compares each file byte for byte, and the summaries. It also counts the rows ``FastPath.facts``
answered, so that a parity check cannot pass just because the fast path never ran.
"""

from __future__ import annotations

import copy
import csv
import difflib
import gzip
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from slakit import presets
from slakit._time import to_us
from slakit.batch import pipeline, run
from slakit.batch.demo_data import write_export
from slakit.batch.evaluation import Evaluator
from slakit.batch.facts import Context
from slakit.batch.fast_path import FastPath
from slakit.batch.flat import COLUMNS, FlatLayout
from slakit.batch.pipeline import RunOutcome
from slakit.calendar import BusinessCalendar
from slakit.sla import Policy
from slakit.testing import strategies as sst
from tests.batch import exports
from tests.batch.exports import csv_text
from tests.escalation.rule_strategies import leaves

SH = ZoneInfo("Asia/Shanghai")
P1_P3: dict[str, Any] = dict(presets.config("p1-p3"))
POLICY = Policy.from_config(P1_P3)
SURVEY_COLUMNS = ("survey_efficiency", "survey_ability", "survey_attitude")
ALL_COLUMNS = (*COLUMNS, "agent", "agent_replies", "flags", "survey_at", *SURVEY_COLUMNS)
TIME_COLUMNS = ("assigned_at", "acknowledged_at", "first_response_at", "resolved_at", "reopened_at", "survey_at")


# -- running both ways ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parity:
    """Both runs of one export (their files are identical), and how many rows the fast path was offered and took."""

    fast: RunOutcome
    general: RunOutcome
    offered: int
    taken: int


@contextmanager
def fast_path(enabled: bool) -> Iterator[list[int]]:
    """``pipeline.FAST_PATH`` set to ``enabled``; yields ``[offered, taken]``, counted from ``FastPath.facts``."""
    counts = [0, 0]
    facts = FastPath.facts

    def counting(self: FastPath, cells: list[str], line: int) -> Any:
        result = facts(self, cells, line)
        counts[0] += 1
        counts[1] += result is not None
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "FAST_PATH", enabled)
        patch.setattr(FastPath, "facts", counting)
        yield counts


def run_both(tmp_path: Path, text_or_path: str | Path, policy: Policy | str, as_of: datetime, **kwargs: Any) -> Parity:
    """Run the export (CSV text or a file) with the fast path and without; assert the outputs are byte-identical."""
    if isinstance(text_or_path, str):
        tmp_path.mkdir(parents=True, exist_ok=True)
        source = tmp_path / "export.csv"
        source.write_bytes(text_or_path.encode())
    else:
        source = text_or_path
    kwargs.setdefault("formats", ("json",))
    outcomes: list[RunOutcome] = []
    counts: list[list[int]] = []
    for enabled, name in ((True, "fast"), (False, "general")):
        with fast_path(enabled) as seen:
            outcomes.append(run(source, policy, as_of=as_of, out_dir=tmp_path / name, **kwargs))
        counts.append(seen)
    fast, general = outcomes
    assert counts[1] == [0, 0], "the general run must not call the fast path"
    assert [path.name for path in fast.files] == [path.name for path in general.files]
    for path in fast.files:
        _assert_same_bytes(path, tmp_path / "general" / path.name)
    assert fast.summary.to_dict() == general.summary.to_dict()
    assert (fast.rows, fast.evaluated, fast.rejected, fast.breached_tickets) == (
        general.rows,
        general.evaluated,
        general.rejected,
        general.breached_tickets,
    )
    offered, taken = counts[0]
    return Parity(fast, general, offered, taken)


def _assert_same_bytes(fast: Path, general: Path) -> None:
    expected, actual = general.read_bytes(), fast.read_bytes()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.decode("utf-8-sig").splitlines(),
            actual.decode("utf-8-sig").splitlines(),
            "general",
            "fast",
            lineterm="",
            n=0,
        )
        raise AssertionError(f"{fast.name} differs between the paths:\n" + "\n".join(list(diff)[:30]))


# -- whole exports -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "by",
    [("month",), ("week", "priority", "agent"), ("quarter", "type", "category", "channel", "product", "customer")],
)
def test_the_hand_checked_export(tmp_path: Path, by: tuple[str, ...]) -> None:
    """The export of tests/batch/exports.py under p1-p3: same files; every evaluated row took the fast path."""
    parity = run_both(tmp_path, exports.export_text(), POLICY, exports.AS_OF, by=by)
    assert (parity.fast.rows, parity.fast.evaluated) == (15, 6)
    assert parity.taken == 6


@pytest.mark.parametrize("chunk_size", [1, 4])
def test_the_hand_checked_export_in_small_chunks(tmp_path: Path, chunk_size: int) -> None:
    """Chunk boundaries change nothing either way."""
    parity = run_both(tmp_path, exports.export_text(), "p1-p3", exports.AS_OF, chunk_size=chunk_size)
    assert parity.taken == 6


def test_the_hand_checked_export_in_two_processes(tmp_path: Path) -> None:
    """With worker processes the fast path's output is still the general path's."""
    text = exports.export_text()
    body = text.split("\n", 1)[1]
    run_both(tmp_path, text + body * 3, POLICY, exports.AS_OF, jobs=2, chunk_size=7)


@pytest.mark.parametrize(
    "as_of",
    [
        exports.AS_OF,
        datetime(2025, 9, 3, 10, 0, tzinfo=SH),  # T4's acknowledge clock at risk; later rows not yet created
        datetime(2025, 9, 3, 10, 30, tzinfo=SH),  # the very instant T4 is acknowledged
        datetime(2025, 9, 1, 12, 30, tzinfo=UTC),  # among T1's and T2's events
        datetime(2025, 8, 1, tzinfo=SH),  # before every row
    ],
)
def test_the_hand_checked_export_at_other_instants(tmp_path: Path, as_of: datetime) -> None:
    """An as_of before, among and after the rows' instants: the rows the fast path declines go the general way."""
    parity = run_both(tmp_path, exports.export_text(), POLICY, as_of)
    assert parity.offered == parity.fast.rows == 15  # every row is offered, the ones to be rejected too
    assert parity.taken <= parity.fast.evaluated


def _four_level_rows() -> list[list[str] | None]:
    """The hand-checked export with its priorities as four-level codes and names (P1 urgent, P2 高, P3 medium)."""
    position = exports.HEADER.index("priority")
    mapping = {"P1": "urgent", "P2": "高", "P3": "medium"}
    rows: list[list[str] | None] = []
    for row in exports.ROWS:
        if row is not None:
            row = [*row]
            row[position] = mapping.get(row[position], row[position])
        rows.append(row)
    return rows


def test_the_hand_checked_export_under_four_level(tmp_path: Path) -> None:
    """Four levels (an urgent response target of 0s, no resolution target), priorities by code and by name."""
    text = csv_text(exports.HEADER, _four_level_rows())
    parity = run_both(tmp_path, text, "four-level", exports.AS_OF, by=("month", "priority"))
    assert parity.fast.evaluated == 6
    assert parity.taken == 6
    assert "resolution_state" not in (tmp_path / "fast" / "results.csv").read_text(encoding="utf-8-sig")


RENAMED = {"id": "工单号", "created_at": "创建时间", "priority": "Priority", "survey_efficiency": "服务效率"}


@pytest.mark.parametrize("shape", ["crlf", "bom", "tab", "gzip", "renamed", "damaged", "short rows"])
def test_the_hand_checked_export_in_other_file_shapes(tmp_path: Path, shape: str) -> None:
    """CRLF, a byte-order mark, tabs, gzip, renamed columns, an undecodable byte, short rows: the same output."""
    text = exports.export_text()
    source: str | Path = text
    kwargs: dict[str, Any] = {}
    if shape == "crlf":
        source = text.replace("\n", "\r\n")
    elif shape == "bom":
        source = "\ufeff" + text
    elif shape == "tab":
        source = text.replace(",", "\t")  # the export has no comma inside a cell
        kwargs["delimiter"] = "\t"
    elif shape == "gzip":
        source = tmp_path / "export.csv.gz"
        source.write_bytes(gzip.compress(text.encode()))
    elif shape == "renamed":
        header, body = text.split("\n", 1)
        source = ",".join(RENAMED.get(name, name) for name in header.split(",")) + "\n" + body
        kwargs["column_map"] = {name: target for name, target in RENAMED.items() if name != "priority"}
    elif shape == "damaged":  # past the first 64 KiB, which must be good text (else the whole file is refused)
        body = text.split("\n", 1)[1]
        padding = body * (65536 // len(body.encode()) + 1)
        damaged = body.replace("软件卡顿", "软件\ufffd卡顿").encode().replace("\ufffd".encode(), b"\xff")
        source = tmp_path / "export.csv"
        source.write_bytes((text + padding).encode() + damaged)
    else:  # rows without their trailing empty cells
        header, body = text.split("\n", 1)
        source = header + "\n" + "\n".join(line.rstrip(",") for line in body.split("\n"))
    parity = run_both(tmp_path, source, POLICY, exports.AS_OF, **kwargs)
    assert parity.fast.rows % 15 == 0
    if shape == "short rows":  # a row shorter than the header goes the general way
        assert 0 < parity.taken < parity.fast.evaluated
    else:
        assert parity.taken == parity.fast.evaluated == parity.fast.rows // 15 * 6 - (shape == "damaged")


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 rows of the seeded sample export of ``slakit demo`` (one of them broken: a naive created_at)."""
    directory = tmp_path_factory.mktemp("demo")
    return write_export(directory, 300, seed=11, as_of=DEMO_AS_OF).csv


DEMO_AS_OF = datetime(2025, 10, 31, 23, 59, 59, tzinfo=SH)


@pytest.mark.parametrize("assume_tz", [None, "Asia/Shanghai"])
def test_the_demo_export(tmp_path: Path, demo_export: Path, assume_tz: str | None) -> None:
    """The demo's sample export, as of its own as_of: same files, and every evaluated row took the fast path."""
    parity = run_both(tmp_path, demo_export, POLICY, DEMO_AS_OF, assume_tz=assume_tz, by=("week", "agent"))
    assert parity.fast.rows == parity.offered == 300
    assert parity.fast.evaluated == (300 if assume_tz else 299)  # the naive created_at needs assume_tz
    assert parity.taken == parity.fast.evaluated


def test_the_demo_export_half_way(tmp_path: Path, demo_export: Path) -> None:
    """As of mid-October many rows have events still to come: they go the general way, with the same output."""
    as_of = datetime(2025, 10, 15, 12, 0, tzinfo=SH)
    parity = run_both(tmp_path, demo_export, POLICY, as_of, by=("month", "priority", "channel"))
    assert 0 < parity.taken < parity.fast.evaluated


def test_the_demo_export_on_a_24x7_clock_without_rules(tmp_path: Path, demo_export: Path) -> None:
    """Calendar-clock targets and no escalation rules: the fast path's other branches, same output."""
    config = copy.deepcopy(P1_P3)
    for priority in config["priorities"].values():
        priority["targets"] = {metric: {"within": within, "clock": "calendar"} for metric, within in
                               priority["targets"].items()}  # fmt: skip
    del config["escalation"]
    parity = run_both(tmp_path, demo_export, Policy.from_config(config), DEMO_AS_OF)
    assert parity.taken == parity.fast.evaluated == 299


# -- what the fast path declines ------------------------------------------------------------------------


def _fast_path_of(policy: Policy, header: list[str], as_of: datetime) -> FastPath | None:
    evaluator = Evaluator(policy, as_of)
    layout = FlatLayout(header)
    effective = evaluator.policy_for(layout.measured)
    return FastPath.of(evaluator, effective, layout, Context.of(effective))


def test_a_policy_that_restarts_clocks_on_reopen_has_no_fast_path() -> None:
    """``on_reopen: restart`` is the general path's alone; resume is the fast path's."""
    restart = Policy.from_config({**P1_P3, "on_reopen": "restart"})
    assert _fast_path_of(restart, exports.HEADER, exports.AS_OF) is None
    assert _fast_path_of(POLICY, exports.HEADER, exports.AS_OF) is not None


def test_restart_runs_the_general_path_alone_with_the_same_output(tmp_path: Path) -> None:
    """Under a restart policy nothing is offered to the fast path, and the output is the same (T3 and T6 reopen)."""
    restart = Policy.from_config({**P1_P3, "on_reopen": "restart"})
    parity = run_both(tmp_path, exports.export_text(), restart, exports.AS_OF)
    assert (parity.offered, parity.taken) == (0, 0)
    assert parity.fast.evaluated == 6


def test_rows_with_instants_after_as_of_go_the_general_way(tmp_path: Path) -> None:
    """Rows resolved, or created, after as_of are declined by the fast path and still evaluated, the same either way."""
    row = dict.fromkeys(exports.HEADER, "")
    row |= {"id": "A1", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1",
            "first_response_at": "2025-09-01T09:30:00+08:00", "resolved_at": "2025-09-02T09:00:00+08:00"}  # fmt: skip
    resolved_later = dict(row, id="A2", resolved_at="2025-09-30T09:00:00+08:00")
    created_later = dict(row, id="A3", created_at="2025-09-11T09:00:00+08:00", first_response_at="", resolved_at="")
    cells = [list(row.values()), list(resolved_later.values()), list(created_later.values())]
    as_of = datetime(2025, 9, 10, 9, 0, tzinfo=SH)
    fast = _fast_path_of(POLICY, exports.HEADER, as_of)
    assert fast is not None
    assert fast.facts(cells[0], 2) is not None
    assert fast.facts(cells[1], 3) is None
    assert fast.facts(cells[2], 4) is None
    parity = run_both(tmp_path, csv_text(exports.HEADER, cells), POLICY, as_of)
    assert (parity.offered, parity.taken, parity.fast.evaluated) == (3, 1, 3)
    with (tmp_path / "fast" / "results.csv").open(encoding="utf-8-sig", newline="") as file:
        results = {result["id"]: result for result in csv.DictReader(file)}
    assert [results[name]["resolved"] for name in ("A1", "A2", "A3")] == ["true", "false", "false"]
    a2 = results["A2"]  # the resolve has not happened yet: open past its deadline, Wed 09-03 15:00
    assert (a2["resolution_state"], a2["resolution_completed_at"]) == ("breached", "")
    assert a2["resolution_deadline"] == "2025-09-03T15:00:00+08:00"
    assert results["A3"]["response_state"] == "pending"  # not created yet


def test_a_naive_creation_time_in_a_dst_gap_is_shown_as_written(tmp_path: Path) -> None:
    """Regression (found by the random exports): 02:30 on 2025-03-30 does not exist in Berlin. The general path shows
    the creation time as read, 02:30+01:00; the fast path once wrote the same instant as 03:30+02:00."""
    berlin = Policy.from_config(
        P1_P3 | {"calendars": {"default": P1_P3["calendars"]["default"] | {"timezone": "Europe/Berlin"}}}
    )
    header = ["id", "created_at", "priority"]
    as_of = datetime(2025, 3, 30, 9, 30, tzinfo=SH)
    parity = run_both(tmp_path, csv_text(header, [["T1", "2025-03-30 02:30:00", "P1"]]), berlin, as_of,
                      assume_tz="Europe/Berlin")  # fmt: skip
    assert parity.taken == 1
    with (tmp_path / "fast" / "results.csv").open(encoding="utf-8-sig", newline="") as file:
        assert next(csv.DictReader(file))["created_at"] == "2025-03-30T02:30:00+01:00"


def test_declined_rows_are_not_kept_alive() -> None:
    """Regression: one exception instance raised for every declined row chained each traceback onto it, keeping
    every declined row's frames (and the chunk text they read) alive: worker memory grew with the input."""
    row = dict.fromkeys(exports.HEADER, "") | {"id": "B1", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P9"}
    cells = list(row.values())
    fast = _fast_path_of(POLICY, exports.HEADER, exports.AS_OF)
    assert fast is not None
    before = sys.getrefcount(cells)
    for line in range(2, 50):
        assert fast.facts(cells, line) is None
    assert sys.getrefcount(cells) == before


def test_a_rule_on_a_metric_the_export_cannot_measure(tmp_path: Path) -> None:
    """Without assigned_at, acknowledge is not measured; p1-not-acknowledged reads it and never fires (a fact with no
    value makes its leaf false), on the fast path too."""
    position = exports.HEADER.index("assigned_at")
    header = [name for name in exports.HEADER if name != "assigned_at"]
    rows = [row if row is None else row[:position] + row[position + 1 :] for row in exports.ROWS]
    parity = run_both(tmp_path, csv_text(header, rows), POLICY, exports.AS_OF)
    assert (parity.fast.evaluated, parity.taken) == (6, 6)
    assert "p1-not-acknowledged" not in (tmp_path / "fast" / "results.jsonl").read_text(encoding="utf-8")
    assert "acknowledge_state" not in (tmp_path / "fast" / "results.csv").read_text(encoding="utf-8-sig")


# -- random exports ------------------------------------------------------------------------------------

# Instants the p1-p3 calendar cares about (Asia/Shanghai, Mon-Fri 09:00-18:00, CN holidays): opening
# and closing, a weekend, National Day (2025-10-01..08) and its make-up workdays 2025-09-28 (a Sunday)
# and 2025-10-11 (a Saturday); and the DST changes of Berlin and New York, for calendars in those zones.
ANCHORS = (
    *(datetime(2025, month, day, hour, minute, tzinfo=SH) for month, day, hour, minute in (
        (9, 26, 9, 0), (9, 26, 17, 59), (9, 26, 18, 0), (9, 27, 11, 0), (9, 28, 9, 0), (9, 28, 18, 0),
        (9, 29, 12, 0), (9, 30, 16, 30), (10, 1, 9, 0), (10, 8, 17, 0), (10, 9, 9, 0), (10, 11, 8, 59),
    )),
    datetime(2025, 3, 30, 0, 30, tzinfo=UTC),
    datetime(2025, 10, 26, 0, 45, tzinfo=UTC),
    datetime(2025, 3, 9, 6, 30, tzinfo=UTC),
    datetime(2025, 11, 2, 5, 30, tzinfo=UTC),
)  # fmt: skip
# Naive local times that do not exist or exist twice in a DST zone (for assume_tz in that zone).
DST_NAIVE = ("2025-03-30 02:30:00", "2025-10-26 02:30:00", "2025-03-09 02:30:00", "2025-11-02 01:30:00")
_US = 1_000_000
_H = 3600 * _US
DELTAS = (0, 1, 60 * _US, _H - 1, _H, 2 * _H, 9 * _H, 24 * _H, 3 * 24 * _H + 1, 10 * 24 * _H)
CELL_ZONES = (SH, UTC, ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York"), timezone(timedelta(hours=-3)))
ASSUME_ZONES = (None, "Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York")
FIRST, LAST = datetime(2025, 9, 20, tzinfo=UTC), datetime(2025, 10, 31, tzinfo=UTC)


def _us(value: int) -> timedelta:
    return timedelta(microseconds=value)


@st.composite
def deadlines(draw: st.DrawFn, instants: list[datetime], calendar: BusinessCalendar) -> datetime:
    """A p1-p3 target's business hours (or the at-risk point, or a rule's 4h) on ``calendar`` from one of
    ``instants``, or a microsecond either side: where states turn."""
    start = draw(st.sampled_from(instants))
    hours = draw(st.sampled_from([1, 2, 4, 8, 24, 48, 72, 1.5, 6, 18, 28]))
    return calendar.add(start, timedelta(hours=hours)) + _us(draw(st.sampled_from([0, 1, -1])))


@st.composite
def time_cells(draw: st.DrawFn, instant: datetime, assume: str | None) -> str:
    """``instant`` as a readable cell: ISO with an offset (Shanghai, another zone, Z), padded, another spelling
    with an offset, or naive local time when the export has ``assume_tz``."""
    kinds = ["offset", "zone", "z", "padded", "slashes"] + (["naive", "space"] if assume else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "offset":
        return instant.astimezone(SH).isoformat()
    if kind == "zone":
        return instant.astimezone(draw(st.sampled_from(CELL_ZONES))).isoformat()
    if kind == "z":
        return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if kind == "padded":
        return f" {instant.isoformat()} "
    if kind == "slashes":  # read by dateutil, to the second
        return instant.astimezone(SH).strftime("%Y/%m/%d %H:%M:%S.%f %z")
    zone = ZoneInfo(assume)  # type: ignore[arg-type]
    local = instant.astimezone(zone).replace(tzinfo=None, fold=0)  # the fold is lost in text
    if to_us(local.replace(tzinfo=zone)) != to_us(instant):  # the second of two equal wall times (DST fold): not naive
        return instant.isoformat()
    return local.isoformat() if kind == "naive" else str(local)


BREAKAGES = (
    "naive",  # a naive time without assume_tz
    "garbage time",
    "before created_at",
    "acknowledged before assigned",
    "no id",
    "unknown priority",
    "bad count",
    "replies contradict first_response_at",
    "survey off the scale",
    "partial survey",  # refused unless the scheme allows partial answers
    "blank time",  # a cell of spaces: no time
)


@st.composite
def rows(
    draw: st.DrawFn, number: int, assume: str | None, calendar: BusinessCalendar, *, clean: bool
) -> tuple[dict[str, str], list[datetime]]:
    """One flat row as ``{column: cell}``, and the instants it names.

    Rows vary in what the fast path must get right (ties, reopened before, at or after resolved, offsets,
    names for priorities, counts, flags, surveys); unless ``clean``, a quarter of them also break in one or two
    ways that reject them (:data:`BREAKAGES`).
    """
    cells: dict[str, str] = {}
    if not clean and assume is not None and draw(st.integers(0, 5)) == 0:
        naive = draw(st.sampled_from(DST_NAIVE))  # a DST gap or fold, read with assume_tz
        cells["created_at"] = naive
        created = datetime.fromisoformat(naive).replace(tzinfo=ZoneInfo(assume))
    else:
        if draw(st.integers(0, 3)) == 0:  # at (or a microsecond off) an opening or closing of the calendar
            created = draw(sst.aware_datetimes(calendar, min_value=FIRST, max_value=LAST))
        else:
            created = draw(st.sampled_from(ANCHORS)) + _us(draw(st.sampled_from([0, 1, -1, 1800 * _US, 7777 * _US])))
        cells["created_at"] = draw(time_cells(created, assume))
    instants = [created]
    stamps: dict[str, datetime] = {}
    for column in draw(st.permutations(TIME_COLUMNS)):
        kind = draw(st.sampled_from(["empty", "tie", "after", "after", "deadline", "anchor"]))
        if kind == "empty":
            continue
        if kind == "tie":
            moment = draw(st.sampled_from(instants))
        elif kind == "after":
            moment = draw(st.sampled_from(instants)) + _us(draw(st.sampled_from(DELTAS)))
        elif kind == "deadline":
            moment = draw(deadlines(instants, calendar))
        else:
            moment = max(created, draw(st.sampled_from(ANCHORS)) + _us(draw(st.sampled_from([0, 1, -1]))))
        stamps[column] = moment
        instants.append(moment)
    if "assigned_at" in stamps and stamps.get("acknowledged_at", created) < stamps["assigned_at"]:
        stamps["acknowledged_at"] = stamps["assigned_at"]
    for column in TIME_COLUMNS:
        cells[column] = draw(time_cells(stamps[column], assume)) if column in stamps else ""
    cells["id"] = f"T{number}"
    cells["priority"] = draw(st.sampled_from(["P1", "P2", "P3", "紧急", "重要", "一般", " P2 "]))
    cells["category"] = draw(st.sampled_from(["", "技术支持类/软件故障排查", "硬件维修", "售后服务类", "其他/未知"]))
    cells["channel"] = draw(st.sampled_from(["", "电话", "phone", "email", "web"]))
    cells["product"] = draw(st.sampled_from(["", "X100", "X200"]))
    cells["customer"] = draw(st.sampled_from(["", "甲公司", "乙公司"]))
    cells["subject"] = draw(st.sampled_from(["", "软件卡顿", "如何设置打印模板", "投诉: 态度", 'two\nlines, "quoted"']))
    cells["agent"] = draw(st.sampled_from(["", "王磊", "li"]))
    cells["flags"] = draw(st.sampled_from(["", "public_opinion_risk", "vip;public_opinion_risk", "vip, x", " | "]))
    cells["complaints"] = draw(st.sampled_from(["", "0", "1", "2", "3", " 2 ", "2.0"]))
    cells["affected_customers"] = draw(st.sampled_from(["", "1", "10", "15", "0", "1e1"]))
    answered = "first_response_at" in stamps
    cells["agent_replies"] = draw(st.sampled_from(["", "1", "3", " 2 "] if answered else ["", "0"]))
    survey = draw(st.booleans())
    for column in SURVEY_COLUMNS:
        cells[column] = draw(st.sampled_from(["1", "3", "4", "5", " 5 ", "5.0"])) if survey else ""
    if not clean and draw(st.integers(0, 3)) == 0:
        for breakage in draw(st.lists(st.sampled_from(BREAKAGES), min_size=1, max_size=2, unique=True)):
            _break(draw, breakage, cells, created)
    return cells, instants


def _break(draw: st.DrawFn, breakage: str, cells: dict[str, str], created: datetime) -> None:
    """Break ``cells`` the way ``breakage`` says (see :data:`BREAKAGES`)."""
    column = draw(st.sampled_from(("created_at", *TIME_COLUMNS)))
    if breakage == "naive":
        cells[column] = created.astimezone(SH).replace(tzinfo=None).isoformat()
    elif breakage == "garbage time":
        cells[column] = draw(st.sampled_from(["not a date", "2025-13-01T00:00:00+08:00", "2025-09", "yesterday"]))
    elif breakage == "before created_at":
        moment = created - _us(draw(st.sampled_from([1, _H, 24 * _H])))
        cells["resolved_at" if column == "created_at" else column] = moment.isoformat()
    elif breakage == "acknowledged before assigned":
        cells["assigned_at"] = (created + _us(_H)).isoformat()
        cells["acknowledged_at"] = (created + _us(_H - 1)).isoformat()
    elif breakage == "no id":
        cells["id"] = draw(st.sampled_from(["", " "]))
    elif breakage == "unknown priority":
        cells["priority"] = draw(st.sampled_from(["P7", "", "p1", "紧急 "]))
    elif breakage == "bad count":
        name = draw(st.sampled_from(["complaints", "affected_customers", "agent_replies"]))
        cells[name] = draw(st.sampled_from(["很多", "-1", "1001", "2.5", "x", "1000001"]))
    elif breakage == "replies contradict first_response_at":
        cells["agent_replies"] = "0" if cells["first_response_at"] else "2"
    elif breakage == "survey off the scale":
        cells[draw(st.sampled_from(SURVEY_COLUMNS))] = draw(st.sampled_from(["0", "6", "4.5", "x", "-1"]))
    elif breakage == "partial survey":
        for name in SURVEY_COLUMNS:
            cells[name] = draw(st.sampled_from(["", "2", "5"]))
    else:
        cells[column] = draw(st.sampled_from([" ", "   "]))


@dataclass(frozen=True)
class Export:
    """A generated flat export: the CSV text, the instant it is evaluated at, and how to read it."""

    text: str
    as_of: datetime
    assume_tz: str | None
    by: tuple[str, ...]
    chunk_size: int


@st.composite
def flat_exports(draw: st.DrawFn, calendar: BusinessCalendar, *, clean: bool = False) -> Export:
    """1-8 rows, some columns left out, others added, in any order, as of an instant before, among or after the
    rows' instants; ``clean``: every row one the fast path takes (all columns, as_of after every instant)."""
    assume = draw(st.sampled_from(ASSUME_ZONES))
    header = list(ALL_COLUMNS)
    if not clean and draw(st.integers(0, 2)) == 0:  # then rules on what they measured send rows the general way
        optional = [column for column in ALL_COLUMNS if column not in ("id", "created_at", "priority")]
        dropped = draw(st.sets(st.sampled_from(optional), min_size=1, max_size=2))
        header = [column for column in header if column not in dropped]
    header += draw(st.sets(st.sampled_from(["notes"] if clean else ["notes", "survey_speed"]), max_size=1))
    header = draw(st.permutations(header))
    written = [  # some names in capitals or padded: found all the same (but survey_ columns only in lower case)
        draw(st.sampled_from([name, name, name, f" {name} "] + ([] if name.startswith("survey_") else [name.upper()])))
        for name in header
    ]
    records: list[list[str] | None] = []
    instants: list[datetime] = []
    for number in range(1, draw(st.integers(1, 8)) + 1):
        cells, named = draw(rows(number, assume, calendar, clean=clean))
        cells["notes"] = draw(st.sampled_from(["", "客户来电", "a, b"]))  # a column slakit does not know
        cells["survey_speed"] = "4" if draw(st.integers(0, 7)) == 0 else ""  # a dimension the policy does not know
        instants += named
        record = [cells.get(column, "") for column in header]
        if not clean:
            shape = draw(st.sampled_from(["row"] * 8 + ["short", "long", "blank"]))
            if shape == "short":  # the general path reads the missing cells as empty
                record = record[: draw(st.integers(1, len(record) - 1))]
            elif shape == "long":  # rejected
                record = [*record, "extra"]
            elif shape == "blank":
                records.append(None)
        records.append(record)
    last = max(instants) + _us(draw(st.sampled_from([0, 1, _H, 5 * 24 * _H])))
    if clean:
        as_of = last
    else:
        kind = draw(st.sampled_from(["after", "after", "after", "among", "among", "deadline", "anchor", "far"]))
        if kind == "after":
            as_of = last
        elif kind == "deadline":
            as_of = draw(deadlines(instants, calendar))
        elif kind == "among":
            as_of = draw(st.sampled_from(instants)) + _us(draw(st.sampled_from([0, 1, -1, _H, -_H, 3 * 24 * _H])))
        elif kind == "anchor":
            as_of = draw(st.sampled_from(ANCHORS))
        else:
            as_of = draw(st.sampled_from([datetime(2025, 1, 1, tzinfo=SH), datetime(2026, 6, 1, tzinfo=UTC)]))
    as_of = as_of.astimezone(draw(st.sampled_from([SH, UTC])))
    by = draw(st.sampled_from([("month",), ("week", "priority", "agent"), ("quarter", "type", "channel", "customer")]))
    return Export(csv_text(written, records), as_of, assume, by, draw(st.sampled_from([2000, 1, 3])))


# -- random policies: p1-p3 with its rules, targets, at_risk, reopen rule, calendar and survey varied --


def _extra_leaves() -> st.SearchStrategy[dict[str, Any]]:
    """Leaves on the facts tests/escalation/rule_strategies.py leaves out: flags, text fields, all survey dimensions."""

    def leaf(fact: str, ops: list[str], values: list[Any]) -> st.SearchStrategy[dict[str, Any]]:
        parts = {"fact": st.just(fact), "op": st.sampled_from(ops), "value": st.sampled_from(values)}
        return st.fixed_dictionaries(parts)

    return st.one_of(
        leaf("ticket.flags", ["contains"], ["public_opinion_risk", "vip"]),
        leaf("ticket.category", ["eq", "ne", "contains"], ["硬件维修", "技术支持类", "软件故障"]),
        leaf("ticket.product", ["eq", "ne"], ["X100"]),
        leaf("ticket.customer", ["eq", "in"], ["甲公司"]).map(
            lambda d: {**d, "value": [d["value"]]} if d["op"] == "in" else d
        ),
        leaf("ticket.complaints", ["ge", "eq", "lt"], [0, 1, 2, 3]),
        leaf("ticket.affected_customers", ["ge", "lt", "eq"], [1, 10, 15]),
        leaf("ticket.priority", ["eq", "ne"], ["P1", "P2", "P3"]),
        leaf("survey.overall", ["lt", "le", "ge", "eq", "gt"], [1, 3, 4, 4.5, 5]),
        leaf("survey.efficiency", ["lt", "ge"], [3, 4]),
        leaf("survey.ability", ["le", "gt"], [3, 4]),
    )


def _measured(leaf: dict[str, Any]) -> dict[str, Any]:
    """The leaf on resolution instead of update, which a flat export cannot measure."""
    if leaf["fact"].startswith("sla.update."):
        return {**leaf, "fact": leaf["fact"].replace("update", "resolution")}
    return leaf


def _combined(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"all": parts}),
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: {"any": parts}),
        inner.map(lambda part: {"not": part}),
    )


_MEASURED_LEAVES = leaves(survey=True).map(_measured)
CONDITIONS = {  # with update: now and then on sla.update.*, which makes the fast path decline every row
    True: st.recursive(st.one_of(_MEASURED_LEAVES, _extra_leaves(), leaves(survey=True)), _combined, max_leaves=4),
    False: st.recursive(st.one_of(_MEASURED_LEAVES, _extra_leaves()), _combined, max_leaves=4),
}


@st.composite
def rule_configs(draw: st.DrawFn, *, update: bool = True) -> dict[str, Any]:
    """1-4 rules on any fact (every SLA field, ticket facts, survey), levels 0-3, some with a contact deadline."""
    rules = []
    for i in range(draw(st.integers(1, 4))):
        when = draw(CONDITIONS[update])
        rule: dict[str, Any] = {"name": f"r{i}", "when": when, "level": draw(st.integers(0, 3))}
        contact = draw(st.sampled_from([None, "2h", "0m", "30m"]))
        if contact is not None:
            rule["contact_within"] = contact
        if draw(st.booleans()):
            rule["clock"] = "calendar"
        rules.append(rule)
    return {"levels": P1_P3["escalation"]["levels"], "rules": rules}


TARGET_VALUES: tuple[Any, ...] = (
    "0m",
    "1m",
    "30m",
    "9h",
    {"within": "2h", "clock": "calendar"},
    {"within": "0m", "clock": "calendar"},
    {"within": "30m", "clock": "calendar"},
    {"within": "3h", "calendar": "berlin"},  # another calendar than the default one, in another zone
    None,  # not tracked (last: rules on a metric a priority does not track send its rows the general way)
)


@st.composite
def policy_tweaks(draw: st.DrawFn, *, clean: bool = False) -> dict[str, Any]:
    """How a policy differs from p1-p3 (a small, printable dict; :func:`policy_of` builds it).

    ``clean``: only what the fast path covers (no restart on reopen, no rules on update, every metric tracked).
    """
    tweaks: dict[str, Any] = {}
    rules = draw(st.sampled_from(["preset", "random", "random", "none"]))
    if rules == "random":
        tweaks["escalation"] = draw(rule_configs(update=not clean))
    elif rules == "none":
        tweaks["escalation"] = None
    targets = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["P1", "P2", "P3"]),
                st.sampled_from(["response", "acknowledge", "resolution"]),
                st.sampled_from(TARGET_VALUES[:-1] if clean else TARGET_VALUES),
            ),
            max_size=4,
        )
    )
    if targets:
        tweaks["targets"] = targets
    at_risk = draw(st.sampled_from([0.75, 0.5, 0.9, 1.0]))
    if at_risk != 0.75:
        tweaks["at_risk"] = at_risk
    if not clean and draw(st.integers(0, 7)) == 0:
        tweaks["on_reopen"] = "restart"
    calendar = draw(st.sampled_from(["preset", "preset", "zone", "random"]))
    if calendar == "zone":
        tweaks["timezone"] = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "UTC"]))
    elif calendar == "random":
        tweaks["calendar"] = draw(sst.calendar_configs())
    survey = draw(st.sampled_from(["preset", "preset", "partial", "none"]))
    if survey != "preset":
        tweaks["survey"] = survey
    return tweaks


_POLICIES: dict[str, Policy] = {}


def policy_of(tweaks: dict[str, Any]) -> Policy:
    """p1-p3 with ``tweaks`` applied (remembered: shrinking builds the same ones again)."""
    key = repr(tweaks)
    policy = _POLICIES.get(key)
    if policy is None:
        if len(_POLICIES) >= 64:
            _POLICIES.clear()
        policy = _POLICIES[key] = _policy(copy.deepcopy(tweaks))
    return policy


def _policy(tweaks: dict[str, Any]) -> Policy:
    config = copy.deepcopy(P1_P3)
    config["calendars"]["berlin"] = {"timezone": "Europe/Berlin", "hours": {"mon-sat": ["08:00-20:00"]},
                                     "holidays": {"country": "DE"}}  # fmt: skip
    if "escalation" in tweaks:
        config["escalation"] = tweaks["escalation"]
    for code, metric, value in tweaks.get("targets", ()):
        if value is None:
            config["priorities"][code]["targets"].pop(metric, None)
        else:
            config["priorities"][code]["targets"][metric] = value
    for name in ("at_risk", "on_reopen"):
        if name in tweaks:
            config[name] = tweaks[name]
    if "timezone" in tweaks:
        config["calendars"]["default"]["timezone"] = tweaks["timezone"]
    if "calendar" in tweaks:
        config["calendars"]["default"] = tweaks["calendar"]
    if tweaks.get("survey") == "partial":
        config["survey"]["allow_partial"] = True
    elif tweaks.get("survey") == "none":
        del config["survey"]
    return Policy.from_config(config)


def _check(export: Export, tweaks: dict[str, Any]) -> Parity:
    with tempfile.TemporaryDirectory() as directory:
        return run_both(
            Path(directory),
            export.text,
            policy_of(tweaks),
            export.as_of,
            assume_tz=export.assume_tz,
            by=export.by,
            chunk_size=export.chunk_size,
        )


@st.composite
def cases(draw: st.DrawFn, *, clean: bool = False) -> tuple[Export, dict[str, Any]]:
    """A policy (as its tweaks of p1-p3) and an export whose instants fall where its calendar turns."""
    tweaks = draw(policy_tweaks(clean=clean))
    return draw(flat_exports(policy_of(tweaks).default_calendar, clean=clean)), tweaks


@given(cases())
def test_random_exports_are_the_same_both_ways(case: tuple[Export, dict[str, Any]]) -> None:
    """Any flat export (broken cells, ties, events after as_of, ...) under p1-p3 and variations of it."""
    parity = _check(*case)
    if parity.fast.evaluated == 0:
        event("no row evaluated")
    else:
        share = "none" if parity.taken == 0 else "all" if parity.taken == parity.fast.evaluated else "some"
        event(f"the fast path took {share} of the evaluated rows")
    assert parity.taken <= parity.fast.evaluated


@given(cases(clean=True))
def test_rows_the_fast_path_should_take_it_takes(case: tuple[Export, dict[str, Any]]) -> None:
    """Well-formed rows with every instant at or before as_of all take the fast path (and match the general one)."""
    parity = _check(*case)
    assert parity.fast.rejected == 0
    assert parity.taken == parity.offered == parity.fast.evaluated


def test_policy_tweaks_apply() -> None:
    """The policy variations are what they say (a check on the helper above)."""
    policy = policy_of({"targets": [["P1", "response", {"within": "0m", "clock": "calendar"}]], "on_reopen": "restart"})
    target = policy.target("P1", "response")
    assert target is not None
    assert (target.within, target.clock_name, policy.config.on_reopen) == (timedelta(0), "24x7", "restart")
    assert policy_of({"escalation": None}).escalation.rules == ()
