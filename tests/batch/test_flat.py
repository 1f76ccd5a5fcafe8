"""Flat rows as tickets: the events each column makes, the extras, and every rejection with its line."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slakit.batch import FlatLayout, InputTicket, Rejected
from slakit.batch.flat import typed_attributes
from slakit.errors import ConfigError, InvalidTicketError
from slakit.sla import Event

SH = ZoneInfo("Asia/Shanghai")
HEADER = ["id", "created_at", "priority", "assigned_at", "acknowledged_at", "first_response_at", "resolved_at",
          "reopened_at", "complaints", "affected_customers", "category", "survey_efficiency"]  # fmt: skip


def _row(**cells: str) -> list[str]:
    return [cells.get(name, "") for name in HEADER]


def _ticket(layout: FlatLayout, **cells: str) -> InputTicket:
    item = layout.ticket(_row(**cells), 2)
    assert isinstance(item, InputTicket), item
    return item


def _at(hhmm: str, day: int = 1) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2025, 9, day, hour, minute, tzinfo=SH)


def _iso(hhmm: str, day: int = 1) -> str:
    return _at(hhmm, day).isoformat()


def test_each_column_becomes_its_event() -> None:
    layout = FlatLayout(HEADER)
    ticket = _ticket(
        layout,
        id="T1",
        created_at=_iso("09:00"),
        priority="P1",
        assigned_at=_iso("09:10"),
        acknowledged_at=_iso("09:20"),
        first_response_at=_iso("09:30"),
        resolved_at=_iso("12:00"),
        complaints="2",
        affected_customers="3",
        category=" 技术支持类 ",
        survey_efficiency="4",
    )
    events = [(event.type, event.at) for event in ticket.events]
    assert events == [
        ("assign", _at("09:10")),
        ("acknowledge", _at("09:20")),
        ("reply", _at("09:30")),
        ("resolve", _at("12:00")),
        ("complaint", _at("12:00")),  # complaints at the row's latest instant
        ("complaint", _at("12:00")),
    ]
    reply = ticket.events[2]
    assert (reply.author, reply.public) == ("agent", True)
    assert (ticket.id, ticket.priority, ticket.category, ticket.affected_customers) == ("T1", "P1", "技术支持类", 3)
    assert ticket.line == 2
    assert ticket.survey == {"efficiency": "4"}
    assert ticket.measured == frozenset({"response", "acknowledge", "resolution"})
    assert ticket.complaints == 2


def test_reopened_before_the_last_resolution_stays_open_until_the_reopen() -> None:
    ticket = _ticket(
        FlatLayout(HEADER),
        id="T",
        created_at=_iso("09:00"),
        priority="P1",
        resolved_at=_iso("15:00"),
        reopened_at=_iso("11:00"),
    )
    assert [(e.type, e.at) for e in ticket.events] == [
        ("resolve", _at("11:00")),
        ("reopen", _at("11:00")),
        ("resolve", _at("15:00")),
    ]


def test_reopened_after_the_resolution_is_open() -> None:
    ticket = _ticket(
        FlatLayout(HEADER),
        id="T",
        created_at=_iso("09:00"),
        priority="P1",
        resolved_at=_iso("11:00"),
        reopened_at=_iso("15:00"),
    )
    assert [(e.type, e.at) for e in ticket.events] == [("resolve", _at("11:00")), ("reopen", _at("15:00"))]
    alone = _ticket(FlatLayout(HEADER), id="T", created_at=_iso("09:00"), priority="P1", reopened_at=_iso("15:00"))
    assert [(e.type, e.at) for e in alone.events] == [("resolve", _at("15:00")), ("reopen", _at("15:00"))]


def test_naive_times_take_assume_tz() -> None:
    layout = FlatLayout(HEADER, assume_tz="Asia/Shanghai")
    ticket = _ticket(layout, id="T", created_at="2025-09-01 09:00", priority="P1", resolved_at="2025/09/01 12:30")
    assert ticket.created_at == _at("09:00")
    assert ticket.events[0].at == _at("12:30")
    utc = _ticket(layout, id="T", created_at="2025-09-01T01:00:00Z", priority="P1")
    assert utc.created_at == _at("09:00")
    assert utc.created_at.tzinfo == UTC


def test_extras_agent_replies_flags_and_survey_at() -> None:
    header = ["id", "created_at", "priority", "assigned_at", "first_response_at", "agent", "agent_replies", "flags",
              "survey_at", "survey_attitude"]  # fmt: skip
    layout = FlatLayout(header)
    row = ["T", _iso("09:00"), "P2", _iso("09:05"), _iso("09:30"), "wang", "3", "vip; public_opinion_risk",
           _iso("10:00", day=2), "5"]  # fmt: skip
    ticket = layout.ticket(row, 9)
    assert isinstance(ticket, InputTicket)
    assert ticket.events[0].assignee == "wang"
    assert [e.type for e in ticket.events].count("reply") == 3
    assert ticket.flags == frozenset({"vip", "public_opinion_risk"})
    assert ticket.survey_at == _at("10:00", day=2)
    assert ticket.survey == {"attitude": "5"}
    assert ticket.measured == frozenset({"response"})  # no acknowledged_at or resolved_at column


def test_column_map_and_header_case() -> None:
    header = ["Ticket", "Created", "PRIORITY", "服务效率"]
    layout = FlatLayout(header, column_map={"id": "Ticket", "created_at": "Created", "survey_efficiency": "服务效率"})
    ticket = layout.ticket(["T9", _iso("09:00"), "P3", "5"], 2)
    assert isinstance(ticket, InputTicket)
    assert (ticket.id, ticket.priority, ticket.survey) == ("T9", "P3", {"efficiency": "5"})


def test_a_missing_required_column_or_a_bad_map_is_the_files_problem() -> None:
    with pytest.raises(ConfigError, match="no 'created_at' column"):
        FlatLayout(["id", "priority"])
    with pytest.raises(ConfigError, match="maps 'created_at' to 'Opened', which is not a column"):
        FlatLayout(["id", "created_at", "priority"], column_map={"created_at": "Opened"})
    with pytest.raises(ConfigError, match="'column_map' must be a column name"):
        FlatLayout(["id", "created_at", "priority"], column_map={"colour": "created_at"})


@pytest.mark.parametrize(
    ("cells", "kind", "message"),
    [
        ({"created_at": "2025-09-01 09:00"}, "naive timestamp in created_at", "'created_at' has no UTC offset"),
        ({"resolved_at": "2025-09-01 10:00"}, "naive timestamp in resolved_at", "give assume_tz"),
        ({"created_at": "soon"}, "unparseable timestamp in created_at", "'created_at' must be a date and time"),
        ({"assigned_at": "13/45/2025"}, "unparseable timestamp in assigned_at", "(got '13/45/2025')"),
        ({"created_at": "09:00"}, "unparseable timestamp in created_at", "must be a date"),  # no date: refused
        ({"resolved_at": _iso("08:00")}, "resolved_at before created_at", "'resolved_at' (2025-09-01T08:00:00+08:00) "
                                                                          "is before 'created_at'"),
        ({"reopened_at": _iso("08:00")}, "reopened_at before created_at", "is before 'created_at'"),
        ({"assigned_at": _iso("10:00"), "acknowledged_at": _iso("09:30")}, "acknowledged_at before assigned_at",
         "'acknowledged_at' (2025-09-01T09:30:00+08:00) is before 'assigned_at'"),
        ({"complaints": "abc"}, "invalid number in complaints", "'complaints' must be a whole number"),
        ({"complaints": "1.5"}, "invalid number in complaints", "(got '1.5')"),
        ({"complaints": "-1"}, "invalid number in complaints", "from 0 to 1000"),
        ({"complaints": "5000"}, "invalid number in complaints", "from 0 to 1000"),
        ({"affected_customers": "many"}, "invalid number in affected_customers", "'affected_customers'"),
        ({"id": " "}, "missing id", "'id' is empty"),
        ({"created_at": ""}, "missing created_at", "'created_at' is empty"),
        ({"priority": ""}, "missing priority", "'priority' is empty"),
    ],
)  # fmt: skip
def test_rejections_name_the_field_value_and_line(cells: dict[str, str], kind: str, message: str) -> None:
    base = {"id": "T5", "created_at": _iso("09:00"), "priority": "P1"}
    rejected = FlatLayout(HEADER).ticket(_row(**(base | cells)), 7)
    assert isinstance(rejected, Rejected)
    assert rejected.line == 7
    assert rejected.kind == kind
    assert message in rejected.reason
    assert rejected.id == (None if kind == "missing id" else "T5")


def test_whole_numbers_may_be_written_as_decimals() -> None:
    ticket = _ticket(FlatLayout(HEADER), id="T", created_at=_iso("09:00"), priority="P1", complaints="2.0")
    assert ticket.complaints == 2


def test_too_many_fields_is_rejected_and_too_few_are_empty() -> None:
    layout = FlatLayout(["id", "created_at", "priority", "category"])
    rejected = layout.ticket(["T", _iso("09:00"), "P1", "x", "surplus"], 4)
    assert isinstance(rejected, Rejected)
    assert (rejected.line, rejected.id, rejected.kind) == (4, "T", "wrong number of fields")
    short = layout.ticket(["T", _iso("09:00"), "P1"], 5)
    assert isinstance(short, InputTicket)
    assert short.category is None


def test_agent_replies_against_the_first_response() -> None:
    """Issue #17: a row is rejected only when a cell would make a figure wrong; else the cell is ignored."""
    layout = FlatLayout(["id", "created_at", "priority", "first_response_at", "agent_replies"])
    zero = layout.ticket(["T", _iso("09:00"), "P1", _iso("10:00"), "0"], 2)  # the first response proves a reply
    assert isinstance(zero, InputTicket)
    assert [(w.line, w.id, w.column, w.kind) for w in zero.warnings] == [
        (2, "T", "agent_replies", "agent_replies 0 with a first response")
    ]
    assert [event.type for event in zero.events] == ["reply"]  # what the row says without agent_replies
    missing = layout.ticket(["T", _iso("09:00"), "P1", "", "2"], 3)  # answered, but when? the response clock
    assert isinstance(missing, Rejected)  # would count the ticket as unanswered
    assert missing.kind == "agent_replies without a first response"
    assert "the response clock needs the first reply's time" in missing.reason
    no_column = FlatLayout(["id", "created_at", "priority", "agent_replies"])  # the response is not measured
    ignored = no_column.ticket(["T", _iso("09:00"), "P1", "2"], 4)
    assert isinstance(ignored, InputTicket)
    kinds = [(w.column, w.kind) for w in ignored.warnings]
    assert kinds == [("agent_replies", "agent_replies without a first response")]
    assert ignored.events == ()


