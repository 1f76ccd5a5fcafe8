"""Value objects and policies pickle, so hosts can hand them to worker processes (batch jobs, Dask)."""

import pickle
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakit import presets
from slakit.calendar import BusinessCalendar
from slakit.escalation import evaluate as escalate
from slakit.sla import Event, Ticket, evaluate

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 9, 30, 17, tzinfo=SH)


def roundtrip(value):
    return pickle.loads(pickle.dumps(value))  # noqa: S301 -- our own bytes


@pytest.mark.parametrize("name", ["p1-p3", "four-level", "severity"])
def test_a_policy_pickles_and_answers_the_same(name):
    policy = presets.load(name)
    policy.sla.default_calendar.add(START, timedelta(hours=2))  # a grown table and a lock inside must not matter
    copy = roundtrip(policy)
    assert copy.config == policy.config
    assert copy.sla.default_calendar.add(START, timedelta(hours=2)) == datetime(2025, 10, 9, 10, tzinfo=SH)
    assert copy.classifier.classify("设备无法启动") == policy.classifier.classify("设备无法启动")
    assert copy.matrix.priority_for("high", "low") == policy.matrix.priority_for("high", "low")
    answers = dict.fromkeys(policy.survey.dimensions, 4)
    assert copy.survey.score(answers) == policy.survey.score(answers)
    assert copy.escalation == policy.escalation
    assert copy.sla.plan == policy.sla.plan


def test_calendar_survey_score_and_reports_pickle():
    calendar = BusinessCalendar.always_open("UTC")
    assert roundtrip(calendar).add(START, timedelta(hours=1)) == START + timedelta(hours=1)
    policy = presets.load("p1-p3")
    score = policy.survey.score({"solved": 5, "speed": 4, "attitude": 2}, meta={"agent": "王"})
    assert roundtrip(score) == score
    ticket = Ticket("T1", START, "P1", events=(Event(START + timedelta(hours=20), "reply", author="agent"),))
    as_of = START + timedelta(days=10)
    report = evaluate(ticket, policy, as_of=as_of)
    assert roundtrip(report).explain() == report.explain()
    escalations = escalate(ticket, policy, as_of=as_of)
    assert roundtrip(escalations) == escalations
