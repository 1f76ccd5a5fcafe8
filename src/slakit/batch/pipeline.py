"""``run``: read, evaluate, summarize and write a whole export, streaming, on one core or several.

The input is cut into chunks of whole records. Each chunk is parsed, evaluated and reduced to its
output text (results.csv and results.jsonl rows, rejected and breach rows) and a partial summary
(:class:`~slakit.batch.accumulator.Accumulator`); with ``jobs > 1`` worker processes do that, append
the text to the files themselves in input order (:mod:`~slakit.batch.appending`) and hand back only the
small partial summary, which the parent merges in input order, so memory stays flat and the files are
identical whatever ``jobs``. Every file is written into a staging folder and moved into
place only when the run has succeeded, with run.json last (:mod:`~slakit.batch.rundir`).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import IO, Any

from slakit import __version__, presets
from slakit.batch import appending, columnar, csv_safe, parallel
from slakit.batch.accumulator import Accumulator
from slakit.batch.appending import Pieces
from slakit.batch.columnar import ENGINE_VARIABLE, ENGINES, Plan
from slakit.batch.evaluation import Evaluator
from slakit.batch.facts import Context, TicketFacts, check_by
from slakit.batch.flat import FlatLayout
from slakit.batch.frames import Part, as_part, open_table
from slakit.batch.options import RejectLimit
from slakit.batch.output import BREACH_COLUMNS, REJECTED_COLUMNS, WARNING_COLUMNS, TicketWriter
from slakit.batch.reading import FileSpan, Format, Source, open_source, parse_chunk
from slakit.batch.records import Rejected
from slakit.batch.report.writer import file_names, write_report
from slakit.batch.rundir import RUN_FILE, Staging, refuse_input_as_output, remove_abandoned
from slakit.batch.summary import Summary
from slakit.batch.values import ValueMap
from slakit.errors import ConfigError, TooManyRejectedError
from slakit.policy import ServicePolicy
from slakit.sla import Policy, Ticket

__all__ = [
    "CHUNK_RECORDS",
    "CHUNK_TICKETS",
    "FILES",
    "PartResult",
    "RunOutcome",
    "RunProgress",
    "TableEvaluation",
    "choose_engine",
    "run",
]

CHUNK_RECORDS = 10_000
"""Records of a file per chunk: large enough that what is done per chunk (a partial summary to pickle and
merge, a file to hand over) costs little per row, small enough to stay flat (some 20 MB of text per chunk)."""
CHUNK_TICKETS = 2_000
"""Tickets (objects, from an iterable) per chunk: they weigh more than text. A table (a DataFrame, an Arrow table,
a Parquet file) is cut into chunks of :data:`CHUNK_RECORDS` rows."""

FILES = ("results.csv", "results.jsonl", "rejected.csv", "breaches.csv", "warnings.csv")
"""The per-ticket files every run writes (the report's files follow, then run.json)."""
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)  # Windows: no newline translation
RUN_FORMAT = "slakit.run/1"


