"""The ``when`` of an ``slas`` entry: a condition of the escalation language on the ticket's own facts.

:class:`slakit.ServicePolicy` compiles each entry's ``when`` with :func:`compile_when` and hands it to
:class:`slakit.sla.Policy`, which asks it (through :meth:`slakit.sla.Policy.plan_for`) whether the entry
applies to a ticket at a priority. A ``when`` sees only facts fixed when the ticket is created:
``ticket.priority`` (the priority whose targets are being chosen, so a priority change chooses again),
``ticket.category``, ``channel``, ``product``, ``customer``, ``affected_customers``, ``flags`` and
``ticket.attributes.<name>``. ``ticket.complaints`` and ``ticket.reopens`` change during a ticket's life
and ``sla.*`` and ``survey.*`` are not the ticket's own: each is refused when the policy is built.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from slakit._config import check_nesting
from slakit.errors import ConfigError
from slakit.escalation.conditions import Condition, Leaf, parse_condition
from slakit.escalation.facts import ticket_fact
from slakit.sla import Ticket

__all__ = ["CHANGING_FACTS", "TicketWhen", "compile_when"]

CHANGING_FACTS = ("ticket.complaints", "ticket.reopens")
"""Ticket facts that change during a ticket's life, which a ``when`` may not read."""


@dataclass(frozen=True, slots=True)
class TicketWhen:
    """A compiled ``when``: ``condition`` and the ticket facts it reads (``names``, after ``ticket.``, but the
    priority)."""

    condition: Condition | Leaf
    names: tuple[str, ...]

    def key(self, ticket: Ticket) -> Hashable:
        """The facts read, each with its type (an attribute ``1`` and ``true`` compare differently)."""
        values = []
        for name in self.names:
            value = ticket_fact(ticket, name)
            values.append((value, type(value)))
        return tuple(values)

    def facts(self, ticket: Ticket, priority: str) -> dict[str, Any]:
        """The facts the condition reads, with ``ticket.priority`` set to ``priority``."""
        found: dict[str, Any] = {f"ticket.{name}": ticket_fact(ticket, name) for name in self.names}
        found["ticket.priority"] = priority
        return found

    def holds(self, ticket: Ticket, priority: str) -> bool:
        """Whether the condition holds for ``ticket`` at ``priority``."""
        return self.condition.holds(self.facts(ticket, priority))

    def why(self, ticket: Ticket, priority: str) -> str:
        """The facts that make the condition hold, in words."""
        return self.condition.describe(self.facts(ticket, priority))


def compile_when(data: Mapping[str, Any], path: str) -> TicketWhen:
    """Compile the ``when`` found at ``path`` (``slas[0].when``); a :class:`ConfigError` names the path of any
    problem (an unknown fact, operator or value, or a fact a ``when`` cannot read)."""
    check_nesting(data, field=path)
    try:
        condition = parse_condition(data, path=path, rule="", survey_dimensions=frozenset())
    except ConfigError as exc:
        raise ConfigError(f"invalid policy: {exc}", path=exc.path) from None
    names: dict[str, None] = {}
    for leaf in condition.leaves():
        fact = leaf.fact
        if not fact.startswith("ticket.") or fact in CHANGING_FACTS:
            raise ConfigError(
                f"invalid policy: {path!r} reads {fact}, which a 'when' cannot: it sees only the ticket's own facts "
                "fixed at creation (ticket.priority, category, channel, product, customer, affected_customers, "
                "flags and ticket.attributes.<name>), never complaints, reopens, sla.* or survey.*",
                path=path,
            )
        if fact != "ticket.priority":
            names[fact.removeprefix("ticket.")] = None
    return TicketWhen(condition, tuple(names))
