"""CSV cells that spreadsheets never evaluate as formulas."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.batch import csv_safe


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("TS2025", "TS2025"),
        ("服务投诉", "服务投诉"),
        ("", ""),
        (None, ""),
        (-2.5, -2.5),
        (3, 3),
        (True, "True"),
    ],
)
def test_cells(value: object, cell: object) -> None:
    assert csv_safe.safe_cell(value) == cell
    assert csv_safe.safe_row([value]) == [cell]


@given(st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()), max_size=8))
def test_no_written_text_cell_starts_a_formula(row: list[object]) -> None:
    buffer = io.StringIO()
    csv_safe.writer(buffer).writerow(row)
    buffer.seek(0)
    cells = next(csv.reader(buffer)) if row else []
    for original, cell in zip(row, cells, strict=True):
        if isinstance(original, str):
            assert not cell.startswith(csv_safe.FORMULA_STARTS)
            assert cell in (original, "'" + original)
