"""A ticket driven through a weekend, a make-up Sunday, National Day week and a make-up Saturday with the
injected clock; the scheduler wakes exactly when slakit says and notifies each thing once.

The expected instants are worked out by hand below from the p1-p3 preset (Mon-Fri 09:00-18:00 in
Asia/Shanghai, CN holidays: 1-8 October 2025 closed, Sunday 28 September and Saturday 11 October
make-up workdays) and docs/sla.md's rules, not read from slakit.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from shanghai import SH, at

from helpdesk.clock import ManualClock
from helpdesk.scheduler import Scheduler
from helpdesk.service import Helpdesk


def _event(client: TestClient, number: str, **fields: Any) -> dict[str, Any]:
    reply = client.post(f"/tickets/{number}/events", json=fields)
    assert reply.status_code == 201, reply.json()
    body: dict[str, Any] = reply.json()
    return body


def _sla(client: TestClient, number: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/tickets/{number}/sla").json()
    return body


def _sent(client: TestClient) -> list[tuple[str, str, str]]:
    return [(n["kind"], n["name"], n["at"]) for n in client.get("/notifications").json()]


def test_a_ticket_through_a_weekend_and_national_day(client: TestClient, clock: ManualClock, desk: Helpdesk) -> None:
    scheduler: Scheduler = client.app.state.scheduler  # type: ignore[attr-defined]
    clock.set(at(2025, 9, 27, 10, 0))  # Saturday: closed
    made = client.post("/tickets", json={"subject": "登录后软件报错", "customer": "acme"}).json()
    number = made["number"]
    assert (number, made["priority"]) == ("TS20250927001", "P2")  # medium x medium
    # P2 response 4h: Saturday is closed, Sunday 28 September is a make-up workday: 09:00 + 4h
    assert made["sla"]["metrics"]["response"]["deadline"] == "2025-09-28T13:00:00+08:00"
    assert scheduler.tick() == []
    # at risk at 75% of 4h = 3h open: Sunday 12:00 (response and update alike)
    assert scheduler.next_wake() == at(2025, 9, 28, 12, 0)

    clock.set(at(2025, 9, 28, 9, 30))
    _event(client, number, type="assign", assignee="wang")
    clock.set(at(2025, 9, 28, 9, 40))
    _event(client, number, type="acknowledge")
    clock.set(at(2025, 9, 28, 10, 30))
    _event(client, number, type="reply", author="agent")  # asks for the logs
    report = _event(client, number, type="status", status="pending_customer")  # pauses update and resolution
    assert report["sla"]["metrics"]["response"]["state"] == "met"
    assert report["sla"]["metrics"]["acknowledge"]["state"] == "met"
    assert report["sla"]["metrics"]["resolution"]["state"] == "paused"
    assert report["sla"]["metrics"]["resolution"]["elapsed"]["text"] == "1h30m"  # Sunday 09:00-10:30
    assert scheduler.tick() == []
    assert scheduler.next_wake() is None  # nothing runs while the ticket waits for the customer

    clock.set(at(2025, 10, 2, 15, 0))  # the customer answers during National Day week
    _event(client, number, type="reply", author="customer")
    report = _event(client, number, type="status", status="open")  # resumes
    # closed until Thursday 9 October: the update gap (4h) is due at 13:00, at risk from 12:00
    assert report["sla"]["metrics"]["update"]["deadline"] == "2025-10-09T13:00:00+08:00"
    # resolution: 48h - 1h30m = 46h30m left: 9 Oct 9h, 10 Oct 9h, Sat 11 Oct (make-up) 9h, 13 Oct 9h,
    # 14 Oct 9h = 45h, then 1h30m on Wednesday 15 October
    assert report["sla"]["metrics"]["resolution"]["deadline"] == "2025-10-15T10:30:00+08:00"
    assert scheduler.tick() == []
    assert scheduler.next_wake() == at(2025, 10, 9, 12, 0)

    clock.set(at(2025, 10, 9, 12, 0))
    assert scheduler.tick() == []  # at risk, nothing to page (no rule on update)
    assert scheduler.next_wake() == at(2025, 10, 9, 13, 0, 0, 1)  # one microsecond after the deadline
    clock.set(at(2025, 10, 9, 13, 0, 0, 1))
    scheduler.tick()
    assert _sent(client) == [("breach", "update", "2025-10-09T13:00:00+08:00")]
    clock.set(at(2025, 10, 9, 13, 30))
    _event(client, number, type="note")
    assert scheduler.tick() == []  # the breach is not sent again

    # Friday 10 October 10:00, the customer's line is down: P1 (24h) from the original start.
    # Elapsed: Sunday 1h30m + 9 Oct 9h + 10 Oct 1h = 11h30m; 12h30m left: 10 Oct 8h to 18:00, then
    # 4h30m on the make-up Saturday 11 October: 13:30
    clock.set(at(2025, 10, 10, 10, 0))
    report = _event(client, number, type="priority", priority="P1")
    assert report["sla"]["metrics"]["resolution"]["deadline"] == "2025-10-11T13:30:00+08:00"

    # an extension without the customer's consent changes nothing; with it, the deadline moves
    clock.set(at(2025, 10, 11, 9, 30))
    until = "2025-10-13T18:00:00+08:00"
    report = _event(client, number, type="extend", metric="resolution", until=until, reason="spare part")
    assert report["sla"]["metrics"]["resolution"]["deadline"] == "2025-10-11T13:30:00+08:00"
    assert len(report["sla"]["ignored_extensions"]) == 1
    clock.set(at(2025, 10, 11, 10, 0))
    report = _event(
        client, number, type="extend", metric="resolution", until=until, reason="spare part", customer_agreed=True
    )
    assert report["sla"]["metrics"]["resolution"]["deadline"] == until
    scheduler.tick()

    clock.set(at(2025, 10, 13, 16, 0))
    report = _event(client, number, type="resolve")
    assert report["sla"]["metrics"]["resolution"]["state"] == "met"
    clock.set(at(2025, 10, 13, 17, 0))
    assert client.post(f"/tickets/{number}/survey", json={"answers": {"solved": 3, "speed": 3, "attitude": 2}})
    scheduler.tick()
    assert _sent(client)[1:] == [("escalation", "low-satisfaction", "2025-10-13T17:00:00+08:00")]

    # reopened Tuesday 14 October 10:00: the resolution clock resumes, but the deadline agreed with the
    # customer (13 October 18:00, an absolute instant) has passed: breached at it, overdue from now
    clock.set(at(2025, 10, 14, 10, 0))
    report = _event(client, number, type="reopen")
    resolution = report["sla"]["metrics"]["resolution"]
    assert (resolution["state"], resolution["breached_at"]) == ("breached", until)
    sent = [(n.kind, n.name, n.at) for n in scheduler.tick()]
    assert sent == [
        ("escalation", "resolution-at-risk", at(2025, 10, 14, 10, 0)),
        ("escalation", "resolution-overdue", at(2025, 10, 14, 10, 0)),
        ("breach", "resolution", at(2025, 10, 13, 18, 0)),
    ]
    final = _sla(client, number)["escalation"]
    assert final["level"] == 1
    overdue = final["fired"][-1]
    assert (overdue["role"], overdue["contact_by"]) == ("主管", "2025-10-14T12:00:00+08:00")  # within 2 business hours
    assert scheduler.tick() == []  # each sent once


def test_the_loop_sleeps_exactly_until_the_next_change(client: TestClient, clock: ManualClock, desk: Helpdesk) -> None:
    """A P1 ticket nobody answers, Friday 17:00: the loop wakes at each instant slakit names, no other."""
    clock.set(at(2025, 9, 26, 17, 0))
    client.post("/tickets", json={"subject": "生产线停产，紧急"})  # high x high: P1
    scheduler = Scheduler(desk, idle=timedelta(days=30))
    stop = asyncio.Event()
    woke: list[datetime] = []

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        woke.append(clock.now())
        if clock.now() >= at(2025, 9, 29, 9, 0):
            stop.set()

    asyncio.run(scheduler.run(stop, sleep))
    # P1 response 2h from Friday 17:00: Friday 1h, make-up Sunday 28 September 1h -> due Sunday 10:00;
    # at risk (75% = 1h30m) Sunday 09:30; breached 10:00:00.000001
    assert [t.astimezone(SH) for t in woke[:2]] == [at(2025, 9, 28, 9, 30), at(2025, 9, 28, 10, 0, 0, 1)]
    sent = _sent(client)
    assert ("breach", "response", "2025-09-28T10:00:00+08:00") in sent
    assert len(sent) == len(set(sent))  # nothing twice