@dataclass(frozen=True, slots=True)
class RunProgress:
    """How far a run is, after each chunk: rows done, and bytes of the input file read so far and in all.

    The bytes are those of the file as stored (compressed, for ``.gz``); both are None for a table (a DataFrame,
    an Arrow table, a Parquet file) or an iterable, and for an open file without a file descriptor.
    ``bytes_read`` reaches ``bytes_total`` with the last chunk.
    """

    rows: int
    bytes_read: int | None = None
    bytes_total: int | None = None

    @property
    def fraction(self) -> float | None:
        """``bytes_read / bytes_total`` (at most 1), or None when the size is not known."""
        if self.bytes_read is None or not self.bytes_total:
            return None
        return min(1.0, self.bytes_read / self.bytes_total)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What :func:`run` did: rows read, evaluated and rejected, tickets with a breach, the summary and the files.

    ``files`` are the outputs in place, run.json last. ``date_orders`` counts, per order (``"dmy"``, ``"mdy"``,
    ``"ymd"``), the numeric dates whose order their fields made certain: what the file says about the order
    of the dates rejected as ambiguous. ``warnings`` counts the cells of evaluated rows that were ignored
    (warnings.csv; ``summary.warning_reasons`` by kind). ``engines`` counts the rows each engine evaluated
    (``columnar``, ``rows``); ``engine_note`` says why the columnar engine took none of them, when it could not.
    """

    rows: int
    evaluated: int
    rejected: int
    breached_tickets: int
    summary: Summary
    files: tuple[Path, ...]
    date_orders: Mapping[str, int] = field(default_factory=dict)
    warnings: int = 0
    engines: Mapping[str, int] = field(default_factory=dict)
    engine_note: str | None = None


@dataclass(frozen=True, slots=True)
class _Work:
    """Everything a chunk needs, set once per worker process."""

    evaluator: Evaluator
    context: Context
    by: tuple[str, ...]
    writer: TicketWriter
    format: Format | None  # None: chunks hold tickets or a table's rows (frames.Part), not text
    layout: FlatLayout | None  # a flat CSV's or a table's
    delimiter: str
    encoding: str
    appender: appending.Appender | None = None  # workers: the files they append their chunks' text to, in turn
    turns: parallel.Turns | None = None  # workers: whose turn it is to append
    columnar: Plan | None = None  # the columnar engine's plan, when it may take the chunks


@dataclass(frozen=True, slots=True)
class _Output:
    """One chunk's contribution: its row count, the UTF-8 bytes of each file, its partial summary, and the date
    orders its rows showed."""

    rows: int
    results_csv: Pieces
    results_jsonl: Pieces
    rejected_csv: Pieces
    breaches_csv: Pieces
    warnings_csv: Pieces
    summary: Accumulator
    orders: tuple[tuple[str, int], ...] = ()
    columnar: int = 0  # the rows the columnar engine evaluated


@dataclass(frozen=True, slots=True)
class _Appended:
    """One chunk's contribution from a worker, whose text is in the files already."""

    rows: int
    summary: Accumulator
    orders: tuple[tuple[str, int], ...] = ()
    columnar: int = 0


def choose_engine(engine: str | None) -> str:
    """The engine a run uses: ``engine``, else the environment variable ``SLAKIT_BATCH_ENGINE``, else ``"auto"``;
    a :class:`~slakit.errors.ConfigError` for a name that is none of :data:`~slakit.batch.columnar.ENGINES`."""
    if engine is None:
        engine = os.environ.get(ENGINE_VARIABLE) or "auto"
    if engine not in ENGINES:
        raise ConfigError.for_value("engine", engine, "one of auto, rows, columnar")
    return engine


@dataclass(frozen=True, slots=True)
class PartResult:
    """One part of a table evaluated as :func:`run` evaluates it: the UTF-8 bytes of each per-ticket file (the
    lines after the header; results.jsonl has none), its partial summary, the rows each engine evaluated and the
    date orders its rows showed (:attr:`RunOutcome.date_orders`)."""

    rows: int
    results_csv: bytes
    results_jsonl: bytes
    rejected_csv: bytes
    breaches_csv: bytes
    warnings_csv: bytes
    summary: Accumulator
    engines: Mapping[str, int]
    date_orders: Mapping[str, int]


class TableEvaluation:
    """How :func:`run` evaluates a table's rows, set up once for the table's columns, to evaluate its parts one at
    a time wherever they are (a Dask partition, a Spark batch: :mod:`slakit.batch.dask`).

    ``reading`` holds ``column_map``, ``assume_tz``, ``date_order``, ``date_format`` and ``value_map`` as
    :class:`~slakit.batch.FlatLayout` takes them; ``engine`` as for :func:`run`. Made in each process that
    evaluates parts (it does not pickle)."""

    def __init__(
        self,
        policy: ServicePolicy,
        as_of: datetime,
        columns: Iterable[str],
        by: tuple[str, ...],
        reading: Mapping[str, Any],
        engine: str | None = None,
    ) -> None:
        layout = FlatLayout([str(column) for column in columns], **reading)
        self.evaluator = Evaluator(policy, as_of)
        self.evaluator.priorities.check(layout.values)  # a value_map to a priority the policy does not have
        self.context = Context.of(self.evaluator.policy_for(layout.measured))  # as run() does for a table
        given = _Input(iter(()), layout=layout, table=True, measured=layout.measured)
        plan, self.engine_note = _columnar_plan(choose_engine(engine), self.evaluator, self.context, given, None)
        self.work = _Work(
            evaluator=self.evaluator,
            context=self.context,
            by=by,
            writer=TicketWriter(self.context.metrics),
            format=None,
            layout=layout,
            delimiter=",",
            encoding="utf-8",
            columnar=plan,
        )

    def evaluate(self, rows: Any, first_line: int) -> PartResult:
        """The rows of ``rows`` (a pandas DataFrame, an Arrow table or record batch, with the table's columns),
        numbered from ``first_line``, as :func:`run` evaluates them."""
        part = as_part(rows)
        output = _process(self.work, (first_line, part))
        results, jsonl, rejected, breaches, warned = (appending.joined(text) for text in _texts(output))
        return PartResult(
            output.rows,
            results,
            jsonl,
            rejected,
            breaches,
            warned,
            output.summary,
            {name: n for name, n in (("columnar", output.columnar), ("rows", output.rows - output.columnar)) if n},
            dict(output.orders),
        )


