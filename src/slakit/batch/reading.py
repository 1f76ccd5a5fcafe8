"""``read``: an export file (flat CSV/TSV or JSONL, optionally gzipped) as a stream of tickets and rejected rows.

Files are read in chunks of whole records: a CSV record may span lines inside quotes, so lines are
grouped until their quotes balance. The same chunks feed :func:`~slakit.batch.run`'s worker
processes as plain text, which is cheaper to hand over than parsed tickets.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any, Literal, cast

from slakit.batch.flat import FlatLayout
from slakit.batch.jsonl import ticket_from_json
from slakit.batch.records import Rejected
from slakit.batch.values import ValueMap
from slakit.errors import ConfigError
from slakit.sla import Ticket

__all__ = [
    "FORMATS",
    "MAX_RECORD_LINES",
    "FileSpan",
    "Source",
    "check_encoding",
    "detect_format",
    "open_source",
    "parse_chunk",
    "read",
]

FORMATS = ("csv", "jsonl")
_ERRORS = "surrogateescape"  # undecodable bytes become U+DC80..U+DCFF: found per record, never silently kept
_BAD_BYTES = re.compile("[\udc80-\udcff]")
_SNIFF = 1 << 16
_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_BLOCK = 1 << 20
_QUOTES_PER_LINE = 4  # more in a file's first block: it is read line by line (spans look at each quote)

Format = Literal["csv", "jsonl"]

MAX_RECORD_LINES = 1_000
"""The most lines one CSV record may span (inside quoted cells). A quote that opens a cell and does not close
at the end of that cell within them is a stray one: its line is rejected, and the lines after it are read as
rows (docs/report.md, "Quotes")."""


def detect_format(name: str | None, format: str | None) -> Format:
    """``format`` if given, else by suffix: ``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``, each also ``.gz``."""
    if format is not None:
        if format not in FORMATS:
            raise ConfigError.for_value("format", format, "'csv' or 'jsonl'")
        return "csv" if format == "csv" else "jsonl"
    suffixes = [s.lower() for s in Path(name or "").suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    found = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if found is None:
        raise ConfigError.for_value(
            "format", None, f"'csv' or 'jsonl' (the name {name!r} does not say: use .csv, .tsv, .jsonl or .ndjson)"
        )
    return "csv" if found == "csv" else "jsonl"


@dataclass(frozen=True, slots=True)
class FileSpan:
    """``size`` bytes of the file at ``path`` from offset ``start``: whole records, read where they are parsed."""

    path: str
    start: int
    size: int
    identity: tuple[int, ...] = ()  # the file's device, inode, size and modification time when it was opened

    def read(self) -> bytes:
        """The span's bytes; an OSError when the file no longer holds them (replaced, changed or shortened)."""
        with open(self.path, "rb") as file:
            if self.identity and _identity(file) != self.identity:
                raise OSError(f"{self.path!r} changed while it was read: it is not the file the run opened")
            file.seek(self.start)
            data = file.read(self.size)
        if len(data) != self.size:
            raise OSError(f"{self.path!r} changed while it was read: {self.size} bytes at {self.start} are gone")
        return data


