"""The JSON shapes of slakit's values, and the conversions every ``to_dict``/``from_dict`` shares.

Each ``to_dict()`` returns one of the TypedDicts below; :mod:`slakit.schema` publishes their JSON
Schemas (pydantic generates them from these very classes, so a field added here appears there).
The rules of the JSON form (docs/sla.md, "JSON"):

- an instant is an ISO 8601 string with its UTC offset, microseconds kept (``2025-10-09T10:00:00+08:00``);
- a duration is ``{"seconds": 5400.0, "text": "1h30m"}``: ``seconds`` a number (exact to the microsecond
  below 10**9 seconds), ``text`` the compact form :func:`slakit.format_duration` writes (exact at any
  length); :func:`duration_from_json` reads ``text`` and checks that ``seconds`` agrees;
- an enum is its value (``"breached"``); a Decimal is a string (``"3.67"``), so it comes back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, TypeVar

from dateutil import parser as date_parser
from pydantic import (
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    with_config,
)
from typing_extensions import TypedDict

from slakit._config import config_error_from
from slakit.durations import format_duration
from slakit.errors import ConfigError, NaiveDatetimeError
from slakit.instants import td_to_us

__all__ = [
    "AppliedExtensionDict",
    "DurationDict",
    "EscalationDict",
    "EscalationReportDict",
    "EventDict",
    "GapDict",
    "IgnoredExtensionDict",
    "MetricStatusDict",
    "SLAReportDict",
    "SurveyScoreDict",
    "TargetDict",
    "TicketDict",
    "duration_from_json",
    "duration_to_json",
    "instant_from_json",
    "instant_to_json",
    "json_ready",
    "read_shape",
]

_FORBID = ConfigDict(extra="forbid")

Instant = Annotated[
    str,
    Field(
        json_schema_extra={"format": "date-time"},
        description="an ISO 8601 date-time with its UTC offset, e.g. 2025-10-09T10:00:00.250000+08:00",
    ),
]
DecimalText = Annotated[
    str,
    Field(pattern=r"^-?\d+(\.\d+)?$", description="a decimal number written as a string, e.g. '3.67'"),
]
_METRIC_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
MetricName = Annotated[
    str,
    StringConstraints(pattern=_METRIC_PATTERN),
    # the pattern inside allOf: as a mapping's key, a bare pattern would become patternProperties, which lets
    # a key that does not match through (JSON Schema checks only the keys that match a pattern)
    WithJsonSchema(
        {
            "type": "string",
            "allOf": [{"pattern": _METRIC_PATTERN}],
            "examples": ["response", "acknowledge", "update", "resolution"],
            "description": (
                "a metric's name: response, acknowledge, update, resolution, or one the policy's 'metrics' "
                "section defines (letters, digits and underscores, starting with a letter)"
            ),
        }
    ),
]


@with_config(_FORBID)
class DurationDict(TypedDict):
    """A duration: ``{"seconds": 5400.0, "text": "1h30m"}``."""

    seconds: Annotated[float, Field(description="the duration in seconds (negative once past a deadline)")]
    text: Annotated[str, Field(description="the compact form slakit.format_duration writes, e.g. 1h30m")]


@with_config(_FORBID)
class EventDict(TypedDict):
    """An event as :meth:`slakit.sla.Event.to_dict` writes it: ``at`` and ``type``, then only the fields
    that differ from their defaults."""

    at: Instant
    type: Literal[
        "reply", "note", "status", "assign", "acknowledge", "priority", "resolve", "reopen", "close", "complaint",
        "extend",
    ]  # fmt: skip
    author: NotRequired[Literal["agent", "customer"] | None]
    public: NotRequired[bool]
    status: NotRequired[str | None]
    assignee: NotRequired[str | None]
    priority: NotRequired[str | None]
    metric: NotRequired[MetricName | None]
    until: NotRequired[Instant | None]
    reason: NotRequired[str | None]
    customer_agreed: NotRequired[bool]
    id: NotRequired[Annotated[str, Field(min_length=1, max_length=1000)] | None]
    meta: NotRequired[Annotated[dict[str, JsonValue], Field(description="the host's own JSON data")]]


@with_config(_FORBID)
class TicketDict(TypedDict):
    """A ticket as :meth:`slakit.sla.Ticket.to_dict` writes it."""

    id: str
    created_at: Instant
    priority: str
    category: str | None
    channel: str | None
    product: str | None
    customer: str | None
    affected_customers: Annotated[int, Field(ge=0)]
    flags: list[str]
    events: list[EventDict]
    subject: str | None
    attributes: NotRequired[dict[str, str | int | float | bool]]


@with_config(_FORBID)
class GapDict(TypedDict):
    """An update gap over target."""

    started_at: Instant
    ended_at: Instant | None
    elapsed: DurationDict
    breached_at: Instant
    overdue: DurationDict


@with_config(_FORBID)
class AppliedExtensionDict(TypedDict):
    """An extension that moved a deadline: the event and the target it made."""

    event: EventDict
    target: DurationDict


@with_config(_FORBID)
class IgnoredExtensionDict(TypedDict):
    """An extension that changed nothing, and why."""

    event: EventDict
    reason: str


@with_config(_FORBID)
class MetricStatusDict(TypedDict):
    """One metric's status, as :meth:`slakit.sla.MetricStatus.to_dict` writes it."""

    metric: MetricName
    target: DurationDict
    state: Literal["pending", "running", "paused", "met", "breached"]
    deadline: Instant | None
    elapsed: DurationDict
    remaining: DurationDict
    at_risk: bool
    started_at: Instant | None
    completed_at: Instant | None
    breached_at: Instant | None
    clock: Annotated[str, Field(description="the calendar's name, or 24x7")]
    pausable: bool
    cycle: Annotated[int, Field(ge=0)]
    gaps: list[GapDict]
    extensions: list[AppliedExtensionDict]
    sla: Annotated[str | None, Field(description="the slas entry whose target applies (null: the priority's own)")]


