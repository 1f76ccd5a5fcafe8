"""The reference escalation evaluator: the first implementation, kept to check the fast one against.

It re-evaluates the whole SLA report at every breakpoint instant (slow: about 600 tickets/s), so it
is easy to trust; ``slakit.escalation.evaluate`` must give the same report. The parity tests found
two kinds of instants it did not visit, now added (:func:`_agreed_crossings`, :func:`_flips`): an
agreed deadline approaching while the ticket is paused, and a metric's own next change hidden
behind a stale ``next_change_at`` of the SLA report.

The facts a rule looks at change only at known instants: at events, when an SLA state or at-risk
flag flips (the SLA report's ``next_change_at``), when the survey arrives, and when a running
metric's clock crosses a threshold a rule names (``overdue ge 4h`` is crossed 4 business hours
after the deadline). The evaluator visits exactly those instants in order, so ``fired_at`` is
computed, not sampled, and ``next_at`` is the first instant after ``as_of`` at which a new rule
would fire if no event arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from slakit import ServicePolicy
from slakit.escalation.conditions import Leaf
from slakit.escalation.facts import snapshot
from slakit.escalation.report import Escalation, EscalationReport
from slakit.escalation.rules import EscalationRules, Rule
from slakit.instants import from_us, require_aware, td_to_us, to_us
from slakit.sla import Event, MetricState, Policy, SLAReport, Ticket
from slakit.sla import evaluate as evaluate_sla
from slakit.survey import SurveyScore

__all__ = ["evaluate_reference"]

_MAX_STEPS = 10_000  # a guard: each step moves strictly forward, and there are finitely many breakpoints
_THRESHOLD_FIELDS = ("elapsed", "remaining", "overdue", "elapsed_ratio")


def evaluate_reference(
    ticket: Ticket,
    policy: ServicePolicy | Policy,
    *,
    as_of: datetime,
    survey: SurveyScore | None = None,
    survey_at: datetime | None = None,
    rules: EscalationRules | None = None,
) -> EscalationReport:
    """Every rule that fired up to ``as_of`` (once per ticket, or per cycle when reopen restarts),
    the highest level reached, and ``next_at``.

    ``rules`` defaults to the policy's ``escalation`` section. Survey facts hold from
    ``survey_at``, else from the ticket's last resolution before ``as_of``, else from its creation.
    """
    require_aware(as_of, "as_of")
    if survey_at is not None:
        require_aware(survey_at, "survey_at")
    if rules is None:
        rules = policy.escalation if isinstance(policy, ServicePolicy) else EscalationRules({}, ())
    sla = policy.sla if isinstance(policy, ServicePolicy) else policy
    known = replace(ticket, events=tuple(sorted((e for e in ticket.events if e.at <= as_of), key=_documented_order)))
    zone = sla.default_calendar.timezone
    survey_from = _survey_from(known, survey, survey_at)
    restart = sla.config.on_reopen == "restart"
    reopens = _reopenings(known)
    a = to_us(as_of)
    t = to_us(known.created_at)
    fired: list[tuple[datetime, int, int, Escalation]] = []  # (fired_at, shown from, rule position, escalation)
    fired_in_cycle: set[str] = set()
    cycle = 0
    next_at: datetime | None = None
    for _ in range(_MAX_STEPS):
        if restart:
            now_cycle = sum(1 for r in reopens if r <= t)
            if now_cycle != cycle:
                cycle, fired_in_cycle = now_cycle, set()
        instant = from_us(t, zone)
        report = evaluate_sla(known, policy, as_of=instant)
        facts = snapshot(known, report, instant, survey if survey_from is not None and t >= survey_from else None)
        new = [rule for rule in rules.rules if rule.name not in fired_in_cycle and rule.condition.holds(facts)]
        if new and t > a:
            next_at = instant
            break
        cycle_start = reopens[cycle - 1] if restart and cycle else to_us(known.created_at)
        after = _facts_just_after(known, policy, t - 1, survey, survey_from) if new and t > cycle_start else {}
        for rule in new:
            began = from_us(t - 1, zone) if after and rule.condition.holds(after) else instant
            fired.append((began, t, rules.rules.index(rule), _escalation(rule, began, facts, sla, cycle)))
            fired_in_cycle.add(rule.name)
        following = _next_breakpoint(t, known, report, rules.rules, fired_in_cycle, survey_from, sla)
        if following is None:
            break
        t = following
    level = max((entry[3].level for entry in fired), default=0)
    # docs/escalation.md: in the order they show, then in the rules' order (a later as_of only adds items)
    ordered = tuple(item for *_, item in sorted(fired, key=lambda entry: entry[1:3]))
    return EscalationReport(ticket.id, as_of, ordered, level, next_at)


# docs/sla.md: events at one instant are taken by type in this order, then by content (here the status,
# which is what this reference reads of simultaneous events: its pauses and reopenings)
_TYPES = ("assign", "priority", "status", "extend", "acknowledge", "reply", "note", "complaint", "resolve", "close",
          "reopen")  # fmt: skip


class _Moving:
    """A figure over the open stretch just after an instant: ``value`` there, moving ``way`` (1, -1 or 0)."""

    def __init__(self, value: object, way: int) -> None:
        self.value, self.way = value, way

    def __eq__(self, other: object) -> bool:
        return self.way == 0 and self.value == other

    def __hash__(self) -> int:
        return hash(self.value)

    def __lt__(self, other: object) -> bool:
        return self.value < other or (self.value == other and self.way < 0)  # type: ignore[operator]

    def __le__(self, other: object) -> bool:
        return self < other or (self.value == other and self.way == 0)

    def __gt__(self, other: object) -> bool:
        return self.value > other or (self.value == other and self.way > 0)  # type: ignore[operator]

    def __ge__(self, other: object) -> bool:
        return self > other or (self.value == other and self.way == 0)


def _facts_just_after(
    ticket: Ticket, policy: ServicePolicy | Policy, t: int, survey: SurveyScore | None, survey_from: int | None
) -> dict[str, object]:
    """The facts over the open stretch between ``t`` and ``t + 1`` microsecond (docs/escalation.md, "fired_at": a
    rule whose condition holds there began to hold at ``t``, a strict threshold passed at ``t``): the events up to
    ``t``; each SLA state as the report shows it at ``t + 1`` with no later event (a breach shows just after its
    deadline); at-risk flags as at ``t`` unless breached just after; figures at ``t`` with the way they move."""
    known = replace(ticket, events=tuple(e for e in ticket.events if e.at_us <= t))
    zone = (policy.sla if isinstance(policy, ServicePolicy) else policy).default_calendar.timezone
    shown = survey if survey_from is not None and t >= survey_from else None
    now, then = from_us(t, zone), from_us(t + 1, zone)
    at_t = snapshot(known, evaluate_sla(known, policy, as_of=now), now, shown)
    next_us = snapshot(known, evaluate_sla(known, policy, as_of=then), then, shown)
    after: dict[str, object] = dict(at_t)
    for fact, value in at_t.items():
        field = fact.rsplit(".", 1)[-1]
        if not fact.startswith("sla.") or value is None:
            continue
        later = next_us[fact]
        if field == "state":
            after[fact] = later
        elif field == "at_risk":
            after[fact] = value and next_us[fact.replace("at_risk", "state")] is not MetricState.BREACHED
        elif later is not None:
            after[fact] = _Moving(value, (later > value) - (later < value))
    return after


def _documented_order(event: Event) -> tuple[int, int, str]:
    return event.at_us, _TYPES.index(event.type), event.status or ""


def _reopenings(ticket: Ticket) -> list[int]:
    """The instants of reopen events that reopened a resolved (or closed) ticket: a reopen of an open
    ticket is no reopening (docs/sla.md)."""
    resolved = False
    found = []
    for event in ticket.events:
        if event.type in ("resolve", "close"):
            resolved = True
        elif event.type == "reopen" and resolved:
            resolved = False
            found.append(event.at_us)
    return found


def _survey_from(ticket: Ticket, survey: SurveyScore | None, survey_at: datetime | None) -> int | None:
    if survey is None:
        return None
    if survey_at is not None:
        return to_us(survey_at)
    resolves = [e.at_us for e in ticket.events if e.type in ("resolve", "close")]
    return resolves[-1] if resolves else to_us(ticket.created_at)


def _escalation(rule: Rule, at: datetime, facts: dict[str, object], policy: Policy, cycle: int) -> Escalation:
    contact_by = None
    if rule.contact_within is not None:
        if rule.clock == "business":
            contact_by = policy.default_calendar.add(at, rule.contact_within)
        else:
            contact_by = (at.astimezone(UTC) + rule.contact_within).astimezone(at.tzinfo)
    return Escalation(rule.name, rule.level, rule.role, at, contact_by, rule.condition.describe(facts), cycle)


def _next_breakpoint(
    t: int,
    ticket: Ticket,
    report: SLAReport,
    rules: Iterable[Rule],
    fired: set[str],
    survey_from: int | None,
    policy: Policy,
) -> int | None:
    candidates = [e.at_us for e in ticket.events if e.at_us > t][:1]
    # an extension recorded at t is weighed against the deadline as the clock stands at t; just after t that
    # deadline may stand elsewhere (one reached as the clock stops at t passes only where it runs again), and
    # with it whether the extension moved it. (Added when the fast evaluator found this instant missing.)
    if any(e.at_us == t and e.type == "extend" for e in ticket.events):
        candidates.append(t + 1)
    if report.next_change_at is not None:
        candidates.append(to_us(report.next_change_at))
    if survey_from is not None and survey_from > t:
        candidates.append(survey_from)
    paused = _paused(ticket, t, policy)
    for rule in rules:
        if rule.name in fired:
            continue
        for leaf in rule.condition.leaves():
            crossing = _crossing(leaf, t, report, paused)
            if crossing is not None:
                candidates.append(crossing)
            candidates += _agreed_crossings(leaf, t, report, paused, policy)
            candidates += _flips(leaf, t, report, paused, policy)
    later = [c for c in candidates if c > t]
    return min(later) if later else None


def _paused(ticket: Ticket, t: int, policy: Policy) -> bool:
    """Whether a pause status is in force at ``t`` (resolve and reopen reset the status)."""
    status: str | None = None
    resolved = False
    for event in ticket.events:
        if event.at_us > t:
            break
        if event.type == "status":
            status = event.status
        elif event.type in ("resolve", "close"):
            if not resolved:  # a resolve of a resolved ticket changes nothing
                status, resolved = None, True
        elif event.type == "reopen" and resolved:  # a reopen of an open ticket changes nothing
            status, resolved = None, False
    return status in policy.config.pause_statuses


def _crossing(leaf: Leaf, t: int, report: SLAReport, paused: bool) -> int | None:
    """The first instant after ``t`` at which ``leaf``'s time fact crosses one of its thresholds."""
    scope, metric, field = [*leaf.fact.split("."), "", ""][:3]
    if scope != "sla" or field not in _THRESHOLD_FIELDS or metric not in report:
        return None
    status = report[metric]
    target = report.targets.get(metric)
    counting = status.completed_at is None and (
        status.state is MetricState.RUNNING
        or (status.state is MetricState.BREACHED and not (paused and target is not None and target.pausable))
    )
    if not counting or target is None:
        return None
    elapsed, goal = td_to_us(status.elapsed), td_to_us(status.target)
    values = leaf.value if isinstance(leaf.value, frozenset) else (leaf.value,)
    thresholds: list[int] = []
    for value in values:
        if field == "elapsed_ratio":
            exact = Decimal(goal) * value
            thresholds += [int(exact.to_integral_value(ROUND_CEILING)), int(exact.to_integral_value(ROUND_FLOOR)) + 1]
        else:
            amount = td_to_us(value) if isinstance(value, timedelta) else 0
            base = {"elapsed": amount, "remaining": goal - amount, "overdue": goal + amount}[field]
            thresholds += [base, base + 1]
    ahead = [x for x in thresholds if x > elapsed]
    if not ahead:
        return None
    return target.clock.add_us(t, min(ahead) - elapsed)


