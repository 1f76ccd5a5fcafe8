"""The HTTP API (FastAPI). Run it with `uvicorn helpdesk.app:app` from examples/helpdesk.

    POST /tickets                      create: number, category and priority from the text
    GET  /tickets/{number}             the ticket and its events (slakit's Ticket.to_dict())
    POST /tickets/{number}/events      record an event happening now: reply, note, assign, acknowledge,
                                       status (pause/resume), priority, resolve, close, reopen,
                                       complaint, extend (with the customer's consent)
    GET  /tickets/{number}/sla         the SLA and escalation reports as of now, as JSON
    POST /tickets/{number}/survey      the customer's survey answers (once, after resolution)
    GET  /notifications                what the scheduler sent, oldest first

Errors: a bad request is 422 with slakit's message (it names the field, the value and what would be
accepted), an unknown ticket 404, a request the ticket's state does not allow 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from helpdesk.clock import Clock, SystemClock
from helpdesk.db import NotificationRow, connect
from helpdesk.reports import report_json
from helpdesk.scheduler import Scheduler
from helpdesk.service import ConflictError, Evaluation, Helpdesk, NotFoundError
from slakit import ServicePolicy, presets
from slakit.errors import SlakitError


class NewTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    customer: str | None = None
    channel: Literal["phone", "email", "web", "chat"] | None = None
    impact: str | None = None  # high | medium | low; from the text when absent
    urgency: str | None = None


class NewEvent(BaseModel):
    """One event, as slakit's Event takes it; the instant is the server's "now"."""

    model_config = ConfigDict(extra="forbid")

    type: str
    author: Literal["agent", "customer"] | None = None
    public: bool = True
    status: str | None = None
    assignee: str | None = None
    priority: str | None = None
    metric: str | None = None
    until: datetime | None = None
    reason: str | None = None
    customer_agreed: bool = False
    meta: dict[str, Any] = Field(default_factory=dict)  # small JSON data kept with the event (message id, ...)


class SurveyAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, int | str | None]


def _report(evaluation: Evaluation) -> dict[str, Any]:
    return report_json(evaluation.sla, evaluation.escalation, evaluation.survey)


def create_app(desk: Helpdesk, *, run_scheduler: bool = False) -> FastAPI:
    """The app around ``desk``; with ``run_scheduler`` the timer loop runs beside it."""
    scheduler = Scheduler(desk)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(scheduler.run(stop)) if run_scheduler else None
        yield
        stop.set()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="helpdesk (slakit example)", lifespan=lifespan)
    app.state.desk = desk
    app.state.scheduler = scheduler

    @app.exception_handler(SlakitError)
    async def refused(request: Request, exc: SlakitError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)

    @app.post("/tickets", status_code=201)
    def create_ticket(body: NewTicket) -> dict[str, Any]:
        row, found = desk.create_ticket(**body.model_dump())
        return {
            "number": row.number,
            "priority": found.priority,
            "category": found.category,
            "impact": found.impact,
            "urgency": found.urgency,
            "keywords": list(found.keywords),
            **_report(desk.evaluate(row.number)),
        }

    @app.get("/tickets/{number}")
    def get_ticket(number: str) -> dict[str, Any]:
        return desk.ticket(number).to_dict()

    @app.post("/tickets/{number}/events", status_code=201)
    def record_event(number: str, body: NewEvent) -> dict[str, Any]:
        fields = body.model_dump(exclude_defaults=True, exclude={"type"})
        return _report(desk.record(number, body.type, **fields))

    @app.get("/tickets/{number}/sla")
    def get_sla(number: str) -> dict[str, Any]:
        return _report(desk.evaluate(number))

    @app.post("/tickets/{number}/survey", status_code=201)
    def answer_survey(number: str, body: SurveyAnswers) -> dict[str, Any]:
        return dict(desk.answer_survey(number, body.answers).to_dict())

    @app.get("/notifications")
    def notifications() -> list[dict[str, Any]]:
        with desk.db() as tx:
            rows = tx.scalars(select(NotificationRow).order_by(NotificationRow.id)).all()
            return [
                {
                    "ticket": row.ticket_number,
                    "kind": row.kind,
                    "name": row.name,
                    "at": row.at.isoformat(),
                    "sent_at": row.sent_at.isoformat(),
                    "detail": row.detail,
                }
                for row in rows
            ]

    return app


def app_from_environment(clock: Clock | None = None) -> FastAPI:
    """The app as `uvicorn helpdesk.app:app` starts it: files in HELPDESK_DATA (default ./data),
    the policy in HELPDESK_POLICY (a preset name or a policy file; default p1-p3)."""
    data = Path(os.environ.get("HELPDESK_DATA", "data"))
    data.mkdir(parents=True, exist_ok=True)
    name = os.environ.get("HELPDESK_POLICY", "p1-p3")
    policy = presets.load(name) if name in presets.names() else ServicePolicy.load(name)
    desk = Helpdesk(policy, connect(f"sqlite:///{data / 'helpdesk.db'}"), clock or SystemClock(), data / "numbers.db")
    return create_app(desk, run_scheduler=True)


def __getattr__(name: str) -> FastAPI:
    # `uvicorn helpdesk.app:app`: built on first use, so importing this module (tests) opens no files
    if name == "app":
        return app_from_environment()
    raise AttributeError(name)
