"""Tables as a batch input: the same rows as CSV, Parquet, a pandas DataFrame, an Arrow table (and record batches,
a polars-like frame) give the same files, on both engines.

A table numbers its rows from 1 (it has no header line): its files are a CSV's of the same rows with each line
number one less. Typed tables (aware and naive timestamps, numbers, missing values, categories) give the same
files on both engines, and the same as each other: a pandas DataFrame, the Arrow table made of it and the Parquet
file of that table are read alike.
"""

from __future__ import annotations

import csv
import filecmp
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.optional import require_module

require_module("pandas")
require_module("pyarrow")

import pandas as pd  # noqa: E402 -- after the check that it is installed
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from slakit import presets  # noqa: E402
from slakit.batch import run  # noqa: E402
from slakit.batch.frames import Part, open_table  # noqa: E402
from slakit.batch.pipeline import FILES  # noqa: E402
from slakit.demo.export import write_export  # noqa: E402
from slakit.errors import ConfigError  # noqa: E402

AS_OF = datetime.fromisoformat("2025-10-31T23:59:59+08:00")
TIMES = ("created_at", "assigned_at", "acknowledged_at", "first_response_at", "resolved_at", "reopened_at", "survey_at")


def _policy(tmp: Path) -> Path:
    """p1-p3 without its escalation rules (which keep the row engine)."""
    config = yaml.safe_load((Path(presets.__file__).parent / "p1-p3.yaml").read_text(encoding="utf-8"))
    config.pop("escalation")
    config["name"] = "p1-p3-plain"
    path = tmp / "policy.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    """Every output file's bytes; run.json without its timing and its input."""
    found = {}
    for name in sorted(os.listdir(folder)):
        data = (folder / name).read_bytes()
        if name == "run.json":
            record = json.loads(data)
            record.pop("duration_seconds")
            record.pop("input")
            data = json.dumps(record, sort_keys=True).encode()
        found[name] = data
    return found


ENGINES: dict[str, dict[str, int]] = {}
"""The rows each engine evaluated in the last ``auto`` run of each name (:func:`_both`)."""


def _both(tmp: Path, name: str, source: Any, policy: Path, **options: Any) -> dict[str, bytes]:
    """Run both engines on ``source`` (made anew for each run when it is a function); assert their files are
    identical and return them."""
    for engine in ("rows", "auto"):
        given = source() if callable(source) else source
        outcome = run(given, policy, as_of=AS_OF, out_dir=tmp / name / engine, engine=engine, **options)
        ENGINES[name] = dict(outcome.engines)
    rows, auto = _files(tmp / name / "rows"), _files(tmp / name / "auto")
    assert rows.keys() == auto.keys()
    for file in rows:
        assert rows[file] == auto[file], f"{name}: {file} differs between the engines"
    return rows


def _renumbered(files: dict[str, bytes], by: int) -> dict[str, Any]:
    """The per-ticket files with each line number moved by ``by`` (a CSV's lines against a table's rows)."""
    found: dict[str, Any] = {}
    for name in FILES:
        text = files[name].decode("utf-8-sig")
        if name == "results.jsonl":
            found[name] = [{**json.loads(line), "line": json.loads(line)["line"] + by} for line in text.splitlines()]
            continue
        rows = list(csv.reader(io.StringIO(text, newline="")))
        column = rows[0].index("line")
        found[name] = [rows[0], *([*r[:column], str(int(r[column]) + by), *r[column + 1 :]] for r in rows[1:])]
    return found


class _PolarsLike:
    """What run() asks of a polars DataFrame (polars is not needed): ``to_arrow()``."""

    __module__ = "polars.dataframe.frame"

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def to_arrow(self) -> pa.Table:
        return self.table


