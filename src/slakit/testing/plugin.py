"""The pytest plugin: a ``slakit_policy`` fixture and ``--slakit-check`` compliance runs over exports.

Registered through the ``pytest11`` entry point as ``slakit.testing`` (so it loads automatically
when slakit is installed, and ``pytest -p slakit.testing`` is the same plugin, never loaded twice).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dateutil import parser as date_parser

from slakit import presets
from slakit.errors import SlakitError
from slakit.policy import ServicePolicy
from slakit.sla import MetricState, Ticket, evaluate
from slakit.testing.assertions import describe_status

__all__ = ["load_policy", "slakit_policy"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--slakit-check FILE``, ``--slakit-policy POLICY``, ``--slakit-as-of T`` and the ini option."""
    group = parser.getgroup("slakit", "SLA compliance checks with slakit")
    group.addoption(
        "--slakit-check",
        action="append",
        default=[],
        metavar="FILE",
        help="turn each ticket of a JSONL export into a test that fails when an SLA metric is breached",
    )
    group.addoption("--slakit-policy", metavar="POLICY", help="policy file or preset name for --slakit-check")
    group.addoption(
        "--slakit-as-of",
        metavar="INSTANT",
        help="evaluate as of this ISO 8601 instant with an offset (default: the time the run starts)",
    )
    parser.addini("slakit_policy", "policy file (relative to the rootdir) or preset name for the slakit_policy fixture")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``slakit_policy`` marker."""
    config.addinivalue_line(
        "markers", "slakit_policy(path_or_preset): the policy the slakit_policy fixture gives this test"
    )


def load_policy(source: str, *, base: Path | None = None) -> ServicePolicy:
    """A preset by name, else a policy file (relative paths against ``base``)."""
    if source in presets.names():
        return presets.load(source)
    path = Path(source)
    if not path.is_absolute() and base is not None:
        path = base / path
    return ServicePolicy.load(path)


@pytest.fixture
def slakit_policy(request: pytest.FixtureRequest) -> ServicePolicy:
    """The policy named by ``@pytest.mark.slakit_policy(...)``, else by the ``slakit_policy`` ini option."""
    marker = request.node.get_closest_marker("slakit_policy")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str):
            raise pytest.UsageError("@pytest.mark.slakit_policy takes one argument: a policy path or a preset name")
        return load_policy(marker.args[0], base=request.path.parent)
    configured = request.config.getini("slakit_policy")
    if configured:
        return load_policy(str(configured), base=request.config.rootpath)
    raise pytest.UsageError(
        "the slakit_policy fixture needs a policy: set `slakit_policy = <path or preset>` in the pytest "
        f"configuration or mark the test with @pytest.mark.slakit_policy(...); presets: {', '.join(presets.names())}"
    )


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Append one item per ticket of each ``--slakit-check`` file."""
    files: list[str] = config.getoption("slakit_check")
    if not files:
        return
    source = config.getoption("slakit_policy")
    if not source:
        raise pytest.UsageError("--slakit-check needs --slakit-policy FILE|PRESET")
    try:
        policy = load_policy(source, base=Path.cwd())
    except SlakitError as exc:
        raise pytest.UsageError(f"--slakit-policy {source!r}: {exc}") from exc
    as_of = _as_of(config.getoption("slakit_as_of"))
    for name in files:
        export = TicketExport.from_parent(session, path=Path(name).resolve(), policy=policy, as_of=as_of)
        items.extend(export.collect())


def _as_of(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)  # wall-clock ok: the boundary where a test run decides what "now" is
    try:
        value = date_parser.isoparse(text)
    except ValueError as exc:
        raise pytest.UsageError(f"--slakit-as-of must be an ISO 8601 instant (got {text!r})") from exc
    if value.tzinfo is None:
        raise pytest.UsageError(f"--slakit-as-of needs a UTC offset, e.g. {text}+08:00 (got {text!r})")
    return value


class TicketExport(pytest.File):
    """A JSONL export of tickets (one ``Ticket.to_dict()`` object per line)."""

    def __init__(self, *, policy: ServicePolicy, as_of: datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.as_of = as_of

    def collect(self) -> Iterator[pytest.Item]:
        """One item per non-blank line; a line that is not a ticket becomes a failing item."""
        if self.path.suffix.lower() == ".csv":
            raise pytest.UsageError(
                f"{self.path}: CSV exports need slakit.batch, which this version does not have yet; use JSONL"
            )
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise pytest.UsageError(f"--slakit-check {self.path}: {exc.strerror or exc}") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            ticket, problem = _read_ticket(line)
            name = ticket.id if ticket is not None else f"line {number}"
            yield TicketCheck.from_parent(self, name=f"{name} (line {number})", ticket=ticket, problem=problem)


def _read_ticket(line: str) -> tuple[Ticket | None, str | None]:
    try:
        data = json.loads(line)
        if not isinstance(data, dict):
            return None, f"a line must hold a JSON object (got {type(data).__name__})"
        return Ticket.from_dict(data), None
    except (ValueError, SlakitError, TypeError) as exc:
        return None, str(exc)


class TicketCheck(pytest.Item):
    """One ticket of an export: fails when any tracked metric is breached as of the run's instant."""

    def __init__(self, *, ticket: Ticket | None, problem: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ticket = ticket
        self.problem = problem

    def runtest(self) -> None:
        """Evaluate the ticket; raise a ``SLABreach`` listing the breached metrics."""
        parent = self.parent
        assert isinstance(parent, TicketExport)  # noqa: S101 -- items are only made by TicketExport
        if self.ticket is None:
            raise SLACheckError(f"not a ticket: {self.problem}")
        try:
            report = evaluate(self.ticket, parent.policy, as_of=parent.as_of)
        except SlakitError as exc:
            raise SLACheckError(str(exc)) from exc
        breached = [status for status in report.values() if status.state is MetricState.BREACHED]
        if breached:
            lines = [f"ticket {self.ticket.id!r} breached its SLA as of {parent.as_of.isoformat()}:"]
            lines += [f"  - {describe_status(status)}" for status in breached]
            raise SLACheckError("\n".join(lines) + "\n\n" + report.explain())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The breach explanation itself, without a Python traceback."""
        if isinstance(excinfo.value, SLACheckError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the ticket comes from."""
        return self.path, None, f"slakit check: {self.name}"


class SLACheckError(AssertionError):
    """A ticket of a ``--slakit-check`` export breached its SLA or could not be read."""
