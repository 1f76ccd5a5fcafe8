"""The tables: tickets, their events, survey answers and the notifications the scheduler sent.

Instants are stored as ISO 8601 text with their offset (microseconds kept), so a ticket created at
09:00+08:00 reads back as 09:00+08:00; the scheduler's wake-up time is stored as epoch
microseconds (an integer column sorts and compares correctly, text with mixed offsets would not).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, create_engine
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from sqlalchemy.types import TypeDecorator


class Instant(TypeDecorator[datetime]):
    """An aware datetime as ISO 8601 text with its offset."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"instants must be timezone-aware (got {value.isoformat()})")
        return value.isoformat()

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class Base(DeclarativeBase):
    pass


class TicketRow(Base):
    __tablename__ = "tickets"

    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Instant())
    priority: Mapped[str] = mapped_column(String(20))  # at creation; later changes are priority events
    impact: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    customer: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(20))
    # the scheduler's state: what it last looked at, and when it must look again (None: nothing runs)
    checked_at: Mapped[datetime | None] = mapped_column(Instant())
    wake_us: Mapped[int | None] = mapped_column(Integer, index=True)

    events: Mapped[list[EventRow]] = relationship(order_by="EventRow.id", cascade="all, delete-orphan")
    survey: Mapped[SurveyRow | None] = relationship(cascade="all, delete-orphan")


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_number: Mapped[str] = mapped_column(ForeignKey("tickets.number"), index=True)
    # one event as slakit's Ticket.to_dict() writes it: {"at": ISO 8601, "type": ..., other fields}
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SurveyRow(Base):
    __tablename__ = "surveys"

    ticket_number: Mapped[str] = mapped_column(ForeignKey("tickets.number"), primary_key=True)
    answered_at: Mapped[datetime] = mapped_column(Instant())
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class NotificationRow(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_number: Mapped[str] = mapped_column(ForeignKey("tickets.number"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "escalation" or "breach"
    name: Mapped[str] = mapped_column(String(100))  # the rule or the metric
    at: Mapped[datetime] = mapped_column(Instant())  # when it happened (fired_at, breached_at)
    sent_at: Mapped[datetime] = mapped_column(Instant())  # when the scheduler saw it
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


def connect(url: str) -> sessionmaker[Session]:
    """A factory of units of work on ``url`` (``sqlite:///helpdesk.db``), with the tables created."""
    # FastAPI runs plain `def` endpoints in a thread pool: let SQLite connections cross threads
    # (each request still has its own unit of work, and SQLite serialises the writes).
    options = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine: Engine = create_engine(url, connect_args=options)
    Base.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)
