"""The crash-prone durable-rules checks, run as a child process so that a segfault fails a test
instead of killing pytest (tests/escalation/test_durable.py). Each command prints one JSON line.

    python -m tests.escalation.durable_check parity --snapshots 100000 --tickets 2000 --seed 1
    python -m tests.escalation.durable_check churn --engines 300
    python -m tests.escalation.durable_check threads --posts 2000
    python -m tests.escalation.durable_check hashes
    python -m tests.escalation.durable_check speed       # timings for docs/escalation.md, not a test
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from slakit import presets
from slakit.errors import ConfigError
from slakit.escalation import EscalationRules
from slakit.escalation.conditions import _OPS_BY_TYPE
from slakit.escalation.durable import DurableRules
from slakit.escalation.facts import facts_at
from slakit.sla import METRICS, MetricState, Ticket

POLICY = presets.load("p1-p3")
LEVELS = [{"level": 1, "role": "主管"}, {"level": 2, "role": "部门负责人"}, {"level": 3, "role": "管理层"}]
EXAMPLE_RULES = [  # the six rules
    {
        "name": "resolution-overdue",
        "when": {"fact": "sla.resolution.state", "op": "eq", "value": "breached"},
        "level": 1,
    },
    {
        "name": "resolution-overdue-4h",
        "when": {"fact": "sla.resolution.overdue", "op": "ge", "value": "4h"},
        "level": 2,
    },
    {"name": "second-complaint", "when": {"fact": "ticket.complaints", "op": "ge", "value": 2}, "level": 1},
    {
        "name": "wide-impact",
        "when": {
            "any": [
                {"fact": "ticket.affected_customers", "op": "ge", "value": 10},
                {"fact": "ticket.flags", "op": "contains", "value": "public_opinion_risk"},
            ]
        },
        "level": 2,
    },
    {
        "name": "p1-not-acknowledged",
        "when": {
            "all": [
                {"fact": "ticket.priority", "op": "eq", "value": "P1"},
                {"fact": "sla.acknowledge.state", "op": "eq", "value": "breached"},
            ]
        },
        "level": 2,
    },
    {"name": "resolution-at-risk", "when": {"fact": "sla.resolution.remaining", "op": "le", "value": "1h"}, "level": 0},
]
TEXT_FACTS = ("ticket.priority", "ticket.category", "ticket.channel", "ticket.product", "ticket.customer")
INT_FACTS = ("ticket.affected_customers", "ticket.complaints", "ticket.reopens")
SURVEY_FACTS = ("survey.overall", "survey.响应速度", "survey.attitude")
# constants the rules compare with, chosen to collide in durable-rules if sent as they are
TEXTS = ["P1", "P2", "P3", "", "10", "1.0", "true", "null", "电话", "é", "e\u0301", 'a"b', "\\", "🔥", "p1", "k32728"]
SUBSTRINGS = ["P", "1", "话", "🔥", "", "e", "k261234"]
FLAGS = ["public_opinion_risk", "vip", "", "风险", "k32728"]
INTS = [-1, 0, 1, 2, 9, 10, 11, 2**40]
NUMBERS = ["0", "0.5", "0.9", "1", "1.5", "3.67", "4", "0.1", "-2", "1e-9"]
DURATIONS = ["0s", "1s", "30m", "1h", "4h", "1d", "PT2H30M"]
OPS = _OPS_BY_TYPE  # generate every operator the rule model allows for each fact type


def _facts_by_kind() -> dict[str, list[str]]:
    sla = {field: [f"sla.{metric}.{field}" for metric in METRICS] for field in ("elapsed", "remaining", "overdue")}
    return {
        "text": list(TEXT_FACTS),
        "int": list(INT_FACTS),
        "number": [*SURVEY_FACTS, *(f"sla.{m}.elapsed_ratio" for m in METRICS)],
        "duration": [fact for facts in sla.values() for fact in facts],
        "bool": [f"sla.{m}.at_risk" for m in METRICS],
        "state": [f"sla.{m}.state" for m in METRICS],
        "set": ["ticket.flags"],
    }


FACTS_BY_KIND = _facts_by_kind()


def _constant(rng: random.Random, kind: str, fact: str, op: str) -> Any:
    if kind == "text":
        return rng.choice(SUBSTRINGS if op == "contains" else TEXTS)
    if kind == "int":
        return rng.choice(INTS)
    if kind == "number":
        return rng.choice(NUMBERS)
    if kind == "duration":
        value = rng.choice(DURATIONS)
        return f"-{value}" if fact.endswith(".remaining") and rng.random() < 0.3 else value
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "state":
        return rng.choice([state.value for state in MetricState])
    return rng.choice(FLAGS)


def _random_condition(rng: random.Random, depth: int) -> dict[str, Any]:
    if depth > 0 and rng.random() < 0.45:
        mode = rng.choice(["all", "any", "not"])
        if mode == "not":
            return {"not": _random_condition(rng, depth - 1)}
        return {mode: [_random_condition(rng, depth - 1) for _ in range(rng.randint(1, 3))]}
    kind = rng.choice(list(FACTS_BY_KIND))
    fact = rng.choice(FACTS_BY_KIND[kind])
    op = rng.choice(OPS[kind])
    if op == "in":
        return {"fact": fact, "op": op, "value": [_constant(rng, kind, fact, op) for _ in range(rng.randint(1, 3))]}
    return {"fact": fact, "op": op, "value": _constant(rng, kind, fact, op)}


def coverage_rules() -> list[dict[str, Any]]:
    """Every fact type with every operator it takes, plus not/any/all nesting."""
    rng = random.Random(0)
    rules = []
    for kind, facts in FACTS_BY_KIND.items():
        for op in OPS[kind]:
            for fact in facts[:2]:
                condition = _random_condition(rng, 0) | {"fact": fact, "op": op}
                condition["value"] = (
                    [_constant(rng, kind, fact, op), _constant(rng, kind, fact, op)]
                    if op == "in"
                    else _constant(rng, kind, fact, op)
                )
                rules.append({"name": f"{fact} {op}", "when": condition, "level": 0})
                rules.append({"name": f"not {fact} {op}", "when": {"not": condition}, "level": 0})
    return rules


def rule_sets(seed: int, count: int) -> list[EscalationRules]:
    """The issue's six rules, the coverage rules, and ``count`` random sets of nested rules."""
    rng = random.Random(seed)
    configs = [EXAMPLE_RULES, EXAMPLE_RULES + coverage_rules()]
    for _ in range(count):
        configs.append(
            [
                {"name": f"规则-{i}", "when": _random_condition(rng, 3), "level": rng.randint(0, 3)}
                for i in range(rng.randint(1, 12))
            ]
        )
    return [EscalationRules.from_config({"levels": LEVELS, "rules": rules}) for rules in configs]


