"""run(): the per-ticket files, the report call, progress, and the same output on one process or two."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from slakit import presets
from slakit.batch import Rejected, evaluate_many, pipeline, read, run, summarize
from slakit.batch.output import BREACH_COLUMNS, REJECTED_COLUMNS
from slakit.errors import ConfigError
from tests.batch.exports import AS_OF, HEADER, export_text

POLICY = presets.load("p1-p3")
FILES = ("results.csv", "results.jsonl", "rejected.csv", "breaches.csv")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(export_text(), encoding="utf-8")
    return path


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_files_and_outcome(export: Path, tmp_path: Path) -> None:
    seen: list[int] = []
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), progress=seen.append, chunk_size=4)
    out = tmp_path / "out"
    assert outcome.files == tuple(out / name for name in FILES)
    assert (outcome.rows, outcome.evaluated, outcome.rejected, outcome.breached_tickets) == (15, 6, 9, 3)
    assert seen == [4, 8, 12, 15]  # after each chunk of 4 records (the blank line is no row)
    assert outcome.summary == summarize(evaluate_many(read(export), POLICY, as_of=AS_OF))

    results = _csv(out / "results.csv")
    assert [row["id"] for row in results] == ["T1", "T2", "T3", "T4", "T5", "T6"]
    assert [row["line"] for row in results] == ["2", "3", "4", "5", "6", "17"]
    t3 = results[2]
    assert t3["type"] == "售后服务类"
    assert (t3["resolved"], t3["handling_business_hours"], t3["handling_wall_hours"]) == ("true", "38.0", "146.0")
    assert (t3["first_contact_resolution"], t3["reopens"], t3["complaints"]) == ("false", "1", "2")
    assert (t3["response_state"], t3["response_late_by_hours"], t3["breached"]) == ("breached", "1.0", "response")
    assert (t3["survey_overall"], t3["survey_follow_up"]) == ("3.33", "true")
    assert (t3["escalation_level"], t3["escalation_rules"]) == ("1", "second-complaint;low-satisfaction")
    assert "update_state" not in t3  # a flat export cannot measure update

    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    t4 = json.loads(lines[3])
    assert t4["id"] == "T4"
    assert t4["sla"]["resolution"]["state"] == "breached"
    assert t4["sla"]["resolution"]["deadline"] == "2025-09-05T15:00:00+08:00"
    assert t4["escalations"]["level"] == 2
    assert t4["breached"] == ["response", "acknowledge", "resolution"]

    rejected = _csv(out / "rejected.csv")
    assert list(rejected[0]) == list(REJECTED_COLUMNS)
    assert [(row["line"], row["kind"]) for row in rejected] == [
        ("7", "naive timestamp in created_at"),
        ("8", "unknown priority"),
        ("9", "resolved_at before created_at"),
        ("10", "invalid number in complaints"),
        ("11", "unparseable timestamp in created_at"),
        ("12", "missing id"),
        ("13", "missing created_at"),
        ("14", "invalid survey response"),
        ("15", "invalid number in affected_customers"),
    ]

    breaches = _csv(out / "breaches.csv")
    assert list(breaches[0]) == list(BREACH_COLUMNS)
    assert [(row["ticket"], row["metric"], row["late_by_hours"]) for row in breaches] == [
        ("T2", "acknowledge", "0.25"),
        ("T3", "response", "1.0"),
        ("T4", "response", "1.0"),
        ("T4", "acknowledge", "0.42"),
        ("T4", "resolution", "138.0"),
    ]


def test_every_row_is_accounted_for_exactly_once(export: Path, tmp_path: Path) -> None:
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, formats=())
    lines = [row["line"] for row in _csv(tmp_path / "results.csv")] + [
        row["line"] for row in _csv(tmp_path / "rejected.csv")
    ]
    assert sorted(map(int, lines)) == [*range(2, 16), 17]
    assert outcome.rows == len(lines)


def test_two_processes_write_the_same_files(export: Path, tmp_path: Path) -> None:
    text = export.read_text(encoding="utf-8")
    body = text.split("\n", 1)[1]
    big = tmp_path / "big.csv"
    big.write_text(text + body * 5, encoding="utf-8")  # 90 rows, chunked in 7s
    one = run(big, POLICY, as_of=AS_OF, out_dir=tmp_path / "one", formats=(), chunk_size=7, by=("month", "priority"))
    two = run(big, POLICY, as_of=AS_OF, out_dir=tmp_path / "two", formats=(), chunk_size=7, by=("month", "priority"),
              jobs=2)  # fmt: skip
    assert one.summary == two.summary
    assert one.rows == 6 * 15
    for name in FILES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert sorted(path.name for path in (tmp_path / "two").iterdir()) == sorted(FILES)  # the chunk files are gone


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_stopped_midway_leaves_no_chunk_files(export: Path, tmp_path: Path, jobs: int) -> None:
    with pytest.raises(ConfigError):
        run(export, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), jobs=jobs, by=("month",), chunk_size=2,
            progress=_stop_after_the_first_chunk)  # fmt: skip
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(FILES)


def _stop_after_the_first_chunk(done: int) -> None:
    raise ConfigError("stopped by the test")


def test_the_report_gets_the_summary(export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake(summary: dict[str, Any], out_dir: Path, formats: Any) -> tuple[Path, ...]:
        calls.append((summary, out_dir, tuple(formats)))
        return (out_dir / "report.md",)

    monkeypatch.setattr(pipeline, "write_report", fake)
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, formats=("md", "json"))
    assert calls == [(outcome.summary.to_dict(), tmp_path, ("md", "json"))]
    assert outcome.files[-1] == tmp_path / "report.md"
    json.dumps(calls[0][0])  # the summary is plain JSON


def test_the_real_report_writes_its_files(export: Path, tmp_path: Path) -> None:
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, formats=("json",))
    summary_file = tmp_path / "summary.json"
    assert summary_file in outcome.files
    assert json.loads(summary_file.read_text(encoding="utf-8"))["rows"] == {"total": 15, "evaluated": 6, "rejected": 9}


def test_cells_cannot_become_formulas(tmp_path: Path) -> None:
    row = dict.fromkeys(HEADER, "")
    row |= {"id": "=cmd|'/C calc'!A0", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1",
            "category": "@SUM(1)", "channel": "+86 400", "product": "-X"}  # fmt: skip
    bad = dict(row, id="-bad", priority="=P9")
    path = tmp_path / "evil.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER)
        writer.writeheader()
        writer.writerows([row, bad])
    run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=())
    (result,) = _csv(tmp_path / "out" / "results.csv")
    assert (result["id"], result["category"], result["channel"], result["product"]) == (
        "'=cmd|'/C calc'!A0",
        "'@SUM(1)",
        "'+86 400",
        "'-X",
    )
    (rejected,) = _csv(tmp_path / "out" / "rejected.csv")
    assert rejected["id"] == "'-bad"
    assert rejected["reason"].startswith("'priority' must be one of")


def test_in_memory_sources(tmp_path: Path) -> None:
    items = list(read_export(tmp_path))
    outcome = run(items, "p1-p3", as_of=AS_OF, out_dir=tmp_path / "out", formats=())
    assert (outcome.rows, outcome.evaluated) == (15, 6)
    assert isinstance(items[5], Rejected)


def read_export(tmp_path: Path) -> list[Any]:
    path = tmp_path / "export.csv"
    path.write_text(export_text(), encoding="utf-8")
    return list(read(path))


def test_bad_arguments(export: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'jobs' must be a whole number"):
        run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, jobs=0)
    with pytest.raises(ConfigError, match="'by' must be one of"):
        run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, by=("colour",))
    with pytest.raises(ConfigError, match="'policy' must be"):
        run(export, 42, as_of=AS_OF, out_dir=tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize("jobs", [1, 2])
def test_input_is_read_as_it_is_needed(tmp_path: Path, jobs: int) -> None:
    items = read_export(tmp_path) * 20  # 300 rows
    consumed = 0
    seen: list[tuple[int, int]] = []

    def source() -> Any:
        nonlocal consumed
        for item in items:
            consumed += 1
            yield item

    run(source(), POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), jobs=jobs, chunk_size=10,
        progress=lambda done: seen.append((done, consumed)))  # fmt: skip
    assert seen[-1] == (300, 300)
    # at most one chunk (jobs=1), or two chunks per worker and the one being handed over, ahead of the output
    ahead = 10 if jobs == 1 else 10 * (2 * jobs + 1)
    assert all(read_so_far - done <= ahead for done, read_so_far in seen)


def test_a_breach_row_shows_the_update_gap_that_breached_one_row_per_gap(tmp_path: Path) -> None:
    """Issue: an update metric breached by an earlier gap showed the current gap's figures (completed before its
    deadline, 0.00 h late). p1-p3 P1 updates every 4 business hours (Mon-Fri 09:00-18:00, Asia/Shanghai)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from slakit.sla import Event, Ticket

    sh = ZoneInfo("Asia/Shanghai")
    monday = datetime(2025, 9, 22, 9, 0, tzinfo=sh)

    def at(hour: int, day: int = 22) -> datetime:
        return datetime(2025, 9, day, hour, 0, tzinfo=sh)

    # a late gap (09:00-15:00, due 13:00, 2h late), a short one, then the current one from Monday 16:00, over its
    # 4h by Tuesday 11:00 and still running at as_of (Tuesday 12:00): 1h late
    once = Ticket("U1", monday, "P1", events=(Event(at(15), "note"), Event(at(16), "note")))
    # two late gaps: 09:00-14:00 (due 13:00, 1h late) and 14:00-Tuesday 11:00 (due Monday 18:00, 2h late)
    twice = Ticket("U2", monday, "P1", events=(Event(at(14), "note"), Event(at(11, 23), "note")))
    export = tmp_path / "tickets.jsonl"
    export.write_text("".join(json.dumps(t.to_dict(), ensure_ascii=False) + "\n" for t in (once, twice)), "utf-8")
    run(export, POLICY, as_of=at(12, 23), out_dir=tmp_path / "out", formats=())
    rows = [
        (row["ticket"], row["metric"], row["deadline"], row["completed_at"], row["late_by_hours"])
        for row in _csv(tmp_path / "out" / "breaches.csv")
        if row["metric"] == "update"
    ]
    assert sorted(rows) == [
        ("U1", "update", "2025-09-22T13:00:00+08:00", "2025-09-22T15:00:00+08:00", "2.0"),
        ("U1", "update", "2025-09-23T11:00:00+08:00", "", "1.0"),
        ("U2", "update", "2025-09-22T13:00:00+08:00", "2025-09-22T14:00:00+08:00", "1.0"),
        ("U2", "update", "2025-09-22T18:00:00+08:00", "2025-09-23T11:00:00+08:00", "2.0"),
    ]
