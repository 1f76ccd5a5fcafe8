"""from_dataframe and run() on a pandas DataFrame read rows exactly as the CSV reader does."""

from __future__ import annotations

from pathlib import Path

import pytest

from slakit import presets
from slakit.batch import InputTicket, Rejected, from_dataframe, read, run
from slakit.errors import ConfigError
from tests.batch.exports import AS_OF, export_text
from tests.optional import require_module

POLICY = presets.load("p1-p3")


@pytest.fixture
def frame(tmp_path: Path):  # type: ignore[no-untyped-def]
    require_module("pandas")
    import pandas as pd

    path = tmp_path / "export.csv"
    path.write_text(export_text(), encoding="utf-8")
    return pd.read_csv(path, dtype=str, keep_default_na=False), path


def _view(item: object) -> tuple[object, ...]:
    if isinstance(item, Rejected):
        return ("rejected", item.id, item.kind)
    assert isinstance(item, InputTicket)
    return ("ticket", item.id, item.priority, item.created_at, item.events, item.survey, item.category)


def test_the_same_tickets_as_the_csv(frame) -> None:  # type: ignore[no-untyped-def]
    df, path = frame
    from_csv = [_view(item) for item in read(path)]
    from_df = [_view(item) for item in from_dataframe(df)]
    assert from_df == from_csv


def test_typed_columns(frame) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    df, _ = frame
    typed = df.iloc[:5].copy()  # the five good rows
    for column in ("created_at", "assigned_at", "acknowledged_at", "first_response_at", "resolved_at", "reopened_at"):
        typed[column] = pd.to_datetime(typed[column].replace("", None), utc=True)
    typed["complaints"] = pd.to_numeric(typed["complaints"].replace("", None))
    items = list(from_dataframe(typed))
    assert all(isinstance(item, InputTicket) for item in items)
    assert [item.line for item in items] == [1, 2, 3, 4, 5]  # a frame's rows count from 1
    assert [item.complaints for item in items if isinstance(item, InputTicket)] == [0, 0, 2, 1, 0]


def test_run_on_a_dataframe(frame, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    df, path = frame
    from_df = run(df, POLICY, as_of=AS_OF, out_dir=tmp_path / "df", formats=())
    from_csv = run(path, POLICY, as_of=AS_OF, out_dir=tmp_path / "csv", formats=())
    assert (from_df.rows, from_df.evaluated) == (from_csv.rows, from_csv.evaluated)
    assert from_df.summary.overall == from_csv.summary.overall


def test_not_a_dataframe() -> None:
    require_module("pandas")
    with pytest.raises(ConfigError, match="'df' must be a pandas DataFrame"):
        from_dataframe([1, 2])
