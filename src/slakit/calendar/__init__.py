"""Business-hours calendars: open time, deadlines and next openings in any IANA zone.

See docs/calendar.md. The one class most code needs is :class:`BusinessCalendar`.
"""

from slakit.calendar.business_calendar import HORIZON_YEARS, BusinessCalendar, Ruler, Rulers
from slakit.calendar.config import CalendarConfig, HolidaySource
from slakit.calendar.days import DayKind, DaySchedule
from slakit.calendar.hours import TimeRange

__all__ = [
    "HORIZON_YEARS",
    "BusinessCalendar",
    "CalendarConfig",
    "DayKind",
    "DaySchedule",
    "HolidaySource",
    "Ruler",
    "Rulers",
    "TimeRange",
]
