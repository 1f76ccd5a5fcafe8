"""The pytest plugin in real pytest sessions (pytester)."""

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
    result.stdout.fnmatch_lines(["*TS001 (line 1) PASSED*", "*TS002 (line 3) FAILED*", "*line 4 (line 4) FAILED*"])
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
    result.stderr.fnmatch_lines(["*--slakit-check needs --slakit-policy*"])


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
