"""The batch with metrics defined by events: full tickets (JSONL) measure them, flat rows do not (as ``update``),
and the report counts them by name."""

from __future__ import annotations

import dataclasses
import json
import pickle
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from slakit import ServicePolicy
from slakit.batch import InputTicket, evaluate_many, run, summarize
from slakit.sla import BUILT_IN, Event, Ticket

SH = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2025, 9, 2, 18, tzinfo=SH)
CONFIG = {
    "calendars": {"default": {"timezone": "Asia/Shanghai", "hours": {"mon-sun": ["00:00-24:00"]}}},
    "priorities": {"P1": {"name": "紧急", "rank": 1, "targets": {"response": "2h", "next_reply": "1h"}}},
    "metrics": {
        "next_reply": {
            "start": [{"event": "reply", "author": "customer"}],
            "stop": [{"event": "reply", "author": "agent", "public": True}],
            "repeat": True,
        }
    },
}
POLICY = ServicePolicy.from_config(CONFIG)


def _ticket(ticket_id: str, late: bool) -> Ticket:
    created = datetime(2025, 9, 1, 9, tzinfo=SH)
    answer = timedelta(hours=3 if late else 1, minutes=30)
    events = (
        Event(created + timedelta(minutes=10), "reply", author="agent"),
        Event(created + timedelta(hours=1), "reply", author="customer"),
        Event(created + answer, "reply", author="agent"),
    )
    return Ticket(ticket_id, created, "P1", events=events)


def test_full_tickets_measure_a_defined_metric_and_the_summary_counts_it() -> None:
    results = list(evaluate_many([_ticket("A", late=False), _ticket("B", late=True)], POLICY, as_of=AS_OF))
    assert [r.sla["next_reply"].state.value for r in results if r.sla is not None] == ["met", "breached"]
    figures = summarize(results, policy=POLICY).to_dict()["overall"]
    compliance = figures["sla"]["P1"]["next_reply"]
    assert (compliance["met"], compliance["breached"], compliance["compliance"]) == (1, 1, 0.5)
    assert list(figures["sla_overall"]) == ["response", "next_reply"]  # the policy's order


def test_flat_rows_do_not_measure_a_defined_metric() -> None:
    base = _ticket("A", late=True)
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Ticket)}
    flat = InputTicket(**values, line=3, measured=frozenset({"response", "resolution"}))
    (result,) = evaluate_many([flat], POLICY, as_of=AS_OF)
    assert result.sla is not None
    assert set(result.sla) == {"response"}  # next_reply is not measured, as update is not


def test_flat_rows_measure_a_built_in_restated_but_not_one_redefined() -> None:
    base = _ticket("A", late=True)
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Ticket)}
    flat = InputTicket(**values, line=3, measured=frozenset({"response", "resolution"}))
    restated = ServicePolicy.from_config(
        {**CONFIG, "metrics": {**CONFIG["metrics"], "response": BUILT_IN["response"].to_config()}}
    )
    (result,) = evaluate_many([flat], restated, as_of=AS_OF)
    assert result.sla is not None
    assert set(result.sla) == {"response"}
    redefined = {"start": ["created"], "stop": ["assign"]}
    other = ServicePolicy.from_config({**CONFIG, "metrics": {**CONFIG["metrics"], "response": redefined}})
    (result,) = evaluate_many([flat], other, as_of=AS_OF)
    assert result.sla is not None
    assert set(result.sla) == set()


def test_a_jsonl_run_writes_the_defined_metric_per_ticket_and_in_the_report(tmp_path: Path) -> None:
    source = tmp_path / "tickets.jsonl"
    lines = [json.dumps(_ticket(name, late=name == "B").to_dict(), ensure_ascii=False) for name in "AB"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = run(source, POLICY, as_of=AS_OF, out_dir=tmp_path / "out", formats=("json", "md"))
    assert outcome.breached_tickets == 1
    first = json.loads((tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()[1])
    assert first["sla"]["next_reply"]["state"] == "breached"
    report = json.loads(next((tmp_path / "out").glob("*.json")).read_text(encoding="utf-8"))
    assert "next_reply" in json.dumps(report)
    markdown = next((tmp_path / "out").glob("*.md")).read_text(encoding="utf-8")
    assert "| P1 紧急 | next\\_reply | 1 | 1 | 0 |" in markdown  # labelled by its name (escaped)


def test_a_policy_with_defined_metrics_goes_to_worker_processes() -> None:
    assert pickle.loads(pickle.dumps(POLICY)).sla.definitions == POLICY.sla.definitions  # noqa: S301 -- our own bytes
    tickets = [_ticket(f"T{i}", late=i % 2 == 0) for i in range(6)]
    one = list(evaluate_many(tickets, POLICY, as_of=AS_OF))
    two = list(evaluate_many(tickets, POLICY, as_of=AS_OF, jobs=2))
    assert [r.sla for r in one] == [r.sla for r in two]


def test_flat_rows_do_not_measure_a_redefined_metric_an_slas_entry_gives() -> None:
    # regression: the slas entries' targets were kept for every metric the row's columns name, so a
    # redefined response (not measurable from a flat row's columns) was measured from an slas entry
    config = {
        **CONFIG,
        "metrics": {**CONFIG["metrics"], "response": {"start": ["created"], "stop": ["assign"]}},
        "slas": [
            {
                "name": "gold",
                "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
                "targets": {"*": {"response": "1h", "resolution": "8h"}},
            }
        ],
    }
    policy = ServicePolicy.from_config(config)
    base = dataclasses.replace(_ticket("A", late=True), attributes={"tier": "gold"})
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Ticket)}
    flat = InputTicket(**values, line=3, measured=frozenset({"response", "resolution"}))
    (result,) = evaluate_many([flat], policy, as_of=AS_OF)
    assert result.sla is not None
    assert set(result.sla) == {"resolution"}
    assert result.sla["resolution"].sla == "gold"
