"""The pytest plugin in real pytest sessions (pytester)."""

import csv
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slakit.sla import Event, Ticket

pytest_plugins = ["pytester"]
SH = ZoneInfo("Asia/Shanghai")


def export(pytester: pytest.Pytester) -> None:
    friday = datetime(2025, 9, 19, 17, 0, tzinfo=SH)
    ok = Ticket(
        "TS001",
        friday,
        "P1",
        events=(
            Event(datetime(2025, 9, 22, 9, 30, tzinfo=SH), "reply", author="agent"),
            Event(datetime(2025, 9, 22, 9, 40, tzinfo=SH), "resolve"),
        ),
    )
    late = Ticket(
        "TS002",
        friday,
        "P1",
        events=(
            Event(datetime(2025, 9, 22, 11, 0, tzinfo=SH), "reply", author="agent"),
            Event(datetime(2025, 9, 22, 11, 5, tzinfo=SH), "resolve"),
        ),
    )
    lines = [
        json.dumps(ok.to_dict(), ensure_ascii=False),
        "",
        json.dumps(late.to_dict(), ensure_ascii=False),
        '{"id": "TS003", "created_at": "2025-09-19T17:00:00", "priority": "P1"}',
        "not json",
    ]
    pytester.path.joinpath("export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_check_turns_each_ticket_into_a_test(pytester):
    export(pytester)
    result = pytester.runpytest(
        "--slakit-check",
        "export.jsonl",
        "--slakit-policy",
        "p1-p3",
        "--slakit-as-of",
        "2025-10-01T00:00:00+08:00",
        "-v",
    )
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        ["*::TS001 (line 1) PASSED*", "*::TS002 (line 3) FAILED*", "*::TS003 (line 4) FAILED*", "*::line 5 FAILED*"]
    )
    output = result.stdout.str()
    assert "ticket 'TS002' breached its SLA" in output
    assert "response: target 2h on 'default'" in output
    assert "(1h late)" in output
    assert "'created_at' must be an aware datetime" in output  # the naive row, with its reason
    assert "Traceback" not in output


