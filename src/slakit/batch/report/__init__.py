"""The batch report: Markdown, a self-contained HTML page with charts, JSON and CSV summary tables.

Every renderer reads the summary dict (``Summary.to_dict()``, schema ``slakit.summary/1``, see
docs/report.md)::

    from slakit.batch.report import write_report, render_markdown, render_html

    write_report(summary, Path("out"), ["html", "md", "json", "csv"])  # -> the paths written
"""

from slakit.batch.report.html import render_html
from slakit.batch.report.markdown import render_markdown
from slakit.batch.report.writer import FORMATS, write_report

__all__ = ["FORMATS", "render_html", "render_markdown", "write_report"]