class _LazyLike:
    __module__ = "polars.lazyframe.frame"


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    files = write_export(tmp_path / "demo", rows=160, seed=11, as_of=AS_OF)
    return files.csv, pd.read_csv(files.csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_the_same_rows_as_csv_parquet_pandas_and_arrow_give_the_same_files(
    tmp_path: Path, demo: tuple[Path, pd.DataFrame]
) -> None:
    path, frame = demo
    policy = _policy(tmp_path)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "export.parquet", row_group_size=50)
    forms = {
        "pandas": frame,
        "arrow": table,
        "batch": table.to_batches()[0] if table.num_columns else table,
        "reader": lambda: pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=33)),
        "parquet": tmp_path / "export.parquet",
        "polars": _PolarsLike(table),
    }
    found = {name: _both(tmp_path, name, source, policy, chunk_size=40) for name, source in forms.items()}
    for name, files in found.items():
        assert files == found["pandas"], f"{name} differs from the pandas DataFrame"
    from_csv = _both(tmp_path, "csv", path, policy, chunk_size=40)
    assert _renumbered(from_csv, -1) == _renumbered(found["pandas"], 0)
    results = found["pandas"]["results.csv"].decode("utf-8-sig").splitlines()
    assert len(results) == 161
    for name in forms:  # the columnar engine takes tables as it takes the CSV file
        assert ENGINES[name] == ENGINES["csv"], name
    assert ENGINES["csv"]["columnar"] > 140


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The export with typed columns: aware timestamps (missing: NaT), numbers (missing: NaN), a category."""
    typed = frame.copy()
    for column in TIMES:
        typed[column] = pd.to_datetime(typed[column].replace("", None), utc=True, format="ISO8601")
    typed["created_at"] = typed["created_at"].dt.tz_convert("Asia/Shanghai")
    for column in ("complaints", "agent_replies", "affected_customers", "survey_solved"):
        typed[column] = pd.to_numeric(typed[column].replace("", None), errors="coerce")
    typed["priority"] = typed["priority"].astype("category")
    return typed


def test_typed_tables_give_the_same_files_on_both_engines_and_alike(
    tmp_path: Path, demo: tuple[Path, pd.DataFrame]
) -> None:
    _, frame = demo
    policy = _policy(tmp_path)
    typed = _typed(frame)
    table = pa.Table.from_pandas(typed, preserve_index=False)
    assert pa.types.is_timestamp(table.schema.field("created_at").type)
    pq.write_table(table, tmp_path / "typed.parquet")
    found = {
        name: _both(tmp_path, name, source, policy, chunk_size=64)
        for name, source in (("pandas", typed), ("arrow", table), ("parquet", tmp_path / "typed.parquet"))
    }
    assert found["arrow"] == found["pandas"] == found["parquet"]
    assert ENGINES["pandas"] == ENGINES["arrow"] == ENGINES["parquet"]
    text = _both(tmp_path, "text", frame, policy, chunk_size=64)
    assert found["pandas"]["results.csv"] == text["results.csv"]  # the same instants and counts as the text
    assert ENGINES["arrow"]["columnar"] >= ENGINES["text"]["columnar"] > 140


def test_naive_timestamps_take_assume_tz_or_are_rejected(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    created = [datetime(2025, 9, 1, 9, 0) + timedelta(hours=5 * i) for i in range(6)]
    table = pa.table(
        {
            "id": [f"N{i}" for i in range(6)],
            "created_at": pa.array(created, pa.timestamp("us")),
            "priority": ["P2"] * 6,
            "first_response_at": pa.array([c + timedelta(minutes=30) for c in created], pa.timestamp("s")),
        }
    )
    files = _both(tmp_path, "naive", table, policy)
    rejected = list(csv.reader(io.StringIO(files["rejected.csv"].decode("utf-8-sig"))))
    assert [row[2] for row in rejected[1:]] == ["naive timestamp in created_at"] * 6
    zoned = _both(tmp_path, "zoned", table, policy, assume_tz="Asia/Shanghai")
    results = list(csv.DictReader(io.StringIO(zoned["results.csv"].decode("utf-8-sig"))))
    assert [row["created_at"] for row in results] == [c.isoformat() + "+08:00" for c in created]


@pytest.mark.filterwarnings("ignore:Discarding nonzero nanoseconds")  # pandas says so, and so do we
def test_nanoseconds_are_read_as_pandas_reads_them(tmp_path: Path) -> None:
    """A nanosecond timestamp is its microsecond, floored, in a pandas DataFrame and in an Arrow table alike."""
    policy = _policy(tmp_path)
    base = pd.Timestamp("2025-09-01T09:00:00+08:00")
    frame = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "created_at": [base + pd.Timedelta(nanoseconds=999), base + pd.Timedelta(minutes=1), pd.NaT],
            "priority": ["P1", "P2", "P3"],
            "resolved_at": [base + pd.Timedelta(hours=3, nanoseconds=1500), pd.NaT, base],
        }
    )
    from_pandas = _both(tmp_path, "pandas", frame, policy)
    from_arrow = _both(tmp_path, "arrow", pa.Table.from_pandas(frame, preserve_index=False), policy)
    assert from_pandas == from_arrow
    results = list(csv.DictReader(io.StringIO(from_arrow["results.csv"].decode("utf-8-sig"))))
    assert results[0]["created_at"] == "2025-09-01T09:00:00+08:00"
    assert results[0]["resolved_at"] == "2025-09-01T12:00:00.000001+08:00"


def test_missing_values_are_empty_cells(tmp_path: Path) -> None:
    """None, NaN, NaT and Arrow's nulls read as empty cells in every column type."""
    policy = _policy(tmp_path)
    created = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    table = pa.table(
        {
            "id": ["A", "B", None],
            "created_at": pa.array([created, None, created], pa.timestamp("ms", "UTC")),
            "priority": pa.array(["P1", "P2", "P3"]).dictionary_encode(),
            "complaints": pa.array([float("nan"), 1.0, None]),
            "agent_replies": pa.array([None, 2, 3], pa.int16()),
            "category": pa.array([None, None, None], pa.null()),
            "first_response_at": pa.array([None, created, created], pa.timestamp("ms", "UTC")),
        }
    )
    files = _both(tmp_path, "arrow", table, policy)
    assert files == _both(tmp_path, "pandas", table.to_pandas(), policy)
    rejected = list(csv.reader(io.StringIO(files["rejected.csv"].decode("utf-8-sig"))))
    assert [(row[0], row[2]) for row in rejected[1:]] == [("2", "missing created_at"), ("3", "missing id")]


