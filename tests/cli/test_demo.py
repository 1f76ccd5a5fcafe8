"""`slakit demo` end to end: the sample export, the evaluation and every report file, reproducibly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import slakit
from slakit.cli import main

EXPORT_FILES = {"demo-export.csv", "demo-export.jsonl"}
RUN_FILES = {"results.csv", "results.jsonl", "rejected.csv", "breaches.csv", "warnings.csv", "run.json"}
REPORT_FILES = {"report.html", "report.md", "summary.json"}
SUMMARY_TABLES = {
    f"summary_{name}.csv"
    for name in (
        "overview", "by_type", "by_priority", "by_product", "by_channel", "by_route", "volume_by_week", "handling_time",
        "handling_time_histogram", "sla", "satisfaction", "top_issues", "first_response", "escalations_by_rule",
        "escalations_by_level",
        "rejected_reasons",
    )
}  # fmt: skip
SRC = str(Path(slakit.__file__).resolve().parents[1])  # the code under test, whatever the working directory
SCRIPTS = str(Path(sys.executable).parent)  # where the slakit script is installed


def _demo(*args: str, cwd: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")]), "PATH": path}
    return subprocess.run(
        [sys.executable, "-m", "slakit", "demo", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        cwd=cwd,
        env=env,
    )


def test_demo_writes_the_sample_export_and_every_report_file(tmp_path):
    result = _demo("--out", "demo", cwd=tmp_path, path=os.pathsep.join([SCRIPTS, os.environ.get("PATH", "")]))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "demo"
    assert {p.name for p in out.iterdir()} == EXPORT_FILES | RUN_FILES | REPORT_FILES | SUMMARY_TABLES
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "slakit demo: 1,000 sample tickets up to 2025-10-31T23:59:59+08:00 (seed 20251031), 4 of them broken on purpose"
    )
    assert "slakit: 1,000 rows: 996 evaluated, 4 rejected" in lines
    assert "  demo/report.html" in lines
    assert lines[-1].startswith(
        "  slakit evaluate demo/demo-export.csv --policy p1-p3 --as-of 2025-10-31T23:59:59+08:00"
    )

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == {"total": 1000, "evaluated": 996, "rejected": 4}
    assert [group["key"]["month"] for group in summary["groups"]] == ["2025-09", "2025-10"]
    overall = summary["overall"]
    assert set(overall["by_type"]) == {"技术支持类", "售后服务类", "投诉建议类"}
    assert {"电话", "在线客服", "邮件", "微信"} <= set(overall["by_channel"])
    assert set(overall["sla_overall"]) == {"acknowledge", "response", "update", "resolution"}  # full histories
    assert 0 < summary["breaches"]["total"] < 400
    assert 0.8 < overall["sla_overall"]["resolution"]["compliance"] < 1
    assert overall["satisfaction"]["responses"] > 300
    assert len(overall["top_issues"]["items"]) == 5
    assert overall["escalations"]["tickets"] > 0
    reasons = summary["rejected"]["reasons"]  # a naive time, an unknown priority, a bad number, an event too early
    assert sum(reasons.values()) == 4
    assert len(reasons) >= 3
    html = (out / "report.html").read_text(encoding="utf-8")
    for chart in ("volume_by_week", "sla_compliance", "handling_time", "satisfaction", "top_issues", "trend"):
        assert f'id="chart-{chart}"' in html


def test_the_demo_is_reproducible_and_follows_its_arguments(tmp_path, capsys):
    args = ["demo", "--rows", "80", "--seed", "7", "--as-of", "2025-06-30T18:00:00+08:00", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b"), "--jobs", "2"]) == 0
    assert capsys.readouterr() == ("", "")
    for name in ("demo-export.csv", "demo-export.jsonl", "results.csv", "summary.json", "report.html", "report.md"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    summary = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"]["total"] == 80
    assert summary["as_of"].startswith("2025-06-30T18:00:00")
    assert main([*args, "--out", str(tmp_path / "c"), "--seed", "8"]) == 0
    assert (tmp_path / "a" / "demo-export.csv").read_bytes() != (tmp_path / "c" / "demo-export.csv").read_bytes()


def test_the_demo_on_the_flat_export_in_some_formats(tmp_path, capsys):
    out = tmp_path / "flat"
    code = main(["demo", "--rows", "300", "--input", "csv", "--format", "md,json", "--by", "month,priority",
                 "--out", str(out), "--strict"])  # fmt: skip
    assert code == 4  # the export has a broken row, and --strict says so
    written = {p.name for p in out.iterdir()}
    assert written == EXPORT_FILES | RUN_FILES | {"report.md", "summary.json"}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["group_by"] == ["month", "priority"]
    assert "update" not in summary["overall"]["sla_overall"]  # a flat row has no history of updates
    assert "slakit: 300 rows: 299 evaluated, 1 rejected" in capsys.readouterr().out


def test_an_empty_demo(tmp_path, capsys):
    assert main(["demo", "--rows", "0", "--out", str(tmp_path), "--quiet"]) == 3  # no row evaluated
    assert "the input has no rows" in capsys.readouterr().err
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))  # the outputs are written
    assert summary["rows"] == {"total": 0, "evaluated": 0, "rejected": 0}
    assert Path(tmp_path / "report.html").stat().st_size > 0


@pytest.mark.skipif(not (Path(SCRIPTS) / "slakit").exists(), reason="the slakit script is not installed")
def test_the_demo_says_how_to_run_slakit_when_it_is_not_on_path(tmp_path):
    """Regression: after the README's set-up commands `slakit` is not on PATH, yet the demo said to run it."""
    result = _demo("--rows", "20", "--out", "demo", cwd=tmp_path, path="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    hint = result.stdout.splitlines()[-1].split()
    assert hint[:3] == [str(Path(SCRIPTS) / "slakit"), "evaluate", "demo/demo-export.csv"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    ran = subprocess.run(hint, capture_output=True, text=True, check=False, cwd=tmp_path, env=env)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "demo" / "flat" / "run.json").exists()