def mentioned(rules: EscalationRules) -> dict[str, tuple[str, list[Any]]]:
    """fact -> (kind, the constants the rules compare it with)."""
    out: dict[str, tuple[str, list[Any]]] = {}
    for rule in rules.rules:
        for leaf in rule.condition.leaves():
            values = list(leaf.value) if isinstance(leaf.value, frozenset) else [leaf.value]
            out.setdefault(leaf.fact, (leaf.kind, []))[1].extend(values)
    return out


def _near(rng: random.Random, kind: str, constant: Any) -> Any:
    """A value at, just below or just above ``constant``, or somewhere else."""
    step = rng.choice([-1, 0, 0, 1, None])
    if kind == "int":
        return rng.randint(-5, 20) if step is None else constant + step
    if kind == "duration":
        if step is None:
            return timedelta(seconds=rng.randint(-86_400, 5 * 86_400), microseconds=rng.randint(0, 999_999))
        return constant + step * rng.choice([timedelta(microseconds=1), timedelta(seconds=1)])
    if kind == "number":
        if step is None:
            return Decimal(rng.randint(-300, 500)) / 100
        candidates = [constant + step * Decimal("1e-25"), constant + step * Decimal("0.01"), float(constant)]
        value = rng.choice(candidates)
        return int(value) if rng.random() < 0.1 and value == int(value) else value
    if kind == "text":
        return rng.choice(
            [constant, constant + "x", "x" + constant, constant.upper(), constant.lower(), "", "P1 ", "电话客服"]
        )
    if kind == "state":
        state = rng.choice(list(MetricState))
        return state.value if rng.random() < 0.2 else state
    if kind == "bool":
        return rng.random() < 0.5
    flags = {flag for flag in [*FLAGS, "公众舆情", "other"] if rng.random() < 0.3}
    return rng.choice([frozenset(flags), sorted(flags), tuple(flags), frozenset()])


_WRONG = {  # values of another type, as careless exports have them
    "text": [10, 1.5, True, b"P1", ["P1"]],
    "int": ["10", "2", 2.0, True, Decimal(10), "1h"],
    "number": ["4", "0.9", True, float("nan"), Decimal("NaN"), timedelta(hours=1)],
    "duration": [3600, "1h", 1.5, "PT1H"],
    "bool": [1, 0, "true", "yes"],
    "state": ["Breached", "overdue", 1, True],
    "set": ["public_opinion_risk", [1, 2], 5, {"vip": 1}],
}


