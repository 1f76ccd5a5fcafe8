"""The per-ticket lines: results.jsonl written directly is exactly json.dumps of its record."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import presets
from slakit.batch import InputTicket, TicketResult, evaluate_many, read
from slakit.batch.csv_safe import safe_row
from slakit.batch.facts import Context, TicketFacts
from slakit.batch.output import TicketWriter
from slakit.sla import Ticket
from slakit.testing.strategies import survey_responses, tickets
from tests.batch.exports import AS_OF, export_text

POLICY = presets.load("p1-p3")
CONTEXT = Context.of(POLICY)
WRITER = TicketWriter(CONTEXT.metrics)


def _check(result: TicketResult) -> None:
    facts = TicketFacts.from_result(result, CONTEXT)
    line = WRITER.json_line(facts)
    record = WRITER.json_record(facts)
    assert line == json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert json.loads(line) == record
    row = WRITER.csv_row(facts)
    assert len(row) == len(WRITER.header)
    # csv_row(safe=True) makes only the input-text cells safe: it must agree with making every cell safe
    # (csv writes None as an empty cell, as safe_row spells it)
    fast = WRITER.csv_row(facts, safe=True)
    assert ["" if cell is None else cell for cell in fast] == safe_row(row)
    # csv_line is what csv.writer writes for that row, quoting and all
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fast)
    assert WRITER.csv_line(facts) == buffer.getvalue()


def test_the_hand_checked_export(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(export_text().replace("甲公司", '"=a ""quoted"",\\ name\t"'), encoding="utf-8")
    results = [result for result in evaluate_many(read(path), POLICY, as_of=AS_OF) if result.ok]
    assert len(results) == 6
    for result in results:
        _check(result)


@settings(max_examples=30)
@given(tickets(POLICY, max_events=10), st.booleans(), st.data())
def test_any_ticket(ticket: Ticket, surveyed: bool, data: st.DataObject) -> None:
    if surveyed:
        assert POLICY.survey is not None
        answers = dict(data.draw(survey_responses(POLICY.survey)))
        values = {name: getattr(ticket, name) for name in ticket.__dataclass_fields__}
        ticket = InputTicket(**values, survey=answers)
    (result,) = evaluate_many([ticket], POLICY, as_of=AS_OF)
    if result.ok:
        _check(result)


_FIRST_RESULT = next(
    r for r in evaluate_many(read(io.StringIO(export_text()), format="csv"), POLICY, as_of=AS_OF) if r.ok
)
_AWKWARD = st.text(alphabet=st.sampled_from('ab,"\r\n=+-@ \t甲'), max_size=6)


@settings(max_examples=60)
@given(st.lists(st.one_of(st.none(), _AWKWARD), min_size=7, max_size=7), _AWKWARD)
def test_a_csv_line_is_what_the_csv_module_writes(texts: list[str | None], rule: str) -> None:
    """Commas, quotes, line breaks and formula starts in any text cell: csv_line still matches csv.writer."""
    kind, category, channel, product, customer, agent, priority = texts
    facts = replace(
        TicketFacts.from_result(_FIRST_RESULT, CONTEXT),
        type=kind,
        category=category,
        channel=channel,
        product=product,
        customer=customer,
        agent=agent,
        priority=priority or "P1",
        rules=(rule,) if rule else (),
    )
    buffer = io.StringIO()
    csv.writer(buffer).writerow(WRITER.csv_row(facts, safe=True))
    assert WRITER.csv_line(facts) == buffer.getvalue()
