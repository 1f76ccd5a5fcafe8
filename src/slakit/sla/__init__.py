"""The SLA clock: policies, tickets with their events, and ``evaluate`` (see docs/sla.md)."""

from slakit.sla.engine import evaluate
from slakit.sla.policy import METRICS, Metric, Policy, PolicyConfig, PriorityConfig, Target, TargetConfig
from slakit.sla.report import (
    AppliedExtension,
    Gap,
    IgnoredExtension,
    MetricState,
    MetricStatus,
    SLAReport,
    Trace,
)
from slakit.sla.ticket import EVENT_TYPES, Event, EventType, Ticket

__all__ = [
    "EVENT_TYPES",
    "METRICS",
    "AppliedExtension",
    "Event",
    "EventType",
    "Gap",
    "IgnoredExtension",
    "Metric",
    "MetricState",
    "MetricStatus",
    "Policy",
    "PolicyConfig",
    "PriorityConfig",
    "SLAReport",
    "Target",
    "TargetConfig",
    "Ticket",
    "Trace",
    "evaluate",
]
