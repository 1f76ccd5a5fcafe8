"""The columnar batch engine: a chunk of a flat export evaluated a column at a time (numpy and pyarrow).

It computes exactly what the row engine does (:mod:`slakit.batch.pipeline`), for the rows and policies it
covers (docs/performance.md, "The columnar engine"), and hands every other row to the row engine's own code:

- A chunk's text is read by Arrow's CSV reader only when it reads as the row engine's csv module would read it
  (UTF-8, no quote character, no blank line, every record one line with the header's number of fields);
  otherwise the whole chunk goes to the row engine.
- A table's chunk (a DataFrame, an Arrow table, a Parquet file's batches: :mod:`slakit.batch.frames`) is made
  the same text cells where ``str`` of the value the row engine reads is read as that value (text, whole numbers,
  floats, true/false, decimals; missing values empty), aware timestamps their instants; a row with any other cell
  (a naive timestamp, a date, a list) goes to the row engine, which reads every uncovered row's own cells.
- Each distinct cell value is read once by the row engine's own functions (``datetime.fromisoformat`` as
  :class:`~slakit.batch.flat.FlatLayout` tries it first, the same stripping, counts, priorities and survey
  scores), and spread over the rows with numpy; a row with any value the row engine would reject, warn about
  or read another way (an offset-less or non-ISO time, an event after ``as_of``, a reopen, contradicting
  cells) is not covered and goes to the row engine, in its place.
- Elapsed open time and deadlines come from the calendar's own open-interval table (start, end and cumulative
  open time of each open interval) with ``np.searchsorted``: the rule of :mod:`slakit.sla.track` for a clock
  that runs from its start to its stop or ``as_of`` without pauses (the deadline is the earliest instant by
  which the clock has counted its target; breached when the horizon is after it).
- The policy's escalation rules are fired for whole columns (:mod:`slakit.batch.columnar_rules`: each leaf the
  instants at which it holds, thresholds on the clocks from the same table); a rule on a metric the policy defines
  by events keeps the whole run on the row engine.
- Every text the outputs hold (instants, hours, cells made safe, JSON strings) is made once per distinct value
  by the row engine's own formatting, and the lines are joined by Arrow.
- The summary gets each group's counts at once (:meth:`~slakit.batch.accumulator.Accumulator.add_counts`).

The target of a metric is chosen per row (:func:`_targets`): the row's plan (``Policy.plan_for`` of its ticket:
the ``slas`` entries that apply) at its priority. Cells are read in :mod:`slakit.batch.columnar_cells`, texts
made in :mod:`slakit.batch.columnar_text`, escalation rules fired in :mod:`slakit.batch.columnar_rules`.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from slakit.batch import columnar_rules
from slakit.batch.accumulator import BREACHES_SHOWN, HISTOGRAM, Accumulator, GroupCounts, IssueCounts, periods_of
from slakit.batch.appending import Pieces
from slakit.batch.columnar_cells import (
    BAD,
    EMPTY,
    HIGH,
    LOW,
    PLAIN_ID,
    TIMES,
    Cache,
    Col,
    Ids,
    distinct,
    iso_instants,
    pair,
    plain_lines,
    table_texts,
)
from slakit.batch.columnar_text import (
    TextMaker,
    cat,
    choose,
    fields,
    fill_null,
    hidden,
    hour_texts,
    joined,
    joined_line,
    numbers,
    text_bytes,
)
from slakit.batch.distribution import LOG_GAMMA, Distribution, bucket_of
from slakit.batch.facts import US_PER_HOUR, BreachRow, Context, attribute_texts, labels
from slakit.batch.flat import FlatLayout, ProblemError, flag_set, text_cell
from slakit.batch.frames import Part
from slakit.batch.reading import FileSpan
from slakit.batch.records import Rejected
from slakit.errors import SlakitError, UnsatisfiableError
from slakit.instants import to_us
from slakit.sla import METRICS

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from slakit.batch.evaluation import Evaluator
    from slakit.calendar import BusinessCalendar

__all__ = ["ENGINES", "ENGINE_VARIABLE", "MISSING", "NOT_FLAT", "ChunkTexts", "Plan", "available", "plan_for"]

ENGINE_VARIABLE = "SLAKIT_BATCH_ENGINE"
"""The environment variable that chooses the engine when ``run()`` is not told (tests run once per engine)."""
ENGINES = ("auto", "rows", "columnar")
"""What ``engine`` accepts (``run(engine=...)``, ``--engine``)."""
MISSING = "numpy and pyarrow are not installed (pip install 'slakit[batch]')"
NOT_FLAT = "the input is not a flat CSV/TSV export or table (JSONL and tickets keep the row engine)"

_NONE = "(none)"
_BOUNDS = tuple(limit * US_PER_HOUR for _, limit in HISTOGRAM[:-1])
_YEAR_US = 366 * 24 * US_PER_HOUR
_STATE_TEXT = ("met", "breached", "running", "pending")
_MET, _BREACHED, _RUNNING, _PENDING = 0, 1, 2, 3
_WHEN_FACTS = ("category", "channel", "product", "customer", "affected_customers", "flags")
"""The ticket's own columns a ``when`` may read (besides its priority and attributes)."""


def available() -> bool:
    """Whether numpy and pyarrow can be imported (the ``batch`` extra)."""
    return importlib.util.find_spec("numpy") is not None and importlib.util.find_spec("pyarrow") is not None


@dataclass(frozen=True, slots=True)
class ChunkTexts:
    """What a chunk gives: the UTF-8 bytes of each per-ticket file (in pieces: views of Arrow's buffers are
    written without a copy), and the rows the columnar engine evaluated."""

    results_csv: Pieces
    results_jsonl: Pieces
    rejected_csv: Pieces
    breaches_csv: Pieces
    warnings_csv: Pieces
    rows: int
    columnar: int


RowTexts = tuple[str, str, str, str, str]
"""One row evaluated by the row engine: its results.csv and results.jsonl lines, rejected, breach and warning rows."""
RowPath = Callable[[Any, int, Accumulator], RowTexts]


def plan_for(evaluator: Evaluator, context: Context, layout: FlatLayout | None, fmt: str, encoding: str) -> Plan | str:
    """The columnar plan of a run, or why the columnar engine covers none of its rows. ``fmt`` is the file's format,
    or ``"table"`` for a table's rows (a DataFrame, an Arrow table, a Parquet file: :mod:`slakit.batch.frames`)."""
    if not available():
        return MISSING
    if fmt not in ("csv", "table") or layout is None:
        return NOT_FLAT
    if layout.values:
        return "a value map is given"
    if "first_response_after" in layout.index or "resolved_after" in layout.index:
        return "the export gives durations (first_response_after, resolved_after)"
    if encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "utf8"):
        return f"the export's encoding is {encoding}, not UTF-8"
    return _refusal(evaluator, layout) or Plan(evaluator, context, layout)


def _refusal(evaluator: Evaluator, layout: FlatLayout) -> str | None:
    """Why the policy or the export's columns keep the row engine (None when nothing does)."""
    sla = evaluator.sla_for(layout.measured)
    if evaluator.rules is not None:
        why = columnar_rules.refusal(evaluator.rules, frozenset(sla.definitions))
        if why is not None:
            return why
    for code, targets in sla.targets.items():
        for metric, target in targets.items():
            chosen = [target, *(entry.target(code, metric) for entry in sla.slas)]
            if any(found is not None and found.relative for found in chosen):
                return "a target is a relative deadline (due: end_of_business_day)"
    return None


