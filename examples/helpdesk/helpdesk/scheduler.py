"""The timer loop: look at each ticket exactly when something can change, and notify once.

slakit says when to look again: `next_change_at` (an SLA metric turns at-risk or breached) and
`next_at` (the next escalation rule fires), both computed, not sampled. So the scheduler keeps
one wake-up time per ticket, `min(next_change_at, next_at)`, and a check at `now`:

1. evaluates the ticket as of `now`;
2. notifies the escalations that became visible in `(checked_at, now]`
   (`EscalationReport.fired_between`), and the metrics breached now that were not breached as of
   `checked_at`: each exactly once, without a table of what it already sent, because what slakit
   shows as of an instant is deterministic;
3. stores `checked_at = now` and the next wake-up time.

Recording an event sets the ticket's wake-up time to its instant (service.py), so the loop looks
at it on its next round. `run()` sleeps until the earliest wake-up time (at most `idle`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from helpdesk.db import NotificationRow, TicketRow
from helpdesk.service import Evaluation, Helpdesk
from slakit.instants import to_us


class Scheduler:
    def __init__(self, desk: Helpdesk, *, idle: timedelta = timedelta(minutes=1)) -> None:
        self.desk = desk
        self.idle = idle  # the longest sleep: new tickets and events are picked up at least this often

    def tick(self) -> list[NotificationRow]:
        """Check every ticket whose wake-up time has come; the notifications sent, in order."""
        now = self.desk.clock.now()
        with self.desk.db() as tx:
            due = tx.scalars(
                select(TicketRow.number).where(TicketRow.wake_us <= to_us(now)).order_by(TicketRow.wake_us)
            ).all()
        sent: list[NotificationRow] = []
        for number in due:
            sent.extend(self.check(number, now))
        return sent

    def check(self, number: str, now: datetime) -> list[NotificationRow]:
        current = self.desk.evaluate(number, as_of=now)
        with self.desk.db.begin() as tx:
            row = tx.get(TicketRow, number)
            if row is None:
                return []
            # (last, now]: everything since the last check; the first check starts just before creation
            last = row.checked_at or (row.created_at - timedelta(microseconds=1))
            sent = [
                NotificationRow(
                    ticket_number=number,
                    kind="escalation",
                    name=item.rule,
                    at=item.fired_at,
                    sent_at=now,
                    detail=item.to_dict(),
                )
                for item in current.escalation.fired_between(last, now)
            ]
            sent += self._new_breaches(number, current, row.checked_at, now)
            tx.add_all(sent)
            row.checked_at = now
            wake = [t for t in (current.sla.next_change_at, current.escalation.next_at) if t is not None]
            row.wake_us = to_us(min(wake)) if wake else None
        return sent

    def _new_breaches(
        self, number: str, current: Evaluation, last: datetime | None, now: datetime
    ) -> list[NotificationRow]:
        """The metrics breached now that the last check did not see breached.

        Not a window on `breached_at`: a breach can be dated before the last check (a priority raised
        past the new deadline, a reopening after a deadline agreed with the customer), so the ticket is
        evaluated again as of the last check, which shows what that check saw.
        """
        before = self.desk.evaluate(number, as_of=last).sla if last is not None else None
        return [
            NotificationRow(
                ticket_number=number,
                kind="breach",
                name=name,
                at=status.breached_at,
                sent_at=now,
                detail={"deadline": status.deadline.isoformat() if status.deadline else None},
            )
            for name, status in current.sla.items()
            if status.breached_at is not None
            and (before is None or name not in before or before[name].breached_at is None)
        ]

    def next_wake(self) -> datetime | None:
        """The earliest wake-up time of any ticket (None when no clock runs anywhere)."""
        with self.desk.db() as tx:
            first = tx.scalars(
                select(TicketRow.wake_us).where(TicketRow.wake_us.is_not(None)).order_by(TicketRow.wake_us).limit(1)
            ).first()
        if first is None:
            return None
        return datetime.fromtimestamp(0, self.desk.clock.now().tzinfo) + timedelta(microseconds=first)

    async def run(
        self,
        stop: asyncio.Event,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """Tick, then sleep until the next wake-up time (at most ``idle``), until ``stop`` is set."""
        while not stop.is_set():
            self.tick()
            now = self.desk.clock.now()
            wake = self.next_wake()
            pause = self.idle if wake is None else min(max(wake - now, timedelta(0)), self.idle)
            await sleep(pause.total_seconds())
