"""The experimental durable-rules backend against the pure-Python reference (slakit.escalation.durable).

The crash-prone runs (the 100,000-snapshot parity run, making and deleting engines, threads) run in
a child process (tests/escalation/durable_check.py), so that a segfault fails a test instead of
killing pytest.
"""

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import presets
from slakit.errors import ConfigError
from slakit.escalation import EscalationRules, evaluate
from slakit.escalation.durable import MAX_ALTERNATIVES, DurableRules
from slakit.escalation.facts import facts_at
from slakit.sla import Event, MetricState, Ticket
from slakit.survey import SurveyScheme
from slakit.testing import strategies as sst
from tests.escalation.durable_check import EXAMPLE_RULES, LEVELS, mentioned, reference
from tests.optional import require_module

ROOT = Path(__file__).resolve().parents[2]
POLICY = presets.load("p1-p3")
RULES = EscalationRules.from_config({"levels": LEVELS, "rules": EXAMPLE_RULES})


@pytest.fixture(autouse=True)
def _durable_rules_installed():
    require_module("durable_rules_engine")


@pytest.fixture(scope="module")
def engine():
    require_module("durable_rules_engine")
    with DurableRules(RULES) as adapter:
        yield adapter


def check(*args: str, timeout: float = 300) -> dict:
    """Run a durable_check command in a child process; its JSON result."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.escalation.durable_check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if run.returncode < 0:
        pytest.fail(f"durable_check {' '.join(args)} was killed by signal {-run.returncode}: {run.stderr[-2000:]}")
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


# parity (child process)


def test_parity_with_the_reference_on_100000_snapshots_and_tickets():
    result = check("parity", "--snapshots", "100000", "--tickets", "600", "--seed", "8")
    assert result["mismatches"] == []
    assert result["snapshots"] == 100_000
    assert result["tickets"] >= 1000  # 600 tickets (fewer if hypothesis runs out) through two rule sets
    # the run is not vacuous: rules hold, and wrongly typed facts are met and refused
    assert result["rules_held"] > 100_000
    assert result["refused"] > 1000
    assert result["refused_where_reference_answered"] > 100


def test_engines_can_be_made_used_and_closed_many_times():
    result = check("churn", "--engines", "300")
    assert result["answers"] == [["resolution-overdue", "second-complaint"]]


def test_threads_posting_at_once_get_complete_and_correct_answers():
    result = check("threads", "--posts", "2000")
    assert result["wrong"] == []
    assert result["posts"] == [2000, 2000, 2000, 2000]


def test_durable_rules_identifies_property_names_by_a_32_bit_hash():
    # why the adapter picks its own property names and checks their hashes
    assert check("hashes") == {"colliding_names_share_a_property": True}


def test_the_core_never_imports_durable_rules():
    code = (
        "import sys, slakit, slakit.escalation, slakit.sla; "
        "assert not {'durable_rules_engine', 'durable', 'slakit.escalation.durable'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# the example rules, by hand


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, set()),
        ({"sla.resolution.state": MetricState.BREACHED}, {"resolution-overdue"}),
        ({"sla.resolution.state": "breached"}, {"resolution-overdue"}),  # a state's name is accepted
        ({"sla.resolution.overdue": timedelta(hours=4)}, {"resolution-overdue-4h"}),
        ({"sla.resolution.overdue": timedelta(hours=4) - timedelta(microseconds=1)}, set()),
        ({"ticket.complaints": 2}, {"second-complaint"}),
        ({"ticket.complaints": 1}, set()),
        ({"ticket.affected_customers": 10}, {"wide-impact"}),
        ({"ticket.affected_customers": 9, "ticket.flags": frozenset({"public_opinion_risk"})}, {"wide-impact"}),
        ({"ticket.affected_customers": 10, "ticket.flags": ["public_opinion_risk"]}, {"wide-impact"}),
        ({"ticket.flags": frozenset()}, set()),
        ({"ticket.priority": "P1", "sla.acknowledge.state": MetricState.BREACHED}, {"p1-not-acknowledged"}),
        ({"ticket.priority": "P2", "sla.acknowledge.state": MetricState.BREACHED}, set()),
        ({"ticket.priority": "P1", "sla.acknowledge.state": None}, set()),
        ({"sla.resolution.remaining": timedelta(hours=1)}, {"resolution-at-risk"}),
        ({"sla.resolution.remaining": -timedelta(hours=3)}, {"resolution-at-risk"}),
        ({"sla.resolution.remaining": timedelta(hours=1, microseconds=1)}, set()),
        ({"sla.resolution.remaining": None, "ticket.unrelated": object()}, set()),
    ],
)
def test_example_rules(engine, facts, expected):
    assert engine.matching(facts) == expected
    assert reference(RULES, facts) == expected


def test_not_holds_for_an_absent_fact_as_in_the_reference():
    conditions = {
        "not-p1": {"not": {"fact": "ticket.priority", "op": "eq", "value": "P1"}},
        "ne-p1": {"fact": "ticket.priority", "op": "ne", "value": "P1"},
        "not-in": {"not": {"fact": "ticket.category", "op": "in", "value": ["a"]}},
        "not-lt": {"not": {"fact": "survey.overall", "op": "lt", "value": 3}},
    }
    rules = EscalationRules.from_config(
        {"rules": [{"name": name, "when": when, "level": 0} for name, when in conditions.items()]}
    )
    all_there = {"ticket.priority": "P1", "ticket.category": "a", "survey.overall": 2}
    with DurableRules(rules) as adapter:
        for facts in ({}, all_there, {"survey.overall": 3}):
            assert adapter.matching(facts) == reference(rules, facts)
        assert adapter.matching({}) == {"not-p1", "not-in", "not-lt"}


def test_numbers_compare_exactly_whatever_their_python_type():
    rules = EscalationRules.from_config(
        {"rules": [{"name": "low", "when": {"fact": "survey.overall", "op": "le", "value": "0.1"}, "level": 0}]}
    )
    with DurableRules(rules) as adapter:
        # 0.1 as a float is slightly more than Decimal("0.1"): the reference says so, so must the adapter
        for value in (Decimal("0.1"), 0.1, Decimal("0.1") + Decimal("1e-27"), 0, Decimal("-Infinity")):
            assert adapter.matching({"survey.overall": value}) == reference(rules, {"survey.overall": value})
        assert adapter.matching({"survey.overall": 0.1}) == set()


# wrong types are refused, never answered silently


@pytest.mark.parametrize(
    ("fact", "value"),
    [
        ("ticket.complaints", "2"),  # the reference would say "not equal" or raise TypeError, by the op
        ("ticket.complaints", True),
        ("ticket.complaints", 2.0),
        ("ticket.priority", 1),
        ("ticket.flags", "public_opinion_risk"),  # the reference would test a substring
        ("ticket.flags", [1]),
        ("sla.resolution.state", "Breached"),
        ("sla.resolution.overdue", 14400),
        ("sla.resolution.remaining", "1h"),
    ],
)
def test_a_fact_of_the_wrong_type_is_a_config_error_naming_it(engine, fact, value):
    with pytest.raises(ConfigError, match=rf"'{re.escape(fact)}' must be .* or None \(got {re.escape(repr(value))}\)"):
        engine.matching({fact: value})


def test_nan_is_refused_as_a_fact_and_as_a_rule_value():
    # the rule model itself refuses NaN at load now, before any adapter sees it
    with pytest.raises(ConfigError, match="a finite number"):
        EscalationRules.from_config(
            {"rules": [{"name": "nan", "when": {"fact": "survey.overall", "op": "ge", "value": "NaN"}, "level": 0}]}
        )
    rules = EscalationRules.from_config(
        {"rules": [{"name": "low", "when": {"fact": "survey.overall", "op": "le", "value": 2}, "level": 0}]}
    )
    with DurableRules(rules) as adapter, pytest.raises(ConfigError, match=r"'survey\.overall' must be a number"):
        adapter.matching({"survey.overall": float("nan")})


# actions, limits and the engine's life


def test_an_exception_in_an_action_reaches_the_caller_and_the_engine_goes_on():
    calls = []

    def action(rule, facts):
        calls.append(rule)
        if rule == "second-complaint":
            raise LookupError("pager is down")

    with DurableRules(RULES, action=action) as adapter:
        with pytest.raises(LookupError, match="pager is down"):
            adapter.matching({"ticket.complaints": 3, "ticket.affected_customers": 50})
        assert calls == ["second-complaint"]  # in rule order; the ones after it do not run
        assert adapter.matching({"ticket.affected_customers": 50}) == {"wide-impact"}
        assert calls == ["second-complaint", "wide-impact"]


def test_an_action_runs_once_per_rule_and_may_ask_again():
    seen = []
    with DurableRules(RULES) as inner:

        def action(rule, facts):
            seen.append((rule, inner.matching({"ticket.complaints": facts["ticket.affected_customers"]})))

        with DurableRules(RULES, action=action) as adapter:
            # both branches of wide-impact's "any" hold: durable-rules fires it twice, the action runs once
            facts = {"ticket.affected_customers": 12, "ticket.flags": {"public_opinion_risk"}}
            assert adapter.matching(facts) == {"wide-impact"}
    assert seen == [("wide-impact", {"second-complaint"})]


def test_many_rules_are_split_over_several_rulesets():
    rules = EscalationRules.from_config(
        {
            "rules": [
                {"name": f"r{i}", "when": {"fact": "ticket.affected_customers", "op": "ge", "value": -i}, "level": 0}
                for i in range(150)
            ]
        }
    )
    with DurableRules(rules) as adapter:
        assert len(adapter._compiler.partitions) == 3
        assert adapter.matching({"ticket.affected_customers": 0}) == {f"r{i}" for i in range(150)}
        assert adapter.matching({"ticket.affected_customers": -100}) == {f"r{i}" for i in range(100, 150)}


def test_a_rule_too_complex_for_durable_rules_is_a_config_error():
    leaves = [{"fact": "ticket.complaints", "op": "eq", "value": i} for i in range(4)]
    when = {"all": [{"any": leaves}, {"any": leaves}, {"any": leaves}]}  # 4 * 4 * 4 alternatives
    rules = EscalationRules.from_config({"rules": [{"name": "big", "when": when, "level": 0}]})
    with pytest.raises(ConfigError, match=rf"'big': .* 64 alternatives .* at most {MAX_ALTERNATIVES}"):
        DurableRules(rules)


def test_a_closed_engine_refuses_work():
    adapter = DurableRules(RULES)
    adapter.close()
    adapter.close()
    with pytest.raises(RuntimeError, match="is closed"):
        adapter.matching({})


def test_without_durable_rules_the_error_says_what_to_install(monkeypatch):
    import importlib

    real = importlib.import_module

    def missing(name, *args):
        if name == "durable_rules_engine":
            raise ImportError("No module named 'durable_rules_engine'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(ImportError, match=r"pip install 'slakit\[durable\]'.*Python 3.13"):
        DurableRules(RULES)


# properties


def _values(kind, constants):
    """Values at, just around and away from the rules' constants, of the fact's own type."""
    if kind == "int":
        near = st.sampled_from(constants).flatmap(lambda c: st.integers(c - 1, c + 1))
        return st.one_of(near, st.integers(-3, 30))
    if kind == "duration":
        tick = st.sampled_from([timedelta(0), timedelta(microseconds=1), timedelta(seconds=1)])
        near = st.tuples(st.sampled_from(constants), tick, st.sampled_from([-1, 1])).map(lambda t: t[0] + t[2] * t[1])
        return st.one_of(near, sst.durations(), sst.durations().map(lambda d: -d))
    if kind == "state":
        return st.sampled_from(list(MetricState))
    if kind == "set":
        return st.frozensets(st.sampled_from(["public_opinion_risk", "vip", "风险", ""]))
    return st.sampled_from([*constants, "P2", "", "p1", "电话"])


FACTS = mentioned(RULES)
snapshots = st.fixed_dictionaries(
    {}, optional={fact: st.one_of(st.none(), _values(kind, consts)) for fact, (kind, consts) in FACTS.items()}
)


@given(snapshots)
def test_matching_equals_the_reference_on_any_snapshot(engine, facts):
    assert engine.matching(facts) == reference(RULES, facts)


@given(sst.tickets(POLICY, max_events=8), st.integers(0, 10 * 24 * 60).map(lambda m: timedelta(minutes=m)))
def test_matching_at_is_what_holds_at_that_instant_and_has_fired_by_then(engine, ticket, offset):
    as_of = ticket.created_at + offset
    held = engine.matching_at(ticket, POLICY, as_of=as_of)
    assert held == reference(RULES, facts_at(ticket, POLICY, as_of, None, None))
    assert held <= {item.rule for item in evaluate(ticket, POLICY, as_of=as_of, rules=RULES).fired}


def test_survey_facts_hold_as_in_evaluate():
    scheme = SurveyScheme.from_config({"dimensions": ["efficiency", "attitude"]})
    rules = EscalationRules.from_config(
        {"rules": [{"name": "unhappy", "when": {"fact": "survey.attitude", "op": "le", "value": 2}, "level": 0}]},
        survey_dimensions=frozenset(scheme.dimensions),
    )
    score = scheme.score({"efficiency": 5, "attitude": 2})
    created = datetime(2025, 9, 22, 9, 0, tzinfo=UTC)
    ticket = Ticket("T", created, "P2", events=(Event(created + timedelta(hours=5), "resolve"),))
    with DurableRules(rules) as adapter:
        for hours, survey_at in ((4, None), (5, None), (9, None), (5, created + timedelta(hours=6))):
            as_of = created + timedelta(hours=hours)
            held = adapter.matching_at(ticket, POLICY, as_of=as_of, survey=score, survey_at=survey_at)
            report = evaluate(ticket, POLICY, as_of=as_of, survey=score, survey_at=survey_at, rules=rules)
            assert held == {item.rule for item in report.fired} == ({"unhappy"} if survey_at is None else set())
        assert adapter.matching_at(ticket, POLICY, as_of=as_of) == set()  # no survey
