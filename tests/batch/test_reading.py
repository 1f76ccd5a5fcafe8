"""Reading exports: CSV/TSV/JSONL, gzipped or not, paths or open files, with line numbers that match the file."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import presets
from slakit.batch import InputTicket, Rejected, read, reading, run
from slakit.batch.reading import FileSpan, csv_records, open_source
from slakit.errors import ConfigError
from tests.batch.exports import AS_OF

HEADER = "id,created_at,priority,subject\n"


def _lines(items: list[object]) -> list[tuple[int | None, str | None, str]]:
    out = []
    for item in items:
        if isinstance(item, Rejected):
            out.append((item.line, item.id, item.kind))
        else:
            assert isinstance(item, InputTicket)
            out.append((item.line, item.id, "ok"))
    return out


def test_line_numbers_follow_the_file(tmp_path: Path) -> None:
    text = (
        "\ufeff"
        + HEADER  # a byte-order mark, as Excel writes
        + "T1,2025-09-01T09:00:00+08:00,P1,plain\n"
        + '"T2",2025-09-01T09:00:00+08:00,P2,"two\nlines"\n'  # one record over lines 3-4
        + "\n"  # line 5: blank, not a row
        + "T3,2025-09-01 09:00,P3,naive\n"  # line 6
        + "T4,2025-09-01T09:00:00+08:00,P1\n"  # line 7: a short row is fine
    )
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8")
    items = list(read(path))
    assert _lines(items) == [
        (2, "T1", "ok"),
        (3, "T2", "ok"),
        (6, "T3", "naive timestamp in created_at"),
        (7, "T4", "ok"),
    ]
    assert isinstance(items[1], InputTicket)
    assert items[1].subject == "two\nlines"


def test_tsv_gzip_and_open_files(tmp_path: Path) -> None:
    rows = HEADER.replace(",", "\t") + "T1\t2025-09-01T09:00:00+08:00\tP1\tx\n"
    path = tmp_path / "export.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write(rows)
    assert _lines(list(read(path))) == [(2, "T1", "ok")]
    text = HEADER + "T1,2025-09-01T09:00:00+08:00,P1,x\n"
    assert _lines(list(read(io.StringIO(text), format="csv"))) == [(2, "T1", "ok")]
    assert _lines(list(read(io.BytesIO(text.encode()), format="csv"))) == [(2, "T1", "ok")]
    semicolons = text.replace(",", ";")
    assert _lines(list(read(io.StringIO(semicolons), format="csv", delimiter=";"))) == [(2, "T1", "ok")]


def test_jsonl_with_surveys_and_rejections(tmp_path: Path) -> None:
    good = {
        "id": "J1",
        "created_at": "2025-09-01T09:00:00+08:00",
        "priority": "P1",
        "events": [
            {"at": "2025-09-01T09:30:00+08:00", "type": "status", "status": "pending_customer"},
            {"at": "2025-09-01T11:00:00+08:00", "type": "resolve"},
        ],
        "survey": {"speed": 5, "solved": 4, "attitude": 5},
        "survey_at": "2025-09-01T12:00:00+08:00",
    }
    lines = [
        json.dumps(good, ensure_ascii=False),
        "",  # line 2: blank
        "{not json",  # line 3
        "[1, 2]",  # line 4
        json.dumps({"id": "J5", "created_at": "2025-09-01T09:00:00", "priority": "P1"}),  # naive
        json.dumps({"id": "J6", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1", "colour": "red"}),
        json.dumps({"id": "J7", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1", "survey": [5]}),
        json.dumps({"id": "J8", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1",
                    "affected_customers": "many"}),
        json.dumps({"id": "J9", "created_at": "2025-09-01T09:00:00+08:00", "priority": "P1",
                    "events": [{"at": "2025-08-01T09:00:00+08:00", "type": "resolve"}]}),
    ]  # fmt: skip
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(read(path))
    assert _lines(items) == [
        (1, "J1", "ok"),
        (3, None, "invalid JSON"),
        (4, None, "invalid JSON"),
        (5, "J5", "naive timestamp"),
        (6, "J6", "invalid ticket"),
        (7, "J7", "invalid survey response"),
        (8, "J8", "invalid ticket"),
        (9, "J9", "invalid ticket"),
    ]
    ticket = items[0]
    assert isinstance(ticket, InputTicket)
    assert ticket.survey == {"speed": 5, "solved": 4, "attitude": 5}
    assert ticket.survey_at is not None
    assert ticket.measured is None  # a full history measures every metric
    assert len(ticket.events) == 2
    reasons = {item.line: item.reason for item in items if isinstance(item, Rejected)}
    assert "unknown ticket field 'colour'" in reasons[6]
    assert "'affected_customers' must be a whole number" in reasons[8]
    assert "is before the ticket was created" in reasons[9]


def test_format_comes_from_the_suffix_or_is_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(ConfigError, match="'format' must be 'csv' or 'jsonl'"):
        read(path)
    with pytest.raises(ConfigError, match="'format' must be 'csv' or 'jsonl'"):
        read(path, format="xlsx")
    assert list(read(path, format="csv")) == []


def test_whole_file_problems_raise_before_any_row(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        read(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the CSV file is empty"):
        read(empty)
    headless = tmp_path / "headless.csv"
    headless.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no 'id', 'created_at', 'priority' column"):
        read(headless)


def test_an_unreadable_record_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    huge = "x" * 200_000  # beyond the csv module's field size limit
    path.write_text(HEADER + f"T1,2025-09-01T09:00:00+08:00,P1,{huge}\nT2,2025-09-01T09:00:00+08:00,P1,ok\n")
    items = list(read(path))
    assert _lines(items) == [(2, None, "unreadable CSV record"), (3, "T2", "ok")]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-8-sig"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    text = HEADER + 'T1,2025-09-01T09:00:00+08:00,P1,"设备无法启动,\n急"\nT2,2025-09-01T09:00:00+08:00,P2,软件卡顿\n'
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    items = list(read(path, encoding=encoding))
    assert _lines(items) == [(2, "T1", "ok"), (4, "T2", "ok")]
    assert [item.subject for item in items if isinstance(item, InputTicket)] == ["设备无法启动,\n急", "软件卡顿"]


def test_a_damaged_row_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    good = "T{},2025-09-01T09:00:00+08:00,P1,设备无法启动\n"
    body = "".join(good.format(i) for i in range(3000)).encode()  # past the 64 KiB looked at first
    damaged = b"T8,2025-09-01T09:00:00+08:00,P1,\xff\xfe broken\n"
    json_damaged = b'{"id": "J9", "subject": "\xff"}\n'
    path = tmp_path / "export.csv"
    path.write_bytes(HEADER.encode() + body + damaged + good.format("Z").encode())
    items = list(read(path))
    assert len(items) == 3002
    rejected = items[3000]
    assert isinstance(rejected, Rejected)
    assert (rejected.line, rejected.id, rejected.kind) == (3002, "T8", "not valid text")
    assert "is not utf-8-sig text (byte 0xFF is not valid there)" in rejected.reason
    assert "--encoding gbk" in rejected.reason
    assert isinstance(items[3001], InputTicket)
    jsonl = tmp_path / "tickets.jsonl"
    jsonl.write_bytes(b"\n" * 70_000 + json_damaged)
    (item,) = list(read(jsonl))
    assert isinstance(item, Rejected)
    assert (item.line, item.kind) == (70_001, "not valid text")


def test_a_file_in_another_encoding_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + "T1,2025-09-01T09:00:00+08:00,P1,设备无法启动\n").encode("gbk"))
    with pytest.raises(ConfigError, match=r"is not utf-8-sig text \(byte 0x.. at offset \d+ .*--encoding gbk"):
        read(path)
    assert _lines(list(read(path, encoding="gbk"))) == [(2, "T1", "ok")]


@pytest.mark.parametrize("encoding", ["klingon", "rot13", "hex", "base64", "zlib", None, 5])
def test_an_unknown_encoding_or_one_that_is_not_text_is_refused(tmp_path: Path, encoding: object) -> None:
    """rot13 and hex are Python codecs, but not text encodings: they were a traceback (issue 16)."""
    path = tmp_path / "export.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(ConfigError, match="'encoding' must be the name of a text encoding"):
        read(path, encoding=encoding)  # type: ignore[arg-type]


def test_a_utf16_file_without_its_bom_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not utf-16 text .*--encoding"):
        read(path, encoding="utf-16")


# -- spans: the chunks a worker reads itself ------------------------------------------------------------

_PIECES = st.sampled_from(["T1", ",", '"', '""', "\n", "\r\n", "甲", " ", "x,y", '"a\nb"'])


def _chunks(path: Path, records: int, *, spans: bool) -> list[tuple[int, bytes]]:
    source = open_source(path)
    try:
        return [
            (first, payload.read() if isinstance(payload, FileSpan) else payload)  # type: ignore[misc]
            for first, payload in source.chunks(records, spans=spans)
        ]
    finally:
        source.close()


def _records(chunks: list[tuple[int, bytes]], path: Path) -> list[object]:
    source = open_source(path)
    source.close()
    assert source.layout is not None
    out: list[object] = []
    for first, payload in chunks:
        for record in csv_records(payload, first, source.layout, ","):
            out.append(record if not isinstance(record, Rejected) else (record.line, record.reason))
    return out


@settings(max_examples=150)
@given(body=st.lists(_PIECES, max_size=60).map("".join), records=st.integers(1, 6))
def test_spans_hold_the_same_records_as_line_chunks(
    tmp_path_factory: pytest.TempPathFactory, body: str, records: int
) -> None:
    """Cut a block at a time, the chunks hold the same bytes and records, with the same line numbers, as when cut
    line by line: quoted line breaks, stray quotes, blank lines, CRLF and a last line without a newline."""
    path = tmp_path_factory.mktemp("spans") / "export.csv"
    path.write_bytes(("\ufeff" + HEADER + body).encode())
    with patch.object(reading, "_QUOTES_PER_LINE", 10**9):  # never read line by line for its many quotes
        by_lines, by_spans = _chunks(path, records, spans=False), _chunks(path, records, spans=True)
    assert b"".join(payload for _, payload in by_spans) == body.encode()
    assert _records(by_spans, path) == _records(by_lines, path)


def test_spans_count_records_and_leave_long_quoted_runs_to_the_line_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "export.csv"
    rows = [f"T{i},2025-09-01T09:00:00+08:00,P1,subject {i}\n" for i in range(7)]
    rows[3] = 'T3,2025-09-01T09:00:00+08:00,P1,"two\nlines"\n'  # one record over lines 5-6
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    chunks = _chunks(path, 2, spans=True)
    assert [first for first, _ in chunks] == [2, 4, 7, 9]
    assert chunks == _chunks(path, 2, spans=False)
    # a record whose quotes stay open for as many lines as the line reader allows one: read line by line from there
    monkeypatch.setattr(reading, "MAX_RECORD_LINES", 3)
    rows[3] = 'T3,2025-09-01T09:00:00+08:00,P1,"a\nb\nc\nd"\n'
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    source = open_source(path)
    kinds = [type(payload).__name__ for _, payload in source.chunks(2, spans=True)]
    source.close()
    assert kinds[0] == "FileSpan"
    assert set(kinds[1:]) == {"bytes"}
    assert _chunks(path, 2, spans=True) == _chunks(path, 2, spans=False)


def test_only_plain_files_opened_by_path_give_spans(tmp_path: Path) -> None:
    text = HEADER + "T1,2025-09-01T09:00:00+08:00,P1,x\n"
    plain, packed = tmp_path / "export.csv", tmp_path / "export.csv.gz"
    plain.write_text(text, encoding="utf-8")
    packed.write_bytes(gzip.compress(text.encode()))
    for source in (open_source(plain), open_source(packed), open_source(io.BytesIO(text.encode()), format="csv")):
        payloads = [payload for _, payload in source.chunks(10, spans=True)]
        source.close()
        assert [type(payload).__name__ for payload in payloads] == ["FileSpan" if source.path else "bytes"]
    assert open_source(plain).path == str(plain.resolve())


def test_a_span_of_a_file_that_shrank_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"0123456789")
    with pytest.raises(OSError, match="changed while it was read"):
        FileSpan(str(path), 5, 10).read()


@pytest.mark.parametrize("spans", [False, True])
def test_a_quoted_line_break_deep_in_a_long_chunk_stays_in_its_record(tmp_path: Path, spans: bool) -> None:
    """Regression: the line reader cut a record inside quotes once the *chunk* (not the record) had 10,000 lines,
    which chunks of 10,000 records reach: a valid two-line record there was split across two chunks."""
    path = tmp_path / "export.csv"
    rows = [f"T{i},2025-09-01T09:00:00+08:00,P1,s\n" for i in range(10_005)]
    rows[9_999] = 'T9999,2025-09-01T09:00:00+08:00,P1,"two\nlines"\n'
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    chunks = _chunks(path, 10_000, spans=spans)
    assert [first for first, _ in chunks] == [2, 10_003]
    assert chunks[0][1].endswith(b'"two\nlines"\n')


def test_a_file_with_every_cell_quoted_is_read_line_by_line(tmp_path: Path) -> None:
    """Spans look at each quote in Python: for a file quoting every cell that costs more than the line reader."""
    path = tmp_path / "export.csv"
    rows = [f'"T{i}","2025-09-01T09:00:00+08:00","P1","s"\n' for i in range(20)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    source = open_source(path)
    kinds = {type(payload).__name__ for _, payload in source.chunks(5, spans=True)}
    source.close()
    assert kinds == {"bytes"}
    assert _chunks(path, 5, spans=True) == _chunks(path, 5, spans=False)


def test_a_span_of_a_file_replaced_during_the_run_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "T1,2025-09-01T09:00:00+08:00,P1,x\n", encoding="utf-8")
    source = open_source(path)
    ((_, span),) = list(source.chunks(10, spans=True))
    source.close()
    assert isinstance(span, FileSpan)
    replacement = tmp_path / "new.csv"
    replacement.write_text(HEADER + "T9,2025-09-01T09:00:00+08:00,P1,y\n", encoding="utf-8")
    replacement.replace(path)  # the same size, another file
    with pytest.raises(OSError, match="not the file the run opened"):
        span.read()


# -- pinned boundaries: the header and short or blank lines -----------------------------------------------------


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_pinned_a_header_with_quoted_cells_is_read(tmp_path: Path, bom: str) -> None:
    """Pinned: header cells are CSV cells, so `"id","created_at","priority"` names the three required columns."""
    path = tmp_path / "export.csv"
    path.write_text(
        bom + '"id","created_at","priority"\n"T1","2025-09-01T09:00:00+08:00","P1"\nT2,2025-09-01T09:00:00+08:00,P2\n',
        encoding="utf-8",
    )
    assert _lines(list(read(path))) == [(2, "T1", "ok"), (3, "T2", "ok")]
    outcome = run(path, presets.load("p1-p3"), as_of=AS_OF, out_dir=tmp_path / "out", formats=())
    assert (outcome.rows, outcome.evaluated, outcome.rejected) == (2, 2, 0)


def test_pinned_a_blank_line_is_counted_and_skipped_and_short_rows_are_each_accounted_for(tmp_path: Path) -> None:
    """Pinned: a whitespace-only line is a line but not a row; a row of one cell and a row of two cells are rows,
    each rejected with its own line (the cells they lack are empty), never dropped (docs/report.md)."""
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER  # line 1
        + "T1,2025-09-01T09:00:00+08:00,P1,x\n"  # line 2
        + "   \t \n"  # line 3: whitespace only
        + "T4\n"  # line 4: one cell
        + "T5,2025-09-01T09:00:00+08:00\n"  # line 5: two cells
        + "T6,2025-09-01T09:00:00+08:00,P2\n",  # line 6: three of four cells, all that is required
        encoding="utf-8",
    )
    assert _lines(list(read(path))) == [
        (2, "T1", "ok"),
        (4, "T4", "missing created_at"),
        (5, "T5", "missing priority"),
        (6, "T6", "ok"),
    ]
    out = tmp_path / "out"
    outcome = run(path, presets.load("p1-p3"), as_of=AS_OF, out_dir=out, formats=())
    assert (outcome.rows, outcome.evaluated, outcome.rejected) == (4, 2, 2)
    with (out / "rejected.csv").open(encoding="utf-8-sig", newline="") as file:
        rejected = [(row["line"], row["id"], row["kind"]) for row in csv.DictReader(file)]
    assert rejected == [("4", "T4", "missing created_at"), ("5", "T5", "missing priority")]
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as file:
        assert [(row["line"], row["id"]) for row in csv.DictReader(file)] == [("2", "T1"), ("6", "T6")]


# -- quotes that never close (issue #17) ---------------------------------------------------------------------------


def _rows(count: int) -> list[str]:
    return [f"T{i},2025-09-01T09:00:00+08:00,P1,subject {i}\n" for i in range(count)]


def test_an_unterminated_quote_is_rejected_and_every_later_row_is_read(tmp_path: Path) -> None:
    """Regression: a cell that opened a quote and never closed it swallowed every later row (200 rows, 1 reported)."""
    rows = _rows(200)
    rows[3] = 'T3,2025-09-01T09:00:00+08:00,P1,"never closes\n'  # line 5
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    items = list(read(path))
    assert len(items) == 200
    assert _lines(items) == [
        (line, f"T{line - 2}", "unterminated quote" if line == 5 else "ok") for line in range(2, 202)
    ]
    rejected = items[3]
    assert isinstance(rejected, Rejected)
    assert rejected.reason == (
        "a quote opens the 'subject' cell on line 5 and never closes (a quoted cell may span lines, up to 1,000); "
        "the line is rejected and reading goes on at the next"
    )


def test_a_second_stray_quote_does_not_join_the_rows_between_into_one_record(tmp_path: Path) -> None:
    """The quote opened on line 5 meets the stray quote of line 45, inside a cell: not one cell over 41 lines."""
    rows = _rows(60)
    rows[3] = 'T3,2025-09-01T09:00:00+08:00,P1,"opens here\n'  # line 5
    rows[43] = 'T43,2025-09-01T09:00:00+08:00,P1,he said "hi\n'  # line 45: a quote inside a cell is a character
    rows[50] = 'T50,2025-09-01T09:00:00+08:00,P1,"two\nlines"\n'  # lines 52-53: a quoted cell may span lines
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    items = list(read(path))
    assert len(items) == 60
    kinds = {line: kind for line, _, kind in _lines(items)}
    assert kinds.pop(5) == "unterminated quote"
    assert set(kinds.values()) == {"ok"}
    assert "closes on line 45 in the middle of a cell" in items[3].reason  # type: ignore[union-attr]
    assert [item.subject for item in items if isinstance(item, InputTicket) and item.id in ("T43", "T50")] == [
        'he said "hi',
        "two\nlines",
    ]


def test_a_quoted_cell_longer_than_the_limit_is_rejected_and_its_lines_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_RECORD_LINES", 3)
    rows = _rows(10)
    rows[2] = 'T2,2025-09-01T09:00:00+08:00,P1,"one\ntwo\nthree"\n'  # lines 4-6: three lines, allowed
    rows[5] = 'T5,2025-09-01T09:00:00+08:00,P1,"a\nb\nc\nd"\n'  # lines 9-12: four lines, one too many
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    for spans in (False, True):
        records = _records(_chunks(path, 2, spans=spans), path)
        lines = [record[0] for record in records]  # type: ignore[index]
        assert lines == [2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], spans
        assert "never closes (a quoted cell may span lines, up to 3)" in records[5][1]  # type: ignore[index]


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 40),
    strays=st.sets(st.integers(0, 39), max_size=6),
    records=st.integers(1, 7),
    spans=st.booleans(),
)
def test_every_line_is_accounted_for_however_stray_quotes_fall(
    tmp_path_factory: pytest.TempPathFactory, count: int, strays: set[int], records: int, spans: bool
) -> None:
    """Each stray quote (one that opens a cell and never closes at the end of a cell) costs its own line and no
    other: every line is a record of its own, whichever way the file is cut into chunks."""
    rows = _rows(count)
    for index in strays & set(range(count)):
        rows[index] = f'T{index},2025-09-01T09:00:00+08:00,P1,"stray {index}\n'
    path = tmp_path_factory.mktemp("strays") / "export.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    with patch.object(reading, "_QUOTES_PER_LINE", 10**9):
        found = _records(_chunks(path, records, spans=spans), path)
    lines = [record[0] for record in found]  # type: ignore[index]
    assert lines == list(range(2, count + 2))
    rejected = {record[0] for record in found if isinstance(record[1], str)}  # type: ignore[index]
    assert rejected == {index + 2 for index in strays if index < count}


@pytest.mark.parametrize("jobs", [1, 2])
def test_pinned_run_accounts_for_every_line_of_a_file_with_a_stray_quote(tmp_path: Path, jobs: int) -> None:
    rows = _rows(300)
    rows[100] = 'T100,2025-09-01T09:00:00+08:00,P1,"never closes\n'
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    out = tmp_path / f"out{jobs}"
    outcome = run(path, presets.load("p1-p3"), as_of=AS_OF, out_dir=out, formats=(), jobs=jobs, chunk_size=40)
    assert (outcome.rows, outcome.evaluated, outcome.rejected) == (300, 299, 1)
    with (out / "rejected.csv").open(encoding="utf-8-sig", newline="") as file:
        assert [(row["line"], row["id"], row["kind"]) for row in csv.DictReader(file)] == [
            ("102", "T100", "unterminated quote")
        ]
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as file:
        assert [int(row["line"]) for row in csv.DictReader(file)] == [n for n in range(2, 302) if n != 102]


# -- line endings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["export.csv", "export.csv.gz"])
def test_lines_ending_with_a_carriage_return_alone_are_read(tmp_path: Path, name: str) -> None:
    """Regression: a CSV saved by old Excel for Mac (lines end with CR) raised _csv.Error."""
    text = (HEADER + 'T1,2025-09-01T09:00:00+08:00,P1,plain\nT2,2025-09-01T09:00:00+08:00,P2,"two\nlines"\n\n'
            + "T3,2025-09-01T09:00:00+08:00,P3,last\n").replace("\n", "\r")  # fmt: skip
    data = text.encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    expected = [(2, "T1", "ok"), (3, "T2", "ok"), (6, "T3", "ok")]
    assert _lines(list(read(path))) == expected
    assert _lines(list(read(io.BytesIO(data), format="csv"))) == expected
    assert [item.subject for item in read(path) if isinstance(item, InputTicket)] == ["plain", "two\rlines", "last"]
    assert _lines(list(read(io.StringIO(text, newline=""), format="csv"))) == expected
    with pytest.raises(ConfigError, match=r"carriage return alone .* newline=''"):
        read(io.StringIO(text), format="csv")  # a text stream that ends lines at \n only cannot be cut into lines


@given(
    st.lists(st.integers(0, 300), min_size=1, max_size=400),  # the lengths of lines
    st.data(),
)
def test_the_wanted_line_end_is_found_from_a_guess(lengths: list[int], data: st.DataObject) -> None:
    """A chunk's end found from a guess at where it is gives the line end counted one by one."""
    text = b"".join(b"x" * length + b"\n" for length in lengths) + b"tail"
    start = data.draw(st.integers(0, len(lengths) - 1))
    begin = sum(length + 1 for length in lengths[:start])
    ends = [i + 1 for i, byte in enumerate(text) if byte == ord("\n") and i >= begin]
    wanted = data.draw(st.integers(1, len(ends)))
    assert reading._after_line_end(text, begin, len(text), len(ends), wanted) == ends[wanted - 1]
