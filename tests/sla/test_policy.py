"""Policies load from every config source, resolve targets, and reject malformed configs by name."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import presets
from slakit.errors import ConfigError, InvalidTicketError, NaiveDatetimeError, UnknownPriorityError
from slakit.escalation import evaluate as evaluate_escalations
from slakit.sla import Event, Policy, Ticket, evaluate
from slakit.testing import strategies as sst
from tests.sla.conftest import sh

YAML = """
calendars:
  default: {timezone: Asia/Shanghai, hours: {mon-fri: ["09:00-18:00"]}, holidays: {country: CN}}
priorities:
  P1: {name: 紧急, rank: 1, targets: {response: 2h, acknowledge: 1h, update: 4h, resolution: 24h}}
  P2: {name: 重要, rank: 2, targets: {response: 4h, acknowledge: 1h, update: 4h, resolution: 48h}}
  P3: {name: 一般, rank: 3, targets: {response: 8h, acknowledge: 1h, update: 4h, resolution: 72h}}
pause_statuses: [pending_customer, on_hold]
at_risk: 0.75
on_reopen: resume
"""

TOML = """
pause_statuses = ["pending_customer", "on_hold"]
[calendars.default]
timezone = "Asia/Shanghai"
hours = { mon-fri = ["09:00-18:00"] }
holidays = { country = "CN" }
[priorities.P1]
name = "紧急"
rank = 1
targets = { response = "PT2H", resolution = { within = "24h", clock = "calendar" } }
"""


def test_the_issue_example_loads_from_yaml_text_and_file(tmp_path):
    policy = Policy.from_config(YAML)
    assert policy.target("P2", "resolution").within == timedelta(hours=48)
    assert policy.target("P1", "response").pausable is False
    assert policy.target("P1", "resolution").pausable is True
    path = tmp_path / "policy.yaml"
    path.write_text(YAML, encoding="utf-8")
    assert Policy.load(path).config == policy.config


def test_long_form_targets_and_calendar_clock():
    policy = Policy.from_config(TOML)
    resolution = policy.target("P1", "resolution")
    assert resolution.clock_name == "24x7"
    assert policy.target("P1", "response").within == timedelta(hours=2)
    assert policy.target("P1", "update") is None  # not tracked
    report = evaluate(Ticket("T", sh(2025, 9, 19, 17, 0), "P1"), policy, as_of=sh(2025, 9, 19, 17, 0))
    assert report["resolution"].deadline == sh(2025, 9, 20, 17, 0)  # 24 wall-clock hours
    assert set(report) == {"response", "resolution"}


def test_pausable_can_be_overridden():
    policy = Policy.from_config(YAML.replace("response: 2h,", "response: {within: 2h, pausable: true},"))
    events = [Event(sh(2025, 9, 22, 9, 30), "status", status="on_hold")]
    report = evaluate(Ticket("T", sh(2025, 9, 22, 9, 0), "P1", events=events), policy, as_of=sh(2025, 9, 22, 12))
    assert report["response"].state == "paused"
    assert report["response"].elapsed == timedelta(minutes=30)


def test_restart_on_reopen_is_a_policy_option():
    assert Policy.from_config(YAML.replace("on_reopen: resume", "on_reopen: restart")).config.on_reopen == "restart"


def _error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        Policy.from_config(text)
    return str(info.value)


def test_unknown_calendar_is_named():
    message = _error(YAML.replace("response: 2h,", "response: {within: 2h, calendar: support},"))
    assert "'priorities.P1.targets.response.calendar'" in message
    assert "'support'" in message
    assert "default" in message


def test_shared_rank_is_an_error():
    assert "share rank 1" in _error(YAML.replace("rank: 2", "rank: 1"))


def test_unknown_metric_is_an_error():
    message = _error(YAML.replace("update: 4h, resolution: 24h", "updates: 4h, resolution: 24h"))
    assert "updates" in message


@pytest.mark.parametrize("ratio", ["0", "1.5", "high"])
def test_bad_at_risk_is_an_error(ratio):
    assert "at_risk" in _error(YAML.replace("at_risk: 0.75", f"at_risk: {ratio}"))


def test_bad_on_reopen_is_an_error():
    message = _error(YAML.replace("on_reopen: resume", "on_reopen: rewind"))
    assert "on_reopen" in message
    assert "rewind" in message


def test_bad_calendar_inside_a_policy_names_the_calendar():
    message = _error(YAML.replace("timezone: Asia/Shanghai", "timezone: Mars/Base"))
    assert "calendars.default" in message
    assert "Mars/Base" in message


def test_unknown_key_is_an_error():
    assert "pause_status" in _error(YAML + "\npause_status: [x]\n")


def test_priority_lookup():
    policy = Policy.from_config(YAML)
    assert policy.priority("P1").name == "紧急"
    assert policy.priority("P1") < policy.priority("P3")
    with pytest.raises(UnknownPriorityError):
        policy.priority("P4")


def test_a_whole_policy_file_is_refused_with_where_to_read_it():
    with pytest.raises(ConfigError) as info:
        Policy.from_config(presets.config("p1-p3"))
    message = str(info.value)
    assert "slakit.ServicePolicy" in message
    assert info.value.path in ("priority_matrix", "classification", "survey", "escalation")
    with pytest.raises(ConfigError, match="'escalation' section"):
        Policy.from_config(YAML + "\nescalation: {rules: []}\n")


# -- check a ticket without evaluating it (issue #15, item 3) ------------------------------------------------


def _ticket_with(priority, *event_priorities):

    created = datetime(2025, 9, 22, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    events = [
        Event(created + timedelta(hours=i + 1), "priority", priority=code) for i, code in enumerate(event_priorities)
    ]
    return Ticket("T", created, priority, events=[Event(created, "note"), *events])


def test_problems_lists_every_unknown_priority_as_evaluate_would_raise_it():

    policy = presets.load("p1-p3").sla
    ticket = _ticket_with("P9", "P1", "P0", "P7")
    problems = policy.problems(ticket)
    assert [type(p) for p in problems] == [UnknownPriorityError] * 3
    assert [str(p) for p in problems] == [
        "'priority' must be one of P1, P2, P3 (got 'P9')",
        "'events[2].priority' must be one of P1, P2, P3 (got 'P0')",
        "'events[3].priority' must be one of P1, P2, P3 (got 'P7')",
    ]
    with pytest.raises(UnknownPriorityError, match=r"^'priority' must be one of P1, P2, P3 \(got 'P9'\)$"):
        policy.check(ticket)
    assert policy.check(_ticket_with("P1", "P2")) == _ticket_with("P1", "P2")
    assert policy.problems(_ticket_with("P1", "P2")) == []
    # as of an instant, later priority events do not count, as for the escalation engine
    late = _ticket_with("P1", "P2", "P0")
    assert policy.problems(late, as_of=late.created_at + timedelta(hours=2, microseconds=-1)) == []
    assert len(policy.problems(late, as_of=late.created_at + timedelta(hours=2))) == 1


def test_problems_reads_ticket_data_and_reports_what_it_cannot_read():

    service = presets.load("p1-p3")
    data = _ticket_with("P1", "P0").to_dict()
    assert [str(p) for p in service.problems(data)] == ["'events[1].priority' must be one of P1, P2, P3 (got 'P0')"]
    assert service.check(_ticket_with("P1").to_dict()) == _ticket_with("P1")
    naive = {**data, "created_at": "2025-09-22T09:00:00"}
    (problem,) = service.problems(naive)
    assert isinstance(problem, NaiveDatetimeError)
    with pytest.raises(NaiveDatetimeError, match="created_at"):
        service.check(naive)
    (problem,) = service.problems({**data, "events": [{"at": "2025-09-22T10:00:00+08:00", "type": "lunch"}]})
    assert isinstance(problem, InvalidTicketError)
    with pytest.raises(NaiveDatetimeError, match="as_of"):
        service.problems(data, as_of=datetime(2025, 9, 22))


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_check_raises_exactly_what_evaluate_raises(data):
    """The oracle is evaluation itself: a ticket has no problem exactly when both engines evaluate it, and
    the first problem is the error they raise."""

    service = presets.load("p1-p3")
    ticket = data.draw(sst.tickets(service, max_events=6))
    codes = st.sampled_from(["P1", "P2", "P3", "P0", "High"])
    if data.draw(st.booleans()):
        ticket = replace(ticket, priority=data.draw(codes))
    extra = data.draw(st.lists(st.tuples(st.integers(0, 72), codes), max_size=3))
    ticket = ticket.with_events(Event(ticket.created_at + timedelta(hours=h), "priority", priority=c) for h, c in extra)
    as_of = ticket.created_at + timedelta(hours=data.draw(st.integers(0, 96)))
    for run, found in (
        (lambda: evaluate(ticket, service, as_of=as_of), service.problems(ticket)),
        (lambda: evaluate_escalations(ticket, service, as_of=as_of), service.problems(ticket, as_of=as_of)),
    ):
        raised = _raised(run)
        if raised is None:
            assert found == []
        else:
            assert found
            assert type(found[0]) is type(raised)
            assert str(found[0]) == str(raised)


def _raised(run):
    try:
        run()
    except UnknownPriorityError as exc:
        return exc
    return None
