"""run(): the per-ticket files, the report call, progress, and the same output on one process or two."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slakit import __version__, presets
from slakit.batch import Rejected, RunProgress, evaluate_many, pipeline, read, run, rundir, summarize
from slakit.batch.output import BREACH_COLUMNS, REJECTED_COLUMNS
from slakit.errors import ConfigError, TooManyRejectedError, WorkerLostError
from tests.batch.exports import AS_OF, HEADER, export_text

POLICY = presets.load("p1-p3")
FILES = ("results.csv", "results.jsonl", "rejected.csv", "breaches.csv", "warnings.csv")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(export_text(), encoding="utf-8")
    return path


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_files_and_outcome(export: Path, tmp_path: Path) -> None:
    seen: list[RunProgress] = []
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), progress=seen.append, chunk_size=4)
    out = tmp_path / "out"
    assert outcome.files == tuple(out / name for name in (*FILES, "run.json"))
    assert (outcome.rows, outcome.evaluated, outcome.rejected, outcome.breached_tickets) == (15, 6, 9, 3)
    assert [done.rows for done in seen] == [4, 8, 12, 15]  # after each chunk of 4 records (the blank line is no row)
    size = export.stat().st_size
    assert {done.bytes_total for done in seen} == {size}
    assert seen[-1].bytes_read == size
    assert seen[-1].fraction == 1.0
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
    # the last two columns (added last, so readers of the earlier ones keep working): route and retain_until
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as file:
        assert next(csv.reader(file))[-3:] == ["escalation_rules", "route", "retain_until"]
    assert (t3["route"], t3["retain_until"]) == ("维修工程师", "2028-09-08")  # resolved 2025-09-08, retention 3y
    assert (results[3]["route"], results[3]["retain_until"]) == ("技术支持工程师", "")  # T4 still open

    lines = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
    t4 = json.loads(lines[3])
    assert t4["id"] == "T4"
    assert list(t4)[-2:] == ["route", "retain_until"]
    assert (t4["route"], t4["retain_until"]) == ("技术支持工程师", None)
    assert json.loads(lines[2])["retain_until"] == "2028-09-08"
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
    assert sorted(path.name for path in (tmp_path / "two").iterdir()) == sorted((*FILES, "run.json"))  # no chunks


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_stopped_midway_writes_nothing_and_leaves_no_chunk_files(export: Path, tmp_path: Path, jobs: int) -> None:
    with pytest.raises(ConfigError):
        run(export, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), jobs=jobs, by=("month",), chunk_size=2,
            progress=_stop_after_the_first_chunk)  # fmt: skip
    assert list((tmp_path / "out").iterdir()) == []


def _stop_after_the_first_chunk(done: int) -> None:
    raise ConfigError("stopped by the test")


def test_the_report_gets_the_summary(export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake(summary: dict[str, Any], out_dir: Path, formats: Any) -> tuple[Path, ...]:
        calls.append((summary, out_dir, tuple(formats)))
        (out_dir / "report.md").write_text("the report\n", encoding="utf-8")
        return (out_dir / "report.md",)

    monkeypatch.setattr(pipeline, "write_report", fake)
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, formats=("md", "json"))
    ((summary, staged, formats),) = calls
    assert (summary, formats) == (outcome.summary.to_dict(), ("md", "json"))
    assert staged.parent == tmp_path  # written in the staging folder, then moved into place
    assert outcome.files[-2:] == (tmp_path / "report.md", tmp_path / "run.json")
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
        progress=lambda done: seen.append((done.rows, consumed)))  # fmt: skip
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


# -- issue #17: every row, every date, every byte -------------------------------------------------------------------


def _flat(tmp_path: Path, *cells: tuple[str, str], name: str = "export.csv") -> Path:
    """A flat export of rows (id, created_at), the other cells empty."""
    path = tmp_path / name
    rows = "".join(",".join([i, c, "P2", *[""] * (len(HEADER) - 3)]) + "\n" for i, c in cells)
    path.write_text(",".join(HEADER) + "\n" + rows, encoding="utf-8")
    return path


def _rejected(out: Path) -> list[tuple[str, str, str]]:
    return [(row["line"], row["id"], row["kind"]) for row in _csv(out / "rejected.csv")]


def test_an_ambiguous_date_is_rejected_and_the_order_can_be_given(tmp_path: Path) -> None:
    """Regression: 01/06/2023 was read as 6 January and 13/06/2023 as 13 June in the same DD/MM file."""
    path = _flat(tmp_path, ("A", "01/06/2025 12:15"), ("B", "13/06/2025 12:15"), ("C", "25/06/2025 09:00"),
                 ("D", "2025-06-02T10:00:00+08:00"))  # fmt: skip
    guessed = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "a", formats=(), assume_tz="Asia/Shanghai")
    assert _rejected(tmp_path / "a") == [("2", "A", "ambiguous date in created_at")]
    assert guessed.date_orders == {"dmy": 2}  # B and C can only be day-month-year
    told = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "b", formats=(), assume_tz="Asia/Shanghai",
               date_order="dmy")  # fmt: skip
    assert (told.evaluated, told.rejected) == (4, 0)
    assert [row["created_at"][:10] for row in _csv(tmp_path / "b" / "results.csv")] == [
        "2025-06-01", "2025-06-13", "2025-06-25", "2025-06-02"]  # fmt: skip
    wrong = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "c", formats=(), assume_tz="Asia/Shanghai",
                date_order="mdy")  # fmt: skip
    assert _rejected(tmp_path / "c") == [("3", "B", "date against date_order in created_at"),
                                         ("4", "C", "date against date_order in created_at")]  # fmt: skip
    assert wrong.evaluated == 2
    formatted = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "d", formats=(), assume_tz="Asia/Shanghai",
                    date_format="%d/%m/%Y %H:%M")  # fmt: skip
    assert formatted.summary == told.summary
    with pytest.raises(ConfigError, match="'date_order' must be"):
        run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "e", date_order="DD/MM")
    with pytest.raises(ConfigError, match="not both"):
        run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "e", date_order="dmy", date_format="%d/%m/%Y")


def test_a_dataframe_takes_the_date_order_too(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"id": ["A", "B"], "created_at": ["01/06/2025 12:15", "13/06/2025 12:15"], "priority": "P2"})
    outcome = run(frame, POLICY, as_of=AS_OF, out_dir=tmp_path / "a", formats=(), assume_tz="Asia/Shanghai")
    assert (outcome.rejected, outcome.date_orders) == (1, {"dmy": 1})
    outcome = run(frame, POLICY, as_of=AS_OF, out_dir=tmp_path / "b", formats=(), assume_tz="Asia/Shanghai",
                  date_order="dmy")  # fmt: skip
    assert outcome.rejected == 0


def test_a_ticket_created_after_as_of_is_rejected_not_pending(tmp_path: Path) -> None:
    path = _flat(
        tmp_path,
        ("A", "2025-09-26T17:59:59+08:00"),
        ("B", "2025-09-26T18:00:00+08:00"),
        ("C", "2025-09-26T18:00:01+08:00"),
    )  # fmt: skip  (AS_OF is 2025-09-26 18:00 in Shanghai)
    outcome = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=())
    assert (outcome.evaluated, outcome.rejected) == (2, 1)
    assert _rejected(tmp_path / "out") == [("4", "C", "created after as_of")]
    (row,) = list(_csv(tmp_path / "out" / "rejected.csv"))
    assert row["reason"].startswith(
        "'created_at' (2025-09-26T18:00:01+08:00) is after as_of (2025-09-26T18:00:00+08:00)"
    )
    assert outcome.summary.rejected_reasons == {"created after as_of": 1}


@pytest.mark.parametrize("link", ["same", "hard", "symbolic", "spelled"])
def test_an_input_that_is_an_output_is_refused_before_anything_is_written(tmp_path: Path, link: str) -> None:
    """Regression: out/results.csv as the input was truncated before it was read (12 of 1,000 rows reported)."""
    out = tmp_path / "out"
    out.mkdir()
    export = out / "results.csv" if link in ("same", "spelled") else tmp_path / "export.csv"
    export.write_text(export_text(), encoding="utf-8")
    before = export.read_bytes()
    if link == "hard":
        os.link(export, out / "rejected.csv")
    elif link == "symbolic":
        (out / "summary.json").symlink_to(export)
    given = out / ".." / "out" / "results.csv" if link == "spelled" else export
    with pytest.raises(ConfigError, match="is the output file") as caught:
        run(given, POLICY, as_of=AS_OF, out_dir=out)
    assert caught.value.path == "out_dir"
    assert export.read_bytes() == before
    assert not any(path.name.startswith(".slakit") or path.name == "run.json" for path in out.iterdir())


def test_an_input_beside_the_outputs_under_another_name_is_fine(export: Path, tmp_path: Path) -> None:
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, formats=("json",))
    assert outcome.rows == 15
    assert export.read_text(encoding="utf-8") == export_text()


def test_lines_ending_with_a_carriage_return_are_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(export_text().replace("\n", "\r").encode())
    outcome = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), jobs=2, chunk_size=4)
    assert (outcome.rows, outcome.evaluated, outcome.rejected) == (15, 6, 9)
    assert [row["line"] for row in _csv(tmp_path / "out" / "results.csv")] == ["2", "3", "4", "5", "6", "17"]


def test_run_json_is_written_last_and_describes_the_run(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=out, formats=("json",))
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    stat = export.stat()
    assert record["input"] == {"path": str(export), "size": stat.st_size,
                               "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat()}  # fmt: skip
    assert (record["rows"], record["evaluated"], record["rejected"], record["warnings"]) == (15, 6, 9, 0)
    assert (record["as_of"], record["policy"], record["slakit_version"]) == (AS_OF.isoformat(), "p1-p3", __version__)
    assert record["format"] == "slakit.run/1"
    assert record["duration_seconds"] >= 0
    assert record["files"] == [*FILES, "summary.json", "run.json"]
    assert outcome.files[-1] == out / "run.json"
    assert max(path.stat().st_mtime_ns for path in outcome.files) == (out / "run.json").stat().st_mtime_ns


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("stop", [ConfigError("stopped"), KeyboardInterrupt()])
def test_a_run_that_fails_leaves_the_previous_complete_run_as_it_was(
    export: Path, tmp_path: Path, jobs: int, stop: BaseException
) -> None:
    """Regression: an interrupted run left a partial results.csv (ending on a whole line) beside the old report."""
    out = tmp_path / "out"
    run(export, POLICY, as_of=AS_OF, out_dir=out, formats=("json", "md"))
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    seen: list[set[str]] = []

    def interrupt(done: RunProgress) -> None:
        seen.append({path.name for path in out.iterdir()})
        raise stop

    with pytest.raises(type(stop)):
        run(export, POLICY, as_of=AS_OF, out_dir=out, formats=("json",), jobs=jobs, chunk_size=2, progress=interrupt)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before  # no staging folder either
    (during,) = seen
    assert {name for name in during if not name.startswith(".slakit-run-")} == set(before)  # staged elsewhere


def test_a_run_replaces_the_outputs_of_the_one_before_together(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(export, POLICY, as_of=AS_OF, out_dir=out, formats=("json", "md", "csv"))
    assert (out / "report.md").exists()
    assert (out / "summary_overview.csv").exists()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=out, formats=("json",))
    assert sorted(path.name for path in out.iterdir()) == sorted((*FILES, "summary.json", "run.json", "notes.txt"))
    assert outcome.files == tuple(out / name for name in (*FILES, "summary.json", "run.json"))


def test_outputs_that_are_symbolic_links_are_replaced_not_written_through(export: Path, tmp_path: Path) -> None:
    """Regression: an out/results.csv that was a symbolic link was written through, outside the output folder."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    for name in ("results.csv", "summary.json", "run.json"):
        (elsewhere / name).write_text("precious", encoding="utf-8")
        (out / name).symlink_to(elsewhere / name)
    run(export, POLICY, as_of=AS_OF, out_dir=out, formats=("json",))
    for name in ("results.csv", "summary.json", "run.json"):
        assert not (out / name).is_symlink()
        assert (elsewhere / name).read_text(encoding="utf-8") == "precious"
    assert _csv(out / "results.csv")[0]["id"] == "T1"