def test_datetimes_and_numbers_from_a_dataframe() -> None:
    layout = FlatLayout(HEADER)
    row: list[object] = [_row()[0]] * len(HEADER)
    row = ["T", _at("09:00"), "P1", None, None, None, _at("10:00") + timedelta(hours=1), None, 2, 4.0, float("nan"),
           float("nan")]  # fmt: skip
    ticket = layout.ticket(row, 3)
    assert isinstance(ticket, InputTicket)
    assert (ticket.complaints, ticket.affected_customers, ticket.category, ticket.survey) == (2, 4, None, None)


def test_fast_construction_equals_the_checked_one() -> None:
    ticket = _ticket(
        FlatLayout(HEADER),
        id="T1",
        created_at=_iso("09:00"),
        priority="P1",
        assigned_at=_iso("09:10"),
        first_response_at=_iso("09:30"),
        resolved_at=_iso("15:00"),
        reopened_at=_iso("11:00"),
        complaints="1",
        survey_efficiency="4",
    )
    checked_events = tuple(Event(e.at, e.type, author=e.author, assignee=e.assignee) for e in ticket.events)
    assert ticket.events == checked_events
    assert [e.at_us for e in ticket.events] == [e.at_us for e in checked_events]
    values = {f.name: getattr(ticket, f.name) for f in dataclasses.fields(InputTicket)}
    assert InputTicket(**values | {"events": checked_events}) == ticket


