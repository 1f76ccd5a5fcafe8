"""Batch evaluation of exported tickets: the monthly/quarterly service report (see docs/report.md).

::

    from slakit import presets
    from slakit.batch import read, evaluate_many, summarize, run

    policy = presets.load("p1-p3")
    results = evaluate_many(read("export.csv", assume_tz="Asia/Shanghai"), policy, as_of=as_of)
    summary = summarize(results, by=("month",))
    summary.to_dict()["overall"]["first_contact_resolution"]

    run("export.csv", policy, as_of=as_of, out_dir="report", jobs=2)   # all of it, streaming, to files
"""

from slakit.batch.accumulator import Accumulator, summarize
from slakit.batch.dataframe import from_dataframe
from slakit.batch.evaluation import evaluate_many
from slakit.batch.facts import GROUP_KEYS
from slakit.batch.flat import COLUMNS, EXTRA_COLUMNS, FlatLayout
from slakit.batch.options import RejectLimit
from slakit.batch.pipeline import RunOutcome, RunProgress, run
from slakit.batch.reading import read
from slakit.batch.records import InputTicket, Rejected, RowWarning, TicketResult
from slakit.batch.summary import (
    Breach,
    Compliance,
    EscalationFigures,
    Figures,
    Group,
    HandlingTime,
    Satisfaction,
    Stats,
    Summary,
    TopIssues,
)
from slakit.batch.values import ValueMap

__all__ = [
    "COLUMNS",
    "EXTRA_COLUMNS",
    "GROUP_KEYS",
    "Accumulator",
    "Breach",
    "Compliance",
    "EscalationFigures",
    "Figures",
    "FlatLayout",
    "Group",
    "HandlingTime",
    "InputTicket",
    "RejectLimit",
    "Rejected",
    "RowWarning",
    "RunOutcome",
    "RunProgress",
    "Satisfaction",
    "Stats",
    "Summary",
    "TicketResult",
    "TopIssues",
    "ValueMap",
    "evaluate_many",
    "from_dataframe",
    "read",
    "run",
    "summarize",
]