def test_leftovers_of_runs_no_longer_alive_are_removed(export: Path, tmp_path: Path) -> None:
    """Regression: a killed run's .slakit-chunks-* folder (30-45 MB) stayed for ever."""
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)  # fmt: skip
    leftovers = [out / f".slakit-run-{dead.stdout.strip()}-12345-abcd", out / ".slakit-chunks-x1y2z3"]
    alive = out / f".slakit-run-{os.getppid()}-{rundir._start_time(os.getppid()) or '0'}-beef"
    for folder in (*leftovers, alive):
        folder.mkdir()
        (folder / "results.csv").write_bytes(b"x" * 1000)
    run(export, POLICY, as_of=AS_OF, out_dir=out, formats=())
    assert not any(folder.exists() for folder in leftovers)
    assert alive.exists()  # a run that is still going: its folder is its own


def test_cells_that_look_like_formulas_after_normalisation_are_escaped(tmp_path: Path) -> None:
    """Regression: full-width ＝＋－＠ and a byte-order mark or zero-width space before = passed unescaped."""
    row = dict.fromkeys(HEADER, "")
    row |= {"id": "＝1+1", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1", "category": "\ufeff=SUM(A1)",
            "channel": "\u200b+86", "product": "＠cmd", "customer": "－2", "subject": "＋x"}  # fmt: skip
    bad = dict(row, id="\u2060@bad", priority="﹦P9")
    path = tmp_path / "evil.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER)
        writer.writeheader()
        writer.writerows([row, bad])
    run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=("csv",))
    (result,) = _csv(tmp_path / "out" / "results.csv")
    assert [result[name] for name in ("id", "category", "channel", "product", "customer")] == [
        "'＝1+1", "'\ufeff=SUM(A1)", "'\u200b+86", "'＠cmd", "'－2"]  # fmt: skip
    (rejected,) = _csv(tmp_path / "out" / "rejected.csv")
    assert rejected["id"] == "'\u2060@bad"
    by_channel = _csv(tmp_path / "out" / "summary_by_channel.csv")
    assert by_channel[0]["channel"] == "'\u200b+86"


