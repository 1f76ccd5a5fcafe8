"""slakit: the service rules of a support team as a pure-Python library.

Business-hours calendars, SLA deadlines, priorities, escalation, ticket numbers and survey scoring.
Each capability lives in its own package (``slakit.calendar``, ``slakit.sla``, ...); a whole policy
file is a :class:`ServicePolicy` (``slakit.policy``). The names most hosts need are re-exported here.
"""

from slakit.durations import format_duration, parse_duration
from slakit.errors import (
    ConfigError,
    InvalidSurveyResponseError,
    InvalidTicketNumberError,
    NaiveDatetimeError,
    SequenceExhaustedError,
    SlakitError,
    UnsatisfiableError,
)
from slakit.policy import ServicePolicy, ServicePolicyConfig

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "InvalidSurveyResponseError",
    "InvalidTicketNumberError",
    "NaiveDatetimeError",
    "SequenceExhaustedError",
    "ServicePolicy",
    "ServicePolicyConfig",
    "SlakitError",
    "UnsatisfiableError",
    "__version__",
    "format_duration",
    "parse_duration",
]
