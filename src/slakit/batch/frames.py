"""Tables as a batch input: pandas and polars DataFrames, Arrow tables, record batches and readers, Parquet files.

A table is cut into parts of whole rows (:class:`Part`), numbered from 1 the way ``run`` numbers a DataFrame's
rows (a table has no header line: row 1 is line 1). The row engine reads a part's rows as
:func:`~slakit.batch.from_dataframe` reads a pandas DataFrame's (:func:`~slakit.batch.dataframe.frame_cells`):
missing values (None, NaN, NaT) as empty cells, numbers as Python numbers, timestamps as ``datetime``. An Arrow
part's cells are Arrow's own Python values read the same way (a nanosecond timestamp to its microsecond, as
pandas' ``to_pydatetime`` takes it). The columnar engine reads the same part as Arrow columns
(:mod:`slakit.batch.columnar`), a pandas part converted by ``pyarrow.Table.from_pandas``.

A Parquet file is read a record batch at a time (``pyarrow.parquet.ParquetFile.iter_batches``), never whole;
a polars DataFrame through its ``to_arrow()`` (polars itself is not needed here). pyarrow is the ``batch``
extra; pandas the ``pandas`` extra: nothing here imports either until a table of theirs is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slakit.batch.dataframe import check_pandas, frame_cells, missing_to_none
from slakit.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from slakit.batch.flat import FlatLayout
    from slakit.batch.records import Rejected
    from slakit.sla import Ticket

__all__ = ["PARQUET_SUFFIXES", "Part", "Table", "as_part", "open_table"]

PARQUET_SUFFIXES = (".parquet", ".pq")
"""The suffixes of a Parquet file (``run("export.parquet", ...)``)."""


@dataclass(frozen=True, slots=True)
class Part:
    """Whole rows of a table: an Arrow table (Arrow, polars and Parquet input) or a pandas DataFrame's rows."""

    rows: int
    table: pa.Table | None = None
    frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return self.rows

    def columns(self) -> list[str]:
        """The rows' column names."""
        if self.frame is not None:
            return [str(column) for column in self.frame.columns]
        assert self.table is not None  # noqa: S101 -- a part holds one or the other
        return [str(name) for name in self.table.schema.names]

    def arrow(self) -> pa.Table | None:
        """The rows as an Arrow table (a pandas frame converted); None when pandas' cells do not convert (a
        column of mixed types): the row engine reads those rows."""
        if self.table is not None:
            return self.table
        import pyarrow as pa

        try:
            return pa.Table.from_pandas(self.frame, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            return None

    def cells(self, positions: Sequence[int] | None = None) -> list[list[Any]]:
        """The cells of every row (or of the rows at ``positions``) as the row engine reads them."""
        if self.frame is not None:
            frame = self.frame if positions is None else self.frame.iloc[list(positions)]
            return list(frame_cells(frame))
        assert self.table is not None  # noqa: S101 -- a part holds one or the other
        table = self.table if positions is None else self.table.take(list(positions))
        columns = [_python_values(table.column(i)) for i in range(table.num_columns)]
        return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(table.num_rows)]

    def items(self, layout: FlatLayout, first_line: int) -> Iterator[Ticket | Rejected]:
        """The rows read by the row engine: each a ticket, or the rejected row in its place."""
        for offset, cells in enumerate(self.cells()):
            yield layout.ticket(cells, first_line + offset)


