"""The SLA clock: policies, tickets with their events, and ``evaluate`` (see docs/sla.md).

The core underneath ``evaluate`` is public too: :func:`build_timeline` (events -> facts) and
:func:`measure` (facts -> every clock, in integer microseconds); docs/design.md shows how they fit.
"""

from slakit.sla.clocks import Measurement, MetricFigures, measure
from slakit.sla.definitions import BUILT_IN, MATCHER_EVENTS, Matcher, MetricConfig, MetricDefinition
from slakit.sla.engine import evaluate
from slakit.sla.policy import (
    METRICS,
    HoldsPolicy,
    Metric,
    Plan,
    Policy,
    PolicyConfig,
    PriorityConfig,
    Sla,
    SlaConfig,
    Target,
    TargetConfig,
    TicketCondition,
)
from slakit.sla.report import (
    AppliedExtension,
    Gap,
    IgnoredExtension,
    MetricState,
    MetricStatus,
    SLAReport,
    Trace,
)
from slakit.sla.ticket import EVENT_TYPES, Attributes, AttributeValue, Event, EventType, Ticket
from slakit.sla.timeline import Timeline, build_timeline

__all__ = [
    "BUILT_IN",
    "EVENT_TYPES",
    "MATCHER_EVENTS",
    "METRICS",
    "AppliedExtension",
    "AttributeValue",
    "Attributes",
    "Event",
    "EventType",
    "Gap",
    "HoldsPolicy",
    "IgnoredExtension",
    "Matcher",
    "Measurement",
    "Metric",
    "MetricConfig",
    "MetricDefinition",
    "MetricFigures",
    "MetricState",
    "MetricStatus",
    "Plan",
    "Policy",
    "PolicyConfig",
    "PriorityConfig",
    "SLAReport",
    "Sla",
    "SlaConfig",
    "Target",
    "TargetConfig",
    "Ticket",
    "TicketCondition",
    "Timeline",
    "Trace",
    "build_timeline",
    "evaluate",
    "measure",
]
