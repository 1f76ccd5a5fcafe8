"""Metrics defined by events: the ``metrics:`` section of a policy, and the built-ins written in it.

A metric is a clock that a *start* event begins and a *stop* event completes (docs/sla.md, "Metrics defined
by events")::

    metrics:
      next_reply:
        start: [{event: reply, author: customer}]
        stop: [{event: reply, author: agent, public: true}]
        repeat: true

A matcher is an event type (``created``, ``assign``, ... ``reopen``) or a mapping ``{event: TYPE, <field>:
value}`` over the fields that type of event has. :data:`BUILT_IN` holds ``response``, ``acknowledge`` and
``update`` written in this language; ``resolution`` keeps its own rules and cannot be redefined. Which instants
a definition's clock runs over is decided in one place, :class:`slakit.sla.timeline.Instances`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict

from slakit.errors import ConfigError, shown
from slakit.sla.ticket import Event

__all__ = [
    "BUILT_IN",
    "MATCHER_EVENTS",
    "Matcher",
    "MetricConfig",
    "MetricDefinition",
    "compile_metrics",
]

MATCHER_EVENTS: tuple[str, ...] = (
    "created",
    "assign",
    "acknowledge",
    "reply",
    "note",
    "status",
    "priority",
    "extend",
    "complaint",
    "resolve",
    "close",
    "reopen",
)
"""What a matcher may name: the ticket's creation and every type of event."""

# the fields a matcher may test, per type of event, with the kind of value each holds
_FIELDS: Mapping[str, Mapping[str, type]] = {
    "reply": {"author": str, "public": bool},
    "note": {"public": bool},
    "status": {"status": str},
    "assign": {"assignee": str},
    "priority": {"priority": str},
    "extend": {"metric": str, "reason": str, "customer_agreed": bool},
}
_AUTHORS = ("agent", "customer")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Matcher:
    """One matcher: an event type and the values some of its fields must have."""

    event: str
    fields: tuple[tuple[str, str | bool], ...] = ()

    def matches(self, event: Event) -> bool:
        """Whether ``event`` is of this type with these field values."""
        if event.type != self.event:
            return False
        return all(getattr(event, name) == value for name, value in self.fields)

    def to_config(self) -> str | dict[str, str | bool]:
        """The matcher as a policy file writes it."""
        return self.event if not self.fields else {"event": self.event, **dict(self.fields)}


@dataclass(frozen=True, slots=True)
class MetricDefinition:
    """A metric defined by events (``name``, ``start`` and ``stop`` matchers, ``repeat``, ``pausable``,
    ``resume``); see the module's documentation and docs/sla.md.

    ``starts_at_creation`` says ``created`` is among the starts; ``start`` and ``stop`` hold the other matchers.
    """

    name: str
    start: tuple[Matcher, ...]
    stop: tuple[Matcher, ...]
    repeat: bool = False
    pausable: bool = False
    resume: bool = False

    @property
    def starts_at_creation(self) -> bool:
        """Whether the ticket's creation starts the clock."""
        return any(m.event == "created" for m in self.start)

    def to_config(self) -> dict[str, Any]:
        """The definition as a policy file writes it."""
        return {
            "start": [m.to_config() for m in self.start],
            "stop": [m.to_config() for m in self.stop],
            "repeat": self.repeat,
            "pausable": self.pausable,
            "resume": self.resume,
        }