def test_parquet_is_read_a_batch_at_a_time_on_any_number_of_workers(
    tmp_path: Path, demo: tuple[Path, pd.DataFrame]
) -> None:
    _, frame = demo
    policy = _policy(tmp_path)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "export.pq", row_group_size=30)
    one = _both(tmp_path, "one", tmp_path / "export.pq", policy, chunk_size=25)
    seen: list[tuple[int, int | None]] = []
    run(tmp_path / "export.pq", policy, as_of=AS_OF, out_dir=tmp_path / "progress", chunk_size=25, formats=(),
        progress=lambda p: seen.append((p.rows, p.bytes_read)))  # fmt: skip
    assert seen == [(rows, None) for rows in (25, 50, 75, 100, 125, 150, 160)]
    two = _both(tmp_path, "two", tmp_path / "export.pq", policy, chunk_size=25, jobs=2)
    assert one == two
    whole = _both(tmp_path, "whole", str(tmp_path / "export.pq"), policy)
    assert one == whole


def test_open_table_reads_only_tables() -> None:
    assert open_table([], 10) is None
    assert open_table("export.csv", 10) is None
    with pytest.raises(ConfigError, match="collect"):
        open_table(_LazyLike(), 10)
    table = pa.table({"id": ["A", "B", "C"], "n": [1, 2, None]})
    parts = list(open_table(table, 2).parts)  # type: ignore[union-attr]
    assert [(line, len(part)) for line, part in parts] == [(1, 2), (3, 1)]
    assert parts[1][1].cells() == [["C", None]]
    assert Part(2, frame=table.to_pandas()).cells([1]) == [["B", 2.0]]


def test_a_parquet_file_that_is_not_one_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_text("id,created_at,priority\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Parquet"):
        run(bad, "p1-p3", as_of=AS_OF, out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "results.csv").exists()


def test_workers_read_table_rows_alike(tmp_path: Path, demo: tuple[Path, pd.DataFrame]) -> None:
    _, frame = demo
    policy = _policy(tmp_path)
    one = _both(tmp_path, "one", _typed(frame), policy, chunk_size=30)
    two = _both(tmp_path, "two", _typed(frame), policy, chunk_size=30, jobs=2)
    assert one == two
    assert filecmp.cmp(tmp_path / "one" / "auto" / "results.csv", tmp_path / "two" / "auto" / "results.csv")


def test_typed_attributes_choose_the_sla_as_the_row_engine_reads_them(tmp_path: Path) -> None:
    """A table's attribute cells (numbers, true/false, text) are the row engine's own values wherever a condition
    or a group reads them, on both engines."""
    config = yaml.safe_load(_policy(tmp_path).read_text(encoding="utf-8"))
    config["slas"] = [
        {"name": "big", "when": {"fact": "ticket.attributes.level", "op": "ge", "value": 5},
         "targets": {"*": {"response": "30m"}}},
        {"name": "gold", "when": {"fact": "ticket.attributes.tier", "op": "eq", "value": "gold"},
         "targets": {"*": {"response": "1h"}}},
    ]  # fmt: skip
    policy = tmp_path / "conditional.yaml"
    policy.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    created = [datetime(2025, 9, 1, 1, 0, tzinfo=UTC) + timedelta(hours=7 * i) for i in range(12)]
    table = pa.table(
        {
            "id": [f"A{i}" for i in range(12)],
            "created_at": pa.array(created, pa.timestamp("us", "Asia/Shanghai")),
            "priority": ["P1", "P2", "P3"] * 4,
            "first_response_at": pa.array([c + timedelta(minutes=40 * (i % 3)) for i, c in enumerate(created)]),
            "attributes.level": pa.array([1, 5, 7, None] * 3, pa.int64()),
            "attributes.tier": pa.array(["gold", None, "silver", "gold"] * 3).dictionary_encode(),
            "attributes.vip": pa.array([True, False, None] * 4),
            "attributes.score": pa.array([4.5, float("nan"), 5.0, 6.25] * 3),
        }
    )
    for by in (("month",), ("attributes.level",), ("attributes.vip", "attributes.score")):
        name = "-".join(by)
        files = _both(tmp_path, name, table, policy, by=by)
        assert ENGINES[name] == {"columnar": 12}
        _both(tmp_path, f"{name}-pandas", table.to_pandas(), policy, by=by)  # (pandas makes the numbers floats)
        assert ENGINES[f"{name}-pandas"] == {"columnar": 12}
    plain = _both(tmp_path, "plain", table, _policy(tmp_path))
    assert plain["results.csv"] != files["results.csv"]  # the conditions chose other targets for some rows