def _process(work: _Work, chunk: tuple[int, Any]) -> _Output:
    first, payload = chunk
    summary = Accumulator(work.by, as_of=work.evaluator.as_of)
    summary.context = work.context
    table = isinstance(payload, Part)
    if work.columnar is not None and (work.format == "csv" or table):
        texts = work.columnar.chunk(payload, first, work.delimiter, summary, partial(_row_texts, work))
        if texts is not None:
            return _Output(
                texts.rows,
                texts.results_csv,
                texts.results_jsonl,
                texts.rejected_csv,
                texts.breaches_csv,
                texts.warnings_csv,
                summary,
                _chunk_orders(work),
                texts.columnar,
            )
    items: Iterable[Ticket | Rejected]
    if table:
        assert work.layout is not None  # noqa: S101 -- a table's layout is made from its columns
        items = payload.items(work.layout, first)
    elif work.format is None:
        items = payload
    else:
        items = parse_chunk(work.format, payload, first, work.layout, work.delimiter, work.encoding)
    results: list[str] = []
    jsonl: list[str] = []
    rejected: list[str] = []
    breaches: list[str] = []
    warned: list[str] = []
    rows = 0
    for position, item in enumerate(items, start=first):
        rows += 1
        texts_of_row = _row_texts(work, item, position, summary)
        results.append(texts_of_row[0])
        jsonl.append(texts_of_row[1])
        rejected.append(texts_of_row[2])
        breaches.append(texts_of_row[3])
        warned.append(texts_of_row[4])
    return _Output(
        rows,
        "".join(results).encode(),
        "".join(jsonl).encode(),
        "".join(rejected).encode(),
        "".join(breaches).encode(),
        "".join(warned).encode(),
        summary,
        _take_orders(work.layout),
    )


def _row_texts(
    work: _Work, item: Ticket | Rejected, position: int, summary: Accumulator
) -> tuple[str, str, str, str, str]:
    """One item through the row engine: its results.csv and results.jsonl lines, and its rows of rejected.csv,
    breaches.csv and warnings.csv (empty text when it has none), counted into ``summary``."""
    writer = work.writer
    result, timeline = work.evaluator.evaluate_with_timeline(item, position)
    if result.rejection is not None:
        summary.add_rejected(result.rejection)
        return "", "", _csv_text(writer.rejected_row(result.rejection), safe=True), "", ""
    facts = TicketFacts.from_result(result, work.context, timeline)
    summary.add_facts(facts)
    breaches = ""
    if facts.breaches:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(writer.breach_rows(facts, safe=True))  # cells made safe by breach_rows
        breaches = buffer.getvalue()
    warnings = ""
    if facts.warnings:
        buffer = io.StringIO()
        csv_safe.writer(buffer).writerows(writer.warning_rows(facts))
        warnings = buffer.getvalue()
    return writer.csv_line(facts), writer.json_line(facts), "", breaches, warnings


def _csv_text(row: list[Any], *, safe: bool) -> str:
    buffer = io.StringIO()
    (csv_safe.writer(buffer) if safe else csv.writer(buffer)).writerow(row)
    return buffer.getvalue()