@with_config(_FORBID)
class TargetDict(TypedDict):
    """The target a metric is measured against: its calendar by name (``24x7`` for calendar time)."""

    within: DurationDict
    clock: Annotated[str, Field(description="the calendar's name in the policy, or 24x7")]
    pausable: bool
    days: Annotated[
        int | None, Field(ge=0, description="a relative deadline's business days (null: a duration, `within`)")
    ]
    sla: Annotated[str | None, Field(description="the slas entry that gave the target (null: the priority's own)")]
    why: Annotated[str | None, Field(description="why that entry's `when` held")]


@with_config(_FORBID)
class SLAReportDict(TypedDict):
    """An SLA report, as :meth:`slakit.sla.SLAReport.to_dict` writes it."""

    ticket_id: str
    as_of: Instant
    priority: str
    metrics: dict[MetricName, MetricStatusDict]
    next_change_at: Instant | None
    cycles: list[dict[MetricName, MetricStatusDict]]
    ignored_extensions: list[IgnoredExtensionDict]
    targets: dict[MetricName, TargetDict]


@with_config(_FORBID)
class EscalationDict(TypedDict):
    """One escalation that fired."""

    rule: str
    level: Annotated[int, Field(ge=0)]
    role: str | None
    fired_at: Instant
    contact_by: Instant | None
    reason: str
    cycle: Annotated[int, Field(ge=0)]
    visible_at: Annotated[
        str, Field(json_schema_extra={"format": "date-time"}, description="the first instant an evaluation shows it")
    ]


@with_config(_FORBID)
class EscalationReportDict(TypedDict):
    """An escalation report, as :meth:`slakit.escalation.EscalationReport.to_dict` writes it."""

    ticket_id: str
    as_of: Instant
    fired: list[EscalationDict]
    level: Annotated[int, Field(ge=0)]
    next_at: Instant | None


