"""The calendar's configuration as a validated, immutable pydantic model."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["CalendarConfig", "HolidaySource"]


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _country_shorthand(value: Any) -> Any:
    return {"country": value} if isinstance(value, str) else value


Intervals = Annotated[tuple[str, ...], BeforeValidator(_listify, json_schema_input_type=str | list[str])]


class HolidaySource(BaseModel):
    """Public holidays (and make-up workdays) from the ``holidays`` package."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    country: str = Field(description="ISO 3166 code the holidays package knows, e.g. 'CN'")
    subdivision: str | None = Field(default=None, description="state or province code, e.g. 'CA'")
    categories: tuple[str, ...] | None = Field(
        default=None, description="holiday categories; None means the package's default ('public')"
    )


class CalendarConfig(BaseModel):
    """Everything a :class:`~slakit.calendar.BusinessCalendar` is built from.

    Keys: ``timezone`` (IANA name), ``hours`` (weekday key -> intervals), ``workday_hours``
    (hours of make-up and extra workdays when Monday-Friday differ), ``holidays``
    (``{country, subdivision, categories}`` or just ``"CN"``), ``extra_holidays``,
    ``extra_workdays`` and ``special_hours`` (date -> intervals, overriding all else).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str
    hours: dict[str, Intervals] = Field(default_factory=dict)
    workday_hours: Intervals | None = None
    holidays: Annotated[
        HolidaySource | None, BeforeValidator(_country_shorthand, json_schema_input_type=HolidaySource | str | None)
    ] = None
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    special_hours: dict[date, Intervals] = Field(default_factory=dict)
