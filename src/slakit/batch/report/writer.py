"""Writing the report files: report.html, report.md, summary.json and summary_<table>.csv."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from slakit.batch import csv_safe
from slakit.batch.report.html import render_html
from slakit.batch.report.markdown import render_markdown
from slakit.batch.report.tables import csv_tables
from slakit.errors import ConfigError

__all__ = ["CSV_ENCODING", "FORMATS", "file_names", "parse_formats", "write_report"]

FORMATS: Final = ("html", "md", "json", "csv")
"""The report formats, in the order their files are written."""

CSV_ENCODING: Final = "utf-8-sig"
"""UTF-8 with a byte-order mark: without it Excel reads Chinese text in a CSV as mojibake."""


def parse_formats(formats: Iterable[str] | str) -> tuple[str, ...]:
    """``formats`` (names, or one comma-separated string) checked and de-duplicated, in :data:`FORMATS` order."""
    names = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {name.strip().lower() for name in names if name.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise ConfigError.for_value("formats", ",".join(names), f"one or more of {', '.join(FORMATS)}")
    return tuple(name for name in FORMATS if name in wanted)


def file_names(formats: Iterable[str] = FORMATS) -> tuple[str, ...]:
    """The names of the files :func:`write_report` writes for ``formats`` (every format by default)."""
    chosen = parse_formats(formats)
    names = {"html": ("report.html",), "md": ("report.md",), "json": ("summary.json",)}
    tables = tuple(f"summary_{table.name}.csv" for table in csv_tables({}))
    return tuple(name for format in chosen for name in names.get(format, tables))


def _write_text(path: Path, text: str) -> Path:
    """Write through a temporary file and rename, so a reader never sees half a report."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="\n")
    os.replace(partial, path)
    return path


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Path:
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding=CSV_ENCODING, newline="") as file:
        out = csv_safe.writer(file)
        out.writerow(header)
        out.writerows(rows)
    os.replace(partial, path)
    return path


def write_report(summary: dict[str, Any], out_dir: Path, formats: Iterable[str]) -> tuple[Path, ...]:
    """Write the report of ``summary`` into ``out_dir`` (created if missing) and return the files written.

    ``formats`` among ``html`` (report.html), ``md`` (report.md), ``json`` (summary.json, the
    summary as is) and ``csv`` (one ``summary_<table>.csv`` per table, cells safe against formula
    injection, UTF-8 with a byte-order mark for spreadsheets). Unknown formats raise
    :class:`~slakit.errors.ConfigError` before anything is written.
    """
    chosen = parse_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in chosen:
        if name == "html":
            written.append(_write_text(out_dir / "report.html", render_html(summary)))
        elif name == "md":
            written.append(_write_text(out_dir / "report.md", render_markdown(summary)))
        elif name == "json":
            text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
            written.append(_write_text(out_dir / "summary.json", text))
        else:
            for table in csv_tables(summary):
                header = [column.name for column in table.columns]
                written.append(_write_csv(out_dir / f"summary_{table.name}.csv", header, table.rows))
    return tuple(written)
