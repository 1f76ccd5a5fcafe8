"""`slakit evaluate`: an export in, the per-ticket files and the report out, with meaningful exit codes."""

import csv
import json
import os
import pty
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import slakit
from slakit import presets
from slakit.cli import main
from tests.batch.exports import defined_metric_policy

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


SRC = str(Path(slakit.__file__).resolve().parents[1])  # the code under test, whatever the working directory
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slakit", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        encoding="utf-8",
        env=ENV,
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
    assert lines[1] == "  rejected rows by reason (rejected.csv lists each row with its line and reason):"
    assert lines[2].startswith("    1  naive timestamp in created_at; first on line 4: 'created_at' has no UTC offset")
    assert lines[3].startswith("    1  unknown priority; first on line 5: 'priority' must be one of P1, P2, P3")
    assert lines[4] == "  SLA met: response 50.0%, resolution 100.0%; 1 ticket with a breach"  # T2 replied after 6 h
    assert f"  {out / 'report.html'}" in lines
    assert f"  {out / 'summary_*.csv'} (16 tables)" in lines
    written = {p.name for p in out.iterdir()}
    assert written >= REPORT_FILES
    assert len([name for name in written if name.startswith("summary_")]) == 16
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
    out, err = capsys.readouterr()
    assert out == ""  # --quiet: nothing but errors
    assert err.startswith("slakit: error: 1 of 4 rows (25.0%) were rejected, more than max_rejected='0' allows")
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
        (["{export}", "--policy", "p1-p3", "--map", "priority=Priority"], "'Priority', which is not a column"),
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
    assert b"[########################] 100%  4 rows" in terminal
    assert b"rows/s" in terminal
    assert terminal.endswith(b"\r\x1b[K")  # the bar is cleared once the run is done
    code, terminal = _on_a_terminal(*args, "--quiet")
    assert code == 0
    assert terminal == b""


# -- issue #17: every row, every date, every byte, through the real command ---------------------------------------


def _big_export(path, rows):
    """A flat export of ``rows`` plain tickets (some seconds of work with --jobs 2)."""
    body = "".join(
        f"B{i},2025-09-01T09:{i % 60:02d}:00+08:00,P{1 + i % 3},技术支持类/软件故障排查,电话,X1,"
        f"2025-09-01T10:00:00+08:00,2025-09-02T10:00:00+08:00\n"
        for i in range(rows)
    )
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
            return [int(child) for child in file.read().split()]
    except OSError:
        return []


def _rows_of(path):
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_cli_an_unterminated_quote_costs_one_line(tmp_path):
    body = "".join(f"Q{i},2025-09-01T09:00:00+08:00,P2,c,电话,X1,,\n" for i in range(200))
    lines = body.splitlines(keepends=True)
    lines[3] = 'Q3,2025-09-01T09:00:00+08:00,P2,"never closes,电话,X1,,\n'  # line 5
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    result = run("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "slakit: 200 rows: 199 evaluated, 1 rejected" in result.stdout
    (rejected,) = _rows_of(tmp_path / "out" / "rejected.csv")
    assert (rejected["line"], rejected["id"], rejected["kind"]) == ("5", "Q3", "unterminated quote")
    assert "never closes" in rejected["reason"]


def test_cli_an_ambiguous_date_is_rejected_with_a_hint_and_date_order_reads_it(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "D1,01/06/2025 12:15,P2,,,,,\nD2,13/06/2025 12:15,P2,,,,,\nD3,20/06/2025 08:00,P3,,,,,\n",
                    encoding="utf-8")  # fmt: skip
    args = ["evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--assume-tz", "Asia/Shanghai"]
    result = run(*args, "--out", str(tmp_path / "a"))
    assert result.returncode == 0, result.stderr
    assert "slakit: 3 rows: 2 evaluated, 1 rejected" in result.stdout
    assert (
        "1 row rejected for a date whose order is not certain (01/06/2023: 1 June or 6 January?); the file's 2 "
        "other numeric dates are all day-month-year: if they all are, rerun with --date-order dmy"
    ) in result.stdout
    assert [row["kind"] for row in _rows_of(tmp_path / "a" / "rejected.csv")] == ["ambiguous date in created_at"]
    result = run(*args, "--out", str(tmp_path / "b"), "--date-order", "dmy")
    assert "slakit: 3 rows: 3 evaluated, 0 rejected" in result.stdout
    assert [row["created_at"][:10] for row in _rows_of(tmp_path / "b" / "results.csv")] == [
        "2025-06-01", "2025-06-13", "2025-06-20"]  # fmt: skip
    result = run(*args, "--out", str(tmp_path / "c"), "--date-order", "mdy")
    assert "slakit: 3 rows: 1 evaluated, 2 rejected" in result.stdout
    result = run(*args, "--out", str(tmp_path / "d"), "--date-format", "%d/%m/%Y %H:%M")
    assert "slakit: 3 rows: 3 evaluated, 0 rejected" in result.stdout
    assert run(*args, "--out", str(tmp_path / "e"), "--date-order", "DD/MM").returncode == 2
    bad = run(*args, "--out", str(tmp_path / "e"), "--date-format", "%H:%M")
    assert bad.returncode == 2
    assert "'date_format' must be" in bad.stderr


def test_cli_an_input_that_is_an_output_is_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    path = out / "results.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    result = run("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out))
    assert result.returncode == 3
    assert "is the output file" in result.stderr
    assert path.read_text(encoding="utf-8") == HEADER + ROWS
    assert [p.name for p in out.iterdir()] == ["results.csv"]