class Plan:
    """Everything a chunk needs, worked out once per run (and per worker process)."""

    def __init__(self, evaluator: Evaluator, context: Context, layout: FlatLayout) -> None:
        self.evaluator = evaluator
        self.context = context
        self.layout = layout
        self.sla = evaluator.sla_for(layout.measured)
        self.resume = self.sla.config.on_reopen == "resume"
        self.metrics = tuple(context.metrics)
        self.zone = context.zone
        self.caches: dict[str, Cache] = {}
        self.tables: dict[BusinessCalendar, tuple[Any, tuple[np.ndarray, ...]]] = {}

    def cache(self, name: str) -> Cache:
        found = self.caches.get(name)
        if found is None:
            found = self.caches[name] = Cache()
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
            try:
                data = payload.encode()
            except UnicodeEncodeError:
                return None
        else:
            data = payload  # Arrow checks that it is UTF-8 (check_utf8): a chunk that is not is the row engine's
        if not data or b'"' in data:
            return None
        lines = plain_lines(data)
        if lines is None:
            return None
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
        self, payload: str | bytes | FileSpan | Part, first: int, delimiter: str, summary: Accumulator, rows: RowPath
    ) -> ChunkTexts | None:
        """The chunk's texts, the columnar rows counted into ``summary`` and the others through ``rows`` (the row
        engine's path for one row); None when the chunk is not read here at all."""
        if isinstance(payload, Part):
            arrow = payload.arrow()
            return None if arrow is None else _TableChunk(self, payload, arrow, first).run(summary, rows)
        table = self.read(payload, delimiter)
        if table is None:
            return None
        return _Chunk(self, table, first).run(summary, rows)