def snapshots(rng: random.Random, rules: EscalationRules, count: int) -> Iterator[tuple[dict[str, Any], bool]]:
    """``count`` fact snapshots for ``rules`` and whether one of their facts has the wrong type."""
    facts = mentioned(rules)
    for _ in range(count):
        snapshot: dict[str, Any] = {}
        for fact, (kind, constants) in facts.items():
            roll = rng.random()
            if roll < 0.08:
                snapshot[fact] = None
            elif roll >= 0.04 + 0.08:
                snapshot[fact] = _near(rng, kind, rng.choice(constants))
        wrong = bool(facts) and rng.random() < 0.05
        if wrong:
            fact = rng.choice(sorted(facts))
            snapshot[fact] = rng.choice(_WRONG[facts[fact][0]])
        if rng.random() < 0.1:
            snapshot["ticket.unrelated"] = object()  # facts the rules do not name are ignored
        yield snapshot, wrong


def reference(rules: EscalationRules, facts: Mapping[str, Any]) -> frozenset[str] | str:
    """The pure-Python answer, or the name of the exception it raises."""
    try:
        return frozenset(rule.name for rule in rules.rules if rule.condition.holds(facts))
    except (TypeError, ArithmeticError) as exc:
        return type(exc).__name__


def adapter(call: Callable[[], frozenset[str]]) -> frozenset[str] | str:
    """The adapter's answer, or "ConfigError" when it refuses a fact."""
    try:
        return call()
    except ConfigError:
        return "ConfigError"


