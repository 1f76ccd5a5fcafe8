from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slakit import presets
from slakit.errors import ConfigError
from slakit.sla import Event, Ticket
from slakit.testing import assert_sla_breached, assert_sla_met

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")
FRIDAY = datetime(2025, 9, 19, 17, 0, tzinfo=SH)
ANSWERED = Ticket(
    "T-ok", FRIDAY, "P1", events=(Event(datetime(2025, 9, 22, 9, 30, tzinfo=SH), "reply", author="agent"),)
)
LATE = Ticket("T-late", FRIDAY, "P1", events=(Event(datetime(2025, 9, 22, 11, 0, tzinfo=SH), "reply", author="agent"),))
MONDAY_NOON = datetime(2025, 9, 22, 12, 0, tzinfo=SH)


def test_met_passes_and_returns_the_report():
    report = assert_sla_met(ANSWERED, POLICY, as_of=MONDAY_NOON, metrics=["response"])
    assert report["response"].state == "met"


def test_met_failure_names_metric_target_deadline_and_lateness_and_explains():
    with pytest.raises(AssertionError) as info:
        assert_sla_met(LATE, POLICY, as_of=MONDAY_NOON, metrics=["response"])
    message = str(info.value)
    assert "SLA breached for ticket 'T-late'" in message
    assert "response: target 2h on 'default'" in message
    assert "deadline 2025-09-22T10:00:00+08:00" in message
    assert "completed 2025-09-22T11:00:00+08:00" in message
    assert "(1h late)" in message
    assert "counted open time" in message  # report.explain() follows


def test_still_open_breach_says_how_late_it_is():
    open_ticket = Ticket("T-open", FRIDAY, "P1")
    with pytest.raises(AssertionError, match=r"response: .*\(2h late\)"):
        assert_sla_met(open_ticket, POLICY, as_of=MONDAY_NOON, metrics=["response"])


def test_breached_passes_for_a_late_ticket_and_fails_for_a_met_one():
    assert_sla_breached(LATE, POLICY, as_of=MONDAY_NOON, metrics=["response"])
    with pytest.raises(AssertionError, match="SLA not breached for ticket 'T-ok'"):
        assert_sla_breached(ANSWERED, POLICY, as_of=MONDAY_NOON, metrics=["response"])


def test_breached_without_metrics_needs_any_breach():
    assert_sla_breached(LATE, POLICY, as_of=MONDAY_NOON)  # acknowledge is pending, response breached
    quiet = Ticket("T-new", MONDAY_NOON, "P3")
    with pytest.raises(AssertionError):
        assert_sla_breached(quiet, POLICY, as_of=MONDAY_NOON)


def test_unknown_or_untracked_metrics_are_reported():
    with pytest.raises(ConfigError, match="'metrics' must be one of"):
        assert_sla_met(ANSWERED, POLICY, as_of=MONDAY_NOON, metrics=["speed"])