@dataclass(frozen=True, slots=True)
class _Labels:
    """What each row's category and subject decide, by :func:`slakit.batch.facts.labels` once per distinct pair:
    the category (the export's, else the subject's), where it came from, type, route and the problem counted."""

    category: Col
    source: Col
    kind: Col
    route: Col
    issue: Col  # (problem, source) or (None, None)

    @classmethod
    def of(cls, category: Col, subject: Col, context: Context) -> _Labels:
        found = pair(category, subject, lambda c, t: labels(c, t, context))
        return cls(
            found.mapped(lambda v: v[0]),
            found.mapped(lambda v: v[1]),
            found.mapped(lambda v: v[2]),
            found.mapped(lambda v: v[3]),
            found.mapped(lambda v: v[5:]),
        )


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

    def col(self, name: str, cache: str, read: Callable[[str], Any], absent: Any) -> Col:
        """``read`` of each distinct cell of column ``name`` (``absent`` for every row when the column is not
        there), remembered across chunks; :data:`BAD` marks a cell the row engine must read."""
        import numpy as np

        array = self.column(name)
        if array is None:
            return Col(np.zeros(self.n, dtype=np.int64), [absent])
        return _Chunk.read_distinct(self.plan, array, cache, read)

    @staticmethod
    def read_distinct(plan: Plan, array: pa.Array, cache: str, read: Callable[[str], Any]) -> Col:
        """``read`` of each distinct value of ``array``, remembered in ``plan``'s cache ``cache``."""
        import numpy as np

        encoded = array.dictionary_encode()
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        known = plan.cache(cache)
        values = []
        for value in encoded.dictionary.to_pylist():
            found = known.get(value, known)
            if found is known:
                try:
                    found = read(value)
                except (ProblemError, SlakitError, ValueError, OverflowError):
                    found = BAD
                known.remember(value, found)
            values.append(found)
        return Col(codes, values)

    def times(self, name: str) -> np.ndarray:
        """A time column as epoch µs (:data:`EMPTY` for an empty cell); rows with another cell are not covered."""
        import numpy as np
        import pyarrow as pa

        zone = self.plan.layout.zone

        def read(value: str) -> int:
            if value == "":
                return EMPTY
            parsed = datetime.fromisoformat(value)  # what FlatLayout tries first; anything else is its own
            if parsed.tzinfo is None:
                if zone is None:
                    return BAD
                parsed = parsed.replace(tzinfo=zone)
            us = to_us(parsed)
            return us if LOW <= us < HIGH else BAD

        array = self.column(name)
        if array is None:
            return np.full(self.n, EMPTY, dtype=np.int64)
        found = iso_instants(array)  # the common shape, on the whole column; BAD elsewhere
        rest = found == BAD
        if rest.any():
            where = np.nonzero(rest)[0]
            column = _Chunk.read_distinct(self.plan, array.take(pa.array(where)), "time", read)
            found[where] = np.array(column.values, dtype=np.int64)[column.codes]
        self.ok &= found != BAD
        return found

    # the chunk

    def run(self, summary: Accumulator, rows: RowPath) -> ChunkTexts:
        import numpy as np

        evaluator = self.plan.evaluator
        ok = self.ok
        as_of = evaluator.as_of_us
        created, assigned, acknowledged, responded, resolved, reopened, survey_at = (self.times(t) for t in TIMES)
        cols = {
            "id": self._ids(),
            "priority": self.col("priority", "priority", self._priority, None),
            "agent": self.col("agent", "text", text_cell, None),
            "category": self.col("category", "text", text_cell, None),
            "channel": self.col("channel", "text", text_cell, None),
            "product": self.col("product", "text", text_cell, None),
            "customer": self.col("customer", "text", text_cell, None),
            "subject": self.col("subject", "text", text_cell, None),
            "complaints": self.col("complaints", "complaints", _counter("complaints", 0), 0),
            "survey": self._surveys(),
        }
        replies_cell = self.col("agent_replies", "agent_replies", _counter("agent_replies", -1), -1)
        affected = self.col("affected_customers", "affected_customers", _counter("affected_customers", 1), 1)
        cols["affected_customers"] = affected
        cols["flags"] = self.col("flags", "flags", flag_set, frozenset())
        ok &= ~cols["id"].where(lambda v: v is None) & ~cols["priority"].where(lambda v: v is None or v is BAD)
        for column in (replies_cell, affected, cols["complaints"], cols["survey"]):
            ok &= ~column.bad()
        present = {
            name: column != EMPTY
            for name, column in zip(
                TIMES[:6], (created, assigned, acknowledged, responded, resolved, reopened), strict=True
            )
        }
        # a reopen before the resolution (or without one): resolved at the reopen, reopened at once (FlatLayout)
        reopen = present["reopened_at"]
        ok &= present["created_at"] & (created <= as_of)
        if self.plan.resume:
            ok &= ~reopen | (
                (reopened >= created) & (reopened <= as_of) & (~present["resolved_at"] | (reopened < resolved))
            )
            for instants in (assigned, acknowledged, responded):
                ok &= ~reopen | (instants != reopened)  # no other event at the reopen's instant
        else:
            ok &= ~reopen
        for name, instants in zip(TIMES[1:5], (assigned, acknowledged, responded, resolved), strict=True):
            ok &= ~present[name] | ((instants >= created) & (instants <= as_of))
        ok &= (survey_at == EMPTY) | (survey_at >= created)
        ok &= ~present["acknowledged_at"] | (present["assigned_at"] & (acknowledged >= assigned))
        replies_given = replies_cell.numbers(-1)
        ok &= ~((replies_given == 0) & present["first_response_at"])  # the row engine warns about these
        ok &= ~((replies_given > 0) & ~present["first_response_at"])
        ok &= ~(cols["agent"].where(lambda v: v is not None) & ~present["assigned_at"])
        cols.update(self._chosen(ok, summary.by))
        covered = np.nonzero(ok)[0]
        block = _Block(self, covered, {name: column.take(covered) for name, column in cols.items()})
        block.evaluate(
            dict(zip(TIMES, (created, assigned, acknowledged, responded, resolved, reopened, survey_at), strict=True)),
            replies_given,
            as_of,
        )
        texts = block.texts(summary)
        return self._assemble(texts, block.covered, summary, rows)

    def _chosen(self, ok: np.ndarray, by: tuple[str, ...]) -> dict[str, Col]:
        """Each row's SLA plan (:meth:`slakit.sla.Policy.plan_for`: the ``slas`` entries that apply to it) and
        its attributes as the report groups by them, and the rows whose ticket cannot be read (``ok`` cleared).

        Both depend only on the cells of the columns the policy's ``when`` conditions and the attributes read:
        rows with the same such cells get them from one ticket, the first such row's, read and prepared as the
        row engine reads and prepares it (:meth:`~slakit.batch.flat.FlatLayout.ticket`,
        :meth:`~slakit.batch.evaluation.Evaluator.prepared`)."""
        import numpy as np

        plan = self.plan
        sla = plan.sla
        zeros = np.zeros(self.n, dtype=np.int64)
        named = [name for entry in sla.slas for name in getattr(entry.when, "names", _WHEN_FACTS)]
        positions = sorted(
            {plan.layout.index[name] for name in named if name in plan.layout.index}
            | {position for _, position in plan.layout.attributes}
        )
        if not positions:
            return {"plan": Col(zeros, [sla.plan])}
        combined = zeros
        for position in positions:
            column = self._raw(position)
            combined = combined * max(len(column.values), 1) + column.codes
        keys, first, inverse = np.unique(np.where(ok, combined, -1), return_index=True, return_inverse=True)
        tickets: list[Any] = []
        for key, row in zip(keys.tolist(), first.tolist(), strict=True):
            tickets.append(BAD if key == -1 else self._ticket(int(row)))
        found = Col(inverse.reshape(-1).astype(np.int64), tickets)
        ok &= ~found.bad()
        chosen = {"plan": found.mapped(lambda t: None if t is BAD else sla.plan_for(t)), "ticket": found}
        for part in by:
            if part.startswith("attributes."):
                name = part[len("attributes.") :]
                chosen[part] = found.mapped(partial(_attribute, name))
        return chosen

    def _ticket(self, row: int) -> Any:
        """The ticket of the chunk's row ``row``, prepared for evaluation (:data:`BAD` when it cannot be read)."""
        cells = self.cells([row])[0]  # a table's own cells (_TableChunk), as the row engine reads them
        try:
            item = self.plan.layout.ticket(cells, self.first + row)
            return BAD if isinstance(item, Rejected) else self.plan.evaluator.prepared(item)
        except (ProblemError, SlakitError, ValueError, OverflowError):
            return BAD

    def _ids(self) -> Col:
        """The ``id`` cells: each row its own value (ids are distinct), read as the row engine reads text."""
        import numpy as np
        import pyarrow.compute as pc

        array = self.column("id")
        assert array is not None  # noqa: S101 -- a required column
        plain = np.asarray(pc.match_substring_regex(array, PLAIN_ID).to_numpy(zero_copy_only=False), dtype=bool)
        if plain.all():
            return Ids(np.arange(self.n, dtype=np.int64), array, None)
        where = np.nonzero(~plain)[0]
        own = {int(r): text_cell(value) for r, value in zip(where.tolist(), array.take(where).to_pylist(), strict=True)}
        return Ids(np.arange(self.n, dtype=np.int64), array, own)

    def _priority(self, value: str) -> str | None:
        text = text_cell(value)
        if text is None:
            return None
        return text if text in self.plan.sla.priorities else self.plan.evaluator.priorities.code(text)

    def _surveys(self) -> Col:
        """Each row's survey score (None without answers, :data:`BAD` for answers the scheme refuses)."""
        import numpy as np

        layout, evaluator = self.plan.layout, self.plan.evaluator
        if not layout.survey or evaluator.scheme is None:
            return Col(np.zeros(self.n, dtype=np.int64), [None])
        names = [name for name, _ in layout.survey]
        columns = [
            self.col(f"c{position}", "raw", lambda v: v, "") if False else self._raw(position)
            for _, position in layout.survey
        ]
        combined = np.zeros(self.n, dtype=np.int64)
        for column in columns:
            combined = combined * max(len(column.values), 1) + column.codes
        keys, inverse = np.unique(combined, return_inverse=True)
        known = self.plan.cache("survey")
        values = []
        for code in keys.tolist():
            cells = []
            for column in reversed(columns):
                width = max(len(column.values), 1)
                cells.append(column.values[code % width])
                code //= width
            key = tuple(reversed(cells))
            score = known.get(key, known)
            if score is known:
                answers = {name: cell.strip() for name, cell in zip(names, key, strict=True) if cell.strip()}
                score = None
                if answers:
                    try:
                        score = evaluator.score(answers)
                    except SlakitError:
                        score = BAD
                known.remember(key, score)
            values.append(score)
        return Col(inverse.reshape(-1).astype(np.int64), values)

    def _raw(self, position: int) -> Col:
        import numpy as np

        encoded = self.table.column(position).combine_chunks().dictionary_encode()
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        return Col(codes, encoded.dictionary.to_pylist())

    def cells(self, positions: list[int]) -> list[list[Any]]:
        """The cells of the rows at ``positions`` as the row engine reads them (for the rows it evaluates)."""
        width = self.plan.layout.width
        return [[record[f"c{i}"] for i in range(width)] for record in self.table.take(positions).to_pylist()]

    def _assemble(self, texts: _Texts, covered: np.ndarray, summary: Accumulator, rows: RowPath) -> ChunkTexts:
        """The chunk's files: the covered rows' texts and the others' (from the row engine) in input order."""
        import numpy as np

        n = len(covered)
        if n == self.n:
            return ChunkTexts(joined(texts.results), joined(texts.jsonl), b"", joined(texts.breaches), b"", self.n, n)
        mask = np.ones(self.n, dtype=bool)
        mask[covered] = False
        uncovered = np.nonzero(mask)[0].tolist()
        own: list[RowTexts] = []
        for position, cells in zip(uncovered, self.cells(uncovered), strict=True):
            line = self.first + position
            item = self.plan.layout.ticket(cells, line)
            own.append(rows(item, line, summary))
        # the covered rows' texts before each other row: how many covered rows come before it
        before = np.searchsorted(covered, np.asarray(uncovered, dtype=np.int64)).tolist()

        def merged(mine: pa.Array, part: int) -> Pieces:
            data, bounds = text_bytes(mine)
            cuts = bounds[[0, *before, n]].tolist()
            pieces: list[bytes | memoryview] = []
            for k, texts in enumerate(own):
                pieces.append(data[cuts[k] : cuts[k + 1]])
                pieces.append(texts[part].encode())
            pieces.append(data[cuts[-2] : cuts[-1]])
            return tuple(pieces)

        return ChunkTexts(
            merged(texts.results, 0),
            merged(texts.jsonl, 1),
            "".join(o[2] for o in own).encode(),
            merged(texts.breaches, 3),
            "".join(o[4] for o in own).encode(),
            self.n,
            n,
        )


