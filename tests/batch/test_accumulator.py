"""The summary of a hand-checked export (every figure), and merging partial summaries exactly."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slakit import presets
from slakit.batch import Accumulator, TicketResult, evaluate_many, read, summarize
from slakit.batch import distribution as distribution_module
from slakit.sla import Policy
from slakit.testing.strategies import survey_responses, tickets
from tests.batch.exports import AS_OF, export_text

POLICY = presets.load("p1-p3")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[TicketResult]:
    path = tmp_path_factory.mktemp("export") / "export.csv"
    path.write_text(export_text(), encoding="utf-8")
    return list(evaluate_many(read(path), POLICY, as_of=AS_OF))


def _compliance(met: int, breached: int, running: int, rate: float | None) -> dict[str, Any]:
    return {"met": met, "breached": breached, "running": running, "pending": 0, "compliance": rate}


def _stats(count: int, mean: float, median: float, p90: float) -> dict[str, Any]:
    return {"count": count, "mean": mean, "median": median, "p90": p90, "exact": True}


def _first(business: dict[str, Any], wall: dict[str, Any]) -> dict[str, Any]:
    return {"business": business, "wall": wall}


def _issue(phrase: str, share: float, handling: float | None, category: str) -> dict[str, Any]:
    return {"issue": phrase, "count": 1, "share": share, "mean_handling_hours": handling, "categories": {category: 1}}


def _histogram(*counts: int) -> list[dict[str, Any]]:
    labels = ["<4h", "4-8h", "8-24h", "24-72h", ">72h"]
    return [{"label": label, "count": n} for label, n in zip(labels, counts, strict=True)]


def _roundtrip(accumulator: Accumulator) -> Accumulator:
    """Through pickle, as partial summaries travel between processes."""
    copy: Accumulator = pickle.loads(pickle.dumps(accumulator))  # noqa: S301 -- our own bytes
    return copy


def _dimensions(speed: float, solved: float, attitude: float, responses: int) -> dict[str, Any]:
    return {
        "solved": {"label": "问题解决效果", "mean": solved, "responses": responses},
        "speed": {"label": "服务响应速度", "mean": speed, "responses": responses},
        "attitude": {"label": "服务态度", "mean": attitude, "responses": responses},
    }


ALL_RULES = {
    # T3: second-complaint, low-satisfaction; T4: the five others. One ticket each, ordered by name.
    "low-satisfaction": 1,
    "p1-not-acknowledged": 1,
    "resolution-at-risk": 1,
    "resolution-overdue": 1,
    "resolution-overdue-4h": 1,
    "second-complaint": 1,
    "wide-impact": 1,
}

OVERALL = {
    "tickets": 6,  # T1-T6; lines 7-15 are rejected
    "by_type": {"技术支持类": 3, "售后服务类": 2, "投诉建议类": 1},  # T1 T4 T6 | T2 (bare subtype) T3 | T5
    "by_priority": {"P1": 2, "P2": 2, "P3": 2},
    "by_product": {"X100": 2, "X200": 2, "(none)": 1, "X300": 1},  # equal counts by key: "(" sorts before "X"
    "by_channel": {"电话": 2, "邮件": 2, "在线客服": 1, "微信": 1},  # code point order among equal counts
    "volume_by_week": {"2025-W35": 1, "2025-W36": 4, "2025-W39": 1},  # T5 | T1 T2 T3 T4 | T6
    "resolved": 4,  # T1 T2 T3 T5 (T4 never resolved, T6 reopened)
    "handling_time": {
        # business 4 6 27 38: mean 75/4; median (6+27)/2; p90 at rank 2.7: 27 + 0.7 x 11
        "business": _stats(4, 18.75, 16.5, 34.7),
        # wall 6 67 72 146: mean 291/4; median (67+72)/2; p90 72 + 0.7 x 74
        "wall": _stats(4, 72.75, 69.5, 123.8),
        "histogram": _histogram(0, 2, 0, 2, 0),  # T5 4h, T1 6h | T2 27h, T3 38h
    },
    "first_contact_resolution": {"count": 3, "rate": 0.75},  # T1 T2 T5 of 4 resolved (T3 reopened)
    "sla": {
        "P1": {  # T1 all met; T4 all breached
            "response": _compliance(1, 1, 0, 0.5),
            "acknowledge": _compliance(1, 1, 0, 0.5),
            "resolution": _compliance(1, 1, 0, 0.5),
        },
        "P2": {  # T2: acknowledge breached; T6: resolution still running
            "response": _compliance(2, 0, 0, 1.0),
            "acknowledge": _compliance(1, 1, 0, 0.5),
            "resolution": _compliance(1, 0, 1, 1.0),
        },
        "P3": {  # T3: response breached; T5 all met
            "response": _compliance(1, 1, 0, 0.5),
            "acknowledge": _compliance(2, 0, 0, 1.0),
            "resolution": _compliance(2, 0, 0, 1.0),
        },
    },
    "sla_overall": {
        "response": _compliance(4, 2, 0, 0.6667),
        "acknowledge": _compliance(4, 2, 0, 0.6667),
        "resolution": _compliance(4, 1, 1, 0.8),
    },
    "satisfaction": {
        # T1 5.00, T3 3.33, T5 4.33 (R14 was rejected): mean 12.66 / 3 = 4.22
        "responses": 3,
        "mean_overall": 4.22,
        "dimensions": _dimensions(4.0, 4.0, 4.67, 3),  # (5+3+4)/3, (5+3+4)/3, (5+4+5)/3
        "csat": 0.6667,  # T1 and T5 at or above 4
        "follow_up": 1,  # T3
    },
    "top_issues": {  # the classifier's matched phrase in each subject; T6's "咨询" matches no keyword
        "source": "subject",
        "items": [  # one ticket each of the 5 with a phrase, by phrase; handling in business hours (resolved ones)
            _issue("功能咨询", 0.2, None, "技术支持类/功能咨询"),  # T4, open
            _issue("坏了", 0.2, 27.0, "硬件维修"),  # T2, its category as the export wrote it
            _issue("态度", 0.2, 4.0, "投诉建议类/服务投诉"),  # T5
            _issue("软件卡顿", 0.2, 6.0, "技术支持类/软件故障排查"),  # T1 ("软件卡顿" before "卡顿": longer first)
            _issue("退货", 0.2, 38.0, "售后服务类/退换货"),  # T3
        ],
    },
    "escalations": {"tickets": 2, "by_rule": ALL_RULES, "by_level": {"1": 1, "2": 1}},  # T3 level 1, T4 level 2
    # routes (classification.types.<type>.route): 技术支持类 T1 T4 T6 | 售后服务类 T2 T3 | 投诉建议类 T5
    "by_route": {"技术支持工程师": 3, "维修工程师": 2, "售后主管": 1},
    "classified_from_subject": 0,  # every row has a category
    "resolution_rate": 0.6667,  # 4 resolved of 6
    # created -> first public agent reply. Business: T1 1h, T4 3h | T2 Mon 17:00 -> Tue 10:00 = 1 + 1 = 2h,
    # T6 40 min | T3 Tue 10:00 -> Wed 10:00 = 8 + 1 = 9h, T5 30 min. Wall: T2 17h, T3 24h, the others as business.
    "first_response": {
        "P1": _first(_stats(2, 2.0, 2.0, 2.8), _stats(2, 2.0, 2.0, 2.8)),  # 1 3: p90 1 + 0.9 x 2
        "P2": _first(_stats(2, 1.33, 1.33, 1.87), _stats(2, 8.83, 8.83, 15.37)),  # 2/3 2 | 2/3 17
        "P3": _first(_stats(2, 4.75, 4.75, 8.15), _stats(2, 12.25, 12.25, 21.65)),  # 0.5 9 | 0.5 24
    },
    # business 0.5 2/3 1 2 3 9: mean 97/36 = 2.69, median (1 + 2)/2, p90 at rank 4.5: 3 + 0.5 x 6
    # wall 0.5 2/3 1 3 17 24: mean 277/36 = 7.69, median (1 + 3)/2, p90 17 + 0.5 x 7
    "first_response_overall": _first(_stats(6, 2.69, 1.5, 6.0), _stats(6, 7.69, 2.0, 20.5)),
    # the export has no survey_at: timeliness is not measured (T2, resolved without a survey, is due and late;
    # T1 T3 T5 were answered at an unknown instant)
    "survey_timeliness": {"on_time": 0, "due": 1, "rate": None, "due_within_hours": 24.0},
    # retain until 2028-09-01 (T1, T5), 2028-09-04 (T2), 2028-09-08 (T3): none in the quarter after the as-of
    "retention": {"ending_next_quarter": 0, "ended": 0, "after": "2025-09-26", "until": "2025-12-26"},
}

AUGUST = {  # T5 alone
    "tickets": 1,
    "by_type": {"投诉建议类": 1},
    "by_priority": {"P3": 1},
    "by_product": {"(none)": 1},
    "by_channel": {"电话": 1},
    "volume_by_week": {"2025-W35": 1},
    "resolved": 1,
    "handling_time": {"business": _stats(1, 4.0, 4.0, 4.0), "wall": _stats(1, 67.0, 67.0, 67.0),
                      "histogram": _histogram(0, 1, 0, 0, 0)},
    "first_contact_resolution": {"count": 1, "rate": 1.0},
    "sla": {"P3": {metric: _compliance(1, 0, 0, 1.0) for metric in ("response", "acknowledge", "resolution")}},
    "sla_overall": {metric: _compliance(1, 0, 0, 1.0) for metric in ("response", "acknowledge", "resolution")},
    "satisfaction": {"responses": 1, "mean_overall": 4.33, "dimensions": _dimensions(4.0, 4.0, 5.0, 1),
                     "csat": 1.0, "follow_up": 0},
    "top_issues": {"source": "subject", "items": [_issue("态度", 1.0, 4.0, "投诉建议类/服务投诉")]},
    "escalations": {"tickets": 0, "by_rule": {}, "by_level": {}},
    "by_route": {"售后主管": 1},
    "classified_from_subject": 0,
    "resolution_rate": 1.0,
    "first_response": {"P3": _first(_stats(1, 0.5, 0.5, 0.5), _stats(1, 0.5, 0.5, 0.5))},
    "first_response_overall": _first(_stats(1, 0.5, 0.5, 0.5), _stats(1, 0.5, 0.5, 0.5)),
    "survey_timeliness": {"on_time": 0, "due": 0, "rate": None, "due_within_hours": 24.0},
    "retention": {"ending_next_quarter": 0, "ended": 0, "after": "2025-09-26", "until": "2025-12-26"},
}  # fmt: skip

SEPTEMBER = {  # T1 T2 T3 T4 T6
    "tickets": 5,
    "by_type": {"技术支持类": 3, "售后服务类": 2},
    "by_priority": {"P1": 2, "P2": 2, "P3": 1},
    "by_product": {"X100": 2, "X200": 2, "X300": 1},
    "by_channel": {"邮件": 2, "在线客服": 1, "微信": 1, "电话": 1},
    "volume_by_week": {"2025-W36": 4, "2025-W39": 1},
    "resolved": 3,
    "handling_time": {
        "business": _stats(3, 23.67, 27.0, 35.8),  # 6 27 38: 71/3; p90 at rank 1.8: 27 + 0.8 x 11
        "wall": _stats(3, 74.67, 72.0, 131.2),  # 6 72 146: 224/3; 72 + 0.8 x 74
        "histogram": _histogram(0, 1, 0, 2, 0),
    },
    "first_contact_resolution": {"count": 2, "rate": 0.6667},  # T1 T2 of T1 T2 T3
    "sla": {
        "P1": OVERALL["sla"]["P1"],  # type: ignore[index]
        "P2": OVERALL["sla"]["P2"],  # type: ignore[index]
        "P3": {  # T3 alone
            "response": _compliance(0, 1, 0, 0.0),
            "acknowledge": _compliance(1, 0, 0, 1.0),
            "resolution": _compliance(1, 0, 0, 1.0),
        },
    },
    "sla_overall": {
        "response": _compliance(3, 2, 0, 0.6),
        "acknowledge": _compliance(3, 2, 0, 0.6),
        "resolution": _compliance(3, 1, 1, 0.75),
    },
    "satisfaction": {
        "responses": 2,
        "mean_overall": 4.17,  # (5.00 + 3.33) / 2 = 4.165, half up
        "dimensions": _dimensions(4.0, 4.0, 4.5, 2),
        "csat": 0.5,
        "follow_up": 1,
    },
    "top_issues": {
        "source": "subject",
        "items": [  # four tickets with a phrase (T6 has none)
            _issue("功能咨询", 0.25, None, "技术支持类/功能咨询"),
            _issue("坏了", 0.25, 27.0, "硬件维修"),
            _issue("软件卡顿", 0.25, 6.0, "技术支持类/软件故障排查"),
            _issue("退货", 0.25, 38.0, "售后服务类/退换货"),
        ],
    },
    "escalations": {"tickets": 2, "by_rule": ALL_RULES, "by_level": {"1": 1, "2": 1}},
    "by_route": {"技术支持工程师": 3, "维修工程师": 2},
    "classified_from_subject": 0,
    "resolution_rate": 0.6,  # T1 T2 T3 of 5
    "first_response": {
        "P1": OVERALL["first_response"]["P1"],  # type: ignore[index]
        "P2": OVERALL["first_response"]["P2"],  # type: ignore[index]
        "P3": _first(_stats(1, 9.0, 9.0, 9.0), _stats(1, 24.0, 24.0, 24.0)),  # T3 alone
    },
    # business 2/3 1 2 3 9: mean 47/15 = 3.13, median 2, p90 at rank 3.6: 3 + 0.6 x 6; wall 2/3 1 3 17 24
    "first_response_overall": _first(_stats(5, 3.13, 2.0, 6.6), _stats(5, 9.13, 3.0, 21.2)),
    "survey_timeliness": {"on_time": 0, "due": 1, "rate": None, "due_within_hours": 24.0},
    "retention": {"ending_next_quarter": 0, "ended": 0, "after": "2025-09-26", "until": "2025-12-26"},
}

BREACHES = [  # latest deadline first
    # T4 resolution: 24h from Wed 09-03 09:00 is Fri 15:00; 18 x 9 = 162h counted by Fri 09-26 18:00
    {"ticket": "T4", "line": 5, "priority": "P1", "metric": "resolution", "deadline": "2025-09-05T15:00:00+08:00",
     "completed_at": None, "late_by_hours": 138.0},
    {"ticket": "T4", "line": 5, "priority": "P1", "metric": "response", "deadline": "2025-09-03T11:00:00+08:00",
     "completed_at": "2025-09-03T12:00:00+08:00", "late_by_hours": 1.0},
    {"ticket": "T4", "line": 5, "priority": "P1", "metric": "acknowledge", "deadline": "2025-09-03T10:05:00+08:00",
     "completed_at": "2025-09-03T10:30:00+08:00", "late_by_hours": 0.42},  # 25 minutes
    {"ticket": "T3", "line": 4, "priority": "P3", "metric": "response", "deadline": "2025-09-02T18:00:00+08:00",
     "completed_at": "2025-09-03T10:00:00+08:00", "late_by_hours": 1.0},
    {"ticket": "T2", "line": 3, "priority": "P2", "metric": "acknowledge", "deadline": "2025-09-02T09:30:00+08:00",
     "completed_at": "2025-09-02T09:45:00+08:00", "late_by_hours": 0.25},
]  # fmt: skip

REJECTED_KINDS = {  # one each, by name
    "invalid number in affected_customers": 1,
    "invalid number in complaints": 1,
    "invalid survey response": 1,
    "missing created_at": 1,
    "missing id": 1,
    "naive timestamp in created_at": 1,
    "resolved_at before created_at": 1,
    "unknown priority": 1,
    "unparseable timestamp in created_at": 1,
}


def test_every_figure_of_the_hand_checked_export(results: list[TicketResult]) -> None:
    data = summarize(results).to_dict()
    assert data["schema"] == "slakit.summary/1"
    assert data["policy"] == "p1-p3"
    assert data["as_of"] == "2025-09-26T18:00:00+08:00"
    assert data["group_by"] == ["month"]
    assert data["rows"] == {"total": 15, "evaluated": 6, "rejected": 9}
    assert data["overall"] == OVERALL
    assert data["groups"] == [
        {"key": {"month": "2025-08"}, "figures": AUGUST},
        {"key": {"month": "2025-09"}, "figures": SEPTEMBER},
    ]
    assert data["breaches"] == {"total": 5, "tickets": 3, "shown": BREACHES}
    assert data["rejected"]["total"] == 9
    assert data["rejected"]["reasons"] == REJECTED_KINDS
    assert [(item["line"], item["id"]) for item in data["rejected"]["shown"]] == [
        (7, "R7"), (8, "R8"), (9, "R9"), (10, "R10"), (11, "R11"), (12, None), (13, "R13"), (14, "R14"), (15, "R15"),
    ]  # fmt: skip


def test_groups_by_ticket_fields(results: list[TicketResult]) -> None:
    summary = summarize(results, by=("priority", "type"))
    keys = [(group.key["priority"], group.key["type"], group.figures.tickets) for group in summary.groups]
    assert keys == [
        ("P1", "技术支持类", 2),
        ("P2", "售后服务类", 1),
        ("P2", "技术支持类", 1),
        ("P3", "售后服务类", 1),
        ("P3", "投诉建议类", 1),
    ]
    by_week = summarize(results, by="week")
    assert [(g.key["week"], g.figures.tickets) for g in by_week.groups] == [
        ("2025-W35", 1),
        ("2025-W36", 4),
        ("2025-W39", 1),
    ]


def test_unknown_group_key_is_refused(results: list[TicketResult]) -> None:
    with pytest.raises(ValueError, match="'by' must be one of month, quarter, week"):
        summarize(results, by=("colour",))


def test_summary_without_a_policy_falls_back_to_the_results(results: list[TicketResult]) -> None:
    assert summarize(results, policy=POLICY) == summarize(results)


def test_the_accumulator_pickles_and_merges(results: list[TicketResult]) -> None:
    first, second = Accumulator(), Accumulator()
    first.update(results[:7])
    second.update(results[7:])
    merged = _roundtrip(first).merge(_roundtrip(second))
    merged.context = first.context
    assert merged.finish() == summarize(results)


# -- merging is exact ---------------------------------------------------------------------------


@st.composite
def _results(draw: st.DrawFn) -> list[TicketResult]:
    policy: Policy = POLICY
    items = draw(st.lists(tickets(policy, max_events=8), max_size=8))
    scheme = policy.survey
    assert scheme is not None
    surveyed = []
    for ticket in items:
        if draw(st.booleans()):
            from slakit.batch import InputTicket

            answers = dict(draw(survey_responses(scheme)))
            values = {name: getattr(ticket, name) for name in ticket.__dataclass_fields__}
            ticket = InputTicket(**values, survey=answers)
        surveyed.append(ticket)
    as_of = draw(st.sampled_from([AS_OF.replace(year=2024), AS_OF, AS_OF.replace(year=2027)]))
    return list(evaluate_many(surveyed, policy, as_of=as_of))


@settings(max_examples=40)
@given(_results(), _results(), st.sampled_from([("month",), ("priority", "week"), ()]), st.integers(0, 3))
def test_merging_partial_summaries_equals_one_summary(
    a: list[TicketResult], b: list[TicketResult], by: tuple[str, ...], limit: int
) -> None:
    # a tiny exact limit makes the quantile sketch take over, which must merge exactly too
    original = distribution_module.EXACT_LIMIT
    distribution_module.EXACT_LIMIT = limit if limit else original
    try:
        left = Accumulator(by, policy=POLICY, as_of=AS_OF).update(a)
        right = _roundtrip(Accumulator(by, policy=POLICY, as_of=AS_OF).update(b))
        merged = left.merge(right).finish()
        whole = Accumulator(by, policy=POLICY, as_of=AS_OF).update(a + b).finish()
        assert merged == whole
        assert merged.to_dict() == whole.to_dict()
    finally:
        distribution_module.EXACT_LIMIT = original


def test_without_any_policy_the_results_still_give_zone_and_calendar(results: list[TicketResult]) -> None:
    bare = [dataclasses.replace(result, policy=None) for result in results]
    data = summarize(bare).to_dict()
    assert data["policy"] is None
    overall = data["overall"]
    assert overall["handling_time"] == OVERALL["handling_time"]  # the calendar comes from the SLA targets
    assert overall["volume_by_week"] == OVERALL["volume_by_week"]  # the zone from the reports
    assert overall["by_type"] == {"技术支持类": 3, "售后服务类": 1, "投诉建议类": 1, "硬件维修": 1}  # no taxonomy
    assert list(overall["satisfaction"]["dimensions"]) == ["attitude", "solved", "speed"]  # no labels
    assert overall["satisfaction"]["csat"] == 0.6667  # the scores carry their threshold


def test_the_summary_notes_unpublished_make_up_workdays_and_the_header_shows_it():
    """The report depends on days up to as_of or a later deadline; past the holiday data's last year of make-up
    workdays it says so (summary.json "notes" and the report header)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from slakit import presets
    from slakit.batch import evaluate_many, summarize
    from slakit.batch.report.definitions import describe_run
    from slakit.sla import Ticket

    policy = presets.load("p1-p3")
    known = policy.sla.default_calendar.makeup_workdays_known_until
    sh = ZoneInfo("Asia/Shanghai")
    note = f"China's make-up workdays after {known} are not published; deadlines may move"
    late = Ticket("T", datetime(known, 12, 31, 17, tzinfo=sh), "P3")  # due in the next year
    summary = summarize(evaluate_many([late], policy, as_of=datetime(known, 12, 31, 18, tzinfo=sh)))
    assert summary.notes == (note,)
    assert summary.to_dict()["notes"] == [note]
    assert describe_run(summary.to_dict()).endswith(f"note: {note}")
    early = Ticket("T", datetime(known, 6, 1, 9, tzinfo=sh), "P1")
    assert summarize(evaluate_many([early], policy, as_of=datetime(known, 6, 1, 10, tzinfo=sh))).notes == ()