def _kill_a_worker(done: RunProgress) -> None:
    if done.rows == 10:  # after the first chunk: the workers are busy with the next ones
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)


def test_a_killed_worker_fails_the_run_at_once_naming_the_lines(tmp_path: Path) -> None:
    """Regression: with jobs=2, SIGKILL (or the out-of-memory killer) of a worker left the run waiting for ever."""
    path = tmp_path / "big.csv"
    text = export_text()
    path.write_text(text + text.split("\n", 1)[1] * 20, encoding="utf-8")  # 21 x 16 lines
    out = tmp_path / "out"
    began = time.monotonic()
    with pytest.raises(WorkerLostError, match=r"a worker process ended abruptly .* lines \d+-\d+") as caught:
        run(path, POLICY, as_of=AS_OF, out_dir=out, formats=(), jobs=2, chunk_size=10, progress=_kill_a_worker)
    assert time.monotonic() - began < 10
    ranges = [tuple(map(int, found)) for found in re.findall(r"lines (\d+)-(\d+)", str(caught.value))]
    assert ranges  # the chunks still in flight, a file's lines each
    assert all(2 <= first <= last <= 21 * 16 for first, last in ranges)
    assert list(out.iterdir()) == []
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize(
    ("chunk", "named"),
    [
        ((2, b"a\r\nb\r\n"), "lines 2-3"),
        ((10_001, b"a\nb"), "lines 10,001-10,002"),
        ((2, "a\rb\rc\r"), "lines 2-4"),  # a file whose lines end with a carriage return alone, read as text
        ((5, [1, 2, 3]), "rows 5-7"),  # tickets of a DataFrame or an iterable
    ],
)
def test_a_chunk_in_flight_is_named_by_its_lines(chunk: tuple[int, Any], named: str) -> None:
    assert pipeline._chunk_lines(chunk) == named