def _agreed_crossings(leaf: Leaf, t: int, report: SLAReport, paused: bool, policy: Policy) -> list[int]:
    """Instants after ``t`` at which ``leaf``'s fact may change while an agreed deadline (an applied
    extension) approaches and the clock stands still (paused): ``remaining`` is then the open time
    left until that deadline, so it falls although ``elapsed`` does not, and the metric breaches
    one microsecond after the deadline. (Added when the fast evaluator found these instants missing.)
    """
    scope, metric, field = [*leaf.fact.split("."), "", ""][:3]
    if scope != "sla" or metric not in report:
        return []
    status = report[metric]
    target = report.targets.get(metric)
    targets = status.trace.targets
    until = targets[-1][2] if targets else None
    if until is None or target is None or status.completed_at is not None:
        return []
    if status.state not in (MetricState.PAUSED, MetricState.BREACHED) or not (paused and target.pausable):
        return []  # counting: _crossing and the report's next change cover it
    remaining, elapsed = td_to_us(status.remaining), td_to_us(status.elapsed)
    levels: list[Decimal] = []  # values of `remaining` at which the fact may change
    values = leaf.value if isinstance(leaf.value, frozenset) else (leaf.value,)
    for value in values:
        if field == "remaining":
            levels.append(Decimal(td_to_us(value)))
        elif field == "overdue":
            levels.append(Decimal(-td_to_us(value)))
        elif field == "elapsed_ratio" and value:
            levels.append(Decimal(elapsed) / value - elapsed)  # elapsed / (elapsed + remaining) = value
    if field == "at_risk":
        ratio = policy.at_risk_ratio
        levels.append(Decimal(elapsed * (ratio.denominator - ratio.numerator)) / ratio.numerator)
    if field == "elapsed_ratio":
        levels.append(Decimal(-elapsed))  # the target reaches zero
    found = [until + 1]
    for level in levels:
        for at_most in (int(level.to_integral_value(ROUND_FLOOR)), int(level.to_integral_value(ROUND_CEILING))):
            for step in (0, -1):
                if at_most + step < remaining:
                    found.append(target.clock.add_us(t, remaining - (at_most + step)))
    return [x for x in found if x > t]