# -- issue #17: durations instead of instants, cells ignored with a warning, value_map ---------------------------

AFTER = ["id", "created_at", "priority", "first_response_after", "resolved_after"]


def _events(item: InputTicket) -> list[tuple[str, datetime]]:
    return [(event.type, event.at) for event in item.events]


@pytest.mark.parametrize(
    ("response", "resolved", "expected_response", "expected_resolved"),
    [
        ("90", "1440", _at("10:30"), _at("09:00", day=2)),  # minutes
        ("1.5", "", _at("09:01") + timedelta(seconds=30), None),
        ("2h30m", "P1DT2H", _at("11:30"), _at("11:00", day=2)),  # durations as policies write them
        ("PT45M", "1d", _at("09:45"), _at("09:00", day=2)),
        (" 0 ", "", _at("09:00"), None),
    ],
)
def test_durations_after_created_at_stand_for_the_instants(
    response: str, resolved: str, expected_response: datetime, expected_resolved: datetime | None
) -> None:
    layout = FlatLayout(AFTER)
    assert layout.measured == frozenset({"response", "resolution"})
    item = layout.ticket(["T", _iso("09:00"), "P1", response, resolved], 2)
    assert isinstance(item, InputTicket), item
    expected = [("reply", expected_response)] + ([("resolve", expected_resolved)] if expected_resolved else [])
    assert _events(item) == expected


