"""Experimental: the escalation rule model compiled to durable-rules (``pip install 'slakit[durable]'``).

The pure-Python evaluator (:func:`slakit.escalation.evaluate`, :meth:`Condition.holds`) is the
default and the reference; this adapter is for hosts that already run durable-rules. durable-rules
2.0.28 is an unmaintained C extension, and the adapter works around its faults (docs/escalation.md,
"durable-rules backend"):

- it identifies property names, fact ids and state ids by 32-bit hashes, and compares values of
  different JSON types (``"5" == 5``, ``1 < "b"``). So no ticket value reaches it: each fact is
  type-checked, then sent as a small integer, its rank among the constants the rules compare it
  with (``contains`` and ``in`` as 1 or 0; an absent fact as -1). Property and rule names are
  chosen so that their hashes differ, and every assertion carries a fresh fact id.
- it keeps every fact until it is retracted and shares state between ids whose hashes collide, so
  the adapter asserts one snapshot, collects the rules that fired, and retracts it, on one state.
- it drops firings when two threads post, and its ``Host`` runs background threads: the adapter
  drives the C engine itself (no Host, no threads) behind one process-wide lock.
- its Python layer swallows exceptions raised by actions; the adapter only notes which rules'
  actions the engine starts, and calls the host's ``action`` itself once the snapshot is retracted,
  so what it raises reaches the caller.
- it raises when a fact matches no rule, so each ruleset has a catch-all rule; it follows at most
  64 matching paths per fact, so the rules are split over several rulesets when they need more.

durable-rules is imported only when a :class:`DurableRules` is made; nothing else in slakit imports
this module.
"""

from __future__ import annotations

import importlib
import itertools
import json
import math
import threading
import uuid
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import ModuleType, TracebackType
from typing import Any

from slakit.errors import ConfigError
from slakit.escalation.conditions import Condition, Leaf
from slakit.escalation.engine import HoldsRules
from slakit.escalation.facts import facts_at
from slakit.escalation.rules import EscalationRules
from slakit.instants import require_aware
from slakit.sla import MetricState, Policy, Ticket
from slakit.survey import SurveyScore

__all__ = ["DURABLE_VERSION", "MAX_ALTERNATIVES", "MAX_PROPERTIES", "Action", "DurableRules"]

Action = Callable[[str, Mapping[str, Any]], None]
"""Called for each rule that holds on a snapshot: ``action(rule_name, facts)``."""

DURABLE_VERSION = "2.0.28"
"""The durable-rules release the adapter is written against (it drives the C engine directly)."""
MAX_PROPERTIES = 200
"""Distinct facts plus ``contains``/``in`` tests one rule set may use: durable-rules refuses a fact
with more than about 250 properties (error 302)."""
MAX_ALTERNATIVES = 56
"""Alternatives (``$or`` paths) per ruleset: durable-rules follows the matching paths of a fact on a
stack of 64 (error 303), one of them the catch-all rule's."""
_SID = "slakit"
_ALWAYS = "on"  # a property every asserted fact has, for the catch-all rule
_RESERVED = ("id", "sid", "$s", "$i", "m", "all", "any", "run", _ALWAYS)
_ABSENT = -1
_EXPECTED = {
    "text": "text",
    "int": "a whole number",
    "number": "a number (int, Decimal or a float other than NaN)",
    "duration": "a timedelta",
    "bool": "true or false",
    "state": f"a metric state ({', '.join(state.value for state in MetricState)})",
    "set": "a collection (frozenset, set, tuple or list) of text",
}
_STATES = frozenset(state.value for state in MetricState)
# Every call into the C engine, for every adapter: the engine is not thread-safe.
_LOCK = threading.Lock()


def _fnv1a32(name: str) -> int:
    """The hash durable-rules identifies property names and ids by (FNV-1a over signed chars)."""
    value = 0x811C9DC5
    for byte in name.encode():
        value = ((value ^ (byte | 0xFFFFFF00 if byte >= 0x80 else byte)) * 0x01000193) & 0xFFFFFFFF
    return value