class _TableChunk(_Chunk):
    """A chunk of a table's rows (:mod:`slakit.batch.frames`): each column made the text cells a CSV chunk of the
    same rows has, where that text reads exactly as the row engine reads the table's own cells
    (:func:`table_texts`); aware timestamps as their instants; every other row, and the rows not covered, read by
    the row engine from the table's own cells."""

    def __init__(self, plan: Plan, part: Part, table: pa.Table, first: int) -> None:
        texts, instants, forced = table_texts(plan.layout, table)
        super().__init__(plan, texts, first)
        self.part = part
        self.instants = instants
        self.ok &= ~forced

    def times(self, name: str) -> np.ndarray:
        position = self.plan.layout.index.get(name)
        given = self.instants.get(position) if position is not None else None
        if given is None:
            return super().times(name)
        self.ok &= given != BAD
        return given.copy()

    def cells(self, positions: list[int]) -> list[list[Any]]:
        return self.part.cells(positions)


@dataclass(frozen=True, slots=True)
class _MetricTexts:
    """What :meth:`_Block._metric_texts` makes: results.csv's cells of each metric (five each), results.jsonl's
    ``"sla"`` objects (null where not tracked), breaches.csv's lines of each breached metric, and for the
    summary the latest deadline, the breaches it may show, the breaches and the tickets breached."""

    csv: tuple[pa.Array | str, ...]
    json: tuple[pa.Array, ...]
    lines: tuple[pa.Array, ...]
    latest: int
    shown: tuple[BreachRow, ...]
    total: int
    tickets: int


def _breached_lists(code: np.ndarray, metrics: list[str]) -> Col:
    """Each row's breached metrics (a tuple of names, in order) from bit ``k`` of ``code`` for ``metrics[k]``."""
    if len(metrics) > _LISTED_BITS:
        found = distinct(code)
        return Col(found.codes, [tuple(m for k, m in enumerate(metrics) if v >> k & 1) for v in found.values])
    return Col(code, [tuple(m for k, m in enumerate(metrics) if v >> k & 1) for v in range(1 << len(metrics))])


_LISTED_BITS = 8
"""Up to this many metrics, a list is made for each combination of them; past it, for each one rows show."""


def _count_text(value: Any) -> str:
    return str(value) if isinstance(value, int) else ""


def _follow_up(score: Any) -> str:
    """results.csv's ``survey_follow_up`` of a survey score (empty without one)."""
    return "" if score is None or score is BAD else ("true" if score.needs_follow_up else "false")


def _keyed(key: str, text: Callable[[Any], str]) -> Callable[[Any], str]:
    """``text`` of a value after its key in a JSON object (``,"key":``), made once per distinct value."""

    def keyed(value: Any) -> str:
        return f',"{key}":{text(value)}'

    return keyed


def _attribute_value(name: str, ticket: Any) -> Any:
    """The ticket's attribute ``name`` as conditions read it (``ticket.attributes.<name>``; None without it)."""
    return None if ticket is BAD else ticket.attributes.get(name)


def _attribute(name: str, ticket: Any) -> str | None:
    """The ticket's attribute ``name`` as the report groups by it (None without it, or for no ticket)."""
    return None if ticket is BAD else dict(attribute_texts(ticket)).get(name)


def _counter(name: str, default: int) -> Callable[[str], int]:
    def read(value: str) -> int:
        return FlatLayout.count_cell(value, name, default)

    return read


@dataclass(frozen=True, slots=True)
class _Texts:
    results: pa.Array
    jsonl: pa.Array
    breaches: pa.Array


GROUP_COLUMNS = ("priority", "type", "category", "route", "channel", "product", "customer", "agent")
"""The group keys (``by``) that are a column of each row."""
_ROW_FIGURES = (
    "created",
    "resolved",
    "replies",
    "reopens",
    "is_resolved",
    "wall",
    "business",
    "responded",
    "survey_at",
    "first_business",
)
"""The per-row arrays of a :class:`_Block` (besides its cells and each metric's figures)."""