def test_a_duration_counts_elapsed_time_across_a_dst_change() -> None:
    layout = FlatLayout(AFTER, assume_tz="Europe/Berlin")
    item = layout.ticket(["T", "2025-03-30 01:30", "P1", "60", ""], 2)  # clocks go from 02:00 to 03:00
    assert isinstance(item, InputTicket), item
    (reply,) = item.events
    assert reply.at.astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 CEST, one hour later


def test_durations_from_a_dataframe_are_minutes_or_timedeltas() -> None:
    layout = FlatLayout(AFTER)
    item = layout.ticket(["T", _at("09:00"), "P1", 30, timedelta(hours=2)], 3)
    assert isinstance(item, InputTicket), item
    assert _events(item) == [("reply", _at("09:30")), ("resolve", _at("11:00"))]
    item = layout.ticket(["T", _at("09:00"), "P1", 2.5, None], 4)
    assert isinstance(item, InputTicket), item
    assert _events(item) == [("reply", _at("09:02") + timedelta(seconds=30))]


@pytest.mark.parametrize("bad", ["-5", "soon", "NaN", "2 hours", "1e400", "-PT1H", True])
def test_a_duration_that_is_none_is_rejected(bad: object) -> None:
    item = FlatLayout(AFTER).ticket(["T", _iso("09:00"), "P1", bad, ""], 5)
    assert isinstance(item, Rejected), item
    assert item.kind == "invalid duration in first_response_after"
    assert item.reason.startswith("'first_response_after' must be minutes after 'created_at' as a number (90, 1.5)")
    assert (item.line, item.id) == (5, "T")


def test_both_an_instant_and_a_duration_must_agree_to_the_minute() -> None:
    layout = FlatLayout(["id", "created_at", "priority", "first_response_at", "first_response_after"])
    agreed = layout.ticket(["T", _iso("09:00"), "P1", "2025-09-01T09:14:40+08:00", "15"], 2)  # rounded minutes
    assert isinstance(agreed, InputTicket), agreed
    assert _events(agreed) == [("reply", _at("09:14") + timedelta(seconds=40))]  # the instant is kept
    rejected = layout.ticket(["T", _iso("09:00"), "P1", _iso("11:00"), "15"], 3)
    assert isinstance(rejected, Rejected)
    assert rejected.kind == "first_response_at contradicts first_response_after"
    assert rejected.reason == (
        "'first_response_at' (2025-09-01T11:00:00+08:00) and 'first_response_after' ('15', which is "
        "2025-09-01T09:15:00+08:00) disagree by 1h45m; give one of them, or values that agree to the minute"
    )
    one_minute = layout.ticket(["T", _iso("09:00"), "P1", _iso("09:16"), "15"], 4)
    assert isinstance(one_minute, Rejected)


