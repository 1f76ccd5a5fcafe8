"""Sample data: a realistic, seeded export of a support team's tickets, for ``slakit demo``, tests and benchmarks.

from slakit.demo import write_export
files = write_export(Path("out"), 2000, seed=7, as_of=as_of)   # export.csv and export.jsonl
"""

from slakit.demo.export import CSV_COLUMNS, DemoFiles, DemoTicket, generate, write_export

__all__ = ["CSV_COLUMNS", "DemoFiles", "DemoTicket", "generate", "write_export"]