def _unique_names(prefix: str, count: int, taken: set[int]) -> list[str]:
    """``count`` names ``prefix0``, ``prefix1``, ... skipping any whose hash is already taken."""
    names: list[str] = []
    for i in itertools.count():
        if len(names) == count:
            break
        name = f"{prefix}{i}"
        if _fnv1a32(name) not in taken:
            taken.add(_fnv1a32(name))
            names.append(name)
    return names


def _import_durable() -> ModuleType:
    """durable-rules' C engine, or an ImportError that says how to get it."""
    try:
        module = importlib.import_module("durable_rules_engine")
    except ImportError as exc:
        raise ImportError(
            "slakit.escalation.durable needs durable-rules "
            f"{DURABLE_VERSION}: pip install 'slakit[durable]' (it builds from source with a C compiler "
            f"and does not import on Python 3.13 or later); the import failed with: {exc}"
        ) from exc
    try:
        from importlib.metadata import PackageNotFoundError, version

        installed = version("durable-rules")
    except PackageNotFoundError:
        installed = DURABLE_VERSION  # vendored: trust it
    if installed != DURABLE_VERSION:
        raise ImportError(
            f"slakit.escalation.durable is written against durable-rules {DURABLE_VERSION} "
            f"(got {installed}): pip install 'slakit[durable]'"
        )
    return module


def _check(fact: str, kind: str, value: Any) -> Any:
    """``value`` (a state name as a MetricState) if it is of ``fact``'s type; ConfigError otherwise."""
    if value is None:
        return None
    if kind == "text":
        ok = isinstance(value, str)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "number":
        ok = (
            isinstance(value, int | float | Decimal)
            and not isinstance(value, bool)
            and not (isinstance(value, Decimal) and value.is_nan())
            and not (isinstance(value, float) and math.isnan(value))
        )
    elif kind == "duration":
        ok = isinstance(value, timedelta)
    elif kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "state":
        ok = isinstance(value, str) and value in _STATES
        if ok and not isinstance(value, MetricState):
            value = MetricState(value)
    else:  # set
        ok = isinstance(value, frozenset | set | tuple | list) and all(isinstance(item, str) for item in value)
    if not ok:
        raise ConfigError.for_value(fact, value, f"{_EXPECTED[kind]} or None")
    return value


@dataclass(frozen=True, slots=True)
class _Scalar:
    """A fact compared with ``eq ne lt le gt ge``, sent as its rank among ``constants``:
    ``2i+1`` when equal to ``constants[i]``, ``2i`` when between ``constants[i-1]`` and ``constants[i]``."""

    fact: str
    kind: str
    prop: str
    constants: tuple[Any, ...]

    def code(self, value: Any) -> int:
        i = bisect_left(self.constants, value)
        return 2 * i + 1 if i < len(self.constants) and self.constants[i] == value else 2 * i

    def constant_code(self, constant: Any) -> int:
        return 2 * bisect_left(self.constants, constant) + 1