class _Block:
    """The covered rows of a chunk, evaluated."""

    def __init__(self, chunk: _Chunk, covered: np.ndarray, cols: dict[str, Col]) -> None:
        self.chunk = chunk
        self.plan = chunk.plan
        self.covered = covered
        self.cols = cols
        self.clocks: dict[str, columnar_rules.MetricClock] = {}
        self.escalations: columnar_rules.Escalations | None = None

    def evaluate(  # noqa: PLR0915 -- every figure of the covered rows, and their escalations
        self, times: dict[str, np.ndarray], replies_given: np.ndarray, as_of: int
    ) -> None:
        """Every figure of the covered rows, from the chunk's time columns (``times``, by column name)."""
        import numpy as np

        rows = self.covered
        count = len(rows)
        self.created = times["created_at"][rows]
        assigned = times["assigned_at"][rows]
        acknowledged = times["acknowledged_at"][rows]
        self.responded = responded = times["first_response_at"][rows]
        self.resolved = resolved = times["resolved_at"][rows]
        reopened = times["reopened_at"][rows]
        self.survey_at = times["survey_at"][rows]
        has_reopen = reopened != EMPTY
        self.reopens = has_reopen.astype(np.int64)
        has_resolve = resolved != EMPTY
        # the first resolve: at the reopen when there is one (the ticket was resolved at an unknown time before)
        first_resolve = np.where(has_reopen, reopened, resolved)
        self.replies = np.where(responded != EMPTY, np.maximum(replies_given[rows], 1), 0)
        self.is_resolved = has_resolve
        self.wall = np.where(has_resolve, resolved - self.created, 0)
        keep = np.ones(count, dtype=bool)
        business, good = self._elapsed(
            self.plan.context.calendar, self.created, np.where(has_resolve, resolved, self.created)
        )
        keep &= good
        self.business = np.where(has_resolve, business, 0)
        keep &= self._first_reply()
        # each metric: when its clock starts and stops for good (EMPTY: not started, still running)
        clocks = {
            "response": (self.created, _stop(own=responded, resolved=first_resolve, start=self.created)),
            "acknowledge": (
                assigned,
                _stop(
                    own=acknowledged,
                    # the first resolve at or after the assignment; one before it stops the clock at once
                    resolved=np.where(
                        has_reopen & (reopened >= assigned),
                        reopened,
                        np.where(has_resolve, np.maximum(resolved, assigned), EMPTY),
                    ),
                    start=assigned,
                ),
            ),
            "resolution": (self.created, resolved),
        }
        priority = self.cols["priority"]
        self.figures: dict[str, dict[str, np.ndarray]] = {}
        for metric in METRICS:
            if metric not in clocks:
                continue
            tracked, within, clock_of, calendars = _targets(metric, self.cols["plan"], priority)
            if not tracked.any():
                continue
            start, stop = clocks[metric]
            active = tracked & (start != EMPTY)
            stopped = stop != EMPTY
            horizon = np.where(stopped, stop, as_of)
            deadline = np.zeros(count, dtype=np.int64)
            elapsed = np.zeros(count, dtype=np.int64)
            for key, calendar in calendars.items():
                mask = active & (clock_of == key)
                if not mask.any():
                    continue
                begin = np.where(mask, start, self.created)
                counted, good = self._elapsed(calendar, begin, np.where(mask, horizon, self.created))
                due, good_due = self._deadline(calendar, begin, within)
                keep &= ~mask | (good & good_due)
                # a deadline at the very instant of the reopen falls where the clock runs again (track.reach)
                keep &= ~(mask & has_reopen & (due == reopened))
                elapsed = np.where(mask, counted, elapsed)
                deadline = np.where(mask, due, deadline)
            breached = active & is_breached(deadline, horizon)
            self.clocks[metric] = columnar_rules.MetricClock(
                tracked, start, stop, within, deadline, clock_of, calendars
            )
            state = np.full(count, _PENDING, dtype=np.int64)
            state[active & stopped] = _MET
            state[active & ~stopped] = _RUNNING
            state[breached] = _BREACHED
            self.figures[metric] = {
                "tracked": tracked,
                "state": state,
                "deadline": np.where(active, deadline, EMPTY),
                "completed": np.where(active & stopped, stop, EMPTY),
                "elapsed": np.where(active, elapsed, 0),
                "remaining": np.where(active, within - elapsed, within),
            }
        keep &= self._fire((assigned, acknowledged, responded, resolved, reopened), as_of)
        if not keep.all():  # instants past the calendar's table (or where the rules' instants are)
            self.covered = self.covered[keep]
            self.escalations = self.escalations and self.escalations.take(keep)
            for name in _ROW_FIGURES:
                setattr(self, name, getattr(self, name)[keep])
            self.cols = {name: column.take(keep) for name, column in self.cols.items()}
            for figures in self.figures.values():
                for name in list(figures):
                    figures[name] = figures[name][keep]

    def _fire(self, times: tuple[np.ndarray, ...], as_of: int) -> np.ndarray:
        """The policy's escalation rules fired on the rows into ``self.escalations`` (None without rules), and the
        rows they cover: the facts of :meth:`slakit.batch.flat.FlatLayout.ticket` (complaints at the row's latest
        instant; survey facts from ``survey_at``, else the last resolve, else creation) handed to
        :mod:`~slakit.batch.columnar_rules`."""
        import numpy as np

        rules = self.plan.evaluator.rules
        self.escalations = None
        if rules is None:
            return np.ones(len(self.covered), dtype=bool)
        created = self.created
        survey_at = self.survey_at
        latest = created
        for instants in times:
            latest = np.maximum(latest, instants)  # an empty time (EMPTY) is before every instant
        resolved, reopened = times[3], times[4]
        last_resolve = np.where(resolved != EMPTY, resolved, np.where(reopened != EMPTY, reopened, created))
        survey_from = np.where(survey_at != EMPTY, survey_at, last_resolve)
        names = ("priority", "category", "channel", "product", "customer", "affected_customers", "flags", "complaints")
        facts = {name: self.cols[name] for name in names}
        tickets = self.cols.get("ticket")  # a row's attributes, as prepared for the row engine (_Chunk._chosen)
        if tickets is not None:
            for name, _ in self.plan.layout.attributes:
                facts[f"attributes.{name}"] = tickets.mapped(partial(_attribute_value, name))
        rows = columnar_rules.RuleRows(
            created=created,
            facts=facts,
            complaints_at=latest,
            reopened=reopened,
            survey=self.cols["survey"],
            survey_from=survey_from,
            metrics=self.clocks,
            tables=_BlockTables(self),
            calendar=self.plan.sla.default_calendar,
            ratio=self.plan.sla.plan.ratio,
            as_of=as_of,
        )
        self.escalations = columnar_rules.escalations(rules, rows)
        return self.escalations.covered

    def _first_reply(self) -> np.ndarray:
        """``derive``'s time from creation to the first public agent reply in business time (``first_business``;
        the wall time is the difference); returns where the calendar's table covers it."""
        import numpy as np

        has_first = self.responded != EMPTY
        first, good = self._elapsed(
            self.plan.context.calendar, self.created, np.where(has_first, self.responded, self.created)
        )
        self.first_business = np.where(has_first, first, 0)
        return good

    def _table(self, calendar: BusinessCalendar) -> tuple[Any, tuple[np.ndarray, ...]] | None:
        """The calendar's open intervals (starts, ends, cumulative open time before and after each), from before
        the chunk's first creation to a year past ``as_of``, as numpy arrays."""
        import numpy as np

        low = int(self.created.min()) if len(self.created) else self.plan.evaluator.as_of_us
        high = self.plan.evaluator.as_of_us + _YEAR_US
        known = self.plan.tables.get(calendar)
        if known is not None and known[0].lo <= low and high < known[0].hi:
            return known
        try:
            table = calendar.table_covering(low, high)
        except UnsatisfiableError:
            return None
        arrays = tuple(
            np.asarray(part, dtype=np.int64) for part in (table.starts, table.ends, table.cum, table.cum_end)
        )
        found = self.plan.tables[calendar] = (table, arrays)
        return found

    @staticmethod
    def _position(arrays: tuple[np.ndarray, ...], t: np.ndarray) -> np.ndarray:
        """Open time before each instant ``t`` (``IntervalTable.open_before``)."""
        import numpy as np

        starts, ends, cum, _ = arrays
        i = np.searchsorted(starts, t, side="right") - 1
        safe = np.maximum(i, 0)
        return np.where(i < 0, 0, cum[safe] + np.minimum(t, ends[safe]) - starts[safe])

    def _elapsed(self, calendar: BusinessCalendar, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Open time from ``a`` to ``b`` (``b`` >= ``a``), and where the table covers both."""
        import numpy as np

        found = self._table(calendar)
        if found is None:
            return np.zeros(len(a), dtype=np.int64), np.zeros(len(a), dtype=bool)
        table, arrays = found
        good = (a >= table.lo) & (b < table.hi)
        return self._position(arrays, b) - self._position(arrays, a), good

    def _deadline(
        self, calendar: BusinessCalendar, start: np.ndarray, within: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The earliest instant by which a clock started at ``start`` has counted ``within`` of open time
        (``IntervalTable.forward``), and where the table reaches it; a zero target is due at the first open
        instant at or after the start (:func:`slakit.sla.track.due_in_stretch`: never in closed time)."""
        import numpy as np

        found = self._table(calendar)
        if found is None:
            return np.zeros(len(start), dtype=np.int64), np.zeros(len(start), dtype=bool)
        table, arrays = found
        starts, ends, cum, cum_end = arrays
        target = self._position(arrays, start) + within
        j = np.searchsorted(cum_end, target, side="left")
        opening = np.searchsorted(ends, start, side="right")  # the first open interval that ends after the start
        zero = within <= 0
        j = np.where(zero, opening, j)
        good = (j < len(starts)) & (start >= table.lo)
        safe = np.minimum(j, len(starts) - 1)
        return np.where(zero, np.maximum(start, starts[safe]), starts[safe] + target - cum[safe]), good

    # -- texts and the summary ---------------------------------------------------------------------

    def texts(self, summary: Accumulator) -> _Texts:
        """The covered rows' lines of results.csv, results.jsonl and breaches.csv; their counts into ``summary``."""
        import numpy as np
        import pyarrow as pa

        plan, cols = self.plan, self.cols
        count = len(self.covered)
        make = TextMaker(plan.zone, plan.cache)
        derived = _Labels.of(cols["category"], cols["subject"], plan.context)
        cols = self.cols = {**cols, "category": derived.category, "type": derived.kind, "route": derived.route}
        names = ("id", "priority", "type", "category", "channel", "product", "customer", "agent", "route")
        csv_of = {name: cols[name].texts(make.csv_cell) for name in names}
        json_of = {name: cols[name].texts(_keyed(name, make.json_string)) for name in names[1:]}  # ',"type":"…"'
        retain_dates = self._retained(make)
        lines = numbers(self.chunk.first + self.covered)
        resolved = self.is_resolved
        fcr = (resolved & (self.replies == 1) & (self.reopens == 0)).astype(np.int64)
        created_iso = make.instants(self.created)[0]
        resolved_csv, resolved_json = make.instants(self.resolved)
        business = hour_texts(self.business, shown=resolved)
        wall = hour_texts(self.wall, shown=resolved)
        replies, reopens = numbers(self.replies), numbers(self.reopens)
        survey, complaints = cols["survey"], cols["complaints"]
        metrics, breached = self._metric_texts(make, csv_of, lines)
        level, rules, escalations_json = self._escalation_texts(make)
        results = fields(
            lines, csv_of["id"], csv_of["priority"], csv_of["type"], csv_of["category"], csv_of["channel"],
            csv_of["product"], csv_of["customer"], csv_of["agent"], created_iso, choose(resolved, "true", "false"),
            resolved_csv, business, wall, replies, reopens, complaints.texts(_count_text),
            Col(fcr, ["false", "true"]).texts(str), *metrics.csv, breached.texts(";".join),
            survey.texts(make.overall), survey.texts(_follow_up), level, rules, csv_of["route"],
            retain_dates.texts(lambda day: ("" if day is None else day.isoformat()) + "\r\n"),
        )  # fmt: skip
        breached_json = breached.texts(lambda found: '},"breached":[' + ",".join(f'"{m}"' for m in found))
        jsonl = joined_line(
            '{"line":', lines, ',"id":', cols["id"].texts(make.json_string),
            *(json_of[name] for name in ("priority", "type", "category", "channel", "product", "customer", "agent")),
            ',"created_at":"', created_iso, '","resolved_at":', resolved_json,
            fill_null(cat(',"handling_hours":{"business":', business, ',"wall":', wall, "}"), ',"handling_hours":null'),
            ',"public_agent_replies":', replies, ',"reopens":', reopens,
            complaints.texts(_keyed("complaints", _count_text)),
            Col(fcr, [',"first_contact_resolution":false', ',"first_contact_resolution":true']).texts(str),
            ',"sla":{', *metrics.json, breached_json, survey.texts(lambda s: f'],"survey":{make.survey(s)}'),
            ',"escalations":', escalations_json, json_of["route"],
            retain_dates.texts(lambda day: ',"retain_until":' + ("null" if day is None else f'"{day}"') + "}\n"),
        )  # fmt: skip
        breaches = joined_line("", *metrics.lines) if metrics.lines else pa.array([""] * count, pa.string())
        self._count(summary, derived, retain_dates, metrics.latest, make)
        _add_breaches(summary, list(metrics.shown), metrics.total, metrics.tickets)
        return _Texts(results, jsonl, breaches)

    def _metric_texts(self, make: TextMaker, csv_of: dict[str, pa.Array], lines: pa.Array) -> tuple[_MetricTexts, Col]:
        """Each metric's cells of results.csv, object of results.jsonl's ``"sla"`` and lines of breaches.csv, and
        what the summary keeps of the breaches; each row's breached metrics (a tuple of names, in order)."""
        import numpy as np

        count = len(self.covered)
        latest, total = (int(self.created.max()) if count else 0), 0
        cells: list[pa.Array | str] = []
        objects: list[pa.Array] = []
        breach_lines: list[pa.Array] = []
        shown_breaches: list[BreachRow] = []
        shown_before = np.zeros(count, dtype=bool)  # rows with a metric tracked before this one
        breached_any = np.zeros(count, dtype=bool)
        breached_code = np.zeros(count, dtype=np.int64)  # bit k: the k-th metric with figures is breached
        measured: list[str] = []
        for metric in self.plan.metrics:
            figures = self.figures.get(metric)
            if figures is None:
                cells.extend(("", "", "", "", ""))
                continue
            tracked, state = figures["tracked"], figures["state"]
            deadline_csv, deadline_json = make.instants(figures["deadline"])
            completed_csv, completed_json = make.instants(figures["completed"])
            elapsed = hour_texts(figures["elapsed"])
            breached = state == _BREACHED
            late = hour_texts(figures["remaining"], negated=True, shown=breached & tracked)
            shown = (hidden(texts, tracked) for texts in (deadline_csv, completed_csv, elapsed))
            cells.extend((hidden(Col(state, list(_STATE_TEXT)).texts(str), tracked), *shown, late))
            heads = [f'{comma}"{metric}":{{"state":"{text}","deadline":' for comma in ("", ",") for text in _STATE_TEXT]
            codes = np.where(tracked, state + len(_STATE_TEXT) * shown_before, 0)
            head = hidden(Col(codes, heads).texts(str), tracked)
            shown_before |= tracked
            remaining = hour_texts(figures["remaining"])
            objects.append(
                cat(head, deadline_json, ',"completed_at":', completed_json, ',"elapsed_hours":', elapsed,
                    ',"remaining_hours":', remaining, "}")
            )  # fmt: skip
            active = figures["deadline"] != EMPTY
            if active.any():
                latest = max(latest, int(figures["deadline"][active].max()))
            breached_code |= breached.astype(np.int64) << len(measured)
            measured.append(metric)
            if not breached.any():
                continue
            overdue = hour_texts(np.maximum(-figures["remaining"], 0), shown=breached)
            breach_lines.append(
                cat(csv_of["id"], ",", lines, ",", csv_of["priority"], f",{metric},", deadline_csv, ",",
                    completed_csv, ",", overdue, "\r\n")
            )  # fmt: skip
            breached_any |= breached
            total += int(breached.sum())
            shown_breaches.extend(self._shown_breaches(metric, breached, figures, make))
        found = _MetricTexts(
            tuple(cells), tuple(objects), tuple(breach_lines), latest, tuple(shown_breaches), total,
            int(breached_any.sum()),
        )  # fmt: skip
        return found, _breached_lists(breached_code, measured)

    def _escalation_texts(self, make: TextMaker) -> tuple[pa.Array, pa.Array, pa.Array]:
        """results.csv's ``escalation_level`` and ``escalation_rules`` and results.jsonl's ``"escalations"`` of each
        row, as :mod:`slakit.batch.output` writes them (``_escalation_cells``: each fired rule in the order they show,
        its level, role, ``fired_at``, ``contact_by`` and cycle; the level reached; ``next_at``). The fired rules of
        all rows are made one after the other, then joined per row."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        found = self.escalations
        if found is None:
            none = np.zeros(len(self.covered), dtype=bool)
            return choose(none, "", ""), choose(none, "", ""), choose(none, "", "null")
        order = found.order()
        listed = np.take_along_axis(found.fired, order, 1)  # fired ones first, in the order they show
        rows, positions = np.nonzero(listed)
        columns = order[rows, positions]
        offsets = pa.array(np.concatenate([[0], np.cumsum(listed.sum(axis=1))]), pa.int32())
        take = pa.array(columns, pa.int64())
        heads = pa.array(
            [
                f'{{"rule":{make.json_string(rule.name)},"level":{rule.level:d},"role":{make.json_string(rule.role)},'
                '"fired_at":'
                for rule in found.rules
            ],
            pa.string(),
        ).take(take)
        fired_at = make.instants(found.fired_at[rows, columns])[1]
        contact_by = make.instants(found.contact_by[rows, columns])[1]
        items = cat(heads, fired_at, ',"contact_by":', contact_by, ',"cycle":0}')
        fired = pc.binary_join(pa.ListArray.from_arrays(offsets, items), ",")
        names = pa.array([rule.name for rule in found.rules], pa.string()).take(take)
        joined = pc.binary_join(pa.ListArray.from_arrays(offsets, names), ";")
        rules_csv = _Chunk.read_distinct(self.plan, joined, "rules", make.csv_cell).texts(str)
        level = numbers(found.level)
        next_at = make.instants(found.next_at)[1]
        json = cat('{"level":', level, ',"fired":[', fired, '],"next_at":', next_at, "}")
        return level, rules_csv, json

    def _escalation_counts(self, members: np.ndarray) -> dict[str, Any]:
        """The escalation counts of a group of the rows (``members``: their row numbers): tickets escalated, by rule,
        by level reached."""
        from collections import Counter

        found = self.escalations
        if found is None:
            return {}
        fired = found.fired[members]
        escalated = fired.any(axis=1)
        by_rule = Counter({rule.name: int(fired[:, column].sum()) for column, rule in enumerate(found.rules)})
        by_level = Counter(str(level) for level in found.level[members][escalated].tolist())
        return {"escalated": int(escalated.sum()), "by_rule": +by_rule, "by_level": by_level}

    def _shown_breaches(
        self, metric: str, breached: np.ndarray, figures: dict[str, np.ndarray], make: TextMaker
    ) -> list[BreachRow]:
        """The breaches of ``metric`` that can be among the :data:`BREACHES_SHOWN` latest, as the summary keeps
        them (the latest deadlines; ties kept)."""
        import numpy as np

        where = np.nonzero(breached)[0]
        deadlines = figures["deadline"][where]
        if len(where) > BREACHES_SHOWN:
            bound = np.partition(deadlines, len(deadlines) - BREACHES_SHOWN)[len(deadlines) - BREACHES_SHOWN]
            where = where[deadlines >= bound]
        from slakit.batch.facts import hours

        ids, priorities = self.cols["id"], self.cols["priority"]
        assert isinstance(ids, Ids)  # noqa: S101 -- made by _Chunk._ids
        deadlines = figures["deadline"][where]
        return list(
            zip(
                deadlines.tolist(),
                [found or "" for found in ids.values_at(where)],
                [metric] * len(where),
                (self.chunk.first + self.covered[where]).tolist(),
                [priorities.values[code] for code in priorities.codes[where].tolist()],
                make.instants(deadlines)[0].to_pylist(),
                make.instants(figures["completed"][where])[0].to_pylist(),  # empty where there is none
                [hours(max(-us, 0)) for us in figures["remaining"][where].tolist()],
                strict=True,
            )
        )

    def _retained(self, make: TextMaker) -> Col:
        """Each row's ``retain_until`` (None while unresolved or without ``retention``): the retention's own rule
        once per distinct local date of the resolution."""
        import numpy as np

        retention = self.plan.context.retention
        if retention is None:
            return Col(np.zeros(len(self.covered), dtype=np.int64), [None])
        days = make.dates(np.where(self.is_resolved, self.resolved, EMPTY))
        return days.mapped(lambda day: None if day is None else retention.retain_until(day))

    def _survey_timing(self) -> tuple[np.ndarray, np.ndarray]:
        """Which rows' survey timeliness is measured and which of those came in time (``derive``'s
        ``survey_on_time`` True, False or None), by the scheme's own rules applied to whole columns."""
        import numpy as np

        scheme = self.plan.context.survey
        count = len(self.covered)
        if scheme is None:
            return np.zeros(count, dtype=bool), np.zeros(count, dtype=bool)
        rules: Any = scheme  # its rules are sums and comparisons: numpy columns go through them as they are
        resolved = np.where(self.is_resolved, self.resolved, 0)
        dated = self.survey_at != EMPTY
        answered = self.cols["survey"].where(lambda score: score is not None)
        due = np.asarray(rules.survey_due_us(resolved), dtype=np.int64)
        on_time = np.asarray(rules.survey_on_time_us(resolved, self.survey_at), dtype=bool)
        measured = self.is_resolved & (dated | (~answered & (due <= self.plan.evaluator.as_of_us)))
        return measured, measured & dated & on_time

    def _count(self, summary: Accumulator, derived: _Labels, retained: Col, latest: int, make: TextMaker) -> None:
        """Count the covered rows into ``summary``, each group at once."""
        import numpy as np

        plan, cols = self.plan, self.cols
        created = make.dates(self.created)  # the local date of each creation: its periods
        cache = plan.cache("periods")
        local_periods = []
        for day in created.values:
            periods = cache.get(day)
            if periods is None:
                periods = cache.remember(day, periods_of(day))
            local_periods.append(periods)
        weeks = Col(created.codes, [p["week"] for p in local_periods])
        parts: list[Col] = []
        kinds, issues = cols["type"], derived.issue.canonical()
        named = {k: cols[k] for k in (*GROUP_COLUMNS, *(k for k in cols if k.startswith("attributes.")))}
        for part in summary.by:
            if part in ("month", "quarter", "week"):
                parts.append(Col(created.codes, [p[part] for p in local_periods]).canonical())
            else:
                parts.append(named[part].canonical())
        count = len(self.covered)
        group_codes = np.zeros(count, dtype=np.int64)
        for part_col in parts:
            group_codes = group_codes * max(len(part_col.values), 1) + part_col.codes
        group_keys, inverse = (
            np.unique(group_codes, return_inverse=True)
            if count
            else (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        )
        inverse = inverse.reshape(-1)
        resolved = self.is_resolved
        bins = np.searchsorted(np.asarray(_BOUNDS, dtype=np.int64), self.business, side="right")
        fcr = resolved & (self.replies == 1) & (self.reopens == 0)
        # each ticket's SLA states as one number: its priority, then each metric's state (4: not tracked)
        metrics = [m for m in plan.metrics if m in self.figures]
        states = cols["priority"].codes.copy()
        for metric in metrics:
            figures = self.figures[metric]
            states = states * 5 + np.where(figures["tracked"], figures["state"], 4)
        state_col = distinct(states)
        priorities = cols["priority"].values

        def decode(code: int) -> tuple[str, tuple[tuple[str, int], ...]]:
            found = []
            for metric in reversed(metrics):
                code, state = divmod(code, 5)
                if state != 4:
                    found.append((metric, state))
            return priorities[code], tuple(reversed(found))

        state_values = [decode(code) for code in state_col.values]
        state_col = Col(state_col.codes, state_values)
        has_issue = issues.where(lambda v: v[0] is not None and v[1] is not None)
        classified = derived.source.where(lambda source: source == "subject")
        has_first = self.responded != EMPTY
        wall_first = self.responded - self.created
        survey_due, survey_on_time = self._survey_timing()
        dated = self.survey_at != EMPTY
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(group_keys) + 1))
        for g, code in enumerate(group_keys.tolist()):
            members = order[bounds[g] : bounds[g + 1]]  # the group's rows, in input order
            key = []
            for part_col in reversed(parts):
                width = max(len(part_col.values), 1)
                key.append(part_col.values[code % width])
                code //= width
            done = members[resolved[members]]
            survey_counts = cols["survey"].counts(members)
            issued = members[has_issue[members]]
            counts = GroupCounts(
                tickets=len(members),
                by_type=kinds.counts(members, lambda v: v or _NONE),
                by_priority=cols["priority"].counts(members),
                by_product=cols["product"].counts(members, lambda v: v or _NONE),
                by_channel=cols["channel"].counts(members, lambda v: v or _NONE),
                by_week=weeks.counts(members),
                resolved=len(done),
                business=_distribution(self.business[done]),
                wall=_distribution(self.wall[done]),
                histogram=tuple(np.bincount(bins[done], minlength=len(HISTOGRAM)).tolist()),
                fcr=int(fcr[members].sum()),
                sla=state_col.counts(members),
                surveys=tuple((score, n) for score, n in survey_counts.items() if score is not None),
                issues=self._issues(issued, issues),
                issue_sources=issues.counts(issued, lambda v: v[1]),
                **self._escalation_counts(members),
                by_route=cols["route"].counts(members, lambda v: v or _NONE),
                classified=int(classified[members].sum()),
                first_response=self._first_response(members[has_first[members]], wall_first),
                survey_on_time=int(survey_on_time[members].sum()),
                survey_due=int(survey_due[members].sum()),
                survey_dated=int(dated[members].sum()),
                retain={day: n for day, n in retained.counts(done).items() if day is not None},
            )
            summary.add_counts(tuple(reversed(key)), counts, latest)

    def _issues(self, rows: np.ndarray, issues: Col) -> dict[tuple[str, str], IssueCounts]:
        """The frequent problems of ``rows`` (row numbers of rows that count under one): tickets, the resolved
        ones' business handling time, categories."""
        import numpy as np

        found: dict[tuple[str, str], IssueCounts] = {}
        if not len(rows):
            return found
        codes = issues.codes[rows]
        order = np.argsort(codes, kind="stable")
        present, starts = np.unique(codes[order], return_index=True)
        ends = [*starts.tolist()[1:], len(rows)]
        for code, start, end in zip(present.tolist(), starts.tolist(), ends, strict=True):
            mine = rows[order[start:end]]
            done = mine[self.is_resolved[mine]]
            issue, source = issues.values[code]
            counted = IssueCounts(
                len(mine),
                len(done),
                _sum(self.business[done]),
                self.cols["category"].counts(mine, lambda v: v or _NONE),
            )
            known = found.get((source, issue))
            found[source, issue] = counted if known is None else _issue_sum(known, counted)
        return found

    def _first_response(self, rows: np.ndarray, wall: np.ndarray) -> dict[str, tuple[Distribution, Distribution]]:
        """Per priority, the distributions of the time from creation to the first reply of ``rows`` (row
        numbers), in business and in wall time."""
        import numpy as np

        priority = self.cols["priority"]
        found: dict[str, tuple[Distribution, Distribution]] = {}
        codes = priority.codes[rows]
        for code in np.unique(codes).tolist():
            mine = rows[codes == code]
            business, walls = _distribution(self.first_business[mine]), _distribution(wall[mine])
            name = priority.values[code]
            if name in found:
                business.merge(found[name][0])
                walls.merge(found[name][1])
            found[name] = (business, walls)
        return found