# -- issue #17: real exports: why rows were rejected, values, durations, warnings ---------------------------------

ZENDESK = (
    "Id,Created at,Priority,Via,First reply time in minutes,Full resolution time in minutes,Replies\n"
    "Z1,2025-09-01 09:00,Urgent,Web,90,300,2\n"  # P1: replied 10:30 (within 2h), resolved 14:00
    "Z2,2025-09-01 10:00,HIGH,Email,1h,,1\n"  # P1 (High), a duration text
    "Z3,2025-09-01 11:00,Normal,Web,,,0\n"  # P2, never answered
    "Z4,2025-09-01 12:00,ｌｏｗ,Email,30,,0\n"  # P3 in full width; 0 replies yet a first reply: the 0 is ignored
    "Z5,2025-09-01 13:00,Normal,Web,,,3\n"  # replies without a time, in a file that measures the response
    "Z6,2025-09-01 14:00,Pending,Web,20,,1\n"  # a priority nobody mapped
)
ZENDESK_COLUMNS = {
    "id": "Id", "created_at": "Created at", "priority": "Priority", "channel": "Via",
    "first_response_after": "First reply time in minutes", "resolved_after": "Full resolution time in minutes",
    "agent_replies": "Replies",
}  # fmt: skip
ZENDESK_VALUES = {
    "priority": {"Urgent": "P1", "High": "P1", "Normal": "P2", "Low": "P3"},
    "channel": {"Web": "在线客服"},
}