@dataclass
class Source:
    """An opened export: its format, CSV layout, and the stream positioned after the header.

    Files whose encoding keeps ``"``, ``,`` and newlines as single ASCII bytes (UTF-8, GBK,
    GB18030, Latin-1, ...) are read as bytes and decoded chunk by chunk, by the worker that parses
    the chunk; others (UTF-16) and text streams are read as text. A file whose first 64 KiB are not
    valid in the encoding is refused (it is in another encoding); later, a record with invalid
    bytes is rejected on its own, so one damaged row cannot stop the batch.
    """

    format: Format
    file: IO[Any]
    layout: FlatLayout | None
    delimiter: str
    next_line: int
    owned: bool
    encoding: str = "utf-8"
    path: str | None = None  # the file's path, when it can be read in spans (not gzipped, ASCII-compatible)

    def chunks(self, records: int, *, spans: bool = False) -> Iterator[tuple[int, str | bytes | FileSpan]]:
        """``(first line, text or bytes)`` of about ``records`` whole records at a time.

        With ``spans``, a CSV file opened by its path (not gzipped, in an ASCII-compatible encoding)
        gives :class:`FileSpan` s instead, which a worker process reads itself: the file is scanned a
        block at a time for record boundaries, and no text travels to the workers.
        """
        if spans and self.path is not None and self.format == "csv":
            return self._spans(records, self.path)
        return self._line_chunks(records, self.next_line)

    def _line_chunks(self, records: int, first: int) -> Iterator[tuple[int, str | bytes]]:
        """Line by line: a record ends at a line end where the quotes seen so far balance."""
        quoted = self.format == "csv"
        lines: list[Any] = []
        count = record_lines = 0
        odd = False
        line = first
        quote: Any = None
        for raw in self.file:
            if quote is None:
                quote = b'"' if isinstance(raw, bytes) else '"'
            lines.append(raw)
            line += 1
            record_lines += 1
            if quoted and raw.count(quote) % 2:
                odd = not odd
            if odd and record_lines < MAX_RECORD_LINES:
                continue
            odd = False
            record_lines = 0
            count += 1
            if count >= records:
                yield first, lines[0][:0].join(lines)
                lines, count, first = [], 0, line
        if lines:
            yield first, lines[0][:0].join(lines)

    def _spans(self, records: int, path: str) -> Iterator[tuple[int, str | bytes | FileSpan]]:
        """Spans of ``records`` records each, cut where :meth:`_line_chunks` would cut, found a block at a time.

        From a chunk where that is not sure (a record running towards the length at which that method cuts
        inside quotes), or for a file that quotes every cell (looking at each quote costs more than reading
        line by line), the rest of the file goes to :meth:`_line_chunks`.
        """
        file = self.file
        start, first = file.tell(), self.next_line
        identity = _identity(file)
        pending = file.read(_BLOCK)
        ended = not pending
        wanted = _BLOCK  # bytes to have before looking: a fifth more than the last chunk took
        by_lines = pending.count(b'"') > _QUOTES_PER_LINE * (pending.count(b"\n") + 1)
        while not by_lines:
            if len(pending) < wanted and not ended:
                more = file.read(wanted - len(pending))
                ended = not more
                pending += more
            if not pending:
                return
            try:
                found = _records_end(pending, records)
            except _Unsure:
                break
            if found is None:
                if ended:  # the last chunk: whatever is left, its last line maybe without a newline
                    yield first, FileSpan(path, start, len(pending), identity)
                    return
                wanted = max(wanted, 2 * len(pending))  # doubling: a long chunk is scanned a few times at most
                continue
            end, lines = found
            yield first, FileSpan(path, start, end, identity)
            start, first, pending = start + end, first + lines, pending[end:]
            wanted = max(_BLOCK, end + end // 5)
        file.seek(start)
        yield from self._line_chunks(records, first)

    def close(self) -> None:
        """Close the file if this source opened it."""
        if self.owned:
            self.file.close()


def _identity(file: IO[Any]) -> tuple[int, ...]:
    found = os.fstat(file.fileno())
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


class _Unsure(Exception):  # noqa: N818 -- a signal, not an error
    """A chunk's end cannot be found without reading it line by line."""


def _records_end(data: bytes, records: int) -> tuple[int, int] | None:
    """Where the ``records``-th record of ``data`` ends and how many lines come before; None: beyond ``data``.

    As :meth:`Source._line_chunks` counts them: a record ends at a line end where the quotes seen so far
    balance. Between two quotes the balance stands still, so line ends are counted a stretch at a time.
    """
    position = done = lines = 0
    balanced = True
    record_lines = 0  # lines of the record under way
    while True:
        quote = data.find(b'"', position)
        stop = len(data) if quote < 0 else quote
        ends = data.count(b"\n", position, stop)
        if balanced:
            if done + ends >= records:
                return _after_line_end(data, position, stop, ends, records - done), lines + records - done
            done += ends
            record_lines = 0 if ends else record_lines
        else:
            record_lines += ends
            if record_lines >= MAX_RECORD_LINES:  # where the line reader cuts inside quotes
                raise _Unsure
        lines += ends
        if quote < 0:
            return None
        balanced = not balanced
        position = quote + 1


def _after_line_end(data: bytes, start: int, stop: int, count: int, wanted: int) -> int:
    """Where the ``wanted``-th line end of ``data[start:stop]`` (which has ``count`` of them) ends.

    Counted from a guess at the share of the stretch it takes (lines of a chunk are of much the same length),
    then found line end by line end from there, forward or back."""
    if wanted < _STEPS:
        guess, seen = start, 0
    else:
        guess = start + (stop - start) * wanted // count
        seen = data.count(b"\n", start, guess)
    end = guess
    if seen < wanted:
        for _ in range(wanted - seen):
            end = data.index(b"\n", end) + 1
        return end
    for _ in range(seen - wanted + 1):  # back to the wanted-th: the last line end before the guess is the seen-th
        end = data.rindex(b"\n", start, end)
    return end + 1


_STEPS = 64
"""Below this many line ends, they are found one by one from the start."""


def check_encoding(encoding: str) -> str:
    """``encoding`` if Python can read text in it; else a ConfigError naming ``encoding``.

    A codec that does not turn bytes into text (``rot13``, ``hex``, ``base64``, ``zlib``) is refused
    here like an unknown name, before any file is opened.
    """
    try:
        if not isinstance(encoding, str):
            raise TypeError(encoding)
        io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    except (LookupError, TypeError, ValueError):
        raise ConfigError.for_value(
            "encoding", encoding, "the name of a text encoding such as 'utf-8', 'gbk' or 'gb18030'"
        ) from None
    return encoding


def _ascii_compatible(encoding: str) -> bool:
    try:
        return 'x\n",\t'.encode(encoding).removeprefix(codecs.BOM_UTF8) == b'x\n",\t'
    except (LookupError, UnicodeError):
        return False


def open_source(  # noqa: C901, PLR0912, PLR0913 -- paths and open files, plain and gzip, text and bytes: each opened its own way; each reading option keyword-only
    source: str | os.PathLike[str] | IO[Any],
    *,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | ValueMap | None = None,
) -> Source:
    """Open ``source`` (a path or an open file, text or binary) and read a CSV's header."""
    name = os.fspath(source) if isinstance(source, str | os.PathLike) else getattr(source, "name", None)
    kind = detect_format(str(name) if name is not None else None, format)
    if kind == "jsonl" and ValueMap.of(value_map):
        raise ConfigError(
            "value_map maps the values of a flat export (CSV, TSV, a DataFrame); a JSONL file is read as slakit's "
            "own ticket format, whose priorities are matched as codes or names in any case and width",
            path="value_map",
        )
    check_encoding(encoding)
    newline = "" if kind == "csv" else None
    binary = _ascii_compatible(encoding)
    file: IO[Any]
    span_path = None  # a plain file in an ASCII-compatible encoding can be read in spans
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        gz = path.suffix.lower() == ".gz"
        if _cr_only(_sniff(path, gz, encoding)) and kind == "csv":
            binary = False  # lines end with a lone CR: read as text, which ends lines at \r, \n and \r\n
        span_path = os.path.abspath(path) if binary and not gz else None
        try:
            if binary and gz:
                file = cast("IO[bytes]", gzip.open(path, "rb"))  # noqa: SIM115 -- closed by Source.close
            elif binary:
                file = path.open("rb")
            elif gz:
                file = gzip.open(path, "rt", encoding=encoding, errors=_ERRORS, newline=newline)  # noqa: SIM115
            else:
                file = path.open(encoding=encoding, errors=_ERRORS, newline=newline)
        except OSError as exc:
            raise ConfigError(f"cannot read {str(path)!r}: {exc.strerror or exc}", path="source") from exc
        owned = True
    elif isinstance(source, io.TextIOBase):
        file, owned, binary = source, False, False
    elif binary and not (kind == "csv" and _cr_only(_peek(source))):
        file, owned = source, False
    else:
        file, owned = io.TextIOWrapper(source, encoding=encoding, errors=_ERRORS, newline=newline), False
    if kind == "jsonl":
        return Source("jsonl", file, None, delimiter, 1, owned, encoding)
    if delimiter == "," and str(name or "").lower().removesuffix(".gz").endswith(".tsv"):
        delimiter = "\t"
    try:
        header, next_line = _header(file, delimiter, encoding)
        layout = FlatLayout(
            header,
            column_map=column_map,
            assume_tz=assume_tz,
            date_order=date_order,
            date_format=date_format,
            value_map=value_map,
        )
    except BaseException:
        if owned:
            file.close()
        raise
    return Source("csv", file, layout, delimiter, next_line, owned, encoding, span_path)


def _cr_only(head: bytes) -> bool:
    """Whether the first line of ``head`` ends with a lone carriage return (a CSV saved by old Excel for Mac)."""
    cr, lf = head.find(b"\r"), head.find(b"\n")
    return 0 <= cr < len(head) - 1 and (lf < 0 or cr < lf) and head[cr + 1] != ord("\n")


def _peek(file: IO[Any]) -> bytes:
    """The first bytes of an open binary file, left unread (nothing when it cannot go back)."""
    try:
        if not file.seekable():
            return b""
        position = file.tell()
        head = file.read(_SNIFF)
        file.seek(position)
    except (OSError, ValueError, AttributeError):
        return b""
    return head if isinstance(head, bytes) else b""


def _header(file: IO[Any], delimiter: str, encoding: str) -> tuple[list[str], int]:
    """The first non-blank record and the number of the line after it."""
    lines: list[str] = []
    line = 0
    for raw in file:
        line += 1
        text = raw.decode(encoding, errors="replace") if isinstance(raw, bytes) else _BAD_BYTES.sub("\ufffd", raw)
        if not lines and not text.strip():
            continue
        lines.append(text)
        if "".join(lines).count('"') % 2 == 0:
            break
    if not lines:
        raise ConfigError("the CSV file is empty: it needs a header row naming the columns", path="source")
    lines[0] = lines[0].removeprefix("\ufeff")
    try:
        header = next(csv.reader(lines, delimiter=delimiter), [])
    except csv.Error as exc:  # e.g. lines ending with a lone CR in a text stream that splits at \n only
        raise ConfigError(
            f"the CSV file's header cannot be read ({exc}); a file whose lines end with a carriage return "
            "alone must be passed by its path or opened with newline=''",
            path="source",
        ) from None
    return header, line + 1


def parse_chunk(
    source_format: Format,
    payload: str | bytes | FileSpan,
    first_line: int,
    layout: FlatLayout | None,
    delimiter: str,
    encoding: str = "utf-8",
) -> Iterator[Ticket | Rejected]:
    """The tickets and rejected rows in one chunk (text, or bytes in ``encoding``) starting at ``first_line``.

    A record with bytes that are not ``encoding`` text is rejected (they are decoded as lone
    surrogates, which no valid text holds, so that the record can be found and named).
    """
    if source_format == "jsonl":
        text, damaged = _decoded(payload, encoding)
        for offset, raw in enumerate(text.split("\n")):
            if raw.strip():
                if damaged and _BAD_BYTES.search(raw):
                    yield _undecodable(first_line + offset, None, raw, encoding)
                else:
                    yield ticket_from_json(raw, first_line + offset)
        return
    assert layout is not None  # noqa: S101 -- a CSV source always has one
    for record in csv_records(payload, first_line, layout, delimiter, encoding):
        yield record if isinstance(record, Rejected) else layout.ticket(record[1], record[0])


def csv_records(
    payload: str | bytes | FileSpan, first_line: int, layout: FlatLayout, delimiter: str, encoding: str = "utf-8"
) -> Iterator[tuple[int, list[str]] | Rejected]:
    """The records of one chunk of a flat CSV as ``(line, cells)``, or rejected when unreadable (blank ones skipped).

    The csv module reads the records. A record may run over several lines only inside a quoted cell that
    closes, at the end of its cell, within :data:`MAX_RECORD_LINES` lines: a quote that never closes (or
    closes in the middle of a later cell, where a second stray quote happens to be) would otherwise swallow
    the rows after it. Such a record is rejected at its first line, and reading goes on at the next line.
    """
    text, damaged = _decoded(payload, encoding)
    lines = io.StringIO(text, newline="").readlines()
    start = 0  # the line (index into lines) the current reader began at
    while start < len(lines):
        runaway = yield from _records_from(lines, start, first_line, layout, delimiter, encoding, damaged)
        if runaway is None:
            return
        index, problem = runaway
        yield _unterminated(lines[index], first_line + index, problem, layout, delimiter)
        start = index + 1


def _records_from(
    lines: list[str],
    start: int,
    first_line: int,
    layout: FlatLayout,
    delimiter: str,
    encoding: str,
    damaged: bool,
) -> Generator[tuple[int, list[str]] | Rejected, None, tuple[int, str] | None]:
    """The records from ``lines[start:]``. Returns None at the end, or, at a record that is not a whole CSV
    record, the index of its first line and what is wrong with its quote."""
    reader = csv.reader(lines[start:] if start else lines, delimiter=delimiter)
    total = len(lines) - start
    consumed = 0
    while True:
        line = first_line + start + consumed
        try:
            row = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            if reader.line_num - consumed > 1:  # past the record's first line: a quoted cell ran on
                return start + consumed, f"{_never_closes()}: {exc}"
            consumed = reader.line_num
            yield Rejected(line, None, f"unreadable CSV record: {exc}", "unreadable CSV record", "InvalidTicketError")
            continue
        end = reader.line_num
        if end - consumed > 1 or end == total:  # over several lines, or the chunk's last: check its quotes
            problem = _quote_problem(lines, start + consumed, start + end, first_line, delimiter)
            if problem is not None:
                return start + consumed, problem
        consumed = end
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if damaged and _BAD_BYTES.search("".join(row)):
            ticket_id = row[layout.index["id"]] if layout.index["id"] < len(row) else None
            yield _undecodable(line, ticket_id, "".join(row), encoding)
            continue
        yield line, row


def _never_closes() -> str:
    return f"never closes (a quoted cell may span lines, up to {MAX_RECORD_LINES:,})"


def _quote_problem(lines: list[str], begin: int, end: int, first_line: int, delimiter: str) -> str | None:
    """What makes the record on ``lines[begin:end]`` not a whole CSV record, or None: longer than allowed,
    a quoted cell still open at the chunk's end, or (over several lines) a quoted cell closing in the
    middle of a cell, where a second stray quote happens to be."""
    if end - begin > MAX_RECORD_LINES:
        return _never_closes()
    ended = False

    def feed() -> Iterator[str]:
        nonlocal ended
        yield from lines[begin:end]
        ended = True  # the reader asked for a line past the record: a quoted cell was still open

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    try:
        next(reader, None)
    except csv.Error:
        if not ended and end - begin > 1:
            return f"closes on line {first_line + begin + reader.line_num - 1} in the middle of a cell"
    return _never_closes() if ended else None


def _unterminated(text: str, line: int, problem: str, layout: FlatLayout, delimiter: str) -> Rejected:
    """The rejection of the record whose quote opens on ``line`` (its text) and does not close where a cell ends."""
    cells = next(csv.reader([text], delimiter=delimiter), [""])  # the open quoted cell is the line's last
    where = len(cells) - 1
    column = f"the {layout.header[where]!r} cell" if where < len(layout.header) else f"cell {where + 1}"
    id_at = layout.index["id"]
    ticket_id = (cells[id_at].strip() or None) if id_at < where else None
    reason = (
        f"a quote opens {column} on line {line} and {problem}; the line is rejected and reading goes on at the next"
    )
    return Rejected(line, ticket_id, reason, "unterminated quote", "InvalidTicketError")


def _decoded(payload: str | bytes | FileSpan, encoding: str) -> tuple[str, bool]:
    """The chunk's text, and whether it holds bytes that were not ``encoding`` text."""
    if isinstance(payload, FileSpan):
        payload = payload.read()
    if isinstance(payload, bytes):
        try:
            return payload.decode(encoding), False
        except UnicodeDecodeError:
            return payload.decode(encoding, errors=_ERRORS), True
    return payload, _BAD_BYTES.search(payload) is not None


def _undecodable(line: int, ticket_id: str | None, record: str, encoding: str) -> Rejected:
    found = _BAD_BYTES.search(record)
    byte = f"0x{ord(found.group()) - 0xDC00:02X}" if found else "?"
    if ticket_id is not None and _BAD_BYTES.search(ticket_id):
        ticket_id = None
    reason = (
        f"the row is not {encoding} text (byte {byte} is not valid there); "
        "give the file's encoding, e.g. encoding='gbk' (--encoding gbk)"
    )
    return Rejected(
        line, ticket_id.strip() or None if ticket_id else None, reason, "not valid text", "InvalidTicketError"
    )


def _sniff(path: Path, gz: bool, encoding: str) -> bytes:
    """The file's first bytes; refuse a file whose beginning is not ``encoding`` text (it is in another one)."""
    try:
        with gzip.open(path, "rb") if gz else path.open("rb") as file:
            head: bytes = file.read(_SNIFF)
    except (OSError, EOFError):
        return b""  # reading it properly reports the problem
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < _SNIFF)
    except UnicodeError as exc:  # UnicodeDecodeError, or a UTF-16 file without its BOM
        where = (
            f"byte 0x{head[exc.start]:02X} at offset {exc.start} is not valid there"
            if isinstance(exc, UnicodeDecodeError)
            else str(exc)
        )
        raise ConfigError(
            f"{str(path)!r} is not {encoding} text ({where}); give the file's encoding, e.g. encoding='gbk' or "
            "'gb18030' (--encoding gbk)",
            path="encoding",
        ) from None
    return head


