"""CSV cells that spreadsheets never evaluate as formulas."""

from __future__ import annotations

import csv
import io
import unicodedata

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
        ("＝1+1", "'＝1+1"),  # full width
        ("＋86", "'＋86"),
        ("－2", "'－2"),
        ("＠cmd", "'＠cmd"),
        ("﹦x", "'﹦x"),  # small form
        ("⁼x", "'⁼x"),  # superscript
        ("\ufeff=1", "'\ufeff=1"),  # a byte-order mark first
        ("\u200b\u200d+1", "'\u200b\u200d+1"),  # zero-width characters first
        ("\u2060\t", "'\u2060\t"),
        ("\u200b技术", "\u200b技术"),
        ("技术支持类", "技术支持类"),
        ("Ｐ1", "Ｐ1"),
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


def _looks_like_a_formula(text: str) -> bool:
    """The reference: strip leading Unicode format characters, NFKC-normalise, look at the first character."""
    stripped = text
    while stripped and unicodedata.category(stripped[0]) == "Cf":
        stripped = stripped[1:]
    return unicodedata.normalize("NFKC", stripped).startswith(("=", "+", "-", "@", "\t", "\r"))


_STARTS = st.sampled_from(["", "\ufeff", "\u200b", "\u200e", "\u2060\ufeff", "\u00ad"])
_FIRSTS = st.sampled_from(
    ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", "﹢", "₊", "a", "技", "Ａ", " ", "'"]
)


@given(st.tuples(_STARTS, _FIRSTS, st.text(max_size=5)).map("".join) | st.text(max_size=8))
def test_a_cell_is_escaped_exactly_when_it_could_be_a_formula(text: str) -> None:
    assert csv_safe.safe_text(text) == ("'" + text if _looks_like_a_formula(text) else text)
    assert csv_safe.is_formula(text) == _looks_like_a_formula(text)