# Issue #14: survey timeliness, subjects classified for "by type", priorities by rank


def test_survey_timeliness_rate_and_classified_subjects() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from slakit.batch.records import InputTicket
    from slakit.sla import Event

    sh = ZoneInfo("Asia/Shanghai")

    def ticket(name: str, priority: str, survey_at: datetime | None, subject: str | None) -> InputTicket:
        created = datetime(2025, 9, 1, 9, tzinfo=sh)
        events = (Event(datetime(2025, 9, 1, 10, tzinfo=sh), "resolve"),)
        survey = {"solved": 5, "speed": 5, "attitude": 5} if survey_at is not None else None
        return InputTicket(name, created, priority, events=events, subject=subject, survey=survey, survey_at=survey_at)

    tickets = [
        ticket("A", "P3", datetime(2025, 9, 2, 10, tzinfo=sh), "设备无法启动"),  # on time (24 h exactly)
        ticket("B", "P3", datetime(2025, 9, 2, 11, tzinfo=sh), "软件卡顿"),  # late
        ticket("C", "P1", None, "您好"),  # no survey, due passed: late
        ticket("D", "P2", None, None),
    ]
    summary = summarize(evaluate_many(tickets, POLICY, as_of=datetime(2025, 9, 5, 18, tzinfo=sh)), by=())
    overall = summary.to_dict()["overall"]
    assert overall["survey_timeliness"] == {"on_time": 1, "due": 4, "rate": 0.25, "due_within_hours": 24.0}
    assert overall["classified_from_subject"] == 2  # A and B: the export has no category
    assert overall["by_type"] == {"(none)": 2, "售后服务类": 1, "技术支持类": 1}
    assert overall["by_route"] == {"(none)": 2, "技术支持工程师": 1, "维修工程师": 1}
    assert list(overall["by_priority"]) == ["P1", "P2", "P3"]  # by rank, not by count (P3 has 2)
    assert summary.to_dict()["priorities"] == {
        "P1": {"name": "紧急", "rank": 1},
        "P2": {"name": "重要", "rank": 2},
        "P3": {"name": "一般", "rank": 3},
    }
    assert summary.to_dict()["timezone"] == "Asia/Shanghai"
