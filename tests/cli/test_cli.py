"""The `slakit` command through its real entry point."""

import subprocess
import sys

import pytest

from slakit.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slakit", *args], capture_output=True, text=True, check=False)


def test_demo_prints_business_deadlines_across_national_day():
    result = run("demo")
    assert result.returncode == 0, result.stderr
    assert "P1 紧急" in result.stdout
    # Tue 30 Sep 2025 17:00 + 2 business hours skips the 1-8 October holidays.
    assert "response           2h   2025-10-09 10:00 Thu" in result.stdout
    # 24 business hours ends on the make-up Saturday 11 October.
    assert "resolution        24h   2025-10-11 14:00 Sat" in result.stdout


def test_demo_from_another_start():
    result = run("demo", "--start", "2025-09-26T17:00:00+08:00")
    assert result.returncode == 0, result.stderr
    assert "2025-09-28 10:00 Sun" in result.stdout  # the make-up Sunday


def test_deadline_walks_forward_and_back():
    assert run("deadline", "2025-09-30T17:00+08:00", "2h").stdout.strip() == "2025-10-09T10:00:00+08:00"
    assert run("deadline", "--", "2025-10-09T10:00+08:00", "-2h").stdout.strip() == "2025-09-30T17:00:00+08:00"


def test_deadline_with_a_calendar_file(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text('timezone = "UTC"\n[hours]\nmon-sun = ["00:00-24:00"]\n', encoding="utf-8")
    result = run("deadline", "2025-01-01T00:00Z", "PT2H30M", "--calendar", str(path))
    assert result.stdout.strip() == "2025-01-01T02:30:00+00:00"


def test_naive_start_needs_assume_tz():
    result = run("deadline", "2025-09-30T17:00", "2h")
    assert result.returncode == 3
    assert "--assume-tz" in result.stderr
    assert run("deadline", "2025-09-30T17:00", "2h", "--assume-tz", "Asia/Shanghai").returncode == 0


def test_bad_duration_is_an_input_error(capsys):
    assert main(["deadline", "2025-09-30T17:00+08:00", "soon"]) == 3
    assert "'DURATION' must be" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--help"], ["demo", "--help"], ["deadline", "--help"]])
def test_help_on_every_command(args):
    result = run(*args)
    assert result.returncode == 0
    assert "usage: slakit" in result.stdout


def test_output_closed_early_is_not_an_error():
    shell = subprocess.run(  # noqa: S602 -- a real pipe with a reader that leaves early is the point
        f"{sys.executable} -m slakit demo | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in shell.stderr


def test_unknown_command_is_a_usage_error():
    assert run("frobnicate").returncode == 2