def test_a_frame_arrow_cannot_convert_is_read_by_the_row_engine(tmp_path: Path) -> None:
    """A pandas column of mixed types (numbers and text) has no Arrow type: its chunk goes to the row engine."""
    frame = pd.DataFrame(
        {
            "id": ["A", "B", "C"],
            "created_at": ["2025-09-01T09:00:00+08:00"] * 3,
            "priority": ["P1", "P2", "P3"],
            "complaints": [1, "两次", None],
        }
    )
    files = _both(tmp_path, "mixed", frame, _policy(tmp_path))
    assert ENGINES["mixed"] == {"rows": 3}
    rejected = list(csv.reader(io.StringIO(files["rejected.csv"].decode("utf-8-sig"))))
    assert [(row[0], row[2]) for row in rejected[1:]] == [("2", "invalid number in complaints")]


def test_an_open_parquet_file_with_format_parquet(tmp_path: Path, demo: tuple[Path, pd.DataFrame]) -> None:
    _, frame = demo
    policy = _policy(tmp_path)
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / "export.bin")
    by_path = _both(tmp_path, "path", tmp_path / "export.bin", policy, format="parquet")

    def opened() -> Any:
        return (tmp_path / "export.bin").open("rb")

    assert _both(tmp_path, "open", opened, policy, format="parquet") == by_path
    assert by_path == _both(tmp_path, "frame", frame, policy)


def test_date_orders_of_a_table_are_counted_alike_on_both_engines_and_in_workers(tmp_path: Path) -> None:
    """Rows with numeric dates go to the row engine; the orders they show are counted whichever process read them."""
    ids = [f"T{i}" for i in range(60)]
    created = [f"2025-09-0{1 + i % 5}T10:00:00+08:00" if i % 2 else f"{13 + i % 10}/09/2025 10:00" for i in range(60)]
    table = pa.table({"id": ids, "created_at": created, "priority": ["P2"] * 60})
    policy = _policy(tmp_path)
    outcomes = {}
    for engine, jobs in (("rows", 1), ("auto", 1), ("auto", 2)):
        outcome = run(table, policy, as_of=AS_OF, out_dir=tmp_path / f"{engine}{jobs}", engine=engine, jobs=jobs,
                      chunk_size=16, assume_tz="Asia/Shanghai")  # fmt: skip
        outcomes[engine, jobs] = outcome
        assert _files(tmp_path / f"{engine}{jobs}") == _files(tmp_path / "rows1")
    assert {o.date_orders["dmy"] for o in outcomes.values()} == {30}
    assert outcomes["auto", 2].engines == {"columnar": 30, "rows": 30}


def test_a_table_that_fails_midway_leaves_no_output(tmp_path: Path) -> None:
    """A record batch reader that fails after its first batch: the run raises and writes nothing, on both engines."""
    schema = pa.schema([("id", pa.string()), ("created_at", pa.string()), ("priority", pa.string())])

    def batches() -> Any:
        yield pa.RecordBatch.from_pydict({"id": ["A"], "created_at": ["2025-09-01T10:00:00+08:00"], "priority": ["P1"]})
        raise OSError("the lake went away")

    for engine in ("rows", "auto"):
        with pytest.raises(OSError, match="lake"):
            run(pa.RecordBatchReader.from_batches(schema, batches()), _policy(tmp_path), as_of=AS_OF,
                out_dir=tmp_path / engine, engine=engine)  # fmt: skip
        assert not (tmp_path / engine / "results.csv").exists()