def _chunk_orders(work: _Work) -> tuple[tuple[str, int], ...]:
    """The date orders a columnar chunk's rows showed: in a worker process the columnar plan reads the rows the
    row engine takes with its own copy of the layout."""
    found = Counter(dict(_take_orders(work.layout)))
    if work.columnar is not None and work.columnar.layout is not work.layout:
        found.update(dict(_take_orders(work.columnar.layout)))
    return tuple(found.items())


def _take_orders(layout: FlatLayout | None) -> tuple[tuple[str, int], ...]:
    """The date orders the layout's rows showed since the last call (each chunk hands on its own)."""
    if layout is None or not layout.date_orders:
        return ()
    taken = tuple(layout.date_orders.items())
    layout.date_orders.clear()
    return taken


def _collect(
    outputs: Iterable[_Output | _Appended],
    appender: appending.Appender,
    summary: Accumulator,
    orders: Counter[str],
    progress: Callable[[RunProgress], None] | None,
    read: _BytesRead,
    engines: Counter[str],
) -> None:
    """Append each chunk's text to the files (the workers' own is in already) and merge its partial summary, in
    input order."""
    done = 0
    for output in outputs:
        if isinstance(output, _Output):
            appender.append(_texts(output))
        summary.merge(output.summary)
        orders.update(dict(output.orders))
        engines["columnar"] += output.columnar
        engines["rows"] += output.rows - output.columnar
        done += output.rows
        if progress is not None:
            progress(RunProgress(done, *read.next()))


def _texts(output: _Output) -> tuple[Pieces, Pieces, Pieces, Pieces, Pieces]:
    return output.results_csv, output.results_jsonl, output.rejected_csv, output.breaches_csv, output.warnings_csv


def _csv_header(columns: Iterable[str]) -> bytes:
    """A CSV file's first bytes: the UTF-8 byte-order mark (so Excel reads Chinese right) and the header."""
    buffer = io.StringIO()
    csv_safe.writer(buffer).writerow(columns)
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


def _process_in_worker(item: tuple[int, tuple[int, Any]]) -> _Appended:
    """Chunk number ``index`` of the run: its text appended to the files in its turn, its summary handed back."""
    index, chunk = item
    work: _Work = parallel.state()
    turns, appender = work.turns, work.appender
    if turns is None or appender is None:  # pragma: no cover -- run() sets both for workers
        raise RuntimeError("a worker's turns and files are set by run()")
    try:
        output = _process(work, chunk)
    except BaseException:
        turns.take(index, None)
        raise
    turns.take(index, partial(appender.append, _texts(output)))
    return _Appended(output.rows, output.summary, output.orders, output.columnar)


def _numbered_chunk_lines(item: tuple[int, tuple[int, Any]]) -> str:
    return _chunk_lines(item[1])


def _chunk_lines(chunk: tuple[int, Any]) -> str:
    """The lines (rows, for tickets) a chunk holds, for a message: ``lines 2-10,001``."""
    first, payload = chunk
    try:
        if isinstance(payload, FileSpan):
            payload = payload.read()
    except OSError:
        return f"lines from {first:,}"
    if isinstance(payload, bytes):  # read as bytes: lines end with \n
        count = payload.count(b"\n") + (0 if payload.endswith(b"\n") else 1)
    elif isinstance(payload, str):  # read as text: lines may also end with \r alone
        count = len(io.StringIO(payload, newline="").readlines())
    else:
        return f"rows {first:,}-{first + max(len(payload), 1) - 1:,}"
    return f"lines {first:,}-{first + max(count, 1) - 1:,}"


def _input_file(source: Any) -> tuple[os.stat_result | None, str | None]:
    """The input file's ``stat`` and path (absolute) or name; None for what is not a file."""
    if isinstance(source, str | os.PathLike):
        shown = os.path.abspath(source)
        try:
            return os.stat(shown), shown
        except OSError:
            return None, shown  # opening it reports the problem
    fileno = getattr(source, "fileno", None)
    name = getattr(source, "name", None)
    try:
        found = os.fstat(fileno()) if callable(fileno) else None
    except (OSError, ValueError, io.UnsupportedOperation):
        found = None
    return found, os.path.abspath(name) if isinstance(name, str) else None


