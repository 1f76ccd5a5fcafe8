"""Escalation on metrics defined by events (``metrics:``): facts ``sla.<metric>.*``, checked at build, and the
evaluator against its two witnesses (the reference evaluator and the SLA report at every instant)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slakit import ServicePolicy
from slakit.calendar import Rulers
from slakit.errors import ConfigError
from slakit.escalation import evaluate
from slakit.escalation.firing import FactsOverTime
from slakit.instants import to_us
from slakit.sla import BUILT_IN, Event, MetricState, Ticket, build_timeline
from slakit.sla import evaluate as evaluate_sla
from slakit.testing import strategies as sst
from tests.escalation.fact_check import assert_every_fact_is_the_reports
from tests.escalation.reference import evaluate_reference
from tests.escalation.rule_strategies import rule_sets

MATCHERS = [
    "created",
    "assign",
    "acknowledge",
    "note",
    "reopen",
    "resolve",
    "status",
    {"event": "reply", "author": "customer"},
    {"event": "reply", "author": "agent"},
    {"event": "reply", "author": "agent", "public": True},
    {"event": "reply", "public": False},
    {"event": "status", "status": "on_hold"},
]
NAMES = ("next_reply", "followup", "update")


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    """A random metric definition; sometimes a built-in restated."""
    if draw(st.integers(0, 4)) == 0:
        return BUILT_IN[draw(st.sampled_from(sorted(BUILT_IN)))].to_config()
    return {
        "start": draw(st.lists(st.sampled_from(MATCHERS), min_size=1, max_size=3)),
        "stop": draw(st.lists(st.sampled_from([m for m in MATCHERS if m != "created"]), max_size=3)),
        "repeat": draw(st.booleans()),
        "pausable": draw(st.booleans()),
        "resume": draw(st.booleans()),
    }


@st.composite
def defined_policies(draw: st.DrawFn) -> ServicePolicy:
    """A random policy with one to three metrics defined by events, each with targets."""
    config = draw(sst.policy_configs())
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    config["metrics"] = {name: draw(definitions()) for name in names}
    for priority in config["priorities"].values():
        for name in names:
            if draw(st.integers(0, 3)):
                within = f"{draw(st.integers(0, 30))}h{draw(st.sampled_from([0, 30]))}m"
                clock = draw(st.sampled_from(["business", "calendar"]))
                priority["targets"][name] = {"within": within, "clock": clock}
    return ServicePolicy.from_config(config)


@st.composite
def cases(draw: st.DrawFn) -> tuple[ServicePolicy, Ticket, datetime]:
    policy = draw(defined_policies())
    ticket = draw(sst.tickets(policy, max_events=10, consistent=draw(st.booleans())))
    last = max([ticket.created_at, *(e.at for e in ticket.events)])
    seconds = draw(st.integers(-3600, int((last - ticket.created_at).total_seconds()) + 3 * 86400))
    nudge = draw(st.sampled_from([0, 0, 1, 999_999]))
    return policy, ticket, ticket.created_at + timedelta(seconds=seconds, microseconds=nudge)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_same_report_as_the_reference_on_rules_over_defined_metrics(data):
    policy, ticket, as_of = data.draw(cases())
    names = tuple(dict.fromkeys([*policy.sla.definitions, "resolution"]))
    rules = data.draw(rule_sets(metrics=names))
    expected = evaluate_reference(ticket, policy, as_of=as_of, rules=rules)
    assert evaluate(ticket, policy, as_of=as_of, rules=rules) == expected


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(cases(), st.lists(st.integers(0, 20 * 86_400 * 10**6), max_size=4))
def test_every_fact_of_a_defined_metric_is_what_the_sla_report_says(case, offsets):
    policy, ticket, as_of = case
    plan = policy.sla.plan
    line = build_timeline(ticket, to_us(as_of), plan.pause_statuses, plan.definitions, restart=plan.restart)
    assert_every_fact_is_the_reports(policy, ticket, as_of, line, offsets, plan.metrics)


POLICY = {
    "calendars": {"default": {"timezone": "UTC", "hours": {"mon-sun": ["00:00-24:00"]}}},
    "priorities": {"P1": {"name": "P1", "rank": 1, "targets": {"next_reply": "1h"}}},
    "metrics": {
        "next_reply": {
            "start": [{"event": "reply", "author": "customer"}],
            "stop": [{"event": "reply", "author": "agent", "public": True}],
            "repeat": True,
        }
    },
}


def test_a_rule_on_a_defined_metric_fires_when_its_run_goes_over_target():
    rules = {"rules": [{"name": "late", "when": {"fact": "sla.next_reply.overdue", "op": "ge", "value": "30m"},
                        "level": 0}]}  # fmt: skip
    policy = ServicePolicy.from_config({**POLICY, "escalation": rules})
    created = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ticket = Ticket("T", created, "P1", events=(Event(created + timedelta(hours=1), "reply", author="customer"),))
    report = evaluate(ticket, policy, as_of=created + timedelta(hours=4))
    assert [item.fired_at for item in report.fired] == [created + timedelta(hours=2, minutes=30)]
    assert evaluate_sla(ticket, policy, as_of=created + timedelta(hours=4))["next_reply"].state is MetricState.BREACHED


def test_a_fact_of_a_metric_the_policy_does_not_define_is_refused_at_build():
    rules = {"rules": [{"name": "r", "when": {"fact": "sla.next_reply.state", "op": "eq", "value": "breached"},
                        "level": 0}]}  # fmt: skip
    config = {**POLICY, "metrics": {}, "escalation": rules}
    config["priorities"] = {"P1": {"name": "P1", "rank": 1, "targets": {"response": "1h"}}}
    with pytest.raises(ConfigError, match=r"escalation.*rules\[0\]\.when\.fact"):
        ServicePolicy.from_config(config)


def test_the_facts_of_a_defined_metric_ignore_events_after_as_of_even_at_creation():
    """Found by the every-fact property: evaluated before the ticket's creation, an event at the creation
    instant has not happened yet, so the facts at creation must not count it (the phases measured the ticket
    with every event up to the instant asked)."""
    stop_at_reopen = {"start": ["created"], "stop": ["reopen"], "repeat": True}
    config = {**POLICY, "metrics": {"next_reply": stop_at_reopen}}
    policy = ServicePolicy.from_config(config)
    created = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ticket = Ticket("T", created, "P1", events=(Event(created, "reopen"),))
    as_of = created - timedelta(minutes=5)
    plan = policy.sla.plan
    line = build_timeline(ticket, to_us(as_of), plan.pause_statuses, plan.definitions, restart=plan.restart)
    facts = FactsOverTime(ticket, line, policy.sla, Rulers(), None, None)
    assert facts.fact("sla.next_reply.state", to_us(created)) is MetricState.RUNNING
    assert evaluate_sla(replace(ticket, events=()), policy, as_of=created)["next_reply"].state is MetricState.RUNNING