@dataclass(frozen=True, slots=True)
class _Flag:
    """``fact contains value`` (a substring of text, a member of a set) or ``fact in value``, sent as 1 or 0."""

    fact: str
    kind: str
    prop: str
    op: str
    value: Any

    def code(self, value: Any) -> int:
        return int(self.value in value) if self.op == "contains" else int(value in self.value)


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One rule as a durable-rules pattern, and how many alternatives durable-rules expands it to."""

    key: str
    name: str
    pattern: dict[str, Any]
    alternatives: int


class _Compiler:
    """Turns the rules into durable-rules ruleset definitions and the encoder for their facts."""

    def __init__(self, rules: EscalationRules) -> None:
        scalar: dict[str, tuple[str, set[Any]]] = {}
        flags: dict[tuple[str, str, Any], str] = {}
        for rule in rules.rules:
            for leaf, path in _leaves(rule.condition, f"rules[{rule.index}].when"):
                _refuse_nan(rule.name, path, leaf)
                if leaf.op in ("contains", "in"):
                    flags[(leaf.fact, leaf.op, leaf.value)] = leaf.kind
                else:
                    scalar.setdefault(leaf.fact, (leaf.kind, set()))[1].add(leaf.value)
        count = len(scalar) + len(flags)
        if count > MAX_PROPERTIES:
            raise ConfigError(
                f"the durable-rules backend handles at most {MAX_PROPERTIES} distinct facts and 'contains' or "
                f"'in' tests in one set of rules (these rules need {count}); use the pure-Python evaluator"
            )
        taken = {_fnv1a32(name) for name in _RESERVED}
        names = iter(_unique_names("f", count, taken))
        self.scalars = {
            fact: _Scalar(fact, kind, next(names), tuple(sorted(values))) for fact, (kind, values) in scalar.items()
        }
        self.flags = {key: _Flag(key[0], kind, next(names), key[1], key[2]) for key, kind in flags.items()}
        keys = _unique_names("r", len(rules.rules), taken)
        self.catch_all = _unique_names("any", 1, taken)[0]
        self.partitions = self._partition(
            [self._compile(key, rule.name, rule.condition) for key, rule in zip(keys, rules.rules, strict=True)]
        )

    def definition(self, partition: list[_Compiled]) -> str:
        """The ruleset definition (JSON) for the rules of ``partition`` and the catch-all rule."""
        definition = {rule.key: {"all": [{"m": rule.pattern}]} for rule in partition}
        definition[self.catch_all] = {"all": [{"m": {_ALWAYS: 1}}]}
        return json.dumps(definition)

    def message(self, fact_id: int, encoded: Mapping[str, int]) -> str:
        """The JSON durable-rules receives: names and values are ASCII names and ints."""
        values = "".join(f',"{prop}":{value:d}' for prop, value in encoded.items())
        return f'{{"id":{fact_id:d},"sid":"{_SID}","{_ALWAYS}":1{values}}}'

    def encode(self, facts: Mapping[str, Any]) -> dict[str, int]:
        """The properties of one fact snapshot: ranks and 1/0 flags, -1 for an absent fact."""
        encoded: dict[str, int] = {}
        for fact, slot in self.scalars.items():
            value = _check(fact, slot.kind, facts.get(fact))
            encoded[slot.prop] = _ABSENT if value is None else slot.code(value)
        for (fact, _op, _value), flag in self.flags.items():
            value = _check(fact, flag.kind, facts.get(fact))
            encoded[flag.prop] = _ABSENT if value is None else flag.code(value)
        return encoded

    def _compile(self, key: str, name: str, condition: Condition | Leaf) -> _Compiled:
        pattern = self._expression(condition, negate=False)
        alternatives = _alternatives(pattern)
        if alternatives > MAX_ALTERNATIVES:
            raise ConfigError(
                f"escalation rule {name!r}: its condition expands to {alternatives} alternatives in durable-rules, "
                f"which can follow at most {MAX_ALTERNATIVES} at once; simplify it or use the pure-Python evaluator"
            )
        return _Compiled(key, name, pattern, alternatives)

    @staticmethod
    def _partition(compiled: list[_Compiled]) -> list[list[_Compiled]]:
        """Rules grouped so that no ruleset has more than MAX_ALTERNATIVES alternatives in all."""
        partitions: list[list[_Compiled]] = [[]]
        for rule in compiled:
            if sum(item.alternatives for item in partitions[-1]) + rule.alternatives > MAX_ALTERNATIVES:
                partitions.append([])
            partitions[-1].append(rule)
        return partitions

    def _expression(self, node: Condition | Leaf, *, negate: bool) -> dict[str, Any]:
        # durable-rules has no "not" inside a fact pattern: push negation down to the leaves (De Morgan)
        if isinstance(node, Leaf):
            return self._leaf(node, negate=negate)
        if node.mode == "not":
            return self._expression(node.parts[0], negate=not negate)
        parts = [self._expression(part, negate=negate) for part in node.parts]
        return _junction("$or" if (node.mode == "any") != negate else "$and", parts)

    def _leaf(self, leaf: Leaf, *, negate: bool) -> dict[str, Any]:
        """A leaf over the encoded fact; an absent fact (-1) never satisfies a leaf, so satisfies its negation."""
        if leaf.op in ("contains", "in"):
            prop = self.flags[(leaf.fact, leaf.op, leaf.value)].prop
            return {"$neq": {prop: 1}} if negate else {prop: 1}
        slot = self.scalars[leaf.fact]
        p = slot.prop
        k = slot.constant_code(leaf.value)  # odd, >= 1: above the absent code
        present, absent = {"$gte": {p: 0}}, {"$lt": {p: 0}}
        positive, negative = {
            "eq": ({p: k}, {"$neq": {p: k}}),
            "ne": (_junction("$and", [present, {"$neq": {p: k}}]), _junction("$or", [absent, {p: k}])),
            "lt": (_junction("$and", [present, {"$lt": {p: k}}]), _junction("$or", [absent, {"$gte": {p: k}}])),
            "le": (_junction("$and", [present, {"$lte": {p: k}}]), _junction("$or", [absent, {"$gt": {p: k}}])),
            "gt": ({"$gt": {p: k}}, {"$lte": {p: k}}),
            "ge": ({"$gte": {p: k}}, {"$lt": {p: k}}),
        }[leaf.op]
        return negative if negate else positive


def _junction(op: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {op: parts}


def _alternatives(pattern: dict[str, Any]) -> int:
    """How many conjunctions durable-rules makes of ``pattern`` (it expands "$or" into separate paths)."""
    if "$and" in pattern:
        return math.prod(_alternatives(part) for part in pattern["$and"])
    if "$or" in pattern:
        return sum(_alternatives(part) for part in pattern["$or"])
    return 1


def _refuse_nan(rule: str, path: str, leaf: Leaf) -> None:
    values = leaf.value if isinstance(leaf.value, frozenset) else (leaf.value,)
    if any(isinstance(value, Decimal) and value.is_nan() for value in values):
        raise ConfigError(
            f"escalation rule {rule!r}: {path + '.value'!r} is NaN, which equals and orders with nothing; "
            "the durable-rules backend refuses it",
            path=f"{path}.value",
        )


def _leaves(node: Condition | Leaf, path: str) -> Iterator[tuple[Leaf, str]]:
    """Every leaf with its path in the rule file (``rules[0].when.any[1]``)."""
    if isinstance(node, Leaf):
        yield node, path
    elif node.mode == "not":
        yield from _leaves(node.parts[0], f"{path}.not")
    else:
        for i, part in enumerate(node.parts):
            yield from _leaves(part, f"{path}.{node.mode}[{i}]")


class DurableRules:
    """A private durable-rules engine running ``rules``: which rules hold on a fact snapshot.

    ``matching(facts)`` equals ``{rule.name for rule in rules.rules if rule.condition.holds(facts)}``
    for every snapshot whose facts have their types (``None`` or missing: absent); a fact of another
    type (``"2"`` for ``ticket.complaints``) is a :class:`ConfigError` naming it. ``action``, if
    given, is called for each rule that holds, in rule order, once the engine has answered (so it
    may call ``matching`` again); an exception it raises reaches the caller and skips the actions
    after it. The engine is one durable-rules ruleset (several when the rules expand to more than
    MAX_ALTERNATIVES alternatives in all). Close it (or use ``with``) when done: a process holds at
    most about 131,000 rulesets. Raises ImportError when durable-rules is not installed, ConfigError
    when the rules exceed its limits.

    ``rules`` are the rules it runs; ``name`` prefixes the names of its durable-rules rulesets.
    """

    def __init__(self, rules: EscalationRules, *, action: Action | None = None) -> None:
        self._engine = _import_durable()
        self.rules = rules
        self._compiler = _Compiler(rules)
        self._action = action
        self._names = {rule.key: rule.name for partition in self._compiler.partitions for rule in partition}
        self._ids = itertools.count(1)
        self._closed = False
        self.name = ""
        with _LOCK:
            self._handles = self._create()

    def matching(self, facts: Mapping[str, Any]) -> frozenset[str]:
        """The names of the rules whose condition holds on ``facts`` (fact name -> value)."""
        encoded = self._compiler.encode(facts)
        with _LOCK:
            if self._closed:
                raise RuntimeError(f"DurableRules engine {self.name!r} is closed")
            # a fresh id each time: durable-rules refuses an id (hash) it still holds
            message = self._compiler.message(next(self._ids), encoded)
            keys: list[str] = []
            try:
                for handle in self._handles:
                    keys += self._post(handle, self._engine.assert_fact, message)
                    self._post(handle, self._engine.retract_fact, message)
            except BaseException:
                # a ruleset may still hold the fact: never use it again (deleting a broken one can crash)
                self._handles = self._create()
                raise
        fired = {self._names[key] for key in keys if key != self._compiler.catch_all}
        if self._action is not None:
            self._run_actions(self._action, fired, facts)
        return frozenset(fired)

    def matching_at(
        self,
        ticket: Ticket,
        policy: HoldsRules | Policy,
        *,
        as_of: datetime,
        survey: SurveyScore | None = None,
        survey_at: datetime | None = None,
    ) -> frozenset[str]:
        """The rules whose condition holds at the instant ``as_of``, on the facts
        :func:`slakit.escalation.evaluate` sees then (survey facts from ``survey_at``, else the last
        resolution, else creation). Not the fired list: a rule that held earlier and no longer does
        is not here."""
        require_aware(as_of, "as_of")
        if survey_at is not None:
            require_aware(survey_at, "survey_at")
        return self.matching(facts_at(ticket, policy, as_of, survey, survey_at))

    def close(self) -> None:
        """Delete the engine; later calls raise RuntimeError. Closing twice is harmless."""
        with _LOCK:
            if not self._closed:
                self._closed = True
                for handle in self._handles:
                    self._engine.delete_ruleset(handle)

    def __enter__(self) -> DurableRules:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _create(self) -> list[Any]:
        """Fresh rulesets under a new unique name (durable-rules keeps rulesets by name)."""
        name = f"slakit-escalation-{uuid.uuid4().hex}"
        handles = []
        for i, partition in enumerate(self._compiler.partitions):
            try:
                handles.append(self._engine.create_ruleset(f"{name}-{i}", self._compiler.definition(partition)))
            except self._engine.error as exc:  # a limit the compiler does not know about
                raise ConfigError(f"durable-rules cannot compile these escalation rules: {exc}") from exc
        self.name = name
        return handles

    def _post(self, handle: Any, call: Callable[[Any, str], Any], message: str) -> list[str]:
        """Assert or retract ``message``; the keys of the rules whose actions it starts, in order."""
        code, state = call(handle, message)
        if code != 0:  # 1: no rule matched (the catch-all always does), 2: id already held
            raise RuntimeError(f"durable-rules refused a fact with code {code}: {message}")
        keys = []
        result = self._engine.start_action_for_state(handle, state)
        pending = result[1] if result else None
        while pending:  # '{"<rule key>":{"m":{...}}}'
            keys.append(pending[2 : pending.index('"', 2)])
            pending = self._engine.complete_and_start_action(handle, state)
        return keys

    def _run_actions(self, action: Action, fired: set[str], facts: Mapping[str, Any]) -> None:
        for rule in self.rules.rules:
            if rule.name in fired:
                action(rule.name, facts)
