"""evaluate_many: input order, every item once, rejections with lines, and the same results on two processes."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slakit import presets
from slakit.batch import InputTicket, Rejected, TicketResult, evaluate_many, read, summarize
from slakit.batch.facts import Context, TicketFacts
from slakit.errors import ConfigError
from slakit.escalation import EscalationRules
from slakit.sla import Event, Ticket
from tests.batch.exports import AS_OF, export_text

SH = ZoneInfo("Asia/Shanghai")
POLICY = presets.load("p1-p3")


def _ticket(ticket_id: str, priority: str = "P1", **extra: object) -> Ticket:
    created = datetime(2025, 9, 1, 9, tzinfo=SH)
    events = (Event(created + timedelta(hours=1), "reply", author="agent"), Event(created + timedelta(hours=3), "note"))
    return Ticket(ticket_id, created, priority, events=events, **extra)  # type: ignore[arg-type]


def test_order_lines_and_rejections() -> None:
    items: list[Ticket | Rejected] = [
        _ticket("A"),
        Rejected(7, "B", "bad row", "invalid row"),
        _ticket("C", "P9"),
        _ticket("D", "紧急"),  # a priority's name stands for its code
    ]
    results = list(evaluate_many(items, POLICY, as_of=AS_OF))
    assert [(r.line, r.ticket_id, r.ok) for r in results] == [
        (1, "A", True),
        (7, "B", False),
        (3, "C", False),
        (4, "D", True),
    ]
    assert results[1].rejected == "bad row"
    assert results[2].rejected is not None
    assert results[2].rejected.startswith("'priority' must be one of P1, P2, P3 (got 'P9'): a code or a name (紧急, ")
    assert results[2].rejection is not None
    assert results[2].rejection.kind == "unknown priority"
    assert results[3].sla is not None
    assert results[3].sla.priority == "P1"
    report = results[0].sla
    assert report is not None
    assert set(report) == {"response", "acknowledge", "update", "resolution"}  # a full ticket measures update


def test_flat_tickets_do_not_measure_update() -> None:
    base = _ticket("A")
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Ticket)}
    flat = InputTicket(**values, line=12, measured=frozenset({"response", "resolution"}))
    (result,) = evaluate_many([flat], POLICY, as_of=AS_OF)
    assert result.line == 12
    assert result.sla is not None
    assert set(result.sla) == {"response", "resolution"}


def test_surveys_are_scored_and_bad_answers_rejected() -> None:
    base = _ticket("A")
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Ticket)}
    good = InputTicket(**values, line=2, survey={"speed": "5", "solved": "4", "attitude": "2"})
    bad = InputTicket(**values, line=3, survey={"speed": "9", "solved": "4", "attitude": "2"})
    again = InputTicket(**values, line=4, survey={"speed": "9", "solved": "4", "attitude": "2"})
    first, second, third = evaluate_many([good, bad, again], POLICY, as_of=AS_OF)
    assert first.survey is not None
    assert str(first.survey.overall) == "3.67"
    assert first.survey.needs_follow_up
    assert first.escalations is not None
    assert "low-satisfaction" in [item.rule for item in first.escalations.fired]
    assert second.rejected is not None
    assert "'speed' must be a whole number from 1 to 5" in second.rejected
    assert third.rejected == second.rejected  # remembered answers give the same rejection


def test_without_rules_or_scheme() -> None:
    policy = dataclasses.replace(POLICY, escalation=EscalationRules({}, ()), survey=None)
    base = _ticket("A")
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(Ticket)}
    ticket = InputTicket(**values, survey={"speed": "5"})
    (result,) = evaluate_many([ticket], policy, as_of=AS_OF)
    assert result.ok
    assert (result.escalations, result.survey) == (None, None)


def test_arguments_are_checked_at_once() -> None:
    with pytest.raises(ConfigError, match="'jobs' must be a whole number"):
        evaluate_many([], POLICY, as_of=AS_OF, jobs=0)
    with pytest.raises(ValueError, match="'as_of' must be an aware datetime"):
        evaluate_many([], POLICY, as_of=datetime(2025, 9, 1))


def test_two_processes_give_the_same_results(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(export_text(), encoding="utf-8")
    items = list(read(path)) * 3
    one = list(evaluate_many(items, POLICY, as_of=AS_OF))
    two = list(evaluate_many(items, POLICY, as_of=AS_OF, jobs=2, chunk_size=4))
    assert len(one) == len(two) == len(items)
    assert one == two
    assert all(isinstance(r, TicketResult) and r.policy is POLICY for r in two if r.ok)
    assert [r.sla.explain() for r in one if r.sla] == [r.sla.explain() for r in two if r.sla]


def test_pinned_two_assignments_at_one_instant_give_the_same_agent_in_either_order() -> None:
    """Pinned: the `agent` group key is the last assignee; events at one instant are taken by type, then content
    (docs/sla.md), so of two assignments at 09:10 the last is 'wang' ('li' sorts first), whatever the input order."""
    created = datetime(2025, 9, 1, 9, tzinfo=SH)
    both = [Event(created + timedelta(minutes=10), "assign", assignee=name) for name in ("li", "wang")]
    tickets = [Ticket(f"A{i}", created, "P1", events=tuple(events)) for i, events in enumerate((both, both[::-1]))]
    results = list(evaluate_many(tickets, POLICY, as_of=AS_OF))
    context = Context.of(POLICY)
    assert [TicketFacts.from_result(result, context).agent for result in results] == ["wang", "wang"]
    groups = summarize(results, by=("agent",)).groups
    assert [(group.key["agent"], group.figures.tickets) for group in groups] == [("wang", 2)]
    first, second = (result.sla for result in results)
    assert first is not None
    assert second is not None
    assert first["acknowledge"].started_at == second["acknowledge"].started_at == created + timedelta(minutes=10)