def tickets(count: int) -> list[tuple[Ticket, timedelta]]:
    """``count`` varied tickets (slakit.testing strategies, derandomised) with an offset for as_of."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from slakit.testing import strategies as sst

    out: list[tuple[Ticket, timedelta]] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        sst.tickets(POLICY, max_events=8),
        st.integers(0, 10 * 24 * 60).map(lambda m: timedelta(minutes=m)),
        st.sampled_from([None, 1, 9, 10, 11, "12"]),
        st.sampled_from([frozenset(), frozenset({"public_opinion_risk"}), frozenset({"风险", "vip"})]),
        st.sampled_from([None, "电话", "k32728", "P1"]),
    )
    def collect(ticket: Ticket, offset: timedelta, affected: Any, flags: frozenset[str], customer: Any) -> None:
        changed = replace(ticket, flags=flags, customer=customer)
        if affected is not None:
            changed = replace(changed, affected_customers=affected)
        out.append((changed, offset))

    collect()
    return out


def parity(snapshot_count: int, ticket_count: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    sets = rule_sets(seed, 30)
    stats = {"snapshots": 0, "tickets": 0, "rule_sets": len(sets), "refused": 0, "reference_raised": 0}
    stats |= {"refused_where_reference_answered": 0, "rules_held": 0, "mismatches": []}
    per_set = snapshot_count // len(sets)
    for i, rules in enumerate(sets):
        count = per_set + (snapshot_count - per_set * len(sets) if i == 0 else 0)
        with DurableRules(rules) as engine:
            for facts, wrong in snapshots(rng, rules, count):
                expected = reference(rules, facts)
                got = adapter(lambda facts=facts: engine.matching(facts))
                _record(stats, f"set {i}: {facts!r}", expected, got, wrong)
    ticket_list = tickets(ticket_count)
    for rules in sets[:2]:
        with DurableRules(rules) as engine:
            for ticket, offset in ticket_list:
                as_of = ticket.created_at + offset
                expected = reference(rules, facts_at(ticket, POLICY, as_of, None, None))
                got = adapter(lambda t=ticket, a=as_of: engine.matching_at(t, POLICY, as_of=a))
                wrong = not isinstance(ticket.affected_customers, int)
                _record(stats, f"ticket {ticket!r} at {as_of}", expected, got, wrong, kind="tickets")
    return stats


def _record(stats: dict[str, Any], what: str, expected: Any, got: Any, wrong: bool, *, kind: str = "snapshots") -> None:
    stats[kind] += 1
    stats["refused"] += got == "ConfigError"
    stats["reference_raised"] += isinstance(expected, str)
    if wrong:
        ok = got == "ConfigError"  # never a silent answer on a wrongly typed fact
        stats["refused_where_reference_answered"] += ok and not isinstance(expected, str)
    else:
        ok = got == expected and not isinstance(expected, str)
        stats["rules_held"] += len(got) if isinstance(got, frozenset) else 0
    if not ok and len(stats["mismatches"]) < 5:
        stats["mismatches"].append(f"{what}: reference {_show(expected)}, durable {_show(got)}")


def _show(answer: frozenset[str] | str) -> object:
    return sorted(answer) if isinstance(answer, frozenset) else answer


def churn(engines: int) -> dict[str, Any]:
    """Make, use and close many engines; some never used, some left open."""
    rules = rule_sets(0, 0)[0]
    answers = set()
    kept = []
    for i in range(engines):
        engine = DurableRules(rules)
        if i % 3:
            answers.add(engine.matching({"ticket.complaints": 2, "sla.resolution.state": MetricState.BREACHED}))
        if i % 5 == 0:
            kept.append(engine)
        else:
            engine.close()
            engine.close()
    for engine in kept:
        answers.add(engine.matching({"ticket.complaints": 2, "sla.resolution.state": "breached"}))
        engine.close()
    return {"engines": engines, "answers": sorted(sorted(answer) for answer in answers)}


def threads(posts: int) -> dict[str, Any]:
    """Two threads post to one engine, two more to an engine each; every answer must be right."""
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    rules = rule_sets(0, 0)[0]
    shared = DurableRules(rules)
    own = [DurableRules(rules), DurableRules(rules)]
    wrong: list[str] = []
    counts = [0, 0, 0, 0]

    def worker(n: int, engine: DurableRules) -> None:
        for i in range(posts):
            facts = {"ticket.complaints": (i + n) % 4, "ticket.affected_customers": i % 13, "ticket.flags": ()}
            expected = reference(rules, facts)
            got = engine.matching(facts)
            counts[n] += 1
            if got != expected:
                wrong.append(f"thread {n} post {i}: {sorted(got)} != {expected}")

    workers = [threading.Thread(target=worker, args=(n, e)) for n, e in enumerate([shared, shared, *own])]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    for engine in (shared, *own):
        engine.close()
    return {"posts": counts, "wrong": wrong[:5], "wrong_count": len(wrong)}


def hashes() -> dict[str, Any]:
    """durable-rules identifies property names by 32-bit FNV-1a: two names with one hash are one property."""
    from slakit.escalation.durable import _fnv1a32, _import_durable

    engine = _import_durable()
    assert _fnv1a32("k32728") == _fnv1a32("k261234")
    rules = {"r": {"all": [{"m": {"k32728": 1}}]}, "any": {"all": [{"m": {"on": 1}}]}}
    handle = engine.create_ruleset("slakit-hash-check", json.dumps(rules))
    _code, state = engine.assert_fact(handle, json.dumps({"id": 1, "sid": "0", "on": 1, "k261234": 1}))
    fired = []
    pending = (engine.start_action_for_state(handle, state) or (None, None))[1]
    while pending:
        fired.append(next(iter(json.loads(pending))))
        pending = engine.complete_and_start_action(handle, state)
    engine.delete_ruleset(handle)
    return {"colliding_names_share_a_property": "r" in fired}


def speed(repeat: int = 5, count: int = 20_000) -> dict[str, Any]:
    """Snapshots per second (medians of ``repeat`` runs) through the reference, the adapter, and the
    same compiled rules through durable-rules' own Python layer (``durable.engine.Ruleset``, actions
    as Python functions), which the adapter bypasses."""
    from durable import engine as python_layer

    rules = rule_sets(0, 0)[0]
    facts = [f for f, wrong in snapshots(random.Random(1), rules, count) if not wrong]
    adapter = DurableRules(rules)
    compiler = adapter._compiler
    definition = json.loads(compiler.definition(compiler.partitions[0]))
    for rule in definition.values():
        rule["run"] = lambda closure: None
    ruleset = python_layer.Ruleset("slakit-speed", None, definition)

    def through_python_layer(item: Mapping[str, Any], fact_id: int) -> None:
        message = json.loads(compiler.message(fact_id, compiler.encode(item)))
        ruleset.do_actions(ruleset.assert_fact(message), lambda error, state: None)
        ruleset.do_actions(ruleset.retract_fact(message), lambda error, state: None)

    timings: dict[str, list[float]] = {"reference": [], "adapter": [], "python_layer": []}
    ids = iter(range(1, 10**9))
    for _ in range(repeat):
        start = time.perf_counter()
        for item in facts:
            reference(rules, item)
        timings["reference"].append(len(facts) / (time.perf_counter() - start))
        start = time.perf_counter()
        for item in facts:
            adapter.matching(item)
        timings["adapter"].append(len(facts) / (time.perf_counter() - start))
        start = time.perf_counter()
        for item in facts:
            through_python_layer(item, next(ids))
        timings["python_layer"].append(len(facts) / (time.perf_counter() - start))
    medians = {name: round(statistics.median(values)) for name, values in timings.items()}
    ratios = {name: round(medians["reference"] / value, 1) for name, value in medians.items() if name != "reference"}
    return {"snapshots_per_second": medians, "reference_is_faster_by": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["parity", "churn", "threads", "hashes", "speed"])
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", type=int, default=300)
    parser.add_argument("--posts", type=int, default=2_000)
    args = parser.parse_args()
    if args.command == "parity":
        result = parity(args.snapshots, args.tickets, args.seed)
    elif args.command == "churn":
        result = churn(args.engines)
    elif args.command == "threads":
        result = threads(args.posts)
    elif args.command == "hashes":
        result = hashes()
    else:
        result = speed()
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
