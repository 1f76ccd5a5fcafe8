"""Metrics defined by events (docs/sla.md, "Metrics defined by events"): the ``metrics:`` section.

The hand-worked tests follow each rule of the language; the property checks that restating a built-in in
``metrics:`` (measured then by the one rule of :class:`slakit.sla.timeline.Instances`) changes nothing.
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slakit import ServicePolicy
from slakit.errors import ConfigError, InvalidTicketError
from slakit.sla import BUILT_IN, Event, MetricState, Policy, Ticket, evaluate
from slakit.testing import strategies as sst

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


NEXT_REPLY = {
    "start": [{"event": "reply", "author": "customer"}],
    "stop": [{"event": "reply", "author": "agent", "public": True}],
    "repeat": True,
}
FOLLOWUP = {
    "start": ["created", {"event": "reply", "author": "agent", "public": True}],
    "stop": [{"event": "reply", "author": "agent", "public": True}],
    "repeat": True,
    "pausable": True,
}


def policy(metrics: dict[str, Any], targets: dict[str, Any], **extra: Any) -> Policy:
    config = {
        "calendars": {},
        "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": {
            name: {"within": within, "clock": "calendar"} for name, within in targets.items()}}},
        "metrics": metrics,
        **extra,
    }  # fmt: skip
    return Policy.from_config(config)


def ticket(*events: Event) -> Ticket:
    return Ticket("T1", T0, "P1", events=events)


def customer(minutes: float) -> Event:
    return Event(at(minutes), "reply", author="customer")


def agent(minutes: float, *, public: bool = True) -> Event:
    return Event(at(minutes), "reply", author="agent", public=public)


# -- the section: names, matchers, targets -----------------------------------------------------------


def test_a_matcher_naming_no_event_type_is_refused_with_its_path():
    bad = {"start": [{"event": "replied"}], "stop": ["reply"]}
    with pytest.raises(ConfigError) as caught:
        policy({"next_reply": bad}, {})
    assert (
        "'metrics.next_reply.start[0].event' must be one of created, assign, acknowledge, reply, note, status, "
        "priority, extend, complaint, resolve, close, reopen (got 'replied')"
    ) in str(caught.value)


def test_a_matcher_field_the_event_type_does_not_have_is_refused_with_its_path():
    with pytest.raises(ConfigError, match=r"'metrics.m.stop\[0\].assignee' is not a field of a reply event"):
        policy({"m": {"start": ["created"], "stop": [{"event": "reply", "assignee": "wang"}]}}, {})
    with pytest.raises(ConfigError, match=r"'metrics.m.stop\[0\].author' must be one of agent, customer"):
        policy({"m": {"start": ["created"], "stop": [{"event": "reply", "author": "bot"}]}}, {})
    with pytest.raises(ConfigError, match=r"'metrics.m.stop\[0\].public' must be true or false"):
        policy({"m": {"start": ["created"], "stop": [{"event": "reply", "public": "yes"}]}}, {})
    with pytest.raises(ConfigError, match=r"'metrics.m.start\[1\]' must name its event type as 'event'"):
        policy({"m": {"start": ["created", {"author": "agent"}], "stop": ["reply"]}}, {})


def test_names_are_checked_and_resolution_cannot_be_redefined():
    with pytest.raises(ConfigError, match=r"'metrics.next-reply' must be a name of letters"):
        policy({"next-reply": NEXT_REPLY}, {})
    with pytest.raises(ConfigError, match=r"'metrics.resolution' cannot be defined"):
        policy({"resolution": NEXT_REPLY}, {})
    with pytest.raises(ConfigError, match=r"'metrics.m.stop' cannot hold created"):
        policy({"m": {"start": ["created"], "stop": ["created"]}}, {})
    with pytest.raises(ConfigError, match=r"'metrics.m.start' must be at least one matcher"):
        policy({"m": {"start": [], "stop": ["reply"]}}, {})


def test_a_target_for_an_undefined_metric_is_refused_naming_the_path():
    with pytest.raises(ConfigError, match=r"'priorities.P1.targets.next_reply' names no metric \(got 'next_reply'\)"):
        policy({}, {"next_reply": "2h"})


def test_targets_name_defined_metrics_like_built_ins_and_the_whole_file_reads_them():
    service = ServicePolicy.from_config(
        {
            "calendars": {"default": {"timezone": "UTC", "hours": {"mon-sun": ["00:00-24:00"]}}},
            "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": {"next_reply": "2h", "response": "1h"}}},
            "metrics": {"next_reply": NEXT_REPLY},
        }
    )
    report = evaluate(ticket(customer(10)), service, as_of=at(30))
    assert list(report) == ["response", "next_reply"]
    assert report["next_reply"].state is MetricState.RUNNING
    assert report["next_reply"].elapsed == timedelta(minutes=20)
    assert not report["next_reply"].pausable  # pausable defaults to false


# -- the rules -------------------------------------------------------------------------------------------


def test_idle_until_a_start_matches_then_pending():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    report = evaluate(ticket(agent(5)), p, as_of=at(30))  # an agent reply is no start
    assert report["next_reply"].state is MetricState.PENDING


def test_a_start_while_running_does_nothing_and_a_stop_completes():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    report = evaluate(ticket(customer(0), customer(20), agent(50)), p, as_of=at(90))
    status = report["next_reply"]
    assert status.state is MetricState.MET
    assert (status.started_at, status.completed_at, status.elapsed) == (at(0), at(50), timedelta(minutes=50))


def test_repeat_every_start_while_idle_begins_a_new_run_reported_like_update():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    events = (customer(0), agent(90), customer(100), agent(110), customer(200))
    status = evaluate(ticket(*events), p, as_of=at(230))["next_reply"]
    # the current run's figures, breached once any run was, each run over target listed
    assert status.state is MetricState.BREACHED
    assert status.elapsed == timedelta(minutes=30)
    assert status.remaining == timedelta(minutes=30)
    assert status.started_at == at(0)
    assert status.breached_at == at(60)
    assert [(g.started_at, g.ended_at, g.overdue) for g in status.gaps] == [(at(0), at(90), timedelta(minutes=30))]
    assert "next_reply runs over target" in evaluate(ticket(*events), p, as_of=at(230)).explain()


def test_without_repeat_only_the_first_start_counts():
    once = {**NEXT_REPLY, "repeat": False}
    p = policy({"first_reply": once}, {"first_reply": "1h"})
    status = evaluate(ticket(customer(0), agent(10), customer(20)), p, as_of=at(200))["first_reply"]
    assert status.state is MetricState.MET
    assert status.completed_at == at(10)


def test_an_event_matching_both_stops_the_run_and_starts_the_next():
    p = policy({"followup": FOLLOWUP}, {"followup": "1h"})
    status = evaluate(ticket(agent(50), agent(170)), p, as_of=at(200))["followup"]
    # runs: [0, 50) met, [50, 170) breached at 110, [170, ...) running
    assert status.state is MetricState.BREACHED
    assert status.breached_at == at(110)
    assert status.elapsed == timedelta(minutes=30)
    assert [(g.started_at, g.ended_at) for g in status.gaps] == [(at(50), at(170))]


def test_ties_at_one_instant_take_the_events_in_evaluation_order():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    # an agent and a customer reply at one instant: the agent's comes first (replies order by author), so it
    # stops the running run and the customer's starts the next there
    events = (customer(0), customer(30), agent(30))
    status = evaluate(ticket(*events), p, as_of=at(45))["next_reply"]
    assert (status.state, status.elapsed, status.started_at) == (MetricState.RUNNING, timedelta(minutes=15), at(0))
    # a customer reply at the instant of creation starts a run there
    status = evaluate(ticket(customer(0)), p, as_of=at(10))["next_reply"]
    assert status.elapsed == timedelta(minutes=10)


def test_a_stop_and_start_at_the_instant_a_run_began_lets_it_run_on():
    p = policy({"followup": FOLLOWUP}, {"followup": "1h"})
    # the public agent reply at creation would end the run begun at creation and begin the next: it runs on
    status = evaluate(ticket(agent(0)), p, as_of=at(30))["followup"]
    assert (status.state, status.elapsed, status.gaps) == (MetricState.RUNNING, timedelta(minutes=30), ())


def test_a_resolve_completes_the_running_run_and_a_reopen_does_not_start_it_again():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    events = (customer(0), Event(at(20), "resolve"), Event(at(40), "reopen"))
    status = evaluate(ticket(*events), p, as_of=at(200))["next_reply"]
    assert (status.state, status.completed_at, status.elapsed) == (MetricState.MET, at(20), timedelta(minutes=20))


def test_reopen_in_start_starts_it_again_after_a_reopen():
    p = policy({"m": {**NEXT_REPLY, "start": [*NEXT_REPLY["start"], "reopen"]}}, {"m": "1h"})
    events = (customer(0), Event(at(20), "resolve"), Event(at(40), "reopen"))
    status = evaluate(ticket(*events), p, as_of=at(70))["m"]
    assert (status.state, status.elapsed) == (MetricState.RUNNING, timedelta(minutes=30))


def test_a_start_while_resolved_completes_at_once_unless_reopened_at_that_instant():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    resolved = (Event(at(10), "resolve"), customer(20))
    status = evaluate(ticket(*resolved), p, as_of=at(200))["next_reply"]
    assert (status.state, status.started_at, status.completed_at) == (MetricState.MET, at(20), at(20))
    # the customer's reply reopens the ticket at its instant (the reply is taken first, the reopen last)
    reopened = (Event(at(10), "resolve"), customer(20), Event(at(20), "reopen"))
    status = evaluate(ticket(*reopened), p, as_of=at(50))["next_reply"]
    assert (status.state, status.elapsed) == (MetricState.RUNNING, timedelta(minutes=30))


def test_a_run_begun_by_the_event_that_ended_the_last_one_at_the_resolve_instant_is_dropped():
    p = policy({"followup": FOLLOWUP}, {"followup": "1h"})
    status = evaluate(ticket(agent(30), Event(at(30), "resolve")), p, as_of=at(100))["followup"]
    assert (status.state, status.completed_at, status.elapsed) == (MetricState.MET, at(30), timedelta(minutes=30))


def test_a_pausable_metric_stands_still_in_pause_statuses():
    p = policy({"followup": FOLLOWUP}, {"followup": "1h"})
    events = (Event(at(10), "status", status="pending_customer"), Event(at(40), "status", status="open"))
    status = evaluate(ticket(*events), p, as_of=at(60))["followup"]
    assert (status.elapsed, status.pausable) == (timedelta(minutes=30), True)


def test_zendesk_pausable_update_internal_notes_do_not_satisfy_it():
    update = {
        "start": ["created", {"event": "reply", "author": "agent", "public": True}],
        "stop": [{"event": "reply", "author": "agent", "public": True}],
        "repeat": True,
        "pausable": True,
    }
    p = policy({"update": update}, {"update": "1h"})
    events = (Event(at(30), "note"), agent(50, public=False))
    status = evaluate(ticket(*events), p, as_of=at(90))["update"]
    assert (status.state, status.breached_at) == (MetricState.BREACHED, at(60))
    built_in = policy({}, {"update": "1h"})
    assert evaluate(ticket(*events), built_in, as_of=at(90))["update"].state is MetricState.RUNNING


def test_an_extension_of_a_defined_metric_moves_its_deadline():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"})
    extend = Event(at(30), "extend", metric="next_reply", until=at(120), customer_agreed=True)
    status = evaluate(ticket(customer(0), extend), p, as_of=at(90))["next_reply"]
    assert (status.state, status.deadline) == (MetricState.RUNNING, at(120))


def test_resume_a_resolve_holds_the_run_and_a_reopen_resumes_it():
    followup = {**FOLLOWUP, "pausable": False, "resume": True}
    p = policy({"followup": followup}, {"followup": "2h"})
    events = (Event(at(30), "resolve"), Event(at(100), "reopen"))
    held = evaluate(ticket(*events), p, as_of=at(90))["followup"]
    assert (held.state, held.completed_at, held.elapsed) == (MetricState.MET, at(30), timedelta(minutes=30))
    resumed = evaluate(ticket(*events), p, as_of=at(130))["followup"]  # 30 minutes before, 30 after
    assert (resumed.state, resumed.elapsed, resumed.completed_at) == (MetricState.RUNNING, timedelta(hours=1), None)


def test_resume_with_on_reopen_restart_begins_a_new_cycle_at_the_reopen():
    followup = {**FOLLOWUP, "pausable": False, "resume": True}
    p = policy({"followup": followup}, {"followup": "2h"}, on_reopen="restart")
    events = (Event(at(30), "resolve"), agent(60), Event(at(100), "reopen"))
    report = evaluate(ticket(*events), p, as_of=at(130))
    status = report["followup"]
    assert (status.cycle, status.started_at, status.elapsed) == (1, at(100), timedelta(minutes=30))
    earlier = report.cycles[0]["followup"]
    assert (earlier.state, earlier.completed_at) == (MetricState.MET, at(30))  # the reply while resolved: nothing


def test_without_resume_on_reopen_restart_changes_nothing_for_a_defined_metric():
    p = policy({"next_reply": NEXT_REPLY}, {"next_reply": "1h"}, on_reopen="restart")
    events = (customer(0), agent(10), Event(at(20), "resolve"), Event(at(30), "reopen"), customer(40))
    report = evaluate(ticket(*events), p, as_of=at(70))
    status = report["next_reply"]
    assert (status.cycle, status.started_at, status.elapsed) == (0, at(0), timedelta(minutes=30))
    assert all("next_reply" not in cycle for cycle in report.cycles)


def test_a_stop_that_is_a_resolve_or_a_start_that_is_a_status_work_like_any_matcher():
    waiting = {"start": [{"event": "status", "status": "pending_customer"}], "stop": [{"event": "status"}, "resolve"]}
    p = policy({"waiting": waiting}, {"waiting": "1h"})
    events = (Event(at(10), "status", status="pending_customer"), Event(at(40), "status", status="open"))
    status = evaluate(ticket(*events), p, as_of=at(100))["waiting"]
    assert (status.state, status.started_at, status.completed_at) == (MetricState.MET, at(10), at(40))


def test_an_extend_event_naming_any_metric_name_is_a_valid_event():
    event = Event(at(1), "extend", metric="next_reply", until=at(100))
    assert event.metric == "next_reply"
    with pytest.raises(InvalidTicketError, match="or the name of a metric the policy defines"):
        Event(at(1), "extend", metric="next reply", until=at(100))


# -- the built-ins restated ------------------------------------------------------------------------


def restated(config: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {**config, "metrics": {name: BUILT_IN[name].to_config() for name in names}}


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_metrics_that_restate_a_built_in_give_byte_identical_reports(data):
    config = data.draw(sst.policy_configs())
    names = data.draw(st.lists(st.sampled_from(sorted(BUILT_IN)), min_size=1, unique=True))
    plain = ServicePolicy.from_config(config)
    again = ServicePolicy.from_config(restated(config, names))
    assert set(again.sla.definitions) == set(names)
    consistent = data.draw(st.booleans())
    t = data.draw(sst.tickets(plain, consistent=consistent))
    as_of = t.created_at + data.draw(sst.durations(max_value=timedelta(days=20)))
    expected, got = evaluate(t, plain, as_of=as_of), evaluate(t, again, as_of=as_of)
    assert repr(got) == repr(expected)
    assert got.explain() == expected.explain()
    assert got.explain("zh-CN") == expected.explain("zh-CN")
    assert [s.trace for s in got.values()] == [s.trace for s in expected.values()]


# -- the documentation's examples ------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sla.md"


def _section_blocks(language: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Metrics defined by events") : text.index("\n## Rules")]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


def test_the_documented_examples_run():
    blocks = _section_blocks("python")
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, str(DOCS), "exec"), {})  # noqa: S102 -- the documentation's own examples


def test_the_documented_built_ins_are_the_built_ins():
    documented = yaml.safe_load(_section_blocks("yaml")[1])["metrics"]
    assert {name: Policy.from_config({
        "calendars": {}, "priorities": {"P1": {"name": "x", "rank": 1}}, "metrics": documented,
    }).definitions[name] for name in documented} == dict(BUILT_IN)  # fmt: skip


# -- with conditional SLAs, relative deadlines and JSON ------------------------------------------------------

BUSINESS = {"default": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}}}
GOLD = {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"}


def service(targets: dict[str, Any], slas: tuple[dict[str, Any], ...] = (), **metrics: Any) -> ServicePolicy:
    return ServicePolicy.from_config(
        {
            "calendars": BUSINESS,
            "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": targets}},
            "metrics": metrics or {"next_reply": NEXT_REPLY, "followup": FOLLOWUP},
            "slas": list(slas),
        }
    )


def test_an_slas_entry_names_defined_metrics_and_an_unknown_one_is_refused_with_its_path():
    entry = {"name": "vip", "when": GOLD, "targets": {"P1": {"next_reply": "30m"}, "*": {"followup": "4h"}}}
    gold = service({"response": "2h", "next_reply": "2h"}, (entry,))
    plan = gold.sla.plan_for(Ticket("T1", T0, "P1", attributes={"tier": "gold"}))
    assert (plan.targets["P1"]["next_reply"].within, plan.targets["P1"]["next_reply"].sla) == (
        timedelta(minutes=30),
        "vip",
    )
    assert plan.targets["P1"]["followup"].sla == "vip"
    wrong = {"name": "vip", "when": GOLD, "targets": {"P1": {"next_replies": "30m"}}}
    with pytest.raises(ConfigError) as caught:
        service({"response": "2h"}, (entry, wrong))
    assert str(caught.value) == (
        "invalid policy: 'slas[1].targets.P1.next_replies' names no metric (got 'next_replies'); the metrics are "
        "response, acknowledge, update, resolution, next_reply, followup (define others under 'metrics')"
    )
    assert caught.value.path == "slas[1].targets.P1.next_replies"


def test_a_ticket_plan_takes_the_definitions_pausable_defaults_and_the_policy_metric_order():
    entry = {"name": "vip", "when": GOLD, "targets": {"*": {"followup": "4h", "next_reply": "1h", "response": "1h"}}}
    gold = service({"resolution": "3d", "followup": "8h", "response": "2h"}, (entry,))
    plan = gold.sla.plan_for(Ticket("T1", T0, "P1", attributes={"tier": "gold"}))
    chosen = plan.targets["P1"]
    assert list(chosen) == ["response", "resolution", "next_reply", "followup"]  # plan.metrics order
    assert list(chosen) == [m for m in plan.metrics if m in chosen]
    assert chosen["followup"].pausable is True  # FOLLOWUP says pausable: true
    assert chosen["next_reply"].pausable is False  # NEXT_REPLY does not
    assert gold.sla.plan_for(Ticket("T2", T0, "P1")).targets["P1"]["followup"].sla is None
    # a ticket's report lists its metrics in that order too
    report = evaluate(Ticket("T1", T0, "P1", attributes={"tier": "gold"}), gold, as_of=at(30))
    assert list(report.metrics) == ["response", "resolution", "next_reply", "followup"]


def test_a_pause_stops_a_pausable_defined_metric_whose_target_an_slas_entry_gives():
    entry = {"name": "vip", "when": GOLD, "targets": {"*": {"followup": "1h"}}}
    gold = service({"response": "2h"}, (entry,))
    events = (
        Event(at(10), "status", status="pending_customer"),
        Event(at(40), "status", status="open"),
    )
    status = evaluate(Ticket("T1", T0, "P1", events=events, attributes={"tier": "gold"}), gold, as_of=at(60))
    assert status["followup"].sla == "vip"
    assert status["followup"].elapsed == timedelta(minutes=30)  # 60 minutes less the 30 paused


RELATIVE_TODAY = {"due": "end_of_business_day", "days": 0, "calendar": "default"}


def test_a_relative_deadline_on_a_repeating_defined_metric_is_taken_from_each_run_start():
    gold = service({"followup": RELATIVE_TODAY})
    # Monday 09:00 created: the first run is due Monday 18:00 (9h); an agent reply at 11:00 ends it and starts
    # the next, due Monday 18:00 as well (7h); a reply at 19:00 (closed) starts one due Tuesday 18:00 (9h)
    early = ticket(Event(at(120), "reply", author="agent"))
    status = evaluate(early, gold, as_of=at(180))["followup"]
    assert (status.state, status.deadline, status.target) == (
        MetricState.RUNNING,
        datetime(2026, 3, 2, 18, tzinfo=UTC),
        timedelta(hours=7),
    )
    late = ticket(Event(at(600), "reply", author="agent"))  # 19:00: the first run was breached at 18:00
    status = evaluate(late, gold, as_of=at(660))["followup"]
    assert status.deadline == datetime(2026, 3, 3, 18, tzinfo=UTC)
    assert status.target == timedelta(hours=9)
    assert status.state is MetricState.BREACHED  # an earlier run went over its deadline
    assert [gap.overdue for gap in status.gaps] == [timedelta(0)]  # 18:00 to 19:00 counts no business time


def test_escalation_facts_of_a_relative_defined_metric_agree_with_the_report():
    from slakit.escalation import evaluate as escalate

    breached = {"fact": "sla.followup.state", "op": "eq", "value": "breached"}
    config = {
        "calendars": BUSINESS,
        "priorities": {"P1": {"name": "urgent", "rank": 1, "targets": {"followup": RELATIVE_TODAY}}},
        "metrics": {"followup": FOLLOWUP},
        "escalation": {"rules": [{"name": "late", "when": breached, "level": 0}]},
    }
    both = ServicePolicy.from_config(config)
    late = ticket(Event(at(600), "reply", author="agent"))
    fired = escalate(late, both, as_of=at(660)).fired
    assert [(e.rule, e.fired_at) for e in fired] == [("late", datetime(2026, 3, 2, 18, tzinfo=UTC))]


def test_a_report_with_defined_metrics_round_trips_through_json_and_validates():
    import json

    import jsonschema

    from slakit import schema
    from slakit.sla import SLAReport

    entry = {"name": "vip", "when": GOLD, "targets": {"*": {"followup": "4h"}}}
    gold = service({"response": "2h", "next_reply": "2h"}, (entry,))
    events = (
        customer(10),
        Event(at(20), "reply", author="agent"),
        Event(at(30), "extend", metric="next_reply", until=at(500), reason="waiting on a vendor"),
        customer(40),
    )
    report = evaluate(Ticket("T1", T0, "P1", events=events, attributes={"tier": "gold"}), gold, as_of=at(90))
    data = json.loads(json.dumps(report.to_dict()))
    jsonschema.validate(data, schema.report())
    assert set(data["metrics"]) == {"response", "next_reply", "followup"}
    assert data["targets"]["followup"]["sla"] == "vip"
    assert SLAReport.from_dict(data, gold) == report
    broken = {**data, "metrics": {**data["metrics"], "next reply": data["metrics"]["next_reply"]}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema.report())


def test_an_extend_event_naming_a_defined_metric_round_trips_through_json():
    import jsonschema

    from slakit import schema

    event = Event(at(1), "extend", metric="next_reply", until=at(100), reason="vendor", customer_agreed=True)
    data = event.to_dict()
    jsonschema.validate(data, schema.event())
    assert data["metric"] == "next_reply"
    assert Event.from_dict(data) == event
    with pytest.raises(InvalidTicketError, match="'metric'"):
        Event.from_dict({**data, "metric": "next reply"})
    whole = Ticket("T1", T0, "P1", events=(event,))
    assert Ticket.from_dict(whole.to_dict()) == whole