def test_a_zendesk_shaped_export_with_value_and_column_maps_and_durations(tmp_path: Path) -> None:
    """Regression: 20,000 of 20,000 rows of such an export were rejected (High, Normal, Urgent matched no priority;
    18,167 rows had replies but no first_response_at)."""
    path = tmp_path / "zendesk.csv"
    path.write_text(ZENDESK, encoding="utf-8")
    outcome = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=(), assume_tz="Asia/Shanghai",
                  column_map=ZENDESK_COLUMNS, value_map=ZENDESK_VALUES)  # fmt: skip
    out = tmp_path / "out"
    assert (outcome.rows, outcome.evaluated, outcome.rejected, outcome.warnings) == (6, 4, 2, 1)
    results = {row["id"]: row for row in _csv(out / "results.csv")}
    z1 = results["Z1"]
    assert (z1["priority"], z1["channel"]) == ("P1", "在线客服")
    assert (z1["response_state"], z1["response_completed_at"]) == ("met", "2025-09-01T10:30:00+08:00")
    assert (z1["resolution_state"], z1["resolved_at"]) == ("met", "2025-09-01T14:00:00+08:00")
    assert z1["public_agent_replies"] == "2"
    assert results["Z2"]["response_completed_at"] == "2025-09-01T11:00:00+08:00"
    assert (results["Z3"]["priority"], results["Z3"]["response_state"]) == ("P2", "breached")
    assert (results["Z4"]["priority"], results["Z4"]["public_agent_replies"]) == ("P3", "1")
    rejected = {row["id"]: row for row in _csv(out / "rejected.csv")}
    assert rejected["Z5"]["kind"] == "agent_replies without a first response"
    assert rejected["Z6"]["kind"] == "unknown priority"
    assert "(got 'Pending')" in rejected["Z6"]["reason"]
    (warning,) = _csv(out / "warnings.csv")
    assert list(warning) == ["line", "id", "column", "reason"]
    assert (warning["line"], warning["id"], warning["column"]) == ("5", "Z4", "agent_replies")
    assert warning["reason"].startswith("'agent_replies' is 0 but the first response is at 2025-09-01T12:30:00")
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["warnings"] == 1
    assert "warnings.csv" in record["files"]
    summary = outcome.summary.to_dict()
    assert summary["warnings"] == {
        "total": 1,
        "reasons": {"agent_replies 0 with a first response": 1},
        "first": {"agent_replies 0 with a first response": {"line": 5, "id": "Z4", "reason": warning["reason"]}},
    }


