"""The pytest plugin: a ``slakit_policy`` fixture and ``--slakit-check`` compliance runs over exports.

Registered through the ``pytest11`` entry point as ``slakit.testing`` (so it loads automatically
when slakit is installed, and ``pytest -p slakit.testing`` is the same plugin, never loaded twice).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from dateutil import parser as date_parser

from slakit import presets
from slakit.errors import SlakitError
from slakit.policy import ServicePolicy
from slakit.sla import MetricState, Ticket
from slakit.testing.assertions import describe_status

if TYPE_CHECKING:  # the batch is imported when a check runs, not whenever pytest loads the plugin
    from slakit.batch.records import Rejected

__all__ = ["load_policy", "slakit_policy"]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--slakit-check FILE``, ``--slakit-policy``, ``--slakit-as-of``, how to read the files, the ini option."""
    group = parser.getgroup("slakit", "SLA compliance checks with slakit")
    group.addoption(
        "--slakit-check",
        action="append",
        default=[],
        metavar="FILE",
        help="turn each ticket of an export (CSV, TSV or JSONL, optionally .gz: what slakit.batch.read reads) into "
        "a test that fails when an SLA metric is breached",
    )
    group.addoption(
        "--slakit-policy",
        metavar="POLICY",
        help="policy file or preset name for --slakit-check (default: the slakit_policy ini option)",
    )
    group.addoption(
        "--slakit-as-of",
        metavar="INSTANT",
        help="evaluate as of this ISO 8601 instant with an offset (default: the time the run starts)",
    )
    group.addoption(
        "--slakit-map",
        action="append",
        default=[],
        metavar="NAME=HEADER,...",
        help="as slakit evaluate --map: slakit's column names to the file's headers (repeatable)",
    )
    group.addoption(
        "--slakit-map-values",
        action="append",
        default=[],
        metavar="COLUMN:VALUE=TARGET,...",
        help="as slakit evaluate --map-values: the file's values of priority, channel or category (repeatable)",
    )
    group.addoption("--slakit-assume-tz", metavar="ZONE", help="as slakit evaluate --assume-tz")
    group.addoption("--slakit-date-order", metavar="dmy|mdy|ymd", help="as slakit evaluate --date-order")
    group.addoption("--slakit-date-format", metavar="STRPTIME", help="as slakit evaluate --date-format")
    group.addoption("--slakit-encoding", default="utf-8-sig", help="as slakit evaluate --encoding")
    parser.addini(
        "slakit_policy",
        "policy file (relative to the rootdir) or preset name for the slakit_policy fixture and --slakit-check",
    )


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
    """Append one item per row of each ``--slakit-check`` file."""
    files: list[str] = config.getoption("slakit_check")
    if not files:
        return
    policy = _check_policy(config)
    as_of = _as_of(config.getoption("slakit_as_of"))
    reading = _reading(config, policy)
    for name in files:
        export = TicketExport.from_parent(
            session, path=Path(name).resolve(), policy=policy, as_of=as_of, reading=reading
        )
        items.extend(export.collect())


def _check_policy(config: pytest.Config) -> ServicePolicy:
    """``--slakit-policy`` (relative to the working directory), else the ``slakit_policy`` ini option (rootdir)."""
    source, base, named = config.getoption("slakit_policy"), Path.cwd(), "--slakit-policy"
    if not source:
        source, base, named = config.getini("slakit_policy"), config.rootpath, "slakit_policy (ini)"
    if not source:
        raise pytest.UsageError(
            "--slakit-check needs a policy: --slakit-policy FILE|PRESET, or `slakit_policy = <path or preset>` in "
            f"the pytest configuration; presets: {', '.join(presets.names())}"
        )
    try:
        return load_policy(str(source), base=base)
    except SlakitError as exc:
        raise pytest.UsageError(f"{named} {source!r}: {exc}") from exc