class _BytesRead:
    """Where the input file stood when each chunk was cut, handed out in order as the chunks are collected."""

    def __init__(self, opened: Any) -> None:
        try:
            fd = opened.file.fileno() if opened is not None else None
            self.total = os.fstat(fd).st_size if fd is not None else None
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            fd, self.total = None, None
        self.fd = fd
        self.ends: deque[int | None] = deque()

    def note(self, chunks: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
        """``chunks``, noting where each ends in the file (a span knows; otherwise the file's position)."""
        for chunk in chunks:
            payload = chunk[1]
            if isinstance(payload, FileSpan):
                self.ends.append(payload.start + payload.size)
            else:
                self.ends.append(os.lseek(self.fd, 0, os.SEEK_CUR) if self.fd is not None else None)
            yield chunk

    def next(self) -> tuple[int | None, int | None]:
        """Bytes read up to the end of the next chunk collected, and the file's size."""
        return (self.ends.popleft() if self.ends else None), self.total


@dataclass(frozen=True, slots=True)
class _Input:
    """An input opened for a run: its chunks, the source file (None for a table or an iterable), the layout of a
    flat CSV or a table (its rows are read where the chunks are evaluated), whether it is a table, and the metrics
    its columns can measure."""

    chunks: Iterator[tuple[int, Any]]
    opened: Source | None = None
    layout: FlatLayout | None = None
    table: bool = False
    measured: frozenset[str] | None = None


def _open_input(source: Any, jobs: int, chunk_size: int | None, options: dict[str, Any]) -> _Input:
    """``source`` cut into chunks; ``options`` as for :func:`~slakit.batch.reading.open_source`."""
    table = open_table(source, chunk_size or CHUNK_RECORDS, options["format"])
    if table is not None:
        names = ("column_map", "assume_tz", "date_order", "date_format", "value_map")
        columns = FlatLayout(table.columns, **{name: options[name] for name in names})
        return _Input(table.parts, layout=columns, table=True, measured=columns.measured)
    if isinstance(source, str | os.PathLike | io.IOBase) or hasattr(source, "read"):
        opened = open_source(source, **options)
        layout = opened.layout
        records = opened.chunks(chunk_size or CHUNK_RECORDS, spans=True)  # read where it is evaluated
        return _Input(records, opened, layout, measured=layout.measured if layout is not None else None)
    return _Input(parallel.numbered_chunks(source, chunk_size or CHUNK_TICKETS))


def run(  # noqa: PLR0913 -- the batch entry point: each option keyword-only, documented, with a default
    source: str | os.PathLike[str] | IO[Any] | Iterable[Ticket | Rejected] | Any,
    policy: ServicePolicy | Policy | str | os.PathLike[str],
    *,
    as_of: datetime,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = ("html", "md", "json", "csv"),
    jobs: int = 1,
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    by: str | tuple[str, ...] | list[str] = ("month",),
    progress: Callable[[RunProgress], None] | None = None,
    format: str | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    chunk_size: int | None = None,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    max_rejected: int | str | RejectLimit | None = None,
    engine: str | None = None,
) -> RunOutcome:
    """Evaluate a whole export and write the per-ticket files and the report into ``out_dir``.

    ``source`` is a file (path or open file: flat CSV/TSV or JSONL, optionally ``.gz``; ``format``, ``column_map``,
    ``assume_tz``, ``delimiter``, ``encoding``, ``date_order``, ``date_format`` and ``value_map`` as for
    :func:`~slakit.batch.read`), a table of flat rows (a pandas or polars DataFrame, an Arrow table, record batch or
    ``RecordBatchReader``, or a Parquet file by its path: ``.parquet``, ``.pq`` or ``format="parquet"``; rows
    numbered from 1, cells read as :func:`~slakit.batch.from_dataframe` reads a DataFrame's:
    :mod:`slakit.batch.frames`), or an iterable of tickets and rejected rows. ``policy`` is a
    :class:`~slakit.ServicePolicy`, a preset name or a policy file; a ``value_map`` that maps a priority to one the
    policy does not have is refused before anything is read. Writes results.csv, results.jsonl, rejected.csv,
    breaches.csv and warnings.csv, then the report in ``formats`` (``html``, ``md``, ``json``, ``csv``) through
    :func:`slakit.batch.report.write_report`, and run.json last: every file goes into a staging folder in
    ``out_dir`` and is moved into place only when the run has succeeded, so a failed or interrupted run leaves the
    previous outputs as they were (:mod:`~slakit.batch.rundir`). An input file that is one of the outputs is refused
    (:class:`~slakit.errors.ConfigError`) before anything is written. ``jobs`` worker processes share the work; the
    output is the same for any ``jobs``. ``progress`` is called with a :class:`RunProgress` after each chunk of
    ``chunk_size`` records (by default :data:`CHUNK_RECORDS` of a file or rows of a table, :data:`CHUNK_TICKETS`
    tickets of an iterable).

    ``max_rejected`` (a number of rows, or a share such as ``"5%"``) is how many rejected rows the run
    accepts: past it, the run still writes every output (they are complete) and then raises
    :class:`~slakit.errors.TooManyRejectedError`, whose ``outcome`` is the run's :class:`RunOutcome`.

    ``engine`` chooses how rows are evaluated: ``"rows"`` one ticket at a time (every input), ``"columnar"`` a
    column at a time with numpy and pyarrow (the ``batch`` extra; flat CSV/TSV exports and tables; refused with a
    :class:`~slakit.errors.ConfigError` for an input or policy it cannot take at all), ``"auto"`` (the default)
    the columnar engine where it can and the row engine for everything else. Either way a row the columnar
    engine does not cover goes to the row engine, and the files are the same byte for byte whichever engine
    evaluated a row (docs/performance.md, "The columnar engine"); ``RunOutcome.engines`` counts the rows of each.
    Without ``engine``, the environment variable ``SLAKIT_BATCH_ENGINE`` (else ``"auto"``) chooses: a test suite
    runs once per engine that way.
    """
    began = time.perf_counter()  # a duration for run.json: a monotonic clock, not the wall clock
    policy = presets.resolve(policy)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ConfigError.for_value("jobs", jobs, "a whole number of processes, 1 or more")
    if chunk_size is not None and (not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1):
        raise ConfigError.for_value("chunk_size", chunk_size, "a whole number of records, 1 or more")
    groups = check_by(by)
    engine = choose_engine(engine)
    limit = RejectLimit.of(max_rejected) if max_rejected is not None else None
    values = ValueMap.of(value_map)
    formats = tuple(formats)
    if formats:
        file_names(formats)  # unknown formats are refused before anything is read or written
    evaluator = Evaluator(policy, as_of)
    evaluator.priorities.check(values)
    out = Path(out_dir)
    known = (*FILES, *file_names(), RUN_FILE)
    identity, shown = _input_file(source)
    refuse_input_as_output(identity, shown or "", out, known)
    options = {
        "format": format,
        "column_map": column_map,
        "assume_tz": assume_tz,
        "delimiter": delimiter,
        "encoding": encoding,
        "date_order": date_order,
        "date_format": date_format,
        "value_map": values,
    }
    given = _open_input(source, jobs, chunk_size, options)
    opened = given.opened
    context = Context.of(evaluator.policy_for(given.measured))
    plan, note = _columnar_plan(engine, evaluator, context, given, opened)
    work = _Work(
        evaluator=evaluator,
        context=context,
        by=groups,
        writer=TicketWriter(context.metrics),
        format=opened.format if opened is not None else None,
        layout=given.layout,
        delimiter=opened.delimiter if opened is not None else delimiter,
        encoding=opened.encoding if opened is not None else encoding,
        columnar=plan,
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out)
        staging = Staging(out)
    except BaseException:
        if opened is not None:
            opened.close()
        raise
    try:
        summary = Accumulator(groups, policy=policy, as_of=as_of)
        summary.context = Context.of(policy)
        orders: Counter[str] = Counter()
        engines: Counter[str] = Counter()
        _evaluate_into(staging, work, given, jobs, summary, orders, progress, engines)
        result = summary.finish()
        written = write_report(result.to_dict(), staging.path, formats) if formats else ()
        names = [*FILES, *(path.name for path in written)]
        files = staging.commit(names, known, _record(identity, shown, policy, as_of, result, names, began))
    except BaseException:
        staging.discard()
        raise
    outcome = RunOutcome(
        rows=result.rows,
        evaluated=result.evaluated,
        rejected=result.rejected_total,
        breached_tickets=result.breached_tickets,
        summary=result,
        files=tuple(files),
        date_orders=dict(orders),
        warnings=result.warnings_total,
        engines={name: engines[name] for name in ("columnar", "rows") if engines[name]},
        engine_note=note,
    )
    if limit is not None and limit.exceeded(outcome.rejected, outcome.rows):
        raise TooManyRejectedError(limit.message(outcome.rejected, outcome.rows), outcome=outcome)
    return outcome


def _evaluate_into(
    staging: Staging,
    work: _Work,
    given: _Input,
    jobs: int,
    summary: Accumulator,
    orders: Counter[str],
    progress: Callable[[RunProgress], None] | None,
    engines: Counter[str],
) -> None:
    """Evaluate every chunk of ``given`` into the per-ticket files in ``staging``, and ``summary``."""
    appender: appending.Appender | None = None
    bytes_read = _BytesRead(given.opened)
    try:
        paths = tuple(str(staging.path / name) for name in FILES)
        for path in paths:
            os.close(os.open(path, _WRITE_FLAGS, 0o666))
        appender = appending.Appender(paths, shared=jobs > 1)
        headers = (work.writer.header, None, REJECTED_COLUMNS, BREACH_COLUMNS, WARNING_COLUMNS)
        appender.append([b"" if columns is None else _csv_header(columns) for columns in headers])  # no JSONL header
        appender.flush()  # no writing thread of the parent's while workers are forked
        outputs: Generator[_Output | _Appended, None, None]
        noted = bytes_read.note(given.chunks)
        if jobs == 1:
            outputs = (_process(work, chunk) for chunk in noted)
        else:
            workers = replace(work, appender=appender, turns=parallel.Turns())
            outputs = parallel.ordered_map(
                _process_in_worker, enumerate(noted), jobs=jobs, initial=workers, describe=_numbered_chunk_lines
            )
        try:
            _collect(outputs, appender, summary, orders, progress, bytes_read, engines)
        finally:
            outputs.close()  # stops the workers before their folder goes
        appender.finish()
    finally:
        if appender is not None:
            appender.close()
        if given.opened is not None:
            given.opened.close()


_SAID: set[str] = set()


def _say_once(reason: str) -> None:
    """Warn, once per process, that the row engine takes every row because of ``reason``."""
    if reason not in _SAID:
        _SAID.add(reason)
        warnings.warn(f"slakit.batch.run: the row engine evaluates every row: {reason}", stacklevel=4)


def _columnar_plan(
    engine: str, evaluator: Evaluator, context: Context, given: _Input, opened: Source | None
) -> tuple[Plan | None, str | None]:
    """The columnar engine's plan for the run (None: the row engine takes every row), and why not when it cannot."""
    if engine == "rows":
        return None, None
    if given.table or opened is not None:
        kind, encoding = ("table", "utf-8") if opened is None else (opened.format, opened.encoding)
        found = columnar.plan_for(evaluator, context, given.layout, kind, encoding)
        if isinstance(found, columnar.Plan):
            return found, None
        reason = found
    else:
        reason = columnar.NOT_FLAT
    if engine == "columnar" or reason == columnar.MISSING:
        if reason == columnar.MISSING and engine == "auto":
            _say_once(reason)
            return None, reason
        raise ConfigError(
            f"engine='columnar' cannot evaluate this input: {reason}; give engine='auto' or 'rows'", path="engine"
        )
    return None, reason


def _record(
    identity: os.stat_result | None,
    shown: str | None,
    policy: ServicePolicy,
    as_of: datetime,
    result: Summary,
    names: list[str],
    began: float,
) -> dict[str, Any]:
    """run.json: what was read, with what, what came out, and how long it took (docs/report.md)."""
    modified = datetime.fromtimestamp(identity.st_mtime, UTC).isoformat() if identity is not None else None
    return {
        "format": RUN_FORMAT,
        "slakit_version": __version__,
        "input": {"path": shown, "size": identity.st_size if identity else None, "modified": modified},
        "policy": policy.name,
        "as_of": as_of.isoformat(),
        "rows": result.rows,
        "evaluated": result.evaluated,
        "rejected": result.rejected_total,
        "warnings": result.warnings_total,
        "duration_seconds": round(time.perf_counter() - began, 3),
        "files": [*names, RUN_FILE],
    }