@with_config(_FORBID)
class SurveyScoreDict(TypedDict):
    """A scored survey response, as :meth:`slakit.survey.SurveyScore.to_dict` writes it: Decimals as strings
    (``"3.67"``), whole-number answers as integers."""

    overall: DecimalText
    answers: dict[str, int | DecimalText]
    needs_follow_up: bool
    follow_up_below: DecimalText | None
    skipped: list[str]
    meta: dict[str, JsonValue]


# -- conversions -----------------------------------------------------------------------------------------


def instant_to_json(value: datetime) -> str:
    """An aware datetime as ISO 8601 with its offset (microseconds kept when there are any)."""
    return value.isoformat()


def instant_from_json(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with an offset, as an aware datetime (the offset kept as a fixed zone)."""
    if isinstance(value, str):
        try:
            parsed = date_parser.isoparse(value)
        except (ValueError, OverflowError):
            pass
        else:
            if parsed.tzinfo is None or parsed.utcoffset() is None:
                raise NaiveDatetimeError.for_parameter(field, value)
            return parsed
    raise ConfigError.for_value(field, value, "an ISO 8601 date-time with an offset, e.g. 2025-10-09T10:00:00+08:00")


def duration_to_json(value: timedelta) -> DurationDict:
    """``{"seconds": ..., "text": ...}`` of a duration (``seconds`` the correctly rounded float of the exact
    value, so it gives back the microseconds below 10**9 seconds)."""
    return {"seconds": td_to_us(value) / 1_000_000, "text": format_duration(value)}


_TEXT = re.compile(r"(-)?(?:(\d+)h)?(?:([0-5]?\d)m)?(?:([0-5]?\d)(?:\.(\d{1,6}))?s)?", re.ASCII)


def duration_from_json(value: Any, field: str) -> timedelta:
    """The duration :func:`duration_to_json` wrote: exact from ``text``, which ``seconds`` must agree with."""
    expected = "a duration such as {'seconds': 5400.0, 'text': '1h30m'}"
    if not isinstance(value, Mapping) or set(value) != {"seconds", "text"}:
        raise ConfigError.for_value(field, value, expected)
    text, seconds = value["text"], value["seconds"]
    match = _TEXT.fullmatch(text) if isinstance(text, str) and len(text) <= 40 else None
    if match is None or not text.lstrip("-"):
        raise ConfigError.for_value(f"{field}.text", text, "a duration as slakit.format_duration writes it, e.g. 1h30m")
    sign, hours, minutes, whole, fraction = match.groups()
    us = ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(whole or 0)) * 1_000_000
    us += int((fraction or "").ljust(6, "0") or 0)
    us = -us if sign else us
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or us / 1_000_000 != seconds:
        raise ConfigError.for_value(f"{field}.seconds", seconds, f"{us / 1_000_000!r}, the seconds of text {text!r}")
    try:
        return timedelta(microseconds=us)
    except OverflowError:
        raise ConfigError.for_value(f"{field}.text", text, "a duration a timedelta holds") from None


def json_ready(value: Any, field: str) -> JsonValue:
    """``value`` as JSON data: JSON types as they are (tuples as lists), dates and datetimes as ISO 8601
    strings, Decimals as strings; anything else is a ConfigError naming ``field``."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError.for_value(field, value, "a finite number (JSON has no NaN or infinity)")
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError.for_value(f"{field} key", key, "a string")
            out[key] = json_ready(item, f"{field}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [json_ready(item, f"{field}[{i}]") for i, item in enumerate(value)]
    raise ConfigError.for_value(field, value, "JSON data: a string, number, true/false, null, list or mapping")


ShapeT = TypeVar("ShapeT")


def read_shape(adapter: TypeAdapter[ShapeT], data: Any, *, what: str) -> ShapeT:
    """``data`` checked against a shape (strictly: no type is converted, no unknown key allowed);
    a ConfigError naming each path and value otherwise."""
    try:
        return adapter.validate_python(data, strict=True)
    except ValidationError as exc:
        raise config_error_from(exc, what=what) from None