def read(  # noqa: PLR0913 -- the file and each reading option, keyword-only, documented, with a default
    path_or_file: str | os.PathLike[str] | IO[Any],
    *,
    format: str | None = None,
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8-sig",
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | ValueMap | None = None,
) -> Iterator[Ticket | Rejected]:
    """Every ticket of an export, or the :class:`~slakit.batch.Rejected` row in its place, in file order.

    ``format`` is ``"csv"`` or ``"jsonl"``, by default taken from the suffix (``.csv``, ``.tsv``,
    ``.jsonl``, ``.ndjson``, each also ``.gz``). For flat CSV, ``column_map`` maps canonical column
    names to the file's headers and ``assume_tz`` (an IANA name or tzinfo) is the zone of naive
    timestamps, which are rejected without it. ``date_order`` (``"dmy"``, ``"mdy"`` or ``"ymd"``) or
    ``date_format`` (a ``strptime`` format) say how numeric dates such as ``01/06/2023`` are written;
    without them a date whose order is not certain is rejected (docs/report.md, "Dates"). ``value_map``
    maps a flat export's values of ``priority``, ``channel`` and ``category`` (``{"priority": {"Urgent":
    "P1"}}``, matched ignoring case and width; docs/report.md, "Values"). Line numbers count the header
    as line 1. A file without a needed column raises
    :class:`~slakit.errors.ConfigError` before any row is read.
    """
    source = open_source(
        path_or_file,
        format=format,
        column_map=column_map,
        assume_tz=assume_tz,
        delimiter=delimiter,
        encoding=encoding,
        date_order=date_order,
        date_format=date_format,
        value_map=value_map,
    )
    return _stream(source)


def _stream(source: Source) -> Iterator[Ticket | Rejected]:
    try:
        for first_line, payload in source.chunks(1000):
            yield from parse_chunk(source.format, payload, first_line, source.layout, source.delimiter, source.encoding)
    finally:
        source.close()