def test_durations_give_the_figures_of_the_instants_they_stand_for(tmp_path: Path) -> None:
    """The oracle: a duration after created_at is the instant created_at + duration, so both files give one report."""
    durations = tmp_path / "after.csv"
    durations.write_text(ZENDESK, encoding="utf-8")
    instants = tmp_path / "at.csv"
    instants.write_text(
        "Id,Created at,Priority,Via,First reply,Solved,Replies\n"
        "Z1,2025-09-01 09:00,Urgent,Web,2025-09-01 10:30,2025-09-01 14:00,2\n"
        "Z2,2025-09-01 10:00,HIGH,Email,2025-09-01 11:00,,1\n"
        "Z3,2025-09-01 11:00,Normal,Web,,,0\n"
        "Z4,2025-09-01 12:00,ｌｏｗ,Email,2025-09-01 12:30,,0\n"
        "Z5,2025-09-01 13:00,Normal,Web,,,3\n"
        "Z6,2025-09-01 14:00,Pending,Web,2025-09-01 14:20,,1\n",
        encoding="utf-8",
    )
    at_columns = {**ZENDESK_COLUMNS, "first_response_at": "First reply", "resolved_at": "Solved"}
    del at_columns["first_response_after"], at_columns["resolved_after"]
    options: dict[str, Any] = {"formats": ("json",), "assume_tz": "Asia/Shanghai", "value_map": ZENDESK_VALUES}
    run(durations, POLICY, as_of=AS_OF, out_dir=tmp_path / "a", column_map=ZENDESK_COLUMNS, **options)
    run(instants, POLICY, as_of=AS_OF, out_dir=tmp_path / "b", column_map=at_columns, chunk_size=2, jobs=2, **options)
    for name in ("results.csv", "results.jsonl", "breaches.csv", "warnings.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert _csv(tmp_path / "a" / "rejected.csv") == _csv(tmp_path / "b" / "rejected.csv")


def test_the_first_row_of_each_rejection_kind(export: Path, tmp_path: Path) -> None:
    outcome = run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, formats=(), chunk_size=3, jobs=2)
    first = outcome.summary.rejected_first
    assert list(first) == list(outcome.summary.rejected_reasons)  # the commonest first
    assert first["unknown priority"][:2] == (8, "R8")
    assert first["unknown priority"][2].startswith("'priority' must be one of P1, P2, P3 (got 'P7')")
    assert first["missing id"][:2] == (12, None)
    assert {kind: line for kind, (line, _, _) in first.items()} == {
        row["kind"]: int(row["line"]) for row in reversed(_csv(tmp_path / "rejected.csv"))
    }  # each kind's smallest line, as rejected.csv lists them


@pytest.mark.parametrize(
    ("limit", "over"),
    [(None, False), (9, False), (8, True), (0, True), ("60%", False), ("59.9%", True), ("100%", False)],
)  # fmt: skip
def test_max_rejected_writes_the_outputs_then_raises_past_the_limit(
    export: Path, tmp_path: Path, limit: int | str | None, over: bool
) -> None:
    out = tmp_path / "out"
    if not over:
        outcome = run(export, POLICY, as_of=AS_OF, out_dir=out, formats=(), max_rejected=limit)
        assert outcome.rejected == 9
        return
    with pytest.raises(TooManyRejectedError) as caught:
        run(export, POLICY, as_of=AS_OF, out_dir=out, formats=(), max_rejected=limit)
    assert str(caught.value).startswith(f"9 of 15 rows (60.0%) were rejected, more than max_rejected='{limit}' allows")
    outcome = caught.value.outcome
    assert (outcome.rows, outcome.rejected) == (15, 9)
    assert outcome.files == tuple(out / name for name in (*FILES, "run.json"))  # complete, in place
    assert len(_csv(out / "rejected.csv")) == 9
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["rejected"] == 9


