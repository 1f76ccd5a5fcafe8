"""An ``slas`` entry's ``when``: compiled with the condition language, reading only the ticket's own fixed facts."""

from datetime import UTC, datetime

import pytest

from slakit.errors import ConfigError
from slakit.escalation.when import compile_when
from slakit.sla import Ticket

CREATED = datetime(2025, 9, 22, 10, tzinfo=UTC)


def test_a_when_reads_the_tickets_facts_with_the_priority_asked_about():
    when = compile_when(
        {
            "all": [
                {"fact": "ticket.priority", "op": "in", "value": ["P1", "P2"]},
                {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
                {"fact": "ticket.flags", "op": "contains", "value": "vip"},
            ]
        },
        "slas[0].when",
    )
    ticket = Ticket("T", CREATED, "P3", flags={"vip"}, attributes={"tier": "gold"})
    assert when.holds(ticket, "P1")
    assert not when.holds(ticket, "P3")
    assert when.why(ticket, "P2") == (
        "ticket.priority = P2 (in [P1, P2]) and ticket.attributes.tier = gold (eq gold) and "
        "ticket.flags = [vip] (contains vip)"
    )
    # equal keys, equal answers: the key is every fact read but the priority, with its type
    other = Ticket("U", CREATED, "P1", flags={"vip"}, attributes={"tier": "gold", "region": "eu"})
    assert when.key(ticket) == when.key(other)
    assert when.key(Ticket("V", CREATED, "P1", attributes={"tier": 1})) != when.key(
        Ticket("V", CREATED, "P1", attributes={"tier": True})
    )


@pytest.mark.parametrize("fact", ["ticket.complaints", "ticket.reopens", "sla.update.at_risk", "survey.overall"])
def test_a_when_refuses_facts_that_change_or_are_not_the_tickets_own(fact):
    value = True if fact.endswith("at_risk") else 1
    with pytest.raises(ConfigError) as raised:
        compile_when(
            {"any": [{"fact": "ticket.channel", "op": "eq", "value": "a"}, {"fact": fact, "op": "eq", "value": value}]},
            "slas[2].when",
        )
    assert str(raised.value).startswith(f"invalid policy: 'slas[2].when' reads {fact}, which a 'when' cannot")
    assert raised.value.path == "slas[2].when"