def test_check_needs_a_policy(pytester):
    export(pytester)
    result = pytester.runpytest("--slakit-check", "export.jsonl")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--slakit-check needs a policy: --slakit-policy FILE|PRESET, or `slakit_policy*"])


def test_as_of_must_be_aware(pytester):
    export(pytester)
    result = pytester.runpytest(
        "--slakit-check", "export.jsonl", "--slakit-policy", "p1-p3", "--slakit-as-of", "2025-10-01T00:00:00"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--slakit-as-of needs a UTC offset*"])


def test_fixture_from_marker_and_ini(pytester):
    pytester.makeini("[pytest]\nslakit_policy = four-level\n")
    pytester.makepyfile(
        """
        import pytest

        def test_from_ini(slakit_policy):
            assert "urgent" in slakit_policy.sla.priorities

        @pytest.mark.slakit_policy("p1-p3")
        def test_from_marker(slakit_policy):
            assert "P1" in slakit_policy.sla.priorities
        """
    )
    pytester.runpytest("-p", "slakit.testing").assert_outcomes(passed=2)


def test_fixture_from_a_policy_file_next_to_the_test(pytester):
    pytester.path.joinpath("policy.yaml").write_text(
        'calendars: {default: {timezone: UTC, hours: {mon-fri: "09:00-17:00"}}}\n'
        "priorities: {gold: {name: Gold, rank: 1, targets: {response: 1h}}}\n",
        encoding="utf-8",
    )
    pytester.makepyfile(
        """
        import pytest
        from datetime import datetime, timezone
        from slakit.sla import Ticket
        from slakit.testing import assert_sla_met

        @pytest.mark.slakit_policy("policy.yaml")
        def test_gold_answered_in_time(slakit_policy):
            ticket = Ticket("G1", datetime(2025, 9, 22, 9, tzinfo=timezone.utc), "gold")
            assert_sla_met(ticket, slakit_policy, as_of=datetime(2025, 9, 22, 9, 30, tzinfo=timezone.utc))
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fixture_without_a_policy_says_how_to_give_one(pytester):
    pytester.makepyfile("def test_x(slakit_policy):\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*the slakit_policy fixture needs a policy*"])


def test_pointing_pytest_at_the_exports_folder_runs_only_the_check(pytester):
    pytester.makepyfile(test_other="def test_unrelated():\n    pass\n")
    exports = pytester.mkdir("exports")
    export(pytester)
    pytester.path.joinpath("export.jsonl").rename(exports / "export.jsonl")
    result = pytester.runpytest(
        "exports",
        "--slakit-check",
        "exports/export.jsonl",
        "--slakit-policy",
        "p1-p3",
        "--slakit-as-of",
        "2025-10-01T00:00:00+08:00",
    )
    result.assert_outcomes(passed=1, failed=3)


# -- issue #17: every format slakit.batch.read reads, with its options --------------------------------------------


def _outcomes(reprec: pytest.HookRecorder) -> tuple[set[str], set[str]]:
    """The names of the passed and the failed items of an in-process run."""
    passed, skipped, failed = reprec.listoutcomes()
    assert not skipped
    return {report.nodeid.split("::", 1)[1] for report in passed}, {
        report.nodeid.split("::", 1)[1] for report in failed
    }


@pytest.mark.parametrize(("name", "rows"), [("demo-export.jsonl", 1000), ("demo-export.csv", 300)])
def test_check_reads_slakits_own_exports_as_the_batch_reads_them(pytester, tmp_path, name, rows):
    """Regression: 680 of the demo's 1,000 JSONL tickets failed with "unknown ticket field 'survey'", and CSV was
    refused ("needs slakit.batch, which this version does not have yet")."""
    from slakit import demo
    from slakit.batch import run
    from slakit.cli.demo import DEMO_AS_OF, DEMO_SEED

    as_of = datetime.fromisoformat(DEMO_AS_OF)
    files = demo.write_export(pytester.path, rows, seed=DEMO_SEED, as_of=as_of)  # what `slakit demo` writes
    reprec = pytester.inline_run("--slakit-check", name, "--slakit-policy", "p1-p3", "--slakit-as-of", DEMO_AS_OF)
    passed, failed = _outcomes(reprec)
    assert len(passed) + len(failed) == rows == files.records  # one item per row, each named once
    # The oracle: the batch's own verdicts on the same file, as of the same instant.
    out = tmp_path / "batch"
    run(pytester.path / name, "p1-p3", as_of=as_of, out_dir=out, formats=())
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as file:
        results = list(csv.DictReader(file))
    with (out / "rejected.csv").open(encoding="utf-8-sig", newline="") as file:
        rejected = list(csv.DictReader(file))
    assert passed == {f"{row['id']} (line {row['line']})" for row in results if not row["breached"]}
    assert failed == {f"{row['id']} (line {row['line']})" for row in results if row["breached"]} | {
        f"{row['id']} (line {row['line']})" if row["id"] else f"line {row['line']}" for row in rejected
    }
    assert len(rejected) == files.broken
    messages = "\n".join(str(report.longrepr) for report in reprec.listoutcomes()[2])
    assert "unknown ticket field" not in messages
    assert all(name.count("line ") == 1 for name in passed | failed)  # "TS001 (line 2)", never "line 2 (line 2)"


def test_check_takes_its_policy_from_the_ini_option(pytester):
    export(pytester)
    pytester.makeini("[pytest]\nslakit_policy = p1-p3\n")
    result = pytester.runpytest("--slakit-check", "export.jsonl", "--slakit-as-of", "2025-10-01T00:00:00+08:00")
    result.assert_outcomes(passed=1, failed=3)


def test_check_reads_a_flat_export_with_the_options_of_slakit_evaluate(pytester):
    pytester.path.joinpath("tickets.csv").write_text(
        "Ticket,Opened,Level,First reply\n"
        "A1,19/09/2025 17:00,Urgent,22/09/2025 09:30\n"  # P1: replied within 2 business hours
        "A2,01/09/2025 09:00,High,01/09/2025 15:00\n"  # P1: replied after 6 hours
        "A3,22/09/2025 09:00,p2,\n",  # P2, in any case: not answered, not late yet
        encoding="utf-8",
    )
    options = ["--slakit-check", "tickets.csv", "--slakit-policy", "p1-p3", "--slakit-as-of",
               "2025-09-22T12:00:00+08:00", "--slakit-map", "id=Ticket,created_at=Opened",
               "--slakit-map", "priority=Level,first_response_at=First reply", "--slakit-map-values",
               "priority:Urgent=P1,High=P1", "--slakit-assume-tz", "Asia/Shanghai"]  # fmt: skip
    passed, failed = _outcomes(pytester.inline_run(*options, "--slakit-date-order", "dmy"))
    assert (passed, failed) == ({"A1 (line 2)", "A3 (line 4)"}, {"A2 (line 3)"})
    result = pytester.runpytest(*options)  # 01/09/2025 is the first of September or the ninth of January
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*line 3 is rejected (ambiguous date in created_at)*"])
    result = pytester.runpytest(*options, "--slakit-date-format", "%d/%m/%Y %H:%M")
    result.assert_outcomes(passed=2, failed=1)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--slakit-date-order", "DD/MM"], "'date_order' must be"),
        (["--slakit-assume-tz", "Mars/Olympus"], "Mars/Olympus"),
        (["--slakit-map", "created_at"], "NAME=HEADER pairs"),
        (["--slakit-map", "created_at=Nope"], "'Nope', which is not a column of the file"),
        (["--slakit-map-values", "priority:Urgent=P0"], "which is no priority of the policy"),
        (["--slakit-encoding", "no-such-codec"], "'encoding' must be the name of a text encoding"),
    ],
)
def test_bad_reading_options_are_usage_errors(pytester, option, message):
    pytester.path.joinpath("tickets.csv").write_text("id,created_at,priority\nA1,2025-09-19T17:00+08:00,P1\n")
    result = pytester.runpytest("--slakit-check", "tickets.csv", "--slakit-policy", "p1-p3", *option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()