def _reading(config: pytest.Config, policy: ServicePolicy) -> dict[str, Any]:
    """How the files are read: ``slakit.batch.read``'s options, from the command line as ``slakit evaluate``'s."""
    from slakit.batch.options import parse_column_map, parse_value_map
    from slakit.batch.values import Priorities, ValueMap

    try:
        column_map: dict[str, str] = {}
        for text in config.getoption("slakit_map"):
            column_map.update(parse_column_map(text))
        value_map: dict[str, dict[str, str]] = {}
        for text in config.getoption("slakit_map_values"):
            for column, pairs in parse_value_map(text).items():
                value_map.setdefault(column, {}).update(pairs)
        Priorities.of(policy.sla).check(ValueMap.of(value_map))
    except SlakitError as exc:
        raise pytest.UsageError(f"--slakit-check: {exc}") from exc
    return {
        "column_map": column_map or None,
        "value_map": value_map or None,
        "assume_tz": config.getoption("slakit_assume_tz"),
        "date_order": config.getoption("slakit_date_order"),
        "date_format": config.getoption("slakit_date_format"),
        "encoding": config.getoption("slakit_encoding"),
    }


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
    """An export of tickets, read by :func:`slakit.batch.read` (CSV, TSV, JSONL, optionally gzipped)."""

    def __init__(self, *, policy: ServicePolicy, as_of: datetime, reading: dict[str, Any], **kwargs: Any) -> None:
        from slakit.batch.evaluation import Evaluator

        super().__init__(**kwargs)
        self.policy = policy
        self.as_of = as_of
        self.reading = reading
        self.evaluator = Evaluator(policy, as_of)

    def collect(self) -> Iterator[pytest.Item]:
        """One item per row, named ``TICKET (line N)`` (``line N`` when the row has no id); a row that is not a
        ticket becomes a failing item, so that no row is lost. A file that cannot be read is a usage error."""
        from slakit.batch.reading import read
        from slakit.batch.records import InputTicket, Rejected

        try:
            rows = list(read(self.path, **self.reading))
        except SlakitError as exc:
            raise pytest.UsageError(f"--slakit-check {self.path}: {exc}") from exc
        except OSError as exc:
            raise pytest.UsageError(f"--slakit-check {self.path}: {exc.strerror or exc}") from exc
        for position, row in enumerate(rows, start=1):
            line = row.line if isinstance(row, Rejected | InputTicket) and row.line is not None else position
            ticket_id = row.id if isinstance(row, Rejected | Ticket) else None
            name = f"{ticket_id} (line {line})" if ticket_id else f"line {line}"
            yield TicketCheck.from_parent(self, name=name, row=row, line=line)


class TicketCheck(pytest.Item):
    """One row of an export: fails when any tracked metric of its ticket is breached as of the run's instant, or
    when the row is rejected (it is not a valid ticket, or the policy cannot evaluate it)."""

    def __init__(self, *, row: Ticket | Rejected, line: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.row = row
        self.line = line

    def runtest(self) -> None:
        """Evaluate the ticket as ``slakit.batch`` does; raise a ``SLACheckError`` listing the breached metrics."""
        parent = self.parent
        assert isinstance(parent, TicketExport)  # noqa: S101 -- items are only made by TicketExport
        result = parent.evaluator.evaluate(self.row, self.line)
        if result.rejection is not None:
            raise SLACheckError(f"line {self.line} is rejected ({result.rejection.kind}): {result.rejection.reason}")
        report = result.sla
        assert report is not None  # noqa: S101 -- an evaluated result has its report
        breached = [status for status in report.values() if status.state is MetricState.BREACHED]
        if breached:
            lines = [f"ticket {report.ticket_id!r} breached its SLA as of {parent.as_of.isoformat()}:"]
            lines += [f"  - {describe_status(status)}" for status in breached]
            raise SLACheckError("\n".join(lines) + "\n\n" + report.explain())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The breach explanation itself, without a Python traceback."""
        if isinstance(excinfo.value, SLACheckError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the ticket comes from."""
        return self.path, self.line - 1, f"slakit check: {self.name}"


class SLACheckError(AssertionError):
    """A ticket of a ``--slakit-check`` export breached its SLA or could not be read."""