def test_value_maps_that_cannot_apply_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "zendesk.csv"
    path.write_text(ZENDESK, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'value_map\.priority' maps a value to 'P4', which is no priority"):
        run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "a", column_map=ZENDESK_COLUMNS,
            value_map={"priority": {"Low": "P4"}})  # fmt: skip
    jsonl = tmp_path / "tickets.jsonl"
    jsonl.write_text('{"id": "J1", "created_at": "2025-09-01T09:00:00+08:00", "priority": "p1"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="value_map maps the values of a flat export"):
        run(jsonl, POLICY, as_of=AS_OF, out_dir=tmp_path / "b", value_map={"priority": {"p1": "P1"}})
    with pytest.raises(ConfigError, match="'max_rejected' must be"):
        run(jsonl, POLICY, as_of=AS_OF, out_dir=tmp_path / "c", max_rejected="lots")
    assert not any((tmp_path / name).exists() for name in ("a", "b", "c"))
    outcome = run(jsonl, POLICY, as_of=AS_OF, out_dir=tmp_path / "d", formats=())  # "p1" is P1 in any case
    assert (outcome.evaluated, outcome.rejected) == (1, 0)


# -- attributes: read from flat columns, typed as the policy compares them, grouped by --------------------------

ATTRIBUTE_EXPORT = """id,created_at,priority,first_response_at,Tier,attributes.seats
1,2025-09-22T10:00:00+08:00,P2,2025-09-22T10:20:00+08:00,gold,40
2,2025-09-22T10:00:00+08:00,P2,2025-09-22T13:00:00+08:00,silver,5
3,2025-09-22T10:00:00+08:00,P1,,gold,abc
4,2025-09-22T10:00:00+08:00,P3,2025-09-22T10:40:00+08:00,silver,31
5,2025-09-22T10:00:00+08:00,P3,,,
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_attributes_choose_targets_and_group_the_report(tmp_path: Path, jobs: int) -> None:
    from slakit import ServicePolicy

    config = presets.config("p1-p3")
    gold_or_big = {
        "any": [
            {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
            {"fact": "ticket.attributes.seats", "op": "ge", "value": 30},
        ]
    }
    config["slas"] = [{"name": "vip", "when": gold_or_big, "targets": {"*": {"response": "30m", "update": "1h"}}}]
    policy = ServicePolicy.from_config(config)
    path = tmp_path / "export.csv"
    path.write_text(ATTRIBUTE_EXPORT, encoding="utf-8")
    as_of = datetime(2025, 9, 22, 18, tzinfo=UTC)
    outcome = run(path, policy, as_of=as_of, out_dir=tmp_path / "out", formats=("json",), jobs=jobs, chunk_size=2,
                  column_map={"attributes.tier": "Tier"}, by=("attributes.tier",))  # fmt: skip
    rows = {row["id"]: row for row in _csv(tmp_path / "out" / "results.csv")}
    assert rows["1"]["response_deadline"] == "2025-09-22T10:30:00+08:00"  # gold: vip's 30m
    assert rows["2"]["response_deadline"] == "2025-09-22T14:00:00+08:00"  # silver, 5 seats: P2's own 4h
    assert rows["4"]["response_deadline"] == "2025-09-22T10:30:00+08:00"  # "31" read as a number: 31 >= 30
    assert "update_state" not in rows["1"]  # a flat row cannot measure update, whatever the entry gives
    (rejected,) = _csv(tmp_path / "out" / "rejected.csv")
    assert (rejected["id"], rejected["reason"]) == (
        "3",
        "'attributes.seats' must be a number, as the policy compares it with numbers (got 'abc')",
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["group_by"] == ["attributes.tier"]
    assert sorted(str(group["key"]["attributes.tier"]) for group in summary["groups"]) == ["None", "gold", "silver"]
    assert outcome.summary is not None


def test_attribute_group_keys_are_checked(export: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"attributes\.<name>"):
        run(export, POLICY, as_of=AS_OF, out_dir=tmp_path, by=("attributes.a.b",))
