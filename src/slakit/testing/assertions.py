"""Assertions for test suites: ``assert_sla_met`` and ``assert_sla_breached``, with readable failures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from slakit.durations import format_duration
from slakit.errors import ConfigError
from slakit.sla import METRICS, HoldsPolicy, MetricState, MetricStatus, Policy, SLAReport, Ticket, evaluate

__all__ = ["assert_sla_breached", "assert_sla_met", "describe_status"]


def assert_sla_met(
    ticket: Ticket, policy: HoldsPolicy | Policy, *, as_of: datetime, metrics: Iterable[str] | None = None
) -> SLAReport:
    """Assert that no tracked metric (or none of ``metrics``) is breached as of ``as_of``.

    Running, paused and pending metrics pass: they are not breached yet. Returns the report so a
    test can go on asserting. The failure message names each breached metric, its target,
    deadline, when it completed or how late it is, followed by ``report.explain()``.
    """
    report = evaluate(ticket, policy, as_of=as_of)
    breached = [status for status in _selected(report, metrics) if status.state is MetricState.BREACHED]
    if breached:
        raise AssertionError(_message(f"SLA breached for ticket {ticket.id!r}", report, breached))
    return report


def assert_sla_breached(
    ticket: Ticket, policy: HoldsPolicy | Policy, *, as_of: datetime, metrics: Iterable[str] | None = None
) -> SLAReport:
    """Assert that every metric in ``metrics`` is breached, or, without ``metrics``, that at least one is."""
    report = evaluate(ticket, policy, as_of=as_of)
    selected = _selected(report, metrics)
    not_breached = [status for status in selected if status.state is not MetricState.BREACHED]
    if (metrics is None and len(not_breached) == len(selected)) or (metrics is not None and not_breached):
        raise AssertionError(_message(f"SLA not breached for ticket {ticket.id!r}", report, not_breached))
    return report


def describe_status(status: MetricStatus) -> str:
    """One line: metric, target, clock, deadline and what happened."""
    line = f"{status.metric}: target {format_duration(status.target)} on {status.clock!r}, {status.state.value}"
    if status.deadline is not None:
        line += f", deadline {status.deadline.isoformat()}"
    if status.completed_at is not None:
        line += f", completed {status.completed_at.isoformat()}"
    if status.state is MetricState.BREACHED:
        breached_at = status.breached_at.isoformat() if status.breached_at else "?"
        line += f", breached at {breached_at} ({format_duration(status.overdue)} late)"
    elif status.deadline is not None:
        line += f", {format_duration(status.remaining)} left"
    return line


def _selected(report: SLAReport, metrics: Iterable[str] | None) -> list[MetricStatus]:
    if metrics is None:
        return list(report.values())
    chosen = list(metrics)
    for metric in chosen:
        if metric not in METRICS and metric not in report:  # a metric the policy defines is in its reports
            raise ConfigError.for_value(
                "metrics", metric, f"one of {', '.join(METRICS)}, or a metric the policy's 'metrics:' defines"
            )
        if metric not in report:
            raise AssertionError(
                f"metric {metric!r} is not tracked for ticket {report.ticket_id!r} "
                f"(priority {report.priority}); tracked: {', '.join(report) or 'none'}"
            )
    return [report[metric] for metric in chosen]


def _message(headline: str, report: SLAReport, statuses: list[MetricStatus]) -> str:
    lines = [f"{headline} as of {report.as_of.isoformat()} (priority {report.priority}):"]
    lines += [f"  - {describe_status(status)}" for status in statuses]
    return "\n".join(lines) + "\n\n" + report.explain()
