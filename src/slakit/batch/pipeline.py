"""``run``: read, evaluate, summarize and write a whole export, streaming, on one core or several.

The input is cut into chunks of whole records. Each chunk is parsed, evaluated and reduced to its
output text (results.csv and results.jsonl rows, rejected and breach rows) and a partial summary
(:class:`~slakit.batch.accumulator.Accumulator`); with ``jobs > 1`` worker processes do that and
hand back only the small partial summary and a file with the text (:mod:`~slakit.batch.spill`). The
parent appends the text in input order and merges the partial summaries, so memory stays flat and the
files are identical whatever ``jobs``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from slakit import presets
from slakit.batch import csv_safe, parallel, spill
from slakit.batch.accumulator import Accumulator
from slakit.batch.dataframe import from_dataframe
from slakit.batch.evaluation import Evaluator
from slakit.batch.facts import Context, TicketFacts, check_by
from slakit.batch.flat import FlatLayout
from slakit.batch.output import BREACH_COLUMNS, REJECTED_COLUMNS, TicketWriter
from slakit.batch.reading import Format, open_source, parse_chunk
from slakit.batch.records import Rejected
from slakit.batch.report import write_report
from slakit.batch.summary import Summary
from slakit.errors import ConfigError
from slakit.policy import ServicePolicy
from slakit.sla import Policy, Ticket

__all__ = ["CHUNK_RECORDS", "CHUNK_TICKETS", "RunOutcome", "run"]

CHUNK_RECORDS = 10_000
"""Records of a file per chunk: large enough that what is done per chunk (a partial summary to pickle and
merge, a file to hand over) costs little per row, small enough to stay flat (some 20 MB of text per chunk)."""
CHUNK_TICKETS = 2_000
"""Tickets (objects, from an iterable or a DataFrame) per chunk: they weigh more than text."""

FILES = ("results.csv", "results.jsonl", "rejected.csv", "breaches.csv")
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)  # Windows: no newline translation


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What :func:`run` did: rows read, evaluated and rejected, tickets with a breach, the summary and the files."""

    rows: int
    evaluated: int
    rejected: int
    breached_tickets: int
    summary: Summary
    files: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class _Work:
    """Everything a chunk needs, set once per worker process."""

    evaluator: Evaluator
    context: Context
    by: tuple[str, ...]
    writer: TicketWriter
    format: Format | None  # None: chunks hold tickets, not text
    layout: FlatLayout | None
    delimiter: str
    encoding: str
    spill_to: str | None = None  # workers: the folder their chunks' text goes to


@dataclass(frozen=True, slots=True)
class _Output:
    """One chunk's contribution: its row count, the UTF-8 bytes of each file, and its partial summary."""

    rows: int
    results_csv: bytes
    results_jsonl: bytes
    rejected_csv: bytes
    breaches_csv: bytes
    summary: Accumulator


@dataclass(frozen=True, slots=True)
class _Spilled:
    """One chunk's contribution from a worker: its text is in the file ``path``, in parts of ``sizes``."""

    rows: int
    path: str
    sizes: tuple[int, ...]
    summary: Accumulator


def _process(work: _Work, chunk: tuple[int, Any]) -> _Output:
    first, payload = chunk
    items: Iterable[Ticket | Rejected]
    if work.format is None:
        items = payload
    else:
        items = parse_chunk(work.format, payload, first, work.layout, work.delimiter, work.encoding)
    summary = Accumulator(work.by, as_of=work.evaluator.as_of)
    summary.context = work.context
    rejected, breaches = io.StringIO(), io.StringIO()
    results: list[str] = []
    rejected_rows = csv_safe.writer(rejected)
    breach_rows = csv.writer(breaches)  # breach_rows(..., safe=True) makes its text cells safe itself
    jsonl: list[str] = []
    writer, evaluator, context = work.writer, work.evaluator, work.context
    rows = 0
    for position, item in enumerate(items, start=first):
        rows += 1
        result, timeline = evaluator.evaluate_with_timeline(item, position)
        if result.rejection is not None:
            summary.add_rejected(result.rejection)
            rejected_rows.writerow(writer.rejected_row(result.rejection))
            continue
        facts = TicketFacts.from_result(result, context, timeline)
        summary.add_facts(facts)
        results.append(writer.csv_line(facts))
        jsonl.append(writer.json_line(facts))
        if facts.breaches:
            breach_rows.writerows(writer.breach_rows(facts, safe=True))
    return _Output(
        rows,
        "".join(results).encode(),
        "".join(jsonl).encode(),
        rejected.getvalue().encode(),
        breaches.getvalue().encode(),
        summary,
    )


def _collect(
    outputs: Iterable[_Output | _Spilled],
    targets: list[int],
    summary: Accumulator,
    progress: Callable[[int], None] | None,
) -> None:
    """Append each chunk's text to the files ``targets`` and merge its partial summary, in input order."""
    done = 0
    for output in outputs:
        if isinstance(output, _Spilled):
            spill.append(targets, output.path, output.sizes)
        else:
            for target, text in zip(targets, _texts(output), strict=True):
                spill.write_all(target, text)
        summary.merge(output.summary)
        done += output.rows
        if progress is not None:
            progress(done)


def _texts(output: _Output) -> tuple[bytes, bytes, bytes, bytes]:
    return output.results_csv, output.results_jsonl, output.rejected_csv, output.breaches_csv


