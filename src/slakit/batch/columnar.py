"""The columnar batch engine: a chunk of a flat export evaluated a column at a time (numpy and pyarrow).

It computes exactly what the row engine does (:mod:`slakit.batch.pipeline`), for the rows and policies it
covers (docs/performance.md, "The columnar engine"), and hands every other row to the row engine's own code:

- A chunk's text is read by Arrow's CSV reader only when it reads as the row engine's csv module would read it
  (UTF-8, no quote character, no blank line, every record one line with the header's number of fields);
  otherwise the whole chunk goes to the row engine.
- Each distinct cell value is read once by the row engine's own functions (``datetime.fromisoformat`` as
  :class:`~slakit.batch.flat.FlatLayout` tries it first, the same stripping, counts, priorities and survey
  scores), and spread over the rows with numpy; a row with any value the row engine would reject, warn about
  or read another way (an offset-less or non-ISO time, an event after ``as_of``, a reopen, contradicting
  cells) is not covered and goes to the row engine, in its place.
- Elapsed open time and deadlines come from the calendar's own open-interval table (start, end and cumulative
  open time of each open interval) with ``np.searchsorted``: the rule of :mod:`slakit.sla.track` for a clock
  that runs from its start to its stop or ``as_of`` without pauses (the deadline is the earliest instant by
  which the clock has counted its target; breached when the horizon is after it).
- Every text the outputs hold (instants, hours, cells made safe, JSON strings) is made once per distinct value
  by the row engine's own formatting, and the lines are joined by Arrow.
- The summary gets each group's counts at once (:meth:`~slakit.batch.accumulator.Accumulator.add_counts`).

The target of a metric is chosen per row (:func:`_targets`): today by the row's priority; a per-row
condition can choose it the same way.
"""

from __future__ import annotations

import importlib.util
import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slakit.batch import csv_safe
from slakit.batch.accumulator import BREACHES_SHOWN, HISTOGRAM, Accumulator, GroupCounts, periods_of
from slakit.batch.facts import US_PER_HOUR, BreachRow, Context
from slakit.batch.flat import FlatLayout, ProblemError, text_cell
from slakit.batch.output import quote_json, survey_json
from slakit.batch.reading import FileSpan
from slakit.errors import SlakitError, UnsatisfiableError
from slakit.instants import from_us, to_us
from slakit.sla import METRICS

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from slakit.batch.evaluation import Evaluator
    from slakit.calendar import BusinessCalendar
    from slakit.survey import SurveyScore

__all__ = ["ENGINES", "MISSING", "ChunkTexts", "Plan", "available", "plan_for"]

ENGINES = ("auto", "rows", "columnar")
"""What ``engine`` accepts (``run(engine=...)``, ``--engine``)."""
MISSING = "numpy and pyarrow are not installed (pip install 'slakit[batch]')"

_NONE = "(none)"
_BOUNDS = tuple(limit * US_PER_HOUR for _, limit in HISTOGRAM[:-1])
_EMPTY = -(1 << 63)  # an empty time cell
_BAD = _EMPTY + 1  # a cell the row engine must read
_LOW = to_us(datetime.fromisoformat("1900-01-01T00:00:00+00:00"))
_HIGH = to_us(datetime.fromisoformat("2200-01-01T00:00:00+00:00"))
_YEAR_US = 366 * 24 * US_PER_HOUR
_CACHE_LIMIT = 200_000
_TIMES = (
    "created_at",
    "assigned_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "reopened_at",
    "survey_at",
)
_STATE_TEXT = ("met", "breached", "running", "pending")
_MET, _BREACHED, _RUNNING, _PENDING = 0, 1, 2, 3
_CSV_SPECIAL = (",", '"', "\r", "\n")


def available() -> bool:
    """Whether numpy and pyarrow can be imported (the ``batch`` extra)."""
    return importlib.util.find_spec("numpy") is not None and importlib.util.find_spec("pyarrow") is not None


@dataclass(frozen=True, slots=True)
class ChunkTexts:
    """What a chunk gives: the UTF-8 bytes of each per-ticket file, and the rows the columnar engine evaluated."""

    results_csv: bytes
    results_jsonl: bytes
    rejected_csv: bytes
    breaches_csv: bytes
    warnings_csv: bytes
    rows: int
    columnar: int


RowTexts = tuple[str, str, str, str, str]
"""One row evaluated by the row engine: its results.csv and results.jsonl lines, rejected, breach and warning rows."""
RowPath = Callable[[Any, int, Accumulator], RowTexts]


class _Cache(dict[Hashable, Any]):
    """Values worked out once per distinct input, bounded."""

    def remember(self, key: Hashable, value: Any) -> Any:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