def test_cli_a_ticket_created_after_as_of_is_rejected(export, tmp_path):
    result = run("evaluate", str(export), "--policy", "p1-p3", "--as-of", "2025-09-02T00:00:00+08:00", "--out",
                 str(tmp_path / "out"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    kinds = [(row["id"], row["kind"]) for row in _rows_of(tmp_path / "out" / "rejected.csv")]
    assert ("T2", "created after as_of") in kinds
    assert ("T4", "created after as_of") in kinds


def test_cli_lines_ending_with_a_carriage_return_are_read(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes((HEADER + ROWS).replace("\n", "\r").encode())
    result = run("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "slakit: 4 rows: 2 evaluated, 2 rejected" in result.stdout


def test_cli_a_killed_worker_fails_the_run_within_seconds_naming_the_lines(tmp_path):
    path = _big_export(tmp_path / "big.csv", 40_000)
    out = tmp_path / "out"
    args = ["evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out), "--jobs", "2"]
    process = subprocess.Popen([sys.executable, "-m", "slakit", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")  # fmt: skip
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    workers = _children(process.pid)
    assert len(workers) >= 2, "the workers did not start"
    os.kill(workers[0], signal.SIGKILL)
    killed = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - killed < 10
    assert process.returncode == 1
    assert "a worker process ended abruptly" in stderr
    assert re.search(r"lines [\d,]+-[\d,]+", stderr)
    assert "Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_cli_an_interrupted_run_leaves_the_previous_outputs_as_they_were(export, tmp_path, signum, code):
    """Regression: Ctrl-C left a partial results.csv beside the previous run's summary.json and report.html."""
    out = tmp_path / "out"
    assert run("evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    path = _big_export(tmp_path / "big.csv", 400_000)  # seconds of work on either engine: it is still running
    args = ["evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out), "--jobs", "2"]
    # Ctrl-C as in a terminal, whatever this process inherited (a SIGINT ignored here would be ignored there too)
    interruptible = (
        f"import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"sys.argv = ['slakit', *{args!r}]; runpy.run_module('slakit', run_name='__main__')"
    )
    process = subprocess.Popen([sys.executable, "-c", interruptible],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".slakit-run-") for p in out.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_outputs_that_are_symbolic_links_are_replaced(export, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.csv"
    out.mkdir()
    elsewhere.write_text("precious", encoding="utf-8")
    (out / "results.csv").symlink_to(elsewhere)
    result = run("evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert elsewhere.read_text(encoding="utf-8") == "precious"
    assert not (out / "results.csv").is_symlink()
    assert [row["id"] for row in _rows_of(out / "results.csv")] == ["T1", "T2"]


def test_cli_formula_cells_in_any_width_are_escaped(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "＝1+1,2025-09-01T09:00:00+08:00,P2,\ufeff=cmd,＋86,＠x,,\n", encoding="utf-8")
    result = run("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    (row,) = _rows_of(tmp_path / "out" / "results.csv")
    assert [row[name] for name in ("id", "category", "channel", "product")] == [
        "'＝1+1",
        "'\ufeff=cmd",
        "'＋86",
        "'＠x",
    ]


def test_cli_progress_counts_bytes_shows_rows_and_ends_at_100(tmp_path):
    """Regression: the bar counted lines, so multi-line cells inflated its total and it stopped at 94 %."""
    body = "".join(f'M{i},2025-09-01T09:00:00+08:00,P2,"技术支持类\n多行\n说明",电话,X1,,\n' for i in range(50))
    path = tmp_path / "export.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    code, terminal = _on_a_terminal("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out",
                                    str(tmp_path / "out"))  # fmt: skip
    assert code == 0
    assert b"[########################] 100%  50 rows" in terminal


# -- issue #17: real exports, through the real command ------------------------------------------------------------


def test_cli_lists_the_commonest_rejection_reasons_and_exits_3_when_no_row_is_evaluated(tmp_path):
    """Regression: 20,000 of 20,000 rows rejected printed "0 evaluated, 20,000 rejected" and exited 0."""
    kinds = {  # reason -> (rows, a bad row): seven kinds, five of them listed
        "unknown priority": (6, "U{n},2025-09-01T09:00:00+08:00,High,,,,,\n"),
        "naive timestamp in created_at": (5, "N{n},2025-09-01 09:00,P1,,,,,\n"),
        "unparseable timestamp in created_at": (4, "X{n},soon,P1,,,,,\n"),
        "missing priority": (3, "M{n},2025-09-01T09:00:00+08:00,,,,,,\n"),
        "created after as_of": (2, "F{n},2025-12-01T09:00:00+08:00,P1,,,,,\n"),
        "missing id": (1, ",2025-09-01T09:00:00+08:00,P1,,,,,\n"),
        "wrong number of fields": (1, "W{n},2025-09-01T09:00:00+08:00,P1,,,,,,,,\n"),
    }
    rows = [(kind, row.format(n=n)) for kind, (count, row) in kinds.items() for n in range(count)]
    order = [5, 0, 9, 15, 1, 11, 19, 2, 6, 12, 3, 16, 7, 13, 18, 4, 8, 10, 14, 17, 20, 21]  # mixed up
    body = [rows[i] for i in order]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(row for _, row in body), encoding="utf-8")
    first = {}
    for line, (kind, _) in enumerate(body, start=2):
        first.setdefault(kind, line)
    out = tmp_path / "out"
    result = run("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out))
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr == (
        "slakit: error: none of the 22 rows was evaluated: every one was rejected, 6 for 'unknown priority' (the "
        "commonest of 7 reasons); rejected.csv gives each row's line and reason (the outputs are written)\n"
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "slakit: 22 rows: 0 evaluated, 22 rejected"
    assert lines[1] == "  rejected rows by reason (rejected.csv lists each row with its line and reason):"
    shown = [re.match(r"    (\d) {2}(.+); first on line (\d+): (.+)$", line) for line in lines[2:7]]
    assert [(int(m[1]), m[2], int(m[3])) for m in shown if m] == [
        (count, kind, first[kind]) for kind, (count, _) in list(kinds.items())[:5]
    ]
    assert shown[0]
    assert shown[0][4].startswith("'priority' must be one of P1, P2, P3 (got 'High')")
    assert lines[7] == "    2  in 2 other kinds"
    assert len(_rows_of(out / "rejected.csv")) == 22  # the outputs are complete
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["evaluated"] == 0


def test_cli_max_rejected_exits_4_past_the_limit_and_writes_the_outputs(export, tmp_path):
    args = ["evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF]  # 4 rows, 2 rejected
    result = run(*args, "--out", str(tmp_path / "a"), "--max-rejected", "1")
    assert result.returncode == 4
    assert result.stderr == (
        "slakit: error: 2 of 4 rows (50.0%) were rejected, more than max_rejected='1' allows (--max-rejected 1); "
        "the outputs are written and rejected.csv lists each row with its reason\n"
    )
    assert "slakit: 4 rows: 2 evaluated, 2 rejected" in result.stdout
    assert len(_rows_of(tmp_path / "a" / "rejected.csv")) == 2
    assert (tmp_path / "a" / "run.json").exists()
    for limit, code in (("2", 0), ("50%", 0), ("49.9%", 4), ("0", 4)):
        assert main([*args, "--out", str(tmp_path / limit), "--max-rejected", limit, "--quiet"]) == code, limit


def test_cli_priorities_in_any_case_and_width_and_map_values(tmp_path):
    """Regression: Zendesk's High, Normal, Urgent matched no priority (case-sensitive, codes or names only)."""
    path = tmp_path / "export.csv"
    path.write_text(
        "id,created_at,priority,channel,category\n"
        "Z1,2025-09-01T09:00:00+08:00,Urgent,Web,\n"
        "Z2,2025-09-01T10:00:00+08:00,HIGH,web,\n"
        "Z3,2025-09-01T11:00:00+08:00,ｌｏｗ,Email,Bug\n"
        "Z4,2025-09-01T12:00:00+08:00,Normal,Email,bug\n",
        encoding="utf-8",
    )
    args = ["evaluate", str(path), "--policy", "four-level", "--as-of", AS_OF, "--format", "json"]
    result = run(*args, "--out", str(tmp_path / "a"))
    assert result.returncode == 0, result.stderr
    assert "slakit: 4 rows: 3 evaluated, 1 rejected" in result.stdout  # four-level's codes: urgent, high, medium, low
    (rejected,) = _rows_of(tmp_path / "a" / "rejected.csv")
    assert (rejected["line"], rejected["kind"]) == ("5", "unknown priority")
    assert "(got 'Normal')" in rejected["reason"]
    values = ["priority:Normal=medium", "channel:Web=在线客服,Email=邮件", "category:Bug=技术支持类/软件故障排查"]
    result = run(*args, "--out", str(tmp_path / "b"), *(part for value in values for part in ("--map-values", value)))
    assert result.returncode == 0, result.stderr
    assert "slakit: 4 rows: 4 evaluated, 0 rejected" in result.stdout
    rows = _rows_of(tmp_path / "b" / "results.csv")
    assert [(row["priority"], row["channel"], row["category"]) for row in rows] == [
        ("urgent", "在线客服", ""), ("high", "在线客服", ""), ("low", "邮件", "技术支持类/软件故障排查"),
        ("medium", "邮件", "技术支持类/软件故障排查")]  # fmt: skip
    bad = run(*args, "--out", str(tmp_path / "c"), "--map-values", "priority:Normal=normal")
    assert bad.returncode == 2
    assert "'value_map.priority' maps a value to 'normal', which is no priority of the policy" in bad.stderr
    assert not (tmp_path / "c").exists()


def test_cli_durations_and_cells_ignored_with_a_warning(tmp_path):
    """Regression: 18,167 of 20,000 rows were rejected for replies without a first_response_at."""
    path = tmp_path / "export.csv"
    path.write_text(
        "id,created_at,priority,agent,First reply time in minutes,Resolution time,Replies\n"
        "D1,2025-09-01T09:00:00+08:00,P1,,90,5h,2\n"
        "D2,2025-09-01T10:00:00+08:00,P2,王工,60,,0\n"
        "D3,2025-09-01T11:00:00+08:00,P2,,,,3\n"
        "D4,2025-09-01T12:00:00+08:00,P3,,30,,1\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out),
                 "--map", "first_response_after=First reply time in minutes,resolved_after=Resolution time",
                 "--map", "agent_replies=Replies")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "slakit: 4 rows: 3 evaluated, 1 rejected"
    assert "  2 cells of evaluated rows ignored, by reason (warnings.csv lists each one):" in lines
    shown = [line.split(";")[0] for line in lines if line.startswith("    1  ")]
    assert shown == ["    1  agent_replies without a first response",  # rejected, then the ignored cells
                     "    1  agent without assigned_at", "    1  agent_replies 0 with a first response"]  # fmt: skip
    assert "first on line 3: 'agent' is '王工' but 'assigned_at' is empty" in result.stdout
    warnings = _rows_of(out / "warnings.csv")
    assert sorted((row["line"], row["id"], row["column"]) for row in warnings) == [
        ("3", "D2", "agent"), ("3", "D2", "agent_replies")]  # fmt: skip
    (rejected,) = _rows_of(out / "rejected.csv")
    assert (rejected["id"], rejected["kind"]) == ("D3", "agent_replies without a first response")
    d1 = _rows_of(out / "results.csv")[0]
    assert d1["response_completed_at"] == "2025-09-01T10:30:00+08:00"
    assert d1["resolved_at"] == "2025-09-01T14:00:00+08:00"


def test_the_console_says_how_many_rows_each_engine_took(export, tmp_path):
    pytest.importorskip("pyarrow")
    plain = tmp_path / "plain.yaml"
    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    config.pop("escalation")
    plain.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    found = {}
    for engine in ("rows", "auto"):
        out = tmp_path / engine
        result = run(
            "evaluate", str(export), "--policy", str(plain), "--as-of", AS_OF, "--out", str(out), "--engine", engine
        )
        assert result.returncode == 0, result.stderr
        found[engine] = result.stdout
        assert (out / "results.csv").read_bytes() == (tmp_path / "rows" / "results.csv").read_bytes()
    assert "  rows by engine: columnar 2, rows 2" in found["auto"].splitlines()
    assert "rows by engine" not in found["rows"]
    escalating = run(
        "evaluate", str(export), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "e"), "--engine", "auto"
    )
    assert "  rows by engine: columnar 2, rows 2" in escalating.stdout.splitlines()  # its rules fired column-wise
    defined = defined_metric_policy(tmp_path)
    refused = run(
        "evaluate", str(export), "--policy", str(defined), "--as-of", AS_OF, "--out", str(tmp_path / "r"),
        "--engine", "auto",
    )  # fmt: skip
    assert "(the columnar engine cannot: escalation rule 'follow-up-late' reads followup" in refused.stdout


def test_attributes_are_mapped_and_group_the_report(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "id,created_at,priority,Tier\nT1,2025-09-01T09:00:00+08:00,P1,gold\nT2,2025-09-01T09:00:00+08:00,P2,silver\n",
        encoding="utf-8",
    )
    out = tmp_path / "report"
    result = run(
        "evaluate", str(path), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(out), "--format", "json",
        "--map", "attributes.tier=Tier", "--by", "attributes.tier,month",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["group_by"] == ["attributes.tier", "month"]
    assert sorted(group["key"]["attributes.tier"] for group in summary["groups"]) == ["gold", "silver"]
    refused = run("evaluate", str(path), "--policy", "p1-p3", "--by", "attributes.")
    assert refused.returncode == 2
    assert "attributes.<name>" in refused.stderr


def test_a_parquet_export(tmp_path, capsys):
    """A Parquet file of the same rows gives the CSV's results, its rows numbered from 1 (no header line)."""
    pytest.importorskip("pyarrow")
    from pyarrow import csv as pacsv
    from pyarrow import parquet as pq

    source = tmp_path / "export.csv"
    source.write_text(HEADER + ROWS, encoding="utf-8")
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(HEADER.strip().split(","), "string"))
    table = pacsv.read_csv(source, convert_options=convert)
    pq.write_table(table, tmp_path / "export.data")
    args = ["--policy", "p1-p3", "--as-of", AS_OF, "--quiet"]
    assert main(["evaluate", str(source), *args, "--out", str(tmp_path / "csv")]) == 0
    assert main(["evaluate", str(tmp_path / "export.data"), *args, "--out", str(tmp_path / "pq")]) == 3
    assert "format" in capsys.readouterr().err
    named = ["evaluate", str(tmp_path / "export.data"), *args, "--out", str(tmp_path / "pq"), "--input-format"]
    assert main([*named, "parquet"]) == 0
    with (tmp_path / "csv" / "results.csv").open(encoding="utf-8-sig") as file:
        from_csv = list(csv.DictReader(file))
    with (tmp_path / "pq" / "results.csv").open(encoding="utf-8-sig") as file:
        from_parquet = list(csv.DictReader(file))
    assert [{**row, "line": str(int(row["line"]) - 1)} for row in from_csv] == from_parquet
    assert len(from_parquet) == 2