def _flips(leaf: Leaf, t: int, report: SLAReport, paused: bool, policy: Policy) -> list[int]:
    """When a running metric turns at risk or breached, for leaves on ``state`` and ``at_risk``.

    The report's ``next_change_at`` says so too, but not always: when the current priority has no
    target and an earlier one's is shown, it can name an instant already past, and then the
    metric's own next change would be lost. (Added when the fast evaluator found it missing.)
    """
    scope, metric, field = [*leaf.fact.split("."), "", ""][:3]
    if scope != "sla" or field not in ("state", "at_risk") or metric not in report:
        return []
    status = report[metric]
    target = report.targets.get(metric)
    counting = status.completed_at is None and (
        status.state is MetricState.RUNNING
        or (status.state is MetricState.BREACHED and not (paused and target is not None and target.pausable))
    )
    if not counting or target is None:
        return []
    elapsed, goal = td_to_us(status.elapsed), td_to_us(status.target)
    ratio = policy.at_risk_ratio
    found = []
    if goal > elapsed:
        found.append(target.clock.add_us(t, goal - elapsed) + 1)  # breached just after the deadline
    risky = -(-goal * ratio.numerator // ratio.denominator)
    if risky > elapsed:
        found.append(target.clock.add_us(t, risky - elapsed))
    return [x for x in found if x > t]