def plan_for(evaluator: Evaluator, context: Context, layout: FlatLayout | None, fmt: str, encoding: str) -> Plan | str:
    """The columnar plan of a run, or why the columnar engine covers none of its rows."""
    if not available():
        return MISSING
    if fmt != "csv" or layout is None:
        return "the input is not a flat CSV/TSV export (JSONL, tickets and DataFrames keep the row engine)"
    if evaluator.rules is not None:
        return "the policy has escalation rules (the columnar engine does not evaluate them yet)"
    if layout.values:
        return "a value map is given"
    if "first_response_after" in layout.index or "resolved_after" in layout.index:
        return "the export gives durations (first_response_after, resolved_after)"
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "utf8"):
        return f"the export's encoding is {encoding}, not UTF-8"
    sla = evaluator.sla_for(layout.measured)
    for targets in sla.targets.values():
        for target in targets.values():
            if target.within_us <= 0:
                return "a target is zero"
    return Plan(evaluator, context, layout)


class Plan:
    """Everything a chunk needs, worked out once per run (and per worker process)."""

    def __init__(self, evaluator: Evaluator, context: Context, layout: FlatLayout) -> None:
        self.evaluator = evaluator
        self.context = context
        self.layout = layout
        self.sla = evaluator.sla_for(layout.measured)
        self.metrics = tuple(context.metrics)
        self.zone = context.zone
        self.caches: dict[str, _Cache] = {}
        self.tables: dict[int, tuple[Any, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = {}

    def cache(self, name: str) -> _Cache:
        found = self.caches.get(name)
        if found is None:
            found = self.caches[name] = _Cache()
        return found

    def __getstate__(self) -> dict[str, Any]:
        return {"evaluator": self.evaluator, "context": self.context, "layout": self.layout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["evaluator"], state["context"], state["layout"])  # type: ignore[misc]

    # -- reading -----------------------------------------------------------------------------------

    def read(self, payload: str | bytes | FileSpan, delimiter: str) -> pa.Table | None:
        """The chunk as a table of text cells, when Arrow reads it as the row engine would (else None)."""
        import pyarrow as pa
        from pyarrow import csv as pacsv

        if isinstance(payload, FileSpan):
            payload = payload.read()
        if isinstance(payload, str):
            text = payload
            try:
                data = payload.encode()
            except UnicodeEncodeError:
                return None
        else:
            data = payload
            try:
                text = payload.decode()
            except UnicodeDecodeError:
                return None
        if not text or '"' in text or text.count("\r") != text.count("\r\n"):
            return None
        body = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
        if not body or "\n\n" in body or "\n\r\n" in body or body.startswith(("\n", "\r\n")) or body.endswith("\r"):
            return None
        lines = body.count("\n") + 1
        width = self.layout.width
        names = [f"c{i}" for i in range(width)]
        try:
            table = pacsv.read_csv(
                pa.BufferReader(data),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=max(len(data), 1) + 1),
                parse_options=pacsv.ParseOptions(
                    delimiter=delimiter, quote_char=False, newlines_in_values=False, ignore_empty_lines=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowException):
            return None
        if table.num_rows != lines:
            return None
        return table

    # -- a chunk -----------------------------------------------------------------------------------

    def chunk(
        self, payload: str | bytes | FileSpan, first: int, delimiter: str, summary: Accumulator, rows: RowPath
    ) -> ChunkTexts | None:
        """The chunk's texts, the columnar rows counted into ``summary`` and the others through ``rows`` (the row
        engine's path for one row); None when the chunk is not read here at all."""
        table = self.read(payload, delimiter)
        if table is None:
            return None
        return _Chunk(self, table, first).run(summary, rows)


class _Chunk:
    """One chunk being evaluated."""

    def __init__(self, plan: Plan, table: pa.Table, first: int) -> None:
        import numpy as np

        self.plan = plan
        self.table = table
        self.n = table.num_rows
        self.first = first
        self.ok = np.ones(self.n, dtype=bool)

    # the cells, one distinct value at a time

    def column(self, name: str) -> pa.Array | None:
        position = self.plan.layout.index.get(name)
        if position is None:
            return None
        return self.table.column(position).combine_chunks()

    def distinct(self, array: pa.Array) -> tuple[np.ndarray, list[str]]:
        """The indices of each row's value among the distinct values, and those values."""
        import numpy as np

        encoded = array.dictionary_encode()
        indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        return indices, encoded.dictionary.to_pylist()

    def mapped(self, name: str, cache: str, read: Callable[[str], Any], absent: Any) -> list[Any]:
        """``read`` of each distinct cell of column ``name`` per row (``absent`` for every row when the column is
        not there), remembered across chunks; :data:`_BAD` marks a cell the row engine must read."""
        array = self.column(name)
        if array is None:
            return [absent] * self.n
        indices, values = self.distinct(array)
        known = self.plan.cache(cache)
        results = []
        for value in values:
            found = known.get(value, known)
            if found is known:
                try:
                    found = read(value)
                except (ProblemError, SlakitError, ValueError, OverflowError):
                    found = _BAD
                known.remember(value, found)
            results.append(found)
        return [results[i] for i in indices.tolist()]

    def times(self, name: str) -> np.ndarray:
        """A time column as epoch µs (:data:`_EMPTY` for an empty cell); rows with another cell are not covered."""
        import numpy as np

        zone = self.plan.layout.zone

        def read(value: str) -> int:
            if value == "":
                return _EMPTY
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                if zone is None:
                    return _BAD
                parsed = parsed.replace(tzinfo=zone)
            us = to_us(parsed)
            return us if _LOW <= us < _HIGH else _BAD

        array = self.column(name)
        if array is None:
            return np.full(self.n, _EMPTY, dtype=np.int64)
        indices, values = self.distinct(array)
        known = self.plan.cache(f"time:{id(zone)}")
        found = np.empty(len(values), dtype=np.int64)
        for i, value in enumerate(values):
            us = known.get(value)
            if us is None:
                try:
                    us = read(value)
                except (ValueError, OverflowError):
                    us = _BAD
                known.remember(value, us)
            found[i] = us
        column = found[indices]
        self.ok &= column != _BAD
        return column

    # the chunk

    def run(self, summary: Accumulator, rows: RowPath) -> ChunkTexts:
        import numpy as np

        plan, layout, evaluator = self.plan, self.plan.layout, self.plan.evaluator
        n, ok = self.n, self.ok
        as_of = evaluator.as_of_us
        created, assigned, acknowledged, responded, resolved, reopened, _ = (self.times(name) for name in _TIMES)
        ids = self.mapped("id", "text", text_cell, None)
        priorities = self.mapped("priority", "priority", self._priority, None)
        replies_cell = self.mapped("agent_replies", "agent_replies", _counter("agent_replies", -1), -1)
        complaints = self.mapped("complaints", "complaints", _counter("complaints", 0), 0)
        affected = self.mapped("affected_customers", "affected_customers", _counter("affected_customers", 1), 1)
        agents = self.mapped("agent", "text", text_cell, None)
        surveys = self._surveys()
        for i in range(n):
            if (
                ids[i] is None
                or priorities[i] is None
                or priorities[i] is _BAD
                or replies_cell[i] is _BAD
                or complaints[i] is _BAD
                or affected[i] is _BAD
                or surveys[i] is _BAD
            ):
                ok[i] = False
        present = {
            name: column != _EMPTY
            for name, column in zip(
                _TIMES[:6], (created, assigned, acknowledged, responded, resolved, reopened), strict=True
            )
        }
        ok &= present["created_at"] & ~present["reopened_at"] & (created <= as_of)
        for name, column in zip(_TIMES[1:5], (assigned, acknowledged, responded, resolved), strict=True):
            has = present[name]
            ok &= ~has | ((column >= created) & (column <= as_of))
        survey_at = self.times("survey_at")
        ok &= (survey_at == _EMPTY) | (survey_at >= created)
        ok &= ~present["acknowledged_at"] | (present["assigned_at"] & (acknowledged >= assigned))
        replies_given = np.array([r if r is not _BAD else -1 for r in replies_cell], dtype=np.int64)
        ok &= ~((replies_given == 0) & present["first_response_at"])
        ok &= ~((replies_given > 0) & ~present["first_response_at"])
        agent_given = np.array([a is not None and a is not _BAD for a in agents], dtype=bool)
        ok &= ~(agent_given & ~present["assigned_at"])
        # the evaluation of the covered rows
        covered = np.nonzero(ok)[0]
        block = _Block(self, covered)
        block.evaluate(created, assigned, acknowledged, responded, resolved, replies_given, priorities, as_of)
        covered = block.covered  # rows whose deadlines lie past the calendar's table are the row engine's too
        ok[:] = False
        ok[covered] = True
        texts = block.texts(ids, priorities, agents, complaints, surveys, summary)
        return self._assemble(texts, covered, summary, rows)

    def _priority(self, value: str) -> str | None:
        text = text_cell(value)
        if text is None:
            return None
        sla = self.plan.sla
        return text if text in sla.priorities else self.plan.evaluator.priorities.code(text)

    def _surveys(self) -> list[Any]:
        """Each row's survey score (None without answers, :data:`_BAD` for answers the scheme refuses)."""
        layout, evaluator = self.plan.layout, self.plan.evaluator
        if not layout.survey:
            return [None] * self.n
        columns = [self.table.column(position).to_pylist() for _, position in layout.survey]
        names = [name for name, _ in layout.survey]
        known = self.plan.cache("survey")
        found: list[Any] = []
        for cells in zip(*columns, strict=True):
            score = known.get(cells, known)
            if score is known:
                answers = {name: cell.strip() for name, cell in zip(names, cells, strict=True) if cell.strip()}
                score = None
                if answers and evaluator.scheme is not None:
                    try:
                        score = evaluator.score(answers)
                    except SlakitError:
                        score = _BAD
                known.remember(cells, score)
            found.append(score)
        return found

    def _assemble(self, texts: _Texts, covered: np.ndarray, summary: Accumulator, rows: RowPath) -> ChunkTexts:
        """The chunk's files, the covered rows' texts and the others' (from the row engine) in input order."""
        n = self.n
        uncovered = sorted(set(range(n)) - set(covered.tolist()))
        results: list[str] = []
        jsonl: list[str] = []
        rejected: list[str] = []
        breaches: list[str] = []
        warnings: list[str] = []
        if uncovered:
            records = self.table.take(uncovered).to_pylist()
            width = self.plan.layout.width
            own: dict[int, RowTexts] = {}
            for position, record in zip(uncovered, records, strict=True):
                line = self.first + position
                cells = [record[f"c{i}"] for i in range(width)]
                item = self.plan.layout.ticket(cells, line)
                own[position] = rows(item, line, summary)
            csv_lines, json_lines, breach_lines = texts.results, texts.jsonl, texts.breaches
            at = 0
            for position in range(n):
                mine = own.get(position)
                if mine is None:
                    results.append(csv_lines[at])
                    jsonl.append(json_lines[at])
                    breaches.append(breach_lines[at])
                    at += 1
                else:
                    results.append(mine[0])
                    jsonl.append(mine[1])
                    rejected.append(mine[2])
                    breaches.append(mine[3])
                    warnings.append(mine[4])
            return ChunkTexts(
                "".join(results).encode(),
                "".join(jsonl).encode(),
                "".join(rejected).encode(),
                "".join(breaches).encode(),
                "".join(warnings).encode(),
                n,
                len(covered),
            )
        return ChunkTexts(
            "".join(texts.results).encode(),
            "".join(texts.jsonl).encode(),
            b"",
            "".join(texts.breaches).encode(),
            b"",
            n,
            len(covered),
        )


def _counter(name: str, default: int) -> Callable[[str], int]:
    def read(value: str) -> int:
        return FlatLayout.count_cell(value, name, default)

    return read


@dataclass(frozen=True, slots=True)
class _Texts:
    results: list[str]
    jsonl: list[str]
    breaches: list[str]


class _Block:
    """The covered rows of a chunk, evaluated."""

    def __init__(self, chunk: _Chunk, covered: np.ndarray) -> None:
        self.chunk = chunk
        self.plan = chunk.plan
        self.covered = covered

    def evaluate(
        self,
        created: np.ndarray,
        assigned: np.ndarray,
        acknowledged: np.ndarray,
        responded: np.ndarray,
        resolved: np.ndarray,
        replies_given: np.ndarray,
        priorities: list[Any],
        as_of: int,
    ) -> None:
        import numpy as np

        rows = self.covered
        self.created = created[rows]
        self.assigned = assigned[rows]
        self.acknowledged = acknowledged[rows]
        self.responded = responded[rows]
        self.resolved = resolved[rows]
        codes = [priorities[i] for i in rows.tolist()]
        self.codes = codes
        has_response = self.responded != _EMPTY
        has_resolve = self.resolved != _EMPTY
        given = replies_given[rows]
        self.replies = np.where(has_response, np.maximum(given, 1), 0)
        self.is_resolved = has_resolve
        wall = np.where(has_resolve, self.resolved - self.created, 0)
        self.wall = wall
        default = self.plan.context.calendar
        keep = np.ones(len(rows), dtype=bool)
        business, good = self._elapsed(default, self.created, np.where(has_resolve, self.resolved, self.created))
        keep &= good
        self.business = np.where(has_resolve, business, 0)
        # each metric: start, stop (None: still running), the target chosen per row
        starts_stops = {
            "response": (self.created, _stop(responded=self.responded, resolved=self.resolved, start=self.created)),
            "acknowledge": (
                self.assigned,
                _stop(
                    responded=self.acknowledged,
                    resolved=np.where(has_resolve, np.maximum(self.resolved, self.assigned), _EMPTY),
                    start=self.assigned,
                ),
            ),
            "resolution": (self.created, self.resolved),
        }
        self.figures: dict[str, dict[str, np.ndarray]] = {}
        for metric in METRICS:
            if metric not in starts_stops:
                continue
            within, clocks = _targets(self.plan, metric, codes)
            tracked = within > 0
            if not tracked.any():
                continue
            start, stop = starts_stops[metric]
            started = start != _EMPTY
            stopped = stop != _EMPTY
            horizon = np.where(stopped, stop, as_of)
            deadline = np.zeros(len(rows), dtype=np.int64)
            elapsed = np.zeros(len(rows), dtype=np.int64)
            for clock_id, calendar in clocks.items():
                mask = tracked & started & (clock_ids_of(clocks, codes, self.plan, metric) == clock_id)
                if not mask.any():
                    continue
                counted, good = self._elapsed(
                    calendar, np.where(mask, start, self.created), np.where(mask, horizon, self.created)
                )
                due, good_due = self._deadline(calendar, np.where(mask, start, self.created), within)
                keep &= ~mask | (good & good_due)
                elapsed = np.where(mask, counted, elapsed)
                deadline = np.where(mask, due, deadline)
            active = tracked & started
            breached = active & (horizon > deadline)
            state = np.full(len(rows), _PENDING, dtype=np.int64)
            state[active & stopped] = _MET
            state[active & ~stopped] = _RUNNING
            state[breached] = _BREACHED
            self.figures[metric] = {
                "tracked": tracked,
                "state": state,
                "deadline": np.where(active, deadline, _EMPTY),
                "completed": np.where(active & stopped, stop, _EMPTY),
                "elapsed": np.where(active, elapsed, 0),
                "remaining": np.where(active, within - elapsed, within),
            }
        if not keep.all():
            self._narrow(keep)

    def _narrow(self, keep: np.ndarray) -> None:
        self.covered = self.covered[keep]
        for name in (
            "created",
            "assigned",
            "acknowledged",
            "responded",
            "resolved",
            "replies",
            "is_resolved",
            "wall",
            "business",
        ):
            setattr(self, name, getattr(self, name)[keep])
        self.codes = [code for code, kept in zip(self.codes, keep.tolist(), strict=True) if kept]
        for figures in self.figures.values():
            for name in list(figures):
                figures[name] = figures[name][keep]

    def _table(self, calendar: BusinessCalendar) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The calendar's open intervals (starts, ends, cumulative open time before and at the end of each)
        covering this chunk's instants and a year past them, as numpy arrays."""
        import numpy as np

        chunk_low = int(self.created.min()) if len(self.created) else 0
        high = self.plan.evaluator.as_of_us + _YEAR_US
        known = self.plan.tables.get(id(calendar))
        if known is not None:
            table, arrays = known
            if table.lo <= chunk_low and high < table.hi:
                return arrays
        try:
            table = calendar.table_covering(chunk_low, high)
        except UnsatisfiableError:
            return None
        arrays = (
            np.asarray(table.starts, dtype=np.int64),
            np.asarray(table.ends, dtype=np.int64),
            np.asarray(table.cum, dtype=np.int64),
            np.asarray(table.cum_end, dtype=np.int64),
        )
        self.plan.tables[id(calendar)] = (table, arrays)
        return arrays

    def _position(self, arrays: tuple[np.ndarray, ...], t: np.ndarray) -> np.ndarray:
        """Open time before each instant ``t`` (``IntervalTable.open_before``)."""
        import numpy as np

        starts, ends, cum, _ = arrays
        i = np.searchsorted(starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        position = cum[safe] + np.minimum(t, ends[safe]) - starts[safe]
        return np.where(i < 0, 0, position)

    def _elapsed(self, calendar: BusinessCalendar, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Open time from ``a`` to ``b``, and where the table covers both."""
        import numpy as np

        arrays = self._table(calendar)
        if arrays is None:
            return np.zeros(len(a), dtype=np.int64), np.zeros(len(a), dtype=bool)
        table = self.plan.tables[id(calendar)][0]
        good = (a >= table.lo) & (b < table.hi)
        return self._position(arrays, b) - self._position(arrays, a), good

    def _deadline(
        self, calendar: BusinessCalendar, start: np.ndarray, within: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The earliest instant by which the clock started at ``start`` has counted ``within`` (> 0)."""
        import numpy as np

        arrays = self._table(calendar)
        if arrays is None:
            return np.zeros(len(start), dtype=np.int64), np.zeros(len(start), dtype=bool)
        starts, _, cum, cum_end = arrays
        target = self._position(arrays, start) + within
        j = np.searchsorted(cum_end, target, side="left")
        good = j < len(starts)
        safe = np.minimum(j, len(starts) - 1)
        return starts[safe] + target - cum[safe], good

    # -- texts and the summary ---------------------------------------------------------------------

    def texts(
        self,
        ids: list[Any],
        priorities: list[Any],
        agents: list[Any],
        complaints: list[Any],
        surveys: list[Any],
        summary: Accumulator,
    ) -> _Texts:
        """The covered rows' lines of results.csv, results.jsonl and breaches.csv, and their counts in ``summary``."""
        import numpy as np

        chunk, plan = self.chunk, self.plan
        context = plan.context
        rows = self.covered.tolist()
        count = len(rows)
        texts = _TextMaker(plan)
        categories = chunk.mapped("category", "text", text_cell, None)
        channels = chunk.mapped("channel", "text", text_cell, None)
        products = chunk.mapped("product", "text", text_cell, None)
        customers = chunk.mapped("customer", "text", text_cell, None)
        subjects = chunk.mapped("subject", "text", text_cell, None)
        category = [categories[i] for i in rows]
        channel = [channels[i] for i in rows]
        product = [products[i] for i in rows]
        customer = [customers[i] for i in rows]
        subject = [subjects[i] for i in rows]
        agent = [agents[i] for i in rows]
        self.fields = {"category": category, "customer": customer, "agent": agent}
        ticket_ids = [ids[i] for i in rows]
        codes = self.codes
        kinds = texts.by_value("type", category, context.type_of)
        issues = texts.pairs("issue", category, subject, context.issue_of)
        survey = [surveys[i] for i in rows]
        complaint = [complaints[i] for i in rows]
        lines = [chunk.first + i for i in rows]
        created_local = texts.local_days(self.created)
        resolved = self.is_resolved.tolist()
        fcr = (self.is_resolved & (self.replies == 1)).tolist()
        replies = self.replies.tolist()
        created_iso = texts.instants(self.created)
        resolved_iso = texts.instants(self.resolved)
        business_h = texts.hours(self.business)
        wall_h = texts.hours(self.wall)
        metrics = [metric for metric in plan.metrics if metric in self.figures]
        cells: dict[str, tuple[list[Any], ...]] = {}
        states: list[list[tuple[str, int]]] = [[] for _ in range(count)]
        breached_names: list[list[str]] = [[] for _ in range(count)]
        breach_rows: list[list[tuple[Any, ...]]] = [[] for _ in range(count)]
        latest = int(self.created.max()) if count else 0
        for metric in metrics:
            figures = self.figures[metric]
            tracked = figures["tracked"].tolist()
            state = figures["state"].tolist()
            deadline = figures["deadline"]
            deadline_iso = texts.instants(deadline)
            completed_iso = texts.instants(figures["completed"])
            elapsed_h = texts.hours(figures["elapsed"])
            remaining_h = texts.hours(figures["remaining"])
            late_h = texts.hours(figures["remaining"], negated=True)
            overdue_h = texts.hours(np.maximum(figures["elapsed"] - (figures["elapsed"] + figures["remaining"]), 0))
            cells[metric] = (tracked, state, deadline_iso, completed_iso, elapsed_h, remaining_h, late_h)
            active = deadline != _EMPTY
            if active.any():
                latest = max(latest, int(deadline[active].max()))
            deadlines = deadline.tolist()
            for r in range(count):
                if tracked[r]:
                    states[r].append((metric, state[r]))
                    if state[r] == _BREACHED:
                        breached_names[r].append(metric)
                        breach_rows[r].append((deadlines[r], metric, deadline_iso[r], completed_iso[r], overdue_h[r]))
        # the lines
        csv_text, json_text = texts.csv_cell, texts.json_string
        results: list[str] = []
        jsonl: list[str] = []
        breaches: list[str] = []
        all_breaches: list[BreachRow] = []
        report_order = self._report_orders(codes)
        for r in range(count):
            metric_csv = []
            metric_json = []
            for metric in plan.metrics:
                found = cells.get(metric)
                if found is None or not found[0][r]:
                    metric_csv.append(",,,,")
                    continue
                _, state, deadline_iso, completed_iso, elapsed_h, remaining_h, late_h = found
                s = state[r]
                metric_csv.append(
                    f"{_STATE_TEXT[s]},{deadline_iso[r] or ''},{completed_iso[r] or ''},{elapsed_h[r]},"
                    f"{late_h[r] if s == _BREACHED else ''}"
                )
            for metric in report_order[codes[r]]:
                _, state, deadline_iso, completed_iso, elapsed_h, remaining_h, _ = cells[metric]
                d, c = deadline_iso[r], completed_iso[r]
                metric_json.append(
                    f'"{metric}":{{"state":"{_STATE_TEXT[state[r]]}","deadline":{"null" if d is None else chr(34) + d + chr(34)},'
                    f'"completed_at":{"null" if c is None else chr(34) + c + chr(34)},'
                    f'"elapsed_hours":{elapsed_h[r]},"remaining_hours":{remaining_h[r]}}}'
                )
            score = survey[r]
            is_resolved = resolved[r]
            names = breached_names[r]
            line = lines[r]
            kind, issue = kinds[r], issues[r]
            results.append(
                f"{line},{csv_text(ticket_ids[r])},{csv_text(codes[r])},{csv_text(kind)},{csv_text(category[r])},"
                f"{csv_text(channel[r])},{csv_text(product[r])},{csv_text(customer[r])},{csv_text(agent[r])},"
                f"{created_iso[r]},{'true' if is_resolved else 'false'},{resolved_iso[r] or ''},"
                f"{business_h[r] if is_resolved else ''},{wall_h[r] if is_resolved else ''},"
                f"{replies[r]},0,{complaint[r]},{'true' if fcr[r] else 'false'},{','.join(metric_csv)},"
                f"{';'.join(names)},{texts.overall(score)},"
                f"{'' if score is None else 'true' if score.needs_follow_up else 'false'},,\r\n"
            )
            handling = f'{{"business":{business_h[r]},"wall":{wall_h[r]}}}' if is_resolved else "null"
            res = resolved_iso[r]
            jsonl.append(
                f'{{"line":{line},"id":{json_text(ticket_ids[r])},"priority":{json_text(codes[r])},'
                f'"type":{json_text(kind)},"category":{json_text(category[r])},"channel":{json_text(channel[r])},'
                f'"product":{json_text(product[r])},"customer":{json_text(customer[r])},"agent":{json_text(agent[r])},'
                f'"created_at":"{created_iso[r]}","resolved_at":{"null" if res is None else chr(34) + res + chr(34)},'
                f'"handling_hours":{handling},"public_agent_replies":{replies[r]},"reopens":0,'
                f'"complaints":{complaint[r]},"first_contact_resolution":{"true" if fcr[r] else "false"},'
                f'"sla":{{{",".join(metric_json)}}},"breached":[{",".join(chr(34) + m + chr(34) for m in names)}],'
                f'"survey":{texts.survey(score)},"escalations":null}}\n'
            )
            if breach_rows[r]:
                ticket, priority = ticket_ids[r], codes[r]
                parts = []
                for deadline_us, metric, d, c, late in breach_rows[r]:
                    parts.append(
                        f"{texts.breach_cell(ticket)},{line or ''},{texts.breach_cell(priority)},{metric},{d},{c or ''},{late}\r\n"
                    )
                    all_breaches.append((deadline_us, ticket, metric, line, priority, d, c or "", float(late)))
                breaches.append("".join(parts))
            else:
                breaches.append("")
        self._count(
            summary, codes, kinds, product, channel, created_local, states, survey, issues, resolved, fcr, latest
        )
        _add_breaches(summary, all_breaches, sum(1 for b in breach_rows if b))
        return _Texts(results, jsonl, breaches)

    def _report_orders(self, codes: list[str]) -> dict[str, tuple[str, ...]]:
        """The metrics each priority's report lists, in its order."""
        orders = {}
        for code in set(codes):
            targets = self.plan.sla.targets.get(code, {})
            orders[code] = tuple(metric for metric in METRICS if metric in targets and metric in self.figures)
        return orders

    def _count(
        self,
        summary: Accumulator,
        codes: list[str],
        kinds: list[str | None],
        products: list[str | None],
        channels: list[str | None],
        created_local: list[datetime],
        states: list[list[tuple[str, int]]],
        surveys: list[Any],
        issues: list[tuple[str | None, str | None]],
        resolved: list[bool],
        fcr: list[bool],
        latest: int,
    ) -> None:
        """Count the covered rows into ``summary``, each group at once."""
        import numpy as np

        by = summary.by
        periods_cache = self.plan.cache("periods")
        keys: dict[tuple[str | None, ...], list[int]] = {}
        weeks: list[str] = []
        values = {"priority": codes, "type": kinds, "product": products, "channel": channels, **self.fields}
        for r, local in enumerate(created_local):
            day = local.date()
            periods = periods_cache.get(day)
            if periods is None:
                periods = periods_cache.remember(day, periods_of(local))
            weeks.append(periods["week"])
            key = tuple(periods[part] if part in periods else self._key(part, r, values) for part in by)
            keys.setdefault(key, []).append(r)
        business = self.business.tolist()
        wall = self.wall.tolist()
        histogram_bins = np.searchsorted(np.asarray(_BOUNDS, dtype=np.int64), self.business, side="right").tolist()
        for key, members in keys.items():
            done = [r for r in members if resolved[r]]
            histogram = [0] * len(HISTOGRAM)
            for r in done:
                histogram[histogram_bins[r]] += 1
            survey_counts: Counter[Any] = Counter(surveys[r] for r in members if surveys[r] is not None)
            counts = GroupCounts(
                tickets=len(members),
                by_type=Counter(kinds[r] or _NONE for r in members),
                by_priority=Counter(codes[r] for r in members),
                by_product=Counter(products[r] or _NONE for r in members),
                by_channel=Counter(channels[r] or _NONE for r in members),
                by_week=Counter(weeks[r] for r in members),
                resolved=len(done),
                business=tuple(Counter(business[r] for r in done).items()),
                wall=tuple(Counter(wall[r] for r in done).items()),
                histogram=tuple(histogram),
                fcr=sum(1 for r in done if fcr[r]),
                sla=Counter((codes[r], tuple(states[r])) for r in members),
                surveys=tuple(_surveys_counted(survey_counts, surveys, members)),
                issues=Counter(issues[r][0] for r in members if issues[r][0] is not None and issues[r][1] is not None),
                issue_sources=Counter(
                    issues[r][1] for r in members if issues[r][0] is not None and issues[r][1] is not None
                ),
            )
            summary.add_counts(key, counts, latest)

    @staticmethod
    def _key(part: str, r: int, values: dict[str, list[Any]]) -> str | None:
        value: str | None = values[part][r]
        return value


def _surveys_counted(counts: Counter[Any], surveys: list[Any], members: list[int]) -> list[tuple[SurveyScore, int]]:
    return list(counts.items())


def _add_breaches(summary: Accumulator, rows: list[BreachRow], tickets: int) -> None:
    """The chunk's breaches into ``summary``: those that can be among the latest shown, and the counts."""
    import heapq

    total = len(rows)
    shown = heapq.nlargest(BREACHES_SHOWN, rows) if total > BREACHES_SHOWN else rows
    summary.add_breaches(shown, total, tickets)


def _stop(*, responded: np.ndarray, resolved: np.ndarray, start: np.ndarray) -> np.ndarray:
    """When a once-per-ticket clock stops for good (``slakit.sla.track.clock_stop`` for a ticket without reopens):
    at its own event, unless a resolve (at or after its start) comes first; :data:`_EMPTY` when neither."""
    import numpy as np

    has_own = responded != _EMPTY
    has_resolve = resolved != _EMPTY
    forced_first = has_resolve & (~has_own | (resolved < responded))
    stop = np.where(forced_first, resolved, np.where(has_own, responded, _EMPTY))
    return np.where(start != _EMPTY, stop, _EMPTY)


def _targets(plan: Plan, metric: str, codes: Sequence[str]) -> tuple[np.ndarray, dict[int, BusinessCalendar]]:
    """The target of ``metric`` for each row (0: none) and the clocks they run on, by identity.

    The one place a row's target is chosen: today by its priority."""
    import numpy as np

    by_code: dict[str, int] = {}
    clocks: dict[int, BusinessCalendar] = {}
    for code, targets in plan.sla.targets.items():
        target = targets.get(metric)  # type: ignore[call-overload]
        by_code[code] = target.within_us if target is not None else 0
        if target is not None:
            clocks[id(target.clock)] = target.clock
    return np.array([by_code.get(code, 0) for code in codes], dtype=np.int64), clocks


def clock_ids_of(clocks: dict[int, BusinessCalendar], codes: Sequence[str], plan: Plan, metric: str) -> np.ndarray:
    """The identity of the clock of each row's ``metric`` target (0: none)."""
    import numpy as np

    by_code = {}
    for code, targets in plan.sla.targets.items():
        target = targets.get(metric)  # type: ignore[call-overload]
        by_code[code] = id(target.clock) if target is not None else 0
    return np.array([by_code.get(code, 0) for code in codes], dtype=np.int64)


class _TextMaker:
    """Each text of the outputs made once per distinct value by the row engine's own formatting."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.zone = plan.zone

    def instants(self, values: np.ndarray) -> list[str | None]:
        import numpy as np

        known = self.plan.cache(f"iso:{id(self.zone)}")
        distinct, inverse = np.unique(values, return_inverse=True)
        texts: list[str | None] = []
        zone = self.zone
        for us in distinct.tolist():
            if us == _EMPTY:
                texts.append(None)
                continue
            text = known.get(us)
            if text is None:
                text = known.remember(us, from_us(us, zone).isoformat())
            texts.append(text)
        return [texts[i] for i in inverse.tolist()]

    def local_days(self, values: np.ndarray) -> list[datetime]:
        import numpy as np

        distinct, inverse = np.unique(values, return_inverse=True)
        zone = self.zone
        found = [from_us(us, zone) for us in distinct.tolist()]
        return [found[i] for i in inverse.tolist()]

    def hours(self, values: np.ndarray, *, negated: bool = False) -> list[str]:
        """``repr(hours(us))`` (``repr(-hours(us))`` when ``negated``) of each value, as results.csv spells it."""
        import numpy as np

        from slakit.batch.facts import hours

        distinct, inverse = np.unique(values, return_inverse=True)
        texts = [repr(-hours(us) if negated else hours(us)) for us in distinct.tolist()]
        return [texts[i] for i in inverse.tolist()]

    def by_value(self, name: str, values: list[Any], function: Callable[[Any], Any]) -> list[Any]:
        known = self.plan.cache(name)
        found = []
        for value in values:
            result = known.get(value, known)
            if result is known:
                result = known.remember(value, function(value))
            found.append(result)
        return found

    def pairs(self, name: str, a: list[Any], b: list[Any], function: Callable[[Any, Any], Any]) -> list[Any]:
        known = self.plan.cache(name)
        found = []
        for pair in zip(a, b, strict=True):
            result = known.get(pair, known)
            if result is known:
                result = known.remember(pair, function(*pair))
            found.append(result)
        return found

    def csv_cell(self, value: str | None) -> str:
        """A text cell of results.csv as the row engine writes it (made safe; quoted when it must be)."""
        if value is None:
            return ""
        known = self.plan.cache("csv")
        text = known.get(value)
        if text is None:
            text = known.remember(value, _csv_quoted(csv_safe.safe_text(value)))
        return text  # type: ignore[no-any-return]

    def breach_cell(self, value: str) -> str:
        return self.csv_cell(value)

    def json_string(self, value: str | None) -> str:
        if value is None:
            return "null"
        known = self.plan.cache("json")
        text = known.get(value)
        if text is None:
            text = known.remember(value, quote_json(value))
        return text  # type: ignore[no-any-return]

    def overall(self, score: SurveyScore | None) -> str:
        return "" if score is None else repr(float(score.overall))

    def survey(self, score: SurveyScore | None) -> str:
        if score is None:
            return "null"
        known = self.plan.cache("survey-json")
        text = known.get(id(score))
        if text is None:
            text = known.remember(id(score), survey_json(score))
        return text  # type: ignore[no-any-return]


def _csv_quoted(text: str) -> str:
    """A cell as ``csv.writer`` (minimal quoting) writes it."""
    if any(special in text for special in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def _is_finite(value: float) -> bool:
    return math.isfinite(value)
