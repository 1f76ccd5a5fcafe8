"""JSON forms: every to_dict() is JSON, validates against its published schema, and reads back equal."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import ConfigError, presets, schema
from slakit.escalation import EscalationReport, evaluate_with_sla
from slakit.sla import Event, MetricState, MetricStatus, SLAReport, Ticket
from slakit.survey import SurveyScheme, SurveyScore
from slakit.testing import strategies as sst
from tests.escalation.rule_strategies import rule_sets
from tests.escalation.test_engine import RULES

SH = ZoneInfo("Asia/Shanghai")
PRESET = presets.load("p1-p3")
VALIDATORS = {name: jsonschema.Draft202012Validator(make()) for name, make in schema.SCHEMAS.items()}


def valid(name, data):
    VALIDATORS[name].validate(data)
    return data


def roundtrip(data):
    """What a reader gets: the data through json.dumps and json.loads."""
    return json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False))


def test_every_schema_is_a_valid_draft_2020_12_schema():
    for name, make in schema.SCHEMAS.items():
        jsonschema.Draft202012Validator.check_schema(make())
        assert make() == make(), name
        assert make() is not make(), name  # a fresh copy each time


def breached_ticket():
    created = datetime(2025, 9, 26, 17, 30, 0, 250_000, tzinfo=SH)
    return Ticket(
        "T-1",
        created,
        "P1",
        affected_customers=12,
        flags=frozenset({"vip"}),
        events=(
            Event(created + timedelta(minutes=5), "reply", author="customer"),
            Event(created + timedelta(hours=1), "status", status="pending_customer"),
            Event(created + timedelta(hours=2), "status", status="open"),
            Event(created + timedelta(hours=3), "extend", metric="resolution", until=created + timedelta(days=1)),
            Event(created + timedelta(days=3), "complaint"),
        ),
    )


def test_a_report_reads_back_equal_with_its_instants_and_durations_exact():
    sla, escalations = evaluate_with_sla(breached_ticket(), PRESET, as_of=datetime(2025, 10, 9, 10, 0, 0, 1, tzinfo=SH))
    data = valid("report", roundtrip(sla.to_dict()))
    assert data["as_of"] == "2025-10-09T10:00:00.000001+08:00"
    status = data["metrics"]["resolution"]
    assert status["state"] == "breached"
    assert status["target"] == {"seconds": 86400.0, "text": "24h"}  # moved by the agreed extension
    assert data["targets"]["resolution"] == {
        "within": status["target"],
        "clock": "default",
        "pausable": True,
        "days": None,
        "sla": None,
        "why": None,
    }
    back = SLAReport.from_dict(data)
    assert back == sla
    assert back.targets == {}  # no policy given: the statuses keep the clock's name
    with_policy = SLAReport.from_dict(data, PRESET)
    assert with_policy.targets["resolution"].clock is PRESET.sla.calendars["default"]
    assert with_policy.to_dict() == data
    assert MetricStatus.from_dict(status) == sla["resolution"]
    fired = valid("escalation-report", roundtrip(escalations.to_dict()))
    assert EscalationReport.from_dict(fired) == escalations
    assert EscalationReport.from_dict(fired).fired[0].visible_at == escalations.fired[0].visible_at


def test_a_calendar_time_target_names_24x7_and_an_unknown_calendar_is_refused():
    policy = presets.load("p1-p3")
    config = presets.config("p1-p3")
    config["priorities"]["P1"]["targets"]["response"] = {"within": "30m", "clock": "calendar"}
    policy = type(PRESET).from_config(config)
    report = evaluate_with_sla(breached_ticket(), policy, as_of=datetime(2025, 10, 1, tzinfo=SH))[0]
    data = report.to_dict()
    assert data["targets"]["response"]["clock"] == data["metrics"]["response"]["clock"] == "24x7"
    assert SLAReport.from_dict(data, policy).to_dict() == data
    data["targets"]["resolution"]["clock"] = "weekend-team"
    with pytest.raises(ConfigError, match="weekend-team"):
        SLAReport.from_dict(data, policy)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(as_of="2025-10-09T10:00:00"), "as_of"),  # naive
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d["metrics"]["resolution"].update(state="late"), "state"),
        (lambda d: d["metrics"]["resolution"].update(cycle="0"), "cycle"),  # no type is converted
        (lambda d: d["metrics"]["resolution"]["elapsed"].update(seconds=1.0), "elapsed.seconds"),
        (lambda d: d["metrics"]["resolution"]["elapsed"].update(text="abc"), "elapsed.text"),
    ],
)
def test_malformed_report_data_is_refused_naming_the_field(change, where):
    sla, _ = evaluate_with_sla(breached_ticket(), PRESET, as_of=datetime(2025, 10, 9, 10, tzinfo=SH))
    data = roundtrip(sla.to_dict())
    change(data)
    with pytest.raises(ValueError, match=where):
        SLAReport.from_dict(data)


@pytest.mark.parametrize(
    "delta",
    [timedelta(0), timedelta(hours=1, minutes=30), -timedelta(microseconds=1), timedelta.max, timedelta.min],
)
def test_durations_read_back_exactly_at_any_length(delta):
    status = MetricStatus("response", delta, MetricState.RUNNING, None, delta, delta, False, None, None, None, "24x7")
    data = roundtrip(status.to_dict())
    assert MetricStatus.from_dict(data).target == delta
    assert data["target"]["seconds"] == (delta // timedelta(microseconds=1)) / 1_000_000


@given(st.integers(-(10**15) + 1, 10**15 - 1))
def test_seconds_alone_give_the_microseconds_below_a_billion_seconds(us):
    """A reader that takes only ``seconds`` (a JSON number) still gets every microsecond back."""
    seconds = json.loads(json.dumps(us / 1_000_000))
    assert round(Decimal(repr(seconds)) * 1_000_000) == us


@st.composite
def evaluated(draw):
    policy = draw(st.one_of(st.just(PRESET), sst.policies()))
    rules = draw(st.one_of(st.just(RULES), rule_sets()))
    ticket = draw(sst.tickets(policy))
    as_of = ticket.created_at + draw(st.integers(0, 30 * 24 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us)))
    sla, escalations = evaluate_with_sla(ticket, type(PRESET)(policy.config, policy.sla, rules), as_of=as_of)
    return policy, ticket, sla, escalations


@settings(max_examples=60, deadline=None)
@given(evaluated())
def test_every_report_ticket_and_escalation_is_json_that_validates_and_reads_back(case):
    policy, ticket, sla, escalations = case
    data = valid("report", roundtrip(sla.to_dict()))
    assert SLAReport.from_dict(data) == sla
    assert SLAReport.from_dict(data, policy).to_dict() == data
    for status in sla.values():
        assert MetricStatus.from_dict(valid("metric-status", roundtrip(status.to_dict()))) == status
    data = valid("escalation-report", roundtrip(escalations.to_dict()))
    assert EscalationReport.from_dict(data) == escalations
    assert [item.visible_at for item in EscalationReport.from_dict(data).fired] == [
        item.visible_at for item in escalations.fired
    ]
    data = valid("ticket", roundtrip(ticket.to_dict()))
    assert Ticket.from_dict(data).to_dict() == data
    if not _names_a_wall_time_a_dst_change_skips_or_repeats(ticket):
        assert Ticket.from_dict(data) == ticket
    for event in ticket.events:
        back = Event.from_dict(valid("event", roundtrip(event.to_dict())))
        assert back.at_us == event.at_us
        assert back.to_dict() == event.to_dict()


def _names_a_wall_time_a_dst_change_skips_or_repeats(ticket: Ticket) -> bool:
    """Whether a datetime of ``ticket`` is a wall time a DST change skips or repeats (2025-03-30 02:00 in
    Berlin, 2025-11-02 01:00 in New York): those whose offset depends on ``fold``.

    Python compares such a datetime unequal to every datetime of another zone (PEP 495), so one read
    back from its ISO text (a fixed offset) is the same instant but not ``==``: docs/sla.md says so.
    """
    stamps = [ticket.created_at, *(e.at for e in ticket.events), *(e.until for e in ticket.events if e.until)]
    return any(t.replace(fold=1 - t.fold).utcoffset() != t.utcoffset() for t in stamps)


@st.composite
def scores(draw):
    whole = draw(st.booleans())
    scheme = SurveyScheme.from_config(
        {
            "scale": [1, 5] if whole else [0, 1],
            "whole_numbers": whole,
            "dimensions": {"a": {"label": "A", "weight": 2}, "b": {"label": "B", "weight": 1}},
            "follow_up_below": draw(st.sampled_from([None, 3 if whole else "0.5"])),
            "allow_partial": True,
        }
    )
    meta = draw(st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), st.text(max_size=5))))
    return scheme.score(draw(sst.survey_responses(scheme)), meta=meta)


@given(scores())
def test_every_survey_score_is_json_that_validates_and_reads_back_exactly(score):
    data = valid("survey-score", roundtrip(score.to_dict()))
    assert isinstance(data["overall"], str)
    back = SurveyScore.from_dict(data)
    assert back == score
    assert dict(back.answers) == dict(score.answers)
    assert all(type(back.answers[k]) is type(v) for k, v in score.answers.items())


def test_a_survey_scores_meta_dates_become_iso_strings_and_other_objects_are_refused():
    scheme = SurveyScheme.from_config({"scale": [1, 5], "dimensions": {"a": {"label": "A"}}})
    at = datetime(2025, 10, 9, 10, tzinfo=SH)
    score = scheme.score({"a": 4}, meta={"resolved_at": at, "tags": ("x", "y"), "cost": Decimal("1.50")})
    data = valid("survey-score", score.to_dict())
    assert data["meta"] == {"resolved_at": "2025-10-09T10:00:00+08:00", "tags": ["x", "y"], "cost": "1.50"}
    with pytest.raises(ConfigError, match=r"meta\.agent"):
        scheme.score({"a": 4}, meta={"agent": object()}).to_dict()
    with pytest.raises(ConfigError, match="finite"):
        scheme.score({"a": 4}, meta={"x": float("nan")}).to_dict()


json_data = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(evaluated(), st.data())
def test_event_ids_and_meta_change_no_figure_and_travel_with_the_event(case, data):
    """Issue #15, item 5: the same ticket with its events given ids and meta evaluates to the same figures,
    and every event in the reports' JSON carries its id and meta back."""
    policy, ticket, sla, _ = case
    span = (sla.as_of - ticket.created_at) // timedelta(minutes=1)
    at = ticket.created_at + timedelta(minutes=data.draw(st.integers(0, span)))
    until = at + timedelta(hours=data.draw(st.integers(-5, 200)))
    metric = data.draw(st.sampled_from(["response", "acknowledge", "update", "resolution"]))
    extend = Event(at, "extend", metric=metric, until=until, customer_agreed=data.draw(st.booleans()))
    ticket = ticket.with_events([extend])
    sla = evaluate_with_sla(ticket, policy, as_of=sla.as_of)[0]
    named = Ticket.from_dict(
        ticket.to_dict()
        | {
            "events": [
                event.to_dict() | {"id": f"E{i}", "meta": data.draw(st.dictionaries(st.text(max_size=5), json_data))}
                for i, event in enumerate(ticket.events)
            ]
        }
    )
    again = valid("ticket", roundtrip(named.to_dict()))
    assert Ticket.from_dict(again) == named
    report = evaluate_with_sla(named, policy, as_of=sla.as_of)[0]
    assert report.keys() == sla.keys()
    for metric, status in report.items():
        plain = sla[metric]
        assert (status.state, status.deadline, status.elapsed, status.breached_at) == (
            plain.state,
            plain.deadline,
            plain.elapsed,
            plain.breached_at,
        )
    events = {event.id: event for event in named.events}
    shown = valid("report", roundtrip(report.to_dict()))
    for item in [*shown["ignored_extensions"], *(x for s in shown["metrics"].values() for x in s["extensions"])]:
        assert Event.from_dict(item["event"]) == events[item["event"]["id"]]
    assert SLAReport.from_dict(shown) == report


def test_a_wall_time_a_dst_change_repeats_reads_back_as_the_same_instant_and_json() -> None:
    """Regression (found by hypothesis in CI): 2025-11-02 01:00 in New York is in the repeated hour."""
    at = datetime(2025, 11, 2, 1, 0, tzinfo=ZoneInfo("America/New_York"))
    ticket = Ticket("T1", at, "P1", events=(Event(at, "note"),))
    back = Ticket.from_dict(json.loads(json.dumps(ticket.to_dict())))
    assert _names_a_wall_time_a_dst_change_skips_or_repeats(ticket)
    assert back.to_dict() == ticket.to_dict()
    assert [e.at_us for e in back.events] == [e.at_us for e in ticket.events]