def test_agent_without_assigned_at_is_ignored_with_a_warning() -> None:
    layout = FlatLayout(["id", "created_at", "priority", "assigned_at", "agent"])
    item = layout.ticket(["T", _iso("09:00"), "P1", "", "王工"], 6)
    assert isinstance(item, InputTicket), item
    (warning,) = item.warnings
    assert (warning.line, warning.id, warning.column, warning.kind) == (6, "T", "agent", "agent without assigned_at")
    assert warning.reason.startswith("'agent' is '王工' but 'assigned_at' is empty")
    assigned = layout.ticket(["T", _iso("09:00"), "P1", _iso("09:05"), "王工"], 7)
    assert isinstance(assigned, InputTicket)
    assert assigned.warnings == ()


def test_value_map_maps_priority_channel_and_category() -> None:
    layout = FlatLayout(
        ["id", "created_at", "priority", "channel", "category"],
        value_map={"priority": {"Urgent": "P1"}, "channel": {"Web": "在线客服"}, "category": {"Bug": "技术支持类"}},
    )
    item = layout.ticket(["T", _iso("09:00"), "ＵＲＧＥＮＴ", " web ", "bug"], 2)
    assert isinstance(item, InputTicket), item
    assert (item.priority, item.channel, item.category) == ("P1", "在线客服", "技术支持类")
    kept = layout.ticket(["T", _iso("09:00"), "High", "电话", ""], 3)
    assert isinstance(kept, InputTicket)
    assert (kept.priority, kept.channel, kept.category) == ("High", "电话", None)  # the evaluator rejects High
    with pytest.raises(ConfigError, match="among priority, channel, category"):
        FlatLayout(["id", "created_at", "priority"], value_map={"agent": {"a": "b"}})


# -- attributes ----------------------------------------------------------------------------------------------


def test_attribute_columns_become_the_tickets_attributes() -> None:
    header = [*HEADER, "attributes.region", "Tier", "attributes.seats"]
    layout = FlatLayout(header, column_map={"attributes.tier": "Tier"})
    row = [*_row(id="1", created_at=_iso("09:00"), priority="P1"), " eu ", "gold", ""]
    ticket = layout.ticket(row, 2)
    assert isinstance(ticket, InputTicket)
    assert dict(ticket.attributes) == {"region": "eu", "tier": "gold"}  # text stripped, an empty cell gives none
    plain = FlatLayout(HEADER).ticket(_row(id="1", created_at=_iso("09:00"), priority="P1"), 2)
    assert isinstance(plain, InputTicket)
    assert plain.attributes == {}


def test_attribute_names_in_the_column_map_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"attributes\.<name>"):
        FlatLayout(HEADER, column_map={"attributes.a.b": "category"})
    with pytest.raises(ConfigError, match="not a column of the file"):
        FlatLayout(HEADER, column_map={"attributes.tier": "Tier"})


def test_text_cells_are_read_as_the_policy_compares_them() -> None:
    header = [*HEADER, "attributes.seats", "attributes.trial", "attributes.tier"]
    layout = FlatLayout(header)

    def read(seats: str, trial: str, tier: str = "007") -> InputTicket:
        row = [*_row(id="1", created_at=_iso("09:00"), priority="P1"), seats, trial, tier]
        return typed_attributes(_ticket_of(layout, row), {"seats": "number", "trial": "bool", "tier": "text"})

    assert dict(read("40", "TRUE").attributes) == {"seats": 40, "trial": True, "tier": "007"}
    assert read("12.5", "false").attributes["seats"] == 12.5
    assert read("-3", "False").attributes["seats"] == -3
    with pytest.raises(InvalidTicketError, match=r"'attributes\.seats' must be a number.*\(got 'forty'\)"):
        read("forty", "true")
    with pytest.raises(InvalidTicketError, match=r"'attributes\.seats' must be a number"):
        read("nan", "true")
    with pytest.raises(InvalidTicketError, match=r"'attributes\.trial' must be true or false.*\(got 'yes'\)"):
        read("1", "yes")


def _ticket_of(layout: FlatLayout, row: list[str]) -> InputTicket:
    item = layout.ticket(row, 2)
    assert isinstance(item, InputTicket), item
    return item
