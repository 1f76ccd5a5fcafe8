"""The demo's sample export: realistic, valid, seeded and the same in both files."""

import csv
import json
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import presets
from slakit.batch import Rejected, read
from slakit.demo import CSV_COLUMNS, generate, write_export
from slakit.errors import ConfigError, NaiveDatetimeError
from slakit.sla import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2025, 10, 31, 23, 59, 59, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def tickets():
    return list(generate(600, seed=1, as_of=AS_OF))


def test_the_same_seed_gives_the_same_tickets(tickets):
    assert list(generate(600, seed=1, as_of=AS_OF)) == tickets
    assert [d.ticket for d in generate(50, seed=2, as_of=AS_OF)] != [d.ticket for d in tickets[:50]]


def test_tickets_are_created_over_the_two_months_before_as_of_in_order(tickets):
    created = [demo.ticket.created_at for demo in tickets]
    assert len(created) == 600
    assert created == sorted(created)
    assert created[0] >= datetime(2025, 9, 1, tzinfo=SHANGHAI)
    assert created[-1] < AS_OF
    weeks = Counter(c.isocalendar().week for c in created)
    assert weeks[40] < weeks[42]  # National Day week is quiet
    assert all(event.at <= AS_OF for demo in tickets for event in demo.ticket.events)


def test_ids_are_ticket_numbers_by_type(tickets):
    ids = [demo.ticket.id for demo in tickets]
    assert len(set(ids)) == len(ids)
    prefixes = {"技术支持类": "TS", "售后服务类": "SS", "投诉建议类": "CS"}
    for demo in tickets:
        ticket = demo.ticket
        assert ticket.id.startswith(prefixes[ticket.category.split("/")[0]] + ticket.created_at.strftime("%Y%m%d"))


def test_values_come_from_the_p1_p3_preset_and_a_helpdesk(tickets):
    types = presets.config("p1-p3")["classification"]["types"]
    categories = {f"{kind}/{sub}" for kind, spec in types.items() for sub in spec["subtypes"]}
    assert {demo.ticket.category for demo in tickets} == categories
    assert {demo.ticket.priority for demo in tickets} == {"P1", "P2", "P3"}
    channels = Counter(demo.ticket.channel for demo in tickets)
    assert channels.most_common(1)[0][0] == "电话"
    assert {"在线客服", "邮件", "微信", "企业微信"} <= set(channels)
    assert all(demo.ticket.subject and demo.ticket.product and demo.ticket.customer for demo in tickets)


def test_histories_have_pauses_reopenings_complaints_extensions_and_surveys(tickets):
    def count(predicate):
        return sum(1 for demo in tickets if predicate(demo))

    def has(demo, kind, **fields):
        return any(e.type == kind and all(getattr(e, k) == v for k, v in fields.items()) for e in demo.ticket.events)

    assert count(lambda d: has(d, "status", status="pending_customer")) > 30
    assert count(lambda d: has(d, "reopen")) > 10
    assert count(lambda d: d.ticket.complaints >= 2) > 0
    assert count(lambda d: has(d, "complaint")) > 30
    assert count(lambda d: has(d, "extend", metric="resolution")) > 0
    assert count(lambda d: has(d, "priority")) > 0
    assert count(lambda d: d.ticket.affected_customers >= 10) > 0
    assert count(lambda d: not has(d, "resolve")) > 5  # still open at as_of
    surveyed = [d for d in tickets if d.survey]
    assert len(surveyed) > 250
    assert all(set(d.survey) == {"solved", "speed", "attitude"} for d in surveyed)
    assert all(set(d.survey.values()) <= {1, 2, 3, 4, 5} for d in surveyed)
    assert all(d.survey_at <= AS_OF for d in surveyed)


def test_the_flat_row_keeps_what_an_export_shows(tickets):
    reopened = next(d for d in tickets if any(e.type == "reopen" for e in d.ticket.events))
    row = reopened.flat
    assert list(row) == list(CSV_COLUMNS)
    assert row["reopened_at"] is not None
    assert row["resolved_at"] is None or row["resolved_at"] > row["reopened_at"]
    upgraded = next(d for d in tickets if any(e.type == "priority" for e in d.ticket.events))
    assert upgraded.flat["priority"] == "P2"
    assert upgraded.ticket.priority == "P3"


def test_write_export_writes_both_files_with_a_few_broken_records(tmp_path):
    files = write_export(tmp_path, 1000, seed=3, as_of=AS_OF)
    assert (files.records, files.broken) == (1000, 4)
    with files.csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 1001
    assert len(files.jsonl.read_text(encoding="utf-8").splitlines()) == 1000
    for path, first in ((files.csv, 2), (files.jsonl, 1)):  # the line of the first record
        items = list(read(path))  # a priority the policy does not know is found when evaluating, not reading
        assert len(items) == 1000
        assert [r.line for r in items if isinstance(r, Rejected)] == [125 + first, 625 + first, 875 + first]
        assert items[375].priority == "P5"
    # the good records are exactly the generated tickets
    generated = [d.ticket for d in generate(1000, seed=3, as_of=AS_OF)]
    lines = files.jsonl.read_text(encoding="utf-8").splitlines()
    survey_free = [{k: v for k, v in json.loads(line).items() if not k.startswith("survey")} for line in lines[:100]]
    assert [Ticket.from_dict(data) for data in survey_free] == generated[:100]


def test_small_exports_have_no_broken_records(tmp_path):
    files = write_export(tmp_path, 100, seed=3, as_of=AS_OF)
    assert files.broken == 0
    assert not [item for item in read(files.csv) if isinstance(item, Rejected)]


@settings(max_examples=20, deadline=None)
@given(
    rows=st.integers(0, 40),
    seed=st.integers(0, 2**32),
    as_of=st.datetimes(datetime(2025, 1, 1), datetime(2025, 12, 31), timezones=st.just(SHANGHAI)),
    days=st.integers(1, 90),
)
def test_any_arguments_give_valid_tickets_before_as_of(rows, seed, as_of, days):
    tickets = list(generate(rows, seed=seed, as_of=as_of, days=days))
    assert len(tickets) == rows
    last_day = (as_of - timedelta(minutes=1)).date()
    earliest = datetime.combine(last_day - timedelta(days=days - 1), datetime.min.time(), SHANGHAI)
    for demo in tickets:
        assert earliest <= demo.ticket.created_at < as_of
        assert all(demo.ticket.created_at <= e.at <= as_of for e in demo.ticket.events)
        assert Ticket.from_dict(demo.ticket.to_dict()) == demo.ticket


def test_bad_arguments():
    with pytest.raises(ConfigError, match="'rows'"):
        list(generate(-1, seed=1, as_of=AS_OF))
    with pytest.raises(ConfigError, match="'days'"):
        list(generate(1, seed=1, as_of=AS_OF, days=0))
    with pytest.raises(NaiveDatetimeError):
        list(generate(1, seed=1, as_of=datetime(2025, 10, 31)))