def _python_values(column: Any) -> list[Any]:
    """An Arrow column's cells as Python values: nanosecond timestamps floored to the microsecond (what pandas'
    ``to_pydatetime`` gives), NaN as None."""
    import numpy as np
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.dictionary_decode()
        kind = column.type
    if pa.types.is_timestamp(kind) and kind.unit == "ns":
        nanoseconds = np.asarray(column.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        valid = np.asarray(column.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        column = pa.array(nanoseconds // 1000, pa.timestamp("us", kind.tz), mask=~valid)
    values: list[Any] = column.to_pylist()
    if pa.types.is_floating(kind):
        return [missing_to_none(value) for value in values]
    return values


@dataclass(frozen=True, slots=True)
class Table:
    """A table opened for a run: its column names and its parts (numbered from line 1)."""

    columns: list[str]
    parts: Iterator[tuple[int, Part]]


def _numbered(parts: Iterator[Part]) -> Iterator[tuple[int, Part]]:
    line = 1
    for part in parts:
        yield line, part
        line += part.rows


def open_table(source: Any, rows: int, format: str | None = None) -> Table | None:
    """``source`` cut into parts of at most ``rows`` rows, when it is a table or a Parquet file; None otherwise.

    A polars LazyFrame, and a Parquet file without pyarrow, are refused with a :class:`ConfigError`."""
    if type(source).__name__ == "DataFrame" and hasattr(source, "itertuples"):  # pandas
        frame: Any = source
        check_pandas(frame)  # (a Dask DataFrame looks like one: refused, naming what is accepted)
        columns = [str(c) for c in frame.columns]
        return Table(columns, _numbered(Part(len(chunk), frame=chunk) for chunk in _frame_slices(frame, rows)))
    module = type(source).__module__.split(".")[0]
    if module == "polars":
        if not callable(getattr(source, "to_arrow", None)):
            raise ConfigError.for_value(
                "source", type(source).__name__, "a polars DataFrame (collect() a LazyFrame first), or a pandas one"
            )
        return _arrow_table(source.to_arrow(), rows)
    if module == "pyarrow" and "pyarrow" in sys.modules:
        import pyarrow as pa

        if isinstance(source, pa.Table | pa.RecordBatch):
            return _arrow_table(source if isinstance(source, pa.Table) else pa.Table.from_batches([source]), rows)
        if isinstance(source, pa.RecordBatchReader):
            return Table(list(source.schema.names), _numbered(_batch_parts(iter(source), rows)))
    named = isinstance(source, str | os.PathLike)
    if (format == "parquet" and (named or hasattr(source, "read"))) or (
        named and format is None and Path(source).suffix.lower() in PARQUET_SUFFIXES
    ):
        return _parquet(Path(source) if named else source, rows)
    return None


def as_part(rows: Any) -> Part:
    """``rows`` (a pandas or polars DataFrame, an Arrow table or record batch) as one part."""
    if isinstance(rows, Part):
        return rows
    if type(rows).__name__ == "DataFrame" and hasattr(rows, "itertuples"):
        return Part(len(rows), frame=rows)
    if type(rows).__module__.split(".")[0] == "polars" and callable(getattr(rows, "to_arrow", None)):
        rows = rows.to_arrow()
    if "pyarrow" in sys.modules:
        import pyarrow as pa

        if isinstance(rows, pa.RecordBatch):
            rows = pa.Table.from_batches([rows])
        if isinstance(rows, pa.Table):
            return Part(rows.num_rows, table=rows)
    raise ConfigError.for_value(
        "rows", type(rows).__name__, "a pandas or polars DataFrame, or an Arrow table or record batch"
    )


def _frame_slices(frame: Any, rows: int) -> Iterator[Any]:
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


def _arrow_table(table: pa.Table, rows: int) -> Table:
    def parts() -> Iterator[Part]:
        for start in range(0, table.num_rows, rows):
            piece = table.slice(start, rows)
            yield Part(piece.num_rows, table=piece)

    return Table(list(table.schema.names), _numbered(parts()))


def _batch_parts(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[Part]:
    import pyarrow as pa

    for batch in batches:
        for start in range(0, batch.num_rows, rows):
            piece = batch.slice(start, rows)
            yield Part(piece.num_rows, table=pa.Table.from_batches([piece]))


def _parquet(path: Path | Any, rows: int) -> Table:
    """A Parquet file's parts (by its path, or an open binary file), read a record batch at a time."""
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError("reading Parquet needs pyarrow: pip install 'slakit[batch]'", path="source") from exc
    import pyarrow as pa

    shown = str(path) if isinstance(path, Path) else str(getattr(path, "name", "the file"))
    try:
        file = pq.ParquetFile(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {shown!r}: {exc.strerror or exc}", path="source") from exc
    except pa.ArrowException as exc:
        raise ConfigError(f"cannot read {shown!r} as Parquet: {exc}", path="source") from exc

    def parts() -> Iterator[Part]:
        try:
            yield from _batch_parts(file.iter_batches(batch_size=rows), rows)
        finally:
            file.close()

    return Table(list(file.schema_arrow.names), _numbered(parts()))
