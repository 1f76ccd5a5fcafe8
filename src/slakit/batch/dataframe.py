"""``from_dataframe``: a pandas DataFrame of flat rows (the CSV's columns) as tickets and rejected rows.

pandas is the optional extra ``slakit[pandas]``; nothing here imports it until called. Cells may
be text, numbers, ``datetime``/``Timestamp`` values (aware, or naive with ``assume_tz``) and
missing values (``NaN``, ``NaT``, ``None``), which count as empty cells.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from typing import Any

from slakit.batch.flat import FlatLayout
from slakit.batch.records import Rejected
from slakit.errors import ConfigError
from slakit.sla import Ticket

__all__ = ["check_pandas", "frame_cells", "frame_rows", "from_dataframe", "missing_to_none"]


def from_dataframe(
    df: Any,
    *,
    column_map: Mapping[str, str] | None = None,
    assume_tz: str | tzinfo | None = None,
    first_line: int = 1,
    date_order: str | None = None,
    date_format: str | None = None,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
) -> Iterator[Ticket | Rejected]:
    """Each row of ``df`` as a ticket, or the rejected row in its place, in row order.

    Rows are read exactly as flat CSV rows are (docs/report.md), ``date_order``, ``date_format`` and
    ``value_map`` included; a row's ``line`` is its 1-based position (plus ``first_line - 1``, for a partition of a
    larger frame).
    """
    _pandas_isna(df)
    layout = FlatLayout(
        [str(column) for column in df.columns],
        column_map=column_map,
        assume_tz=assume_tz,
        date_order=date_order,
        date_format=date_format,
        value_map=value_map,
    )
    return frame_rows(df, layout, first_line)


def frame_rows(df: Any, layout: FlatLayout, first_line: int = 1) -> Iterator[Ticket | Rejected]:
    """The rows of ``df`` read with ``layout`` (made from its columns), as :func:`from_dataframe` reads them."""
    _pandas_isna(df)
    return _rows(df, layout, first_line)


def check_pandas(df: Any) -> None:
    """A :class:`~slakit.errors.ConfigError` unless ``df`` is a pandas DataFrame (and pandas is installed)."""
    _pandas_isna(df)


def _pandas_isna(df: Any) -> Any:
    """pandas' ``isna``, once ``df`` is found to be a pandas DataFrame."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ConfigError("from_dataframe needs pandas: pip install 'slakit[pandas]'", path="from_dataframe") from exc
    if not isinstance(df, pd.DataFrame):
        raise ConfigError.for_value("df", type(df).__name__, "a pandas DataFrame")
    return pd.isna


def frame_cells(df: Any) -> Iterator[list[Any]]:
    """Each row of the pandas DataFrame ``df`` as the cells :class:`~slakit.batch.FlatLayout` reads (the one way
    a DataFrame's cells are read: missing values as None, numpy scalars as Python numbers, timestamps as
    ``datetime``)."""
    isna = _pandas_isna(df)
    for row in df.itertuples(index=False, name=None):
        yield [_cell(value, isna) for value in row]


def missing_to_none(value: Any) -> Any:
    """A cell of an Arrow table as the row engine reads it: NaN (a float's missing value) as None, as pandas
    reads it in a DataFrame."""
    return None if value.__class__ is float and value != value else value


def _rows(df: Any, layout: FlatLayout, first_line: int) -> Iterator[Ticket | Rejected]:
    for offset, cells in enumerate(frame_cells(df)):
        yield layout.ticket(cells, first_line + offset)


def _cell(value: Any, isna: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):  # pandas.Timestamp is one; NaT too, caught by isna
        if isna(value):
            return None
        to_py = getattr(value, "to_pydatetime", None)
        return to_py() if to_py is not None else value
    try:
        if isna(value):
            return None
    except (TypeError, ValueError):  # list-like cells are not missing values
        return value
    item = getattr(value, "item", None)  # numpy scalars -> Python numbers
    return item() if item is not None else value
