"""The flat-row fast path of :func:`~slakit.batch.run`: a row of a flat export straight to its facts.

The general path makes a ticket with events of the row (:meth:`FlatLayout.ticket`), evaluates it
into an SLA report and an escalation report (:class:`~slakit.batch.evaluation.Evaluator`) and
reduces those to :class:`~slakit.batch.facts.TicketFacts`. For the usual row most of that time goes
to objects the files never show. Here the row's instants, as epoch microseconds, go straight to
what the events would make: the ticket's :class:`~slakit.sla.timeline.Timeline`, each metric's
clock measured by the SLA engine's own arithmetic (:class:`~slakit.sla.track.Track`,
:func:`~slakit.sla.track.single_target`), the escalation engine's evaluation over that timeline,
and the facts with their cells ready to write.

A row takes this path only where it is known to give what the general path gives; otherwise
:meth:`FastPath.facts` returns None and the row goes the general way (docs/report.md, "Scale", lists
the cases). tests/batch/test_fast_path.py checks whole runs both ways byte for byte.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from slakit._time import EPOCH, to_us
from slakit.batch.evaluation import Evaluator
from slakit.batch.facts import US_PER_HOUR, Context, EscalationCells, MetricCells, TicketFacts, hours
from slakit.batch.fast_escalation import FlatRow, FlatRules, NotFlat
from slakit.batch.flat import FlatLayout, _ProblemError, _text
from slakit.batch.instant_texts import InstantTexts
from slakit.calendar.business_calendar import Ruler
from slakit.errors import SlakitError
from slakit.sla import Policy
from slakit.sla.engine import _plan
from slakit.sla.timeline import Timeline, clock_stop, running_segments
from slakit.sla.track import Track, single_target

__all__ = ["FastPath"]

_FLAG_SPLIT = re.compile(r"[;,|\s]+")
_NO_FLAGS: frozenset[str] = frozenset()
_fromisoformat = datetime.fromisoformat
_US_PER_HOUR, _TWO_HOURS = US_PER_HOUR, 2 * US_PER_HOUR
_RENEW_EVERY = 20_000  # rows between fresh rulers (about 100,000 instants each)
_BREACHED, _MET, _RUNNING, _PENDING = 1, 0, 2, 3  # TicketFacts.states' numbers


class _Skip(Exception):  # noqa: N818 -- a signal, not an error
    """The row is not one the fast path takes.

    Raised as a class, a new instance each time: re-raising one instance would chain every traceback
    onto it, and with them the frames of every declined row (and the chunks they read).
    """


class FastPath:
    """Turns rows of one flat export into :class:`TicketFacts` under one policy, or says it cannot.

    ``policy`` is the policy as the export can measure it (``Evaluator.policy_for``); make one with
    :meth:`of`, which says None for a policy the fast path does not cover.
    """

    def __init__(self, evaluator: Evaluator, policy: Policy, layout: FlatLayout, context: Context) -> None:
        self.evaluator = evaluator
        self.policy = policy
        self.layout = layout
        self.context = context
        self.plan = plan = _plan(policy)
        self.zone: tzinfo = plan.zone
        self.as_of = to_us(evaluator.as_of)
        self.rules = FlatRules(policy.escalation, policy, plan) if evaluator.rules is not None else None
        self.scoring = evaluator.scheme is not None
        self.handling_calendar = context.calendar
        # calendar rulers shared by rows (exports repeat instants: minutes, closing times), and the ISO texts
        self._rulers: dict[int, Ruler] = {}
        self._texts = InstantTexts(self.zone)
        self._rows = 0
        # per priority: (metric, target in microseconds, clock) in METRICS order
        self.clocks = {
            code: tuple((metric, target.within_us, target.clock) for metric, target in targets.items())
            for code, targets in plan.targets.items()
        }

    @classmethod
    def of(cls, evaluator: Evaluator, policy: Policy, layout: FlatLayout, context: Context) -> FastPath | None:
        """The fast path for ``policy``, or None when the policy restarts clocks on reopen or tracks updates."""
        if _plan(policy).restart or any("update" in targets for targets in policy.targets.values()):
            return None
        return cls(evaluator, policy, layout, context)

    def facts(self, cells: list[str], line: int) -> TicketFacts | None:
        """The facts of the row ``cells`` at ``line``, as the general path would give them; None: go that way."""
        try:
            return self._facts(cells, line)
        except (_Skip, _ProblemError, NotFlat, SlakitError, ValueError, OverflowError):
            return None

    def _facts(self, cells: list[str], line: int) -> TicketFacts:
        layout = self.layout
        if len(cells) != layout.width:
            raise _Skip
        (
            id_cell,
            created_cell,
            priority_cell,
            category_cell,
            channel_cell,
            product_cell,
            customer_cell,
            assigned_cell,
            acknowledged_cell,
            response_cell,
            resolved_cell,
            reopened_cell,
            complaints_cell,
            affected_cell,
            subject_cell,
            agent_cell,
            replies_cell,
            flags_cell,
            survey_at_cell,
        ) = layout._getter([*cells, ""])
        ticket_id = _text(id_cell)
        priority = _text(priority_cell)
        if ticket_id is None or priority is None:
            raise _Skip
        code = priority if priority in self.policy.priorities else self.evaluator.by_name.get(priority)
        if code is None:
            raise _Skip
        created = self._datetime(created_cell, "created_at")
        as_of = self.as_of
        created_us = to_us(created)
        if created_us > as_of:
            raise _Skip
        stamp = self._stamp
        assigned = None if assigned_cell == "" else stamp(assigned_cell, "assigned_at", created_us)
        acknowledged = None if acknowledged_cell == "" else stamp(acknowledged_cell, "acknowledged_at", created_us)
        response = None if response_cell == "" else stamp(response_cell, "first_response_at", created_us)
        resolved = None if resolved_cell == "" else stamp(resolved_cell, "resolved_at", created_us)
        reopened = None if reopened_cell == "" else stamp(reopened_cell, "reopened_at", created_us)
        survey_at = None if survey_at_cell == "" else stamp(survey_at_cell, "survey_at", created_us)
        if assigned is not None and acknowledged is not None and acknowledged < assigned:
            raise _Skip
        count = layout._count
        complaints = 0 if complaints_cell == "" else count(complaints_cell, "complaints", 0)
        affected = 1 if affected_cell == "" else count(affected_cell, "affected_customers", 1)
        replies = count(replies_cell, "agent_replies", -1)
        if response is None:
            if replies > 0:
                raise _Skip
            replies = 0
        elif replies == 0:
            raise _Skip
        elif replies < 0:
            replies = 1
        score = None
        if self.scoring:
            survey = None
            for dimension, position in layout.survey:
                answer = cells[position].strip()
                if answer:
                    if survey is None:
                        survey = {}
                    survey[dimension] = answer
            if survey:
                score = self.evaluator._score(survey)

        # the timeline the row's events make (FlatLayout._events, then build_timeline)
        timeline = Timeline(created_us, as_of, code)
        timeline.first_assign = assigned
        timeline.first_acknowledge = acknowledged if assigned is not None else None
        timeline.first_response = response  # updates stay empty: the fast path never has the update metric
        spans = timeline.resolved
        last_resolve = created_us  # what survey facts hold from, without a survey_at
        if reopened is not None and (resolved is None or reopened < resolved):
            # resolved at an unknown time before the reopen: the ticket counts as open until it
            spans.append((reopened, reopened))
            timeline.reopens.append(reopened)
            last_resolve = reopened
            if resolved is not None:
                spans.append((resolved, None))
                last_resolve = resolved
        elif resolved is not None:
            spans.append((resolved, reopened))
            last_resolve = resolved
            if reopened is not None:
                timeline.reopens.append(reopened)
        resolved_at = spans[-1][0] if spans and spans[-1][1] is None else None

        rulers = self._rulers
        self._rows += 1
        if self._rows >= _RENEW_EVERY:  # rulers remembered across rows, within bounds
            self._rows = 0
            rulers.clear()
        cells_, states, breaches = self._clocks(code, timeline, ticket_id, line)
        category = _text(category_cell)
        channel = _text(channel_cell)
        product = _text(product_cell)
        customer = _text(customer_cell)
        escalations: EscalationCells | None = None
        fired_rules: tuple[str, ...] = ()
        if self.rules is not None:
            flag_text = _text(flags_cell)
            attributes = {
                "category": category,
                "channel": channel,
                "product": product,
                "customer": customer,
                "affected_customers": affected,
                "flags": frozenset(f for f in _FLAG_SPLIT.split(flag_text) if f) if flag_text else _NO_FLAGS,
            }
            latest = created_us  # complaints come at the row's latest instant
            for t in (assigned, acknowledged, response, resolved, reopened):
                if t is not None and t > latest:
                    latest = t
            survey_from = None
            if score is not None:
                survey_from = survey_at if survey_at is not None else last_resolve
            row = FlatRow(timeline, rulers, attributes, complaints, latest, reopened, score, survey_from)
            escalations = self._escalations(row)
            if escalations[1]:  # most rows fire none
                fired_rules = tuple(dict.fromkeys([item[0] for item in escalations[1]]))

        text = self._texts
        facts: TicketFacts = TicketFacts.__new__(TicketFacts)
        facts.line = line
        facts.id = ticket_id
        facts.priority = code
        facts.category = category
        facts.type = self.context.type_of(category)
        facts.channel = channel
        facts.product = product
        facts.customer = customer
        facts.agent = _text(agent_cell) if assigned is not None else None
        facts.created = local_created = created.astimezone(self.zone)
        facts.issue, facts.issue_source = self.context.issue_of(category, _text(subject_cell))
        facts.replies = replies
        facts.reopens = reopens = len(timeline.reopens)
        facts.complaints = complaints
        if resolved_at is not None:
            ruler = rulers.get(id(self.handling_calendar))
            if ruler is None:
                ruler = rulers[id(self.handling_calendar)] = self.handling_calendar.ruler()
            facts.resolved = True
            facts.business_us = business = ruler.elapsed(created_us, resolved_at)
            facts.wall_us = wall = resolved_at - created_us
            texts: tuple[str, str | None, float | None, float | None] = (
                local_created.isoformat(),  # not text(created_us): a wall time in a gap stays as it was written
                text.known.get(resolved_at) or text(resolved_at),
                hours(business),
                hours(wall),
            )
        else:
            facts.resolved = False
            facts.business_us = facts.wall_us = 0
            texts = (local_created.isoformat(), None, None, None)
        facts.fcr = resolved_at is not None and replies == 1 and not reopens
        facts.states = states
        facts.breaches = breaches
        facts.survey = score
        facts.escalated = bool(fired_rules)
        facts.rules = fired_rules
        facts.level = escalations[0] if escalations is not None else None
        facts.preset(cells_, escalations, texts)
        return facts

    def _datetime(self, cell: str, name: str) -> datetime:
        """A time cell read as ``FlatLayout._time`` reads it (ISO 8601 here, anything else there); empty: skip."""
        try:
            value = _fromisoformat(cell)
        except ValueError:
            return self._other_time(cell, name)
        if value.tzinfo is None:
            zone = self.layout.zone
            return value.replace(tzinfo=zone) if zone is not None else self._other_time(cell, name)
        return value

    def _other_time(self, cell: str, name: str) -> datetime:
        value = self.layout._time(cell, name)
        if value is None:
            raise _Skip
        return value

    def _stamp(self, cell: str, name: str, created: int) -> int:
        """A non-empty time cell as epoch microseconds, from ``created`` to ``as_of``; else the general way."""
        delta = self._datetime(cell, name) - EPOCH
        us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds  # to_us, written out
        if us < created or us > self.as_of:
            raise _Skip
        return us

    def _clocks(
        self, code: str, timeline: Timeline, ticket: str, line: int
    ) -> tuple[MetricCells, tuple[tuple[str, int], ...], list[tuple[int, str, str, int, str, str, str, float]]]:
        """Each metric's cells, state number and breach row, measured as the SLA engine measures them."""
        rulers, text = self._rulers, self._texts
        known = text.known
        created, as_of = timeline.created, timeline.as_of
        spans = timeline.resolved
        resolved_at = spans[-1][0] if spans and spans[-1][1] is None else None
        cells: list[tuple[str, str, str | None, str | None, float, float]] = []
        states: list[tuple[str, int]] = []
        breaches: list[tuple[int, str, str, int, str, str, str, float]] = []
        for metric, within, clock in self.clocks[code]:
            if metric == "resolution":
                start = created
                completed = resolved_at is not None
                horizon = resolved_at if resolved_at is not None else as_of
            else:
                if metric == "response":
                    start, natural = created, timeline.first_response
                elif timeline.first_assign is not None:
                    start, natural = timeline.first_assign, timeline.first_acknowledge
                else:
                    cells.append((metric, "pending", None, None, 0.0, hours(within)))
                    states.append((metric, _PENDING))
                    continue
                stop = clock_stop(spans, start, natural)
                completed = stop is not None
                horizon = stop if stop is not None else as_of
            ruler = rulers.get(id(clock))
            if ruler is None:
                ruler = rulers[id(clock)] = clock.ruler()
            if not spans or spans[0][0] >= horizon:  # one stretch, start to horizon: single_target, written out
                elapsed = ruler.elapsed(start, horizon) if start < horizon else 0
                if within > elapsed:
                    deadline = ruler.add(horizon, within - elapsed)
                    breached = False
                else:
                    deadline = ruler.add(start, within) if within > 0 else start
                    breached = deadline < horizon
            else:
                track = Track(ruler, start, horizon, running_segments(start, horizon, spans))
                elapsed, deadline, breached_at, _, _ = single_target(track, within, False, self.plan.ratio)
                breached = breached_at is not None
            deadline_text = known.get(deadline) or text(deadline)
            completed_text = (known.get(horizon) or text(horizon)) if completed else None
            # hours(), written out for the figures that cannot be negative
            elapsed_hours = ((elapsed * 200 + _US_PER_HOUR) // _TWO_HOURS) / 100
            remaining = within - elapsed
            if remaining >= 0:
                remaining_hours = ((remaining * 200 + _US_PER_HOUR) // _TWO_HOURS) / 100
            else:
                remaining_hours = hours(remaining)
            if breached:
                cells.append((metric, "breached", deadline_text, completed_text, elapsed_hours, remaining_hours))
                states.append((metric, _BREACHED))
                late = hours(elapsed - within if elapsed > within else 0)
                breaches.append((deadline, ticket, metric, line, code, deadline_text, completed_text or "", late))
            elif completed:
                cells.append((metric, "met", deadline_text, completed_text, elapsed_hours, remaining_hours))
                states.append((metric, _MET))
            else:
                cells.append((metric, "running", deadline_text, None, elapsed_hours, remaining_hours))
                states.append((metric, _RUNNING))
        return tuple(cells), tuple(states), breaches

    def _escalations(self, row: FlatRow) -> EscalationCells:
        assert self.rules is not None  # noqa: S101 -- called only with rules
        text = self._texts
        fired, next_at = self.rules.fired(row, self.as_of)
        items = []
        level = 0
        for at, rule, contact_by in fired:
            contact_text = None if contact_by is None else text(contact_by)
            items.append((rule.name, rule.level, rule.role, text(at), contact_text, 0))
            level = max(level, rule.level)
        return level, tuple(items), None if next_at is None else text(next_at)
