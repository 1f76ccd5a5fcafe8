"""`slakit evaluate`: an export in, the per-ticket files and the report out, with meaningful exit codes."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from slakit.cli import main

AS_OF = "2025-09-05T18:00:00+08:00"
HEADER = "id,created_at,priority,category,channel,product,first_response_at,resolved_at\n"
ROWS = (
    "T1,2025-09-01T09:00:00+08:00,P1,技术支持类/软件故障排查,电话,X1,2025-09-01T10:00:00+08:00,"
    "2025-09-01T15:00:00+08:00\n"
    "T2,2025-09-02T09:00:00+08:00,P2,售后服务类/硬件维修,邮件,X2,2025-09-02T15:00:00+08:00,\n"
    "T3,2025-09-03 09:00,P3,售后服务类/退换货,微信,X1,,\n"  # no UTC offset
    "T4,2025-09-03T09:00:00+08:00,P9,售后服务类/退换货,微信,X1,,\n"  # no such priority
)
REPORT_FILES = {"results.csv", "results.jsonl", "rejected.csv", "breaches.csv", "report.html", "report.md",
                "summary.json"}  # fmt: skip


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slakit", *args], capture_output=True, text=True, check=False, cwd=cwd, encoding="utf-8"
    )


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


def test_evaluate_writes_everything_and_prints_a_summary(export, tmp_path):
    out = tmp_path / "report"
    result = run("evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    lines = result.stdout.splitlines()
    assert lines[0] == "slakit: 4 rows: 2 evaluated, 2 rejected"
    assert lines[1] == "  SLA met: response 50.0%, resolution 100.0%; 1 ticket with a breach"  # T2 replied after 6 h
    assert f"  {out / 'report.html'}" in lines
    assert f"  {out / 'summary_*.csv'} (14 tables)" in lines
    written = {p.name for p in out.iterdir()}
    assert written >= REPORT_FILES
    assert len([name for name in written if name.startswith("summary_")]) == 14
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == {"total": 4, "evaluated": 2, "rejected": 2}
    assert summary["as_of"].startswith("2025-09-05T18:00:00")
    assert summary["policy"] == "p1-p3"


def test_strict_fails_when_rows_are_rejected(export, tmp_path):
    result = run("evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path), "--strict")
    assert result.returncode == 4
    assert "2 rejected" in result.stdout
    assert (tmp_path / "rejected.csv").read_text(encoding="utf-8-sig").count("\n") == 3  # header + 2 rows


def test_assume_tz_reads_times_without_an_offset(export, tmp_path, capsys):
    args = ["evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path)]
    assert main([*args, "--assume-tz", "Asia/Shanghai", "--strict", "--quiet"]) == 4  # T4 is still rejected
    assert capsys.readouterr() == ("", "")  # --quiet: nothing but errors
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["rows"] == {"total": 4, "evaluated": 3, "rejected": 1}


def test_map_formats_and_groups(tmp_path, capsys):
    path = tmp_path / "helpdesk.csv"
    path.write_text("Ticket,Created,优先级\nA1,2025-09-01T09:00:00+08:00,P2\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main([
        "evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out),
        "--map", "id=Ticket,created_at=Created", "--map", "priority=优先级", "--format", "json,md", "--by", "quarter",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    written = {p.name for p in out.iterdir()}
    assert {"report.md", "summary.json"} <= written
    assert not {"report.html", "summary_overview.csv"} & written
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["group_by"] == ["quarter"]
    assert summary["rows"]["evaluated"] == 1


def test_input_format_for_an_unusual_name(tmp_path, capsys):
    path = tmp_path / "export.txt"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    args = ["evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "o"), "--quiet"]
    assert main(args) == 3
    assert "format" in capsys.readouterr().err
    assert main([*args, "--input-format", "csv"]) == 0


def test_other_encodings(tmp_path, capsys):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + ROWS).encode("gb18030"))
    args = ["evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "o"), "--quiet"]
    assert main(args) == 3
    assert "--encoding" in capsys.readouterr().err
    assert main([*args, "--encoding", "gb18030"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert "技术支持类" in summary["overall"]["by_type"]


def test_parallel_jobs_give_the_same_report(export, tmp_path):
    args = ["evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--quiet"]
    assert main([*args, "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    for name in ("summary.json", "report.html", "results.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--policy", "p1-p3"], "missing.csv"),
        (["{export}", "--policy", "no-such-policy.yaml"], "no-such-policy.yaml"),
        (["{export}", "--policy", "p1-p3", "--as-of", "2025-09-05 18:00"], "--assume-tz"),
        (["{export}", "--policy", "p1-p3", "--as-of", "yesterday"], "ISO 8601"),
    ],
)
def test_input_and_config_errors(export, tmp_path, args, message):
    args = [arg.replace("{export}", str(export)) for arg in args]
    result = run("evaluate", *args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 3
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_as_of_defaults_to_now(export, tmp_path, capsys):
    assert main(["evaluate", str(export), "--policy", "p1-p3", "--out", str(tmp_path), "--quiet"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["as_of"] > "2025-09-05"  # the run's own instant


def _on_a_terminal(*args: str) -> tuple[int, bytes]:
    """Run the command with stderr on a pseudo-terminal; return its exit code and what the terminal got."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "slakit", *args], stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return process.wait(timeout=60), seen


def test_progress_bar_only_on_a_terminal_and_not_with_quiet(export, tmp_path):
    args = ["evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path)]
    code, terminal = _on_a_terminal(*args)
    assert code == 0
    assert b"[" in terminal
    assert b"4/~4 rows" in terminal
    assert b"rows/s" in terminal
    assert terminal.endswith(b"\r\x1b[K")  # the bar is cleared once the run is done
    code, terminal = _on_a_terminal(*args, "--quiet")
    assert code == 0
    assert terminal == b""