def _issue_sum(a: IssueCounts, b: IssueCounts) -> IssueCounts:
    return IssueCounts(
        a.tickets + b.tickets,
        a.handled + b.handled,
        a.handling_us + b.handling_us,
        Counter(a.categories) + Counter(b.categories),
    )


class _BlockTables:
    """A block's calendar table functions, as :class:`slakit.batch.columnar_rules.Tables`."""

    def __init__(self, block: _Block) -> None:
        self.block = block

    def elapsed(self, calendar: BusinessCalendar, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.block._elapsed(calendar, a, b)

    def deadline(
        self, calendar: BusinessCalendar, start: np.ndarray, within: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.block._deadline(calendar, start, within)


def _distribution(values: np.ndarray) -> Distribution:
    """The :class:`~slakit.batch.distribution.Distribution` of a column of values ``>= 0``: each value's bucket
    computed for the whole column (``ceil(log(v) / LOG_GAMMA)`` with numpy), and by
    :func:`~slakit.batch.distribution.bucket_of` itself wherever the quotient lies so near a whole number that
    numpy's logarithm and the math module's could round it apart."""
    import numpy as np

    values = np.ascontiguousarray(values, dtype=np.int64)
    positive = values[values > 0]
    quotient = np.log(positive.astype(np.float64)) / LOG_GAMMA
    index = np.ceil(quotient).astype(np.int64)
    near = np.abs(quotient - np.round(quotient)) < 1e-6
    for i in np.nonzero(near)[0].tolist():
        index[i] = bucket_of(int(positive[i]))
    present, times = np.unique(index, return_counts=True)
    buckets = dict(zip(present.tolist(), times.tolist(), strict=True))
    return Distribution.of_column(values.tobytes(), _sum(values), buckets, len(values) - len(positive))


def _sum(values: np.ndarray) -> int:
    """The exact sum of non-negative int64 values (summed in two parts, so that no int64 overflows)."""
    high, low = divmod(values, 1 << 20)
    return int(high.sum()) * (1 << 20) + int(low.sum())


def _add_breaches(summary: Accumulator, rows: list[BreachRow], total: int, tickets: int) -> None:
    """The chunk's breaches into ``summary``: those that can be among the latest shown, and the counts."""
    import heapq

    shown = heapq.nlargest(BREACHES_SHOWN, rows) if len(rows) > BREACHES_SHOWN else rows
    summary.add_breaches(shown, total, tickets)


def _stop(*, own: np.ndarray, resolved: np.ndarray, start: np.ndarray) -> np.ndarray:
    """When a once-per-ticket clock stops for good (:func:`slakit.sla.track.clock_stop` for a ticket without
    reopens): at its own event, unless a resolve comes first; :data:`EMPTY` when neither (or not started)."""
    import numpy as np

    has_own = own != EMPTY
    forced_first = (resolved != EMPTY) & (~has_own | (resolved < own))
    stop = np.where(forced_first, resolved, np.where(has_own, own, EMPTY))
    return np.where(start != EMPTY, stop, EMPTY)


def _targets(
    metric: str, plans: Col, priority: Col
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[int, BusinessCalendar]]:
    """Which rows track ``metric``, its target for each row, the key of the clock it runs on, and those clocks:
    the target of the row's plan (``plans``, :meth:`slakit.sla.Policy.plan_for` of its ticket) at its priority,
    once per distinct pair."""
    import numpy as np

    def target_of(plan: Any, code: Any) -> Any:
        if plan is None or code is None or code is BAD:
            return None
        return plan.targets.get(code, {}).get(metric)

    targets = pair(plans, priority, target_of)
    calendars = {id(t.clock): t.clock for t in targets.values if t is not None}
    tracked = np.array([t is not None for t in targets.values] or [False], dtype=bool)[targets.codes]
    within = np.array([t.within_us if t is not None else 0 for t in targets.values] or [0], dtype=np.int64)
    clock_of = np.array([id(t.clock) if t is not None else 0 for t in targets.values] or [0], dtype=np.int64)
    return tracked, within[targets.codes], clock_of[targets.codes], calendars


def is_breached(deadline: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """:func:`slakit.sla.track.is_breached` for whole columns: the horizon at or past the breach instant."""
    return horizon >= deadline + 1