class MetricConfig(BaseModel):
    """One entry of ``metrics:`` as written; :func:`compile_metrics` checks its matchers, naming the path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: list[Any]
    stop: list[Any]
    repeat: bool = False
    pausable: bool = False
    resume: bool = False


def _matcher(item: Any, path: str) -> Matcher:
    """The matcher ``item`` at ``path`` (``metrics.next_reply.start[0]``), or a ConfigError naming the path."""
    if isinstance(item, str):
        event, given = item, {}
        where = path
    elif isinstance(item, Mapping):
        given = dict(item)
        if "event" not in given:
            raise ConfigError(
                f"{path!r} must name its event type as 'event' (got {shown(item)})",
                path=path,
                expected="a mapping with 'event'",
            )
        event = given.pop("event")
        where = f"{path}.event"
    else:
        raise ConfigError.for_value(path, item, "an event type or a mapping {event: TYPE, <field>: value}")
    if not isinstance(event, str) or event not in MATCHER_EVENTS:
        raise ConfigError.for_value(where, event, f"one of {', '.join(MATCHER_EVENTS)}")
    allowed = _FIELDS.get(event, {})
    fields: list[tuple[str, str | bool]] = []
    for name, value in given.items():
        field_path = f"{path}.{name}"
        kind = allowed.get(name) if isinstance(name, str) else None
        if kind is None:
            expected = f"one of {', '.join(allowed)}" if allowed else "none: a matcher of this type tests no field"
            raise ConfigError(f"{field_path!r} is not a field of a {event} event (fields: {expected})", path=field_path)
        if kind is bool and not isinstance(value, bool):
            raise ConfigError.for_value(field_path, value, "true or false")
        if kind is str and not isinstance(value, str):
            raise ConfigError.for_value(field_path, value, "a string")
        if name == "author" and value not in _AUTHORS:
            raise ConfigError.for_value(field_path, value, "one of agent, customer")
        fields.append((name, value))
    return Matcher(event, tuple(sorted(fields)))


def _matchers(items: list[Any], path: str) -> tuple[Matcher, ...]:
    found: list[Matcher] = []
    for i, item in enumerate(items):
        matcher = _matcher(item, f"{path}[{i}]")
        if matcher not in found:
            found.append(matcher)
    return tuple(found)


def compile_metrics(section: Mapping[str, MetricConfig]) -> Mapping[str, MetricDefinition]:
    """The definitions of a ``metrics:`` section, checked (names, matchers), in the order given."""
    found: dict[str, MetricDefinition] = {}
    for name, config in section.items():
        path = f"metrics.{name}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError.for_value(
                path, name, "a name of letters, digits and underscores that starts with a letter"
            )
        if name == "resolution":
            raise ConfigError(
                f"{path!r} cannot be defined: resolution keeps its own rules (a resolve completes it, a reopen "
                "resumes or restarts it); define a metric of another name",
                path=path,
                expected="a name other than resolution",
            )
        start = _matchers(config.start, f"{path}.start")
        if not start:
            raise ConfigError.for_value(f"{path}.start", config.start, "at least one matcher")
        stop = _matchers(config.stop, f"{path}.stop")
        if any(m.event == "created" for m in stop):
            raise ConfigError(
                f"'{path}.stop' cannot hold created: the ticket's creation starts clocks, it never stops one",
                path=f"{path}.stop",
            )
        found[name] = MetricDefinition(name, start, stop, config.repeat, config.pausable, config.resume)
    return found  # a plain dict: a policy holding it is pickled to worker processes


_AGENT_PUBLIC_REPLY = Matcher("reply", (("author", "agent"), ("public", True)))
_AGENT_REPLY = Matcher("reply", (("author", "agent"),))
BUILT_IN: Mapping[str, MetricDefinition] = MappingProxyType(
    {
        "response": MetricDefinition("response", (Matcher("created"),), (_AGENT_PUBLIC_REPLY,)),
        "acknowledge": MetricDefinition("acknowledge", (Matcher("assign"),), (Matcher("acknowledge"),)),
        "update": MetricDefinition(
            "update",
            (Matcher("created"), _AGENT_REPLY, Matcher("note")),
            (_AGENT_REPLY, Matcher("note")),
            repeat=True,
            pausable=True,
            resume=True,
        ),
    }
)
"""The built-in metrics but ``resolution``, written in the language: what ``metrics:`` restating one gives."""