def _csv_header(columns: Iterable[str]) -> bytes:
    """A CSV file's first bytes: the UTF-8 byte-order mark (so Excel reads Chinese right) and the header."""
    buffer = io.StringIO()
    csv_safe.writer(buffer).writerow(columns)
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


def _process_in_worker(chunk: tuple[int, Any]) -> _Spilled:
    work: _Work = parallel.state()
    assert work.spill_to is not None  # noqa: S101 -- run() sets it for workers
    output = _process(work, chunk)
    path, sizes = spill.spill(_texts(output), work.spill_to)
    return _Spilled(output.rows, path, sizes, output.summary)


def _is_dataframe(source: Any) -> bool:
    return type(source).__name__ == "DataFrame" and hasattr(source, "itertuples")


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
    progress: Callable[[int], None] | None = None,
    format: str | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    chunk_size: int | None = None,
) -> RunOutcome:
    """Evaluate a whole export and write the per-ticket files and the report into ``out_dir``.

    ``source`` is a file (path or open file: flat CSV/TSV or JSONL, optionally ``.gz``; ``format``,
    ``column_map``, ``assume_tz``, ``delimiter`` and ``encoding`` as for :func:`~slakit.batch.read`),
    a pandas DataFrame of flat rows, or an iterable of tickets and rejected rows. ``policy`` is a
    :class:`~slakit.ServicePolicy`, a preset name or a policy file. Writes results.csv, results.jsonl,
    rejected.csv and breaches.csv, then the report in ``formats`` (``html``, ``md``, ``json``,
    ``csv``) through :func:`slakit.batch.report.write_report`. ``jobs`` worker processes share the
    work; the output is the same for any ``jobs``. ``progress`` is called with the number of rows
    done after each chunk of ``chunk_size`` records (by default :data:`CHUNK_RECORDS` of a file,
    :data:`CHUNK_TICKETS` tickets otherwise).
    """
    policy = presets.resolve(policy)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ConfigError.for_value("jobs", jobs, "a whole number of processes, 1 or more")
    if chunk_size is not None and (not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or chunk_size < 1):
        raise ConfigError.for_value("chunk_size", chunk_size, "a whole number of records, 1 or more")
    groups = check_by(by)
    formats = tuple(formats)
    evaluator = Evaluator(policy, as_of)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    opened = None
    chunks: Iterator[tuple[int, Any]]
    layout: FlatLayout | None = None
    measured: frozenset[str] | None = None
    kind: Format | None = None
    if _is_dataframe(source):
        frame: Any = source
        measured = FlatLayout([str(c) for c in frame.columns], column_map=column_map, assume_tz=assume_tz).measured
        tickets = from_dataframe(frame, column_map=column_map, assume_tz=assume_tz)
        chunks = parallel.numbered_chunks(tickets, chunk_size or CHUNK_TICKETS)
    elif isinstance(source, str | os.PathLike | io.IOBase) or hasattr(source, "read"):
        opened = open_source(
            source,  # type: ignore[arg-type]  # a path or an open file, as checked
            format=format,
            column_map=column_map,
            assume_tz=assume_tz,
            delimiter=delimiter,
            encoding=encoding,
        )
        layout = opened.layout
        measured = layout.measured if layout is not None else None
        chunks, kind = opened.chunks(chunk_size or CHUNK_RECORDS, spans=jobs > 1), opened.format
    else:
        chunks = parallel.numbered_chunks(source, chunk_size or CHUNK_TICKETS)

    context = Context.of(evaluator.policy_for(measured))
    work = _Work(
        evaluator=evaluator,
        context=context,
        by=groups,
        writer=TicketWriter(context.metrics),
        format=kind,
        layout=layout,
        delimiter=opened.delimiter if opened is not None else delimiter,
        encoding=opened.encoding if opened is not None else encoding,
    )
    summary = Accumulator(groups, policy=policy, as_of=as_of)
    summary.context = Context.of(policy)
    paths = [out / name for name in FILES]
    targets: list[int] = []
    try:
        spilling = (
            tempfile.TemporaryDirectory(prefix=".slakit-chunks-", dir=out, ignore_cleanup_errors=True)
            if jobs > 1
            else nullcontext("")
        )
        with spilling as spilled:
            for path, columns in zip(paths, (work.writer.header, None, REJECTED_COLUMNS, BREACH_COLUMNS), strict=True):
                targets.append(os.open(path, _WRITE_FLAGS, 0o666))
                if columns is not None:  # results.jsonl has no header
                    spill.write_all(targets[-1], _csv_header(columns))
            outputs: Generator[_Output | _Spilled, None, None]
            if jobs == 1:
                outputs = (_process(work, chunk) for chunk in chunks)
            else:
                workers = replace(work, spill_to=spilled)
                outputs = parallel.ordered_map(_process_in_worker, chunks, jobs=jobs, initial=workers)
            try:
                _collect(outputs, targets, summary, progress)
            finally:
                outputs.close()  # stops the workers before their folder goes
    finally:
        for target in targets:
            os.close(target)
        if opened is not None:
            opened.close()

    result = summary.finish()
    files = list(paths)
    if formats:
        files.extend(write_report(result.to_dict(), out, formats))
    return RunOutcome(
        rows=result.rows,
        evaluated=result.evaluated,
        rejected=result.rejected_total,
        breached_tickets=result.breached_tickets,
        summary=result,
        files=tuple(files),
    )
