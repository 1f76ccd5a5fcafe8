"""The `slakit` command through its real entry point: help, exit codes, deadlines and ticket numbers."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import slakit
from slakit.batch import RunProgress
from slakit.cli import main
from slakit.cli.progress import Progress as _Progress

COMMANDS = ("evaluate", "demo", "deadline", "number")
SRC = str(Path(slakit.__file__).resolve().parents[1])  # the code under test, whatever the working directory


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "slakit", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        encoding="utf-8",
        env=env,
    )


# -- help and exit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_help_on_every_command(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: slakit {command}")
    assert "exit status:" in out


def test_help_lists_the_commands_and_documents_the_exit_codes():
    result = run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: slakit")
    assert all(command in result.stdout for command in COMMANDS)
    for line in ("0    success", "2    usage error", "3    input or configuration error", "4    more input rows"):
        assert line in result.stdout


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("slakit")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("slakit ")


def test_unknown_command_is_a_usage_error():
    assert run("frobnicate").returncode == 2


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "x.csv"],  # --policy is required
        ["evaluate", "x.csv", "--policy", "p1-p3", "--format", "pdf"],
        ["evaluate", "x.csv", "--policy", "p1-p3", "--jobs", "0"],
        ["evaluate", "x.csv", "--policy", "p1-p3", "--by", "moon"],
        ["evaluate", "x.csv", "--policy", "p1-p3", "--by", "month,month"],
        ["evaluate", "x.csv", "--policy", "p1-p3", "--map", "created_at"],
        ["evaluate", "x.csv", "--policy", "p1-p3", "--assume-tz", "Mars/Olympus"],
        ["evaluate", "x.csv", "--policy", "p1-p3", "--assume-tz", "Asia"],  # issue 16: a folder of tzdata, was 1
        ["evaluate", "x.csv", "--policy", "p1-p3", "--encoding", "rot13"],  # issue 16: codecs, not text encodings,
        ["evaluate", "x.csv", "--policy", "p1-p3", "--encoding", "hex"],  # were a traceback
        ["evaluate", "x.csv", "--policy", "p1-p3", "--encoding", "klingon"],
        ["deadline", "2025-09-30T17:00", "2h", "--assume-tz", "Asia"],
        ["demo", "--rows", "-1"],
        ["number"],  # --prefix is required
        ["number", "--prefix", "TS", "--count", "0"],
    ],
)
def test_bad_option_values_are_usage_errors(args, capsys):
    with pytest.raises(SystemExit) as exit_:  # argparse exits with 2 on a usage error
        main(args)
    assert exit_.value.code == 2
    assert "error: " in capsys.readouterr().err


# -- demo --deadlines and deadline -------------------------------------------------------------------


def test_demo_deadlines_prints_business_deadlines_across_national_day():
    result = run("demo", "--deadlines")
    assert result.returncode == 0, result.stderr
    assert "P1 紧急" in result.stdout
    # Tue 30 Sep 2025 17:00 + 2 business hours skips the 1-8 October holidays.
    assert "response           2h   2025-10-09 10:00 Thu" in result.stdout
    # 24 business hours ends on the make-up Saturday 11 October.
    assert "resolution        24h   2025-10-11 14:00 Sat" in result.stdout


def test_demo_deadlines_from_another_start():
    result = run("demo", "--start", "2025-09-26T17:00:00+08:00")  # --start alone implies --deadlines
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
    assert result.returncode == 2  # a value on the command line, wrong on its own: a usage error
    assert "--assume-tz" in result.stderr
    assert run("deadline", "2025-09-30T17:00", "2h", "--assume-tz", "Asia/Shanghai").returncode == 0


def test_bad_duration_is_a_usage_error(capsys):
    assert main(["deadline", "2025-09-30T17:00+08:00", "soon"]) == 2
    assert "'DURATION' must be" in capsys.readouterr().err


def test_missing_calendar_file_is_an_input_error(tmp_path, capsys):
    assert main(["deadline", "2025-09-30T17:00+08:00", "2h", "--calendar", str(tmp_path / "none.yaml")]) == 3
    assert "none.yaml" in capsys.readouterr().err


def test_a_calendar_file_in_gbk_is_an_input_error(tmp_path, capsys):
    """Issue 16: a GBK-encoded config file raised UnicodeDecodeError."""
    path = tmp_path / "cal.yaml"
    path.write_bytes("timezone: Asia/Shanghai  # 上海\nhours: {mon-fri: 09:00-18:00}\n".encode("gbk"))
    assert main(["deadline", "2025-09-30T17:00+08:00", "2h", "--calendar", str(path)]) == 3
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_a_policy_nested_20000_deep_is_an_input_error(tmp_path):
    """Issue 16: it raised RecursionError, and the command exited with 1."""
    policy = tmp_path / "policy.json"
    policy.write_text('{"name": ' + "[" * 20_000 + "]" * 20_000 + "}", encoding="utf-8")
    export = tmp_path / "x.csv"
    export.write_text("id,created_at,priority\nT1,2025-09-01T09:00:00Z,P1\n", encoding="utf-8")
    result = run("evaluate", str(export), "--policy", str(policy), "--out", str(tmp_path / "out"), "--quiet")
    assert result.returncode == 3
    assert "'policy' nests lists and mappings more than 100 levels deep" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_closed_early_is_not_an_error():
    shell = subprocess.run(  # noqa: S602 -- a real pipe with a reader that leaves early is the point
        f"{sys.executable} -m slakit demo --deadlines | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" not in shell.stderr


# -- number ------------------------------------------------------------------------------------------


def test_number_prints_the_next_ticket_number():
    result = run("number", "--prefix", "TS", "--at", "2024-04-30T16:30:00Z")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "TS20240501001\n"  # the calendar day in Asia/Shanghai


def test_number_counts_on_in_a_store_shared_between_runs(tmp_path):
    store = str(tmp_path / "numbers.db")
    first = run("number", "--prefix", "SS", "--at", "2025-09-30T10:00+08:00", "--store", store, "--count", "2")
    second = run("number", "--prefix", "SS", "--at", "2025-09-30T18:00+08:00", "--store", store)
    other_day = run("number", "--prefix", "SS", "--at", "2025-10-01T09:00+08:00", "--store", store)
    assert first.stdout.split() == ["SS20250930001", "SS20250930002"]
    assert second.stdout.split() == ["SS20250930003"]
    assert other_day.stdout.split() == ["SS20251001001"]


def test_number_with_pattern_check_digits_and_zone():
    result = run(
        "number", "--prefix", "TS", "--at", "2024-05-01T08:00", "--assume-tz", "UTC", "--timezone", "UTC",
        "--pattern", "{prefix}-{date:%Y%m}-{seq:05d}", "--reset", "monthly", "--check", "luhn",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("TS-202405-00001")
    assert len(result.stdout.strip()) == len("TS-202405-00001") + 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prefix", "TS", "--at", "2024-05-01T08:00"], "--assume-tz"),
        (["--prefix", "T S", "--at", "2024-05-01T08:00Z"], "prefix"),
        (["--prefix", "TS", "--at", "2024-05-01T08:00Z", "--pattern", "{seq:03d}"], "{prefix}"),
        (["--prefix", "TS", "--at", "2024-05-01T08:00Z", "--timezone", "Nowhere/City"], "Nowhere/City"),
    ],
)
def test_number_option_values_are_usage_errors(args, message, capsys):
    assert main(["number", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_counter_store_that_cannot_be_opened_is_an_input_error(tmp_path, capsys):
    """Regression: a --store that SQLite cannot open ended with a traceback (exit 1)."""
    assert main(["number", "--prefix", "TS", "--at", "2024-05-01T08:00Z", "--store", str(tmp_path)]) == 3
    assert "'path' must be an SQLite file this process can open" in capsys.readouterr().err


# -- the progress bar -------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_drawn_at_once_then_throttled_and_cleared():
    stream, clock = io.StringIO(), FakeClock()
    progress = _Progress(stream, clock=clock, interval=0.1)
    clock.now += 0.5
    progress(RunProgress(100, 1_000, 10_000))
    assert stream.getvalue() == "\r[##----------------------]  10%  100 rows  200 rows/s "
    for done in range(101, 200):
        clock.now += 0.001
        progress(RunProgress(done, done * 10, 10_000))  # within the interval: not redrawn
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.001
    progress(RunProgress(2000, 10_000, 10_000))  # the end is always drawn, at 100 %
    assert "[########################] 100%  2,000 rows" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_progress_without_a_size_and_close_without_drawing():
    stream, clock = io.StringIO(), FakeClock()
    _Progress(stream, clock=clock).close()
    assert stream.getvalue() == ""
    progress = _Progress(stream, clock=clock)
    clock.now += 2
    progress(RunProgress(5000))
    assert stream.getvalue() == "\r5,000 rows  2,500 rows/s "


def test_deadline_notes_unpublished_make_up_workdays_on_stderr(capsys):
    """stdout stays the one instant; the note goes to stderr (the year follows the installed holiday data)."""
    from datetime import datetime, timedelta

    from slakit import presets

    calendar = presets.load("p1-p3").sla.default_calendar
    known = calendar.makeup_workdays_known_until
    assert main(["deadline", f"{known + 1}-03-02T09:00+08:00", "2h"]) == 0
    out, err = capsys.readouterr()
    expected = calendar.add(datetime.fromisoformat(f"{known + 1}-03-02T09:00+08:00"), timedelta(hours=2))
    assert out.strip() == expected.isoformat()
    assert f"note: China's make-up workdays after {known} are not published; deadlines may move" in err
    assert main(["deadline", f"{known}-03-02T09:00+08:00", "2h"]) == 0
    assert "note:" not in capsys.readouterr().err


# -- exit codes: every option with a bad value (issue #17) -----------------------------------------------------------

# Per command, per option that takes a value: a bad value and the code the table in slakit.cli.exits gives it.
# 2: the command line is wrong whatever the input holds; 3: a file cannot be read or written, or does not fit.
BAD_VALUES: dict[str, dict[str, list[tuple[list[str], int]]]] = {
    "evaluate": {
        "input": [(["{missing}"], 3)],
        "--policy": [(["--policy", "{missing}"], 3), (["--policy", "{garbage}"], 3)],
        "--as-of": [(["--as-of", "yesterday"], 2), (["--as-of", "2025-09-05T18:00"], 2)],
        "--out": [(["--out", "{garbage}"], 3)],
        "--format": [(["--format", "pdf"], 2)],
        "--jobs": [(["--jobs", "0"], 2), (["--jobs", "two"], 2)],
        "--by": [(["--by", "moon"], 2)],
        "--max-rejected": [
            (["--max-rejected", "lots"], 2),
            (["--max-rejected", "101%"], 2),
            (["--strict", "--max-rejected", "1"], 2),
        ],
        "--map": [(["--map", "created_at"], 2), (["--map", "opened=Created"], 2), (["--map", "created_at=Nope"], 3)],
        "--map-values": [(["--map-values", "Urgent=P1"], 2), (["--map-values", "priority:Urgent=P0"], 2)],
        "--assume-tz": [(["--assume-tz", "Mars/Olympus"], 2), (["--assume-tz", "Asia"], 2)],
        "--input-format": [(["--input-format", "xml"], 2)],
        "--encoding": [(["--encoding", "no-such-codec"], 2), (["--encoding", "rot13"], 2)],
        "--date-order": [(["--date-order", "DD/MM"], 2)],
        "--date-format": [(["--date-format", "%H:%M"], 2)],
    },
    "demo": {
        "--rows": [(["--rows", "-1"], 2)],
        "--seed": [(["--seed", "x"], 2)],
        "--as-of": [(["--as-of", "yesterday"], 2), (["--as-of", "2025-10-31T23:59:59"], 2)],
        "--out": [(["--out", "{garbage}"], 3)],
        "--input": [(["--input", "xml"], 2)],
        "--format": [(["--format", "pdf"], 2)],
        "--jobs": [(["--jobs", "0"], 2)],
        "--by": [(["--by", "moon"], 2)],
        "--max-rejected": [(["--max-rejected", "-1"], 2)],
        "--start": [(["--start", "yesterday"], 2)],
        "--assume-tz": [(["--assume-tz", "Mars/Olympus"], 2), (["--assume-tz", "Asia"], 2)],
    },
    "deadline": {
        "start": [(["yesterday", "2h"], 2), (["2025-09-30T17:00", "2h"], 2)],
        "duration": [(["2025-09-30T17:00+08:00", "soon"], 2)],
        "--calendar": [(["--calendar", "{missing}"], 3), (["--calendar", "{garbage}"], 3)],
        "--assume-tz": [(["--assume-tz", "Mars/Olympus"], 2), (["--assume-tz", "Asia"], 2)],
    },
    "number": {
        "--prefix": [(["--prefix", "T S"], 2)],
        "--at": [(["--at", "yesterday"], 2), (["--at", "2024-05-01T08:00"], 2)],
        "--store": [(["--store", "{directory}"], 3)],
        "--pattern": [(["--pattern", "{seq:03d}"], 2)],
        "--timezone": [(["--timezone", "Nowhere/City"], 2)],
        "--reset": [(["--reset", "weekly"], 2)],
        "--check": [(["--check", "crc"], 2)],
        "--overflow": [(["--overflow", "wrap"], 2)],
        "--count": [(["--count", "0"], 2)],
        "--assume-tz": [(["--at", "2024-05-01T08:00", "--assume-tz", "Mars/Olympus"], 2)],
    },
    "schema": {"name": [(["policies"], 2)]},
}
VALID = {  # a command line that succeeds: a bad option is added to it (the last of a repeated option wins), bad
    # positional arguments replace its first ones
    "evaluate": ["{export}", "--policy", "p1-p3", "--as-of", "2025-09-05T18:00:00+08:00", "--out", "{out}", "--quiet"],
    "demo": ["--rows", "5", "--out", "{out}", "--quiet"],
    "deadline": ["2025-09-30T17:00+08:00", "2h"],
    "number": ["--prefix", "TS", "--at", "2024-05-01T08:00Z"],
    "schema": ["policy"],
}


def _options_with_values() -> dict[str, set[str]]:
    """Per command, its options that take a value and its positional arguments (argparse's own records)."""
    from slakit.cli.parser import build_parser

    commands = next(action for action in build_parser()._actions if action.choices)  # the subcommands
    found: dict[str, set[str]] = {}
    for name, command in commands.choices.items():  # type: ignore[union-attr]
        found[name] = {
            action.option_strings[-1] if action.option_strings else action.dest
            for action in command._actions
            if action.nargs != 0 and action.dest != "help"
        }
    return found


def test_the_walk_below_covers_every_option_that_takes_a_value():
    assert {name: set(options) for name, options in BAD_VALUES.items()} == _options_with_values()


@pytest.mark.parametrize(
    ("command", "option", "args", "code"),
    [
        (command, option, args, code)
        for command, options in BAD_VALUES.items()
        for option, cases in options.items()
        for args, code in cases
    ],
)
def test_every_option_with_a_bad_value_exits_with_the_code_of_the_table(command, option, args, code, tmp_path, capsys):
    """Regression: a bad --assume-tz exited 2 but a bad --as-of 3; an unopenable --store ended with a traceback."""
    export = tmp_path / "export.csv"
    export.write_text("id,created_at,priority\nT1,2025-09-01T09:00:00+08:00,P1\n", encoding="utf-8")
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("just: [a, file", encoding="utf-8")
    places = {"{export}": str(export), "{out}": str(tmp_path / "out"), "{missing}": str(tmp_path / "missing.csv"),
              "{garbage}": str(garbage), "{directory}": str(tmp_path)}  # fmt: skip
    valid = [places.get(arg, arg) for arg in VALID[command]]
    bad = [places.get(arg, arg) for arg in args]
    assert _exit_code([command, *valid]) == 0, capsys.readouterr().err
    capsys.readouterr()
    line = [*valid, *bad] if option.startswith("--") else [*bad, *valid[len(bad) :]]
    assert _exit_code([command, *line]) == code
    err = capsys.readouterr().err
    assert "error: " in err
    assert "Traceback" not in err


def _exit_code(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exit_:  # argparse's own usage errors
        return int(exit_.code or 0)


@pytest.mark.parametrize(
    "name", ["policy", "report", "metric-status", "escalation-report", "survey-score", "ticket", "event"]
)
def test_schema_prints_the_json_schema_of_each_form(name, capsys):
    from slakit.schema import SCHEMAS

    assert _exit_code(["schema", name]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMAS[name]()
