import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from slakit import ConfigError, NaiveDatetimeError
from slakit.survey import SurveyScheme, SurveySummary, month_of, quarter_of, summarize

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def scores(manual):
    def one(efficiency, ability, attitude, **meta):
        return manual.score({"efficiency": efficiency, "ability": ability, "attitude": attitude}, meta=meta)

    return [
        one(5, 4, 2, agent="wang", team="L1", resolved_at=datetime(2024, 5, 3, 10, tzinfo=SHANGHAI)),  # 3.67
        one(5, 5, 5, agent="li", team="L1", resolved_at=datetime(2024, 5, 20, 16, tzinfo=SHANGHAI)),  # 5.00
        one(4, 4, 4, agent="wang", team="L2", resolved_at=datetime(2024, 6, 1, 9, tzinfo=SHANGHAI)),  # 4.00
        one(2, 3, 3, team="L2", resolved_at=datetime(2024, 7, 1, 9, tzinfo=SHANGHAI)),  # 2.67, unassigned
    ]


def test_everything_in_one_summary(scores):
    summary = summarize(scores)
    assert summary == SurveySummary(
        count=4,
        mean_overall=Decimal("3.84"),  # (3.67 + 5 + 4 + 2.67) / 4 = 3.835
        dimensions={"efficiency": Decimal("4.00"), "ability": Decimal("4.00"), "attitude": Decimal("3.50")},
        csat=Decimal("0.5000"),
        follow_ups=2,
    )


def test_by_a_meta_key_keeps_first_appearance_order_and_a_none_group(scores):
    groups = summarize(scores, by="agent")
    assert list(groups) == ["wang", "li", None]
    assert groups["wang"].count == 2
    assert groups["wang"].mean_overall == Decimal("3.84")  # (3.67 + 4.00) / 2 = 3.835
    assert groups["wang"].follow_ups == 1
    assert groups["wang"].csat == Decimal("0.5000")
    assert groups["li"].csat == 1
    assert groups[None].follow_ups == 1


def test_by_several_keys_gives_tuples(scores):
    groups = summarize(scores, by=["team", "agent"])
    assert list(groups) == [("L1", "wang"), ("L1", "li"), ("L2", "wang"), ("L2", None)]


def test_by_month_and_quarter(scores):
    assert {key: s.count for key, s in summarize(scores, by=month_of("resolved_at")).items()} == {
        "2024-05": 2,
        "2024-06": 1,
        "2024-07": 1,
    }
    assert {key: s.count for key, s in summarize(scores, by=quarter_of("resolved_at")).items()} == {
        "2024-Q2": 3,
        "2024-Q3": 1,
    }
    groups = summarize(scores, by=["team", month_of("resolved_at")])
    assert list(groups) == [("L1", "2024-05"), ("L2", "2024-06"), ("L2", "2024-07")]


def test_month_in_a_chosen_zone(manual):
    late = datetime(2024, 5, 31, 23, 30, tzinfo=UTC)  # already 1 June in Shanghai
    score = manual.score({"efficiency": 5, "ability": 5, "attitude": 5}, meta={"resolved_at": late})
    assert list(summarize([score], by=month_of("resolved_at"))) == ["2024-05"]
    assert list(summarize([score], by=month_of("resolved_at", tz=SHANGHAI))) == ["2024-06"]


def test_month_of_dates_and_missing_values(manual):
    answers = {"efficiency": 5, "ability": 5, "attitude": 5}
    dated = manual.score(answers, meta={"day": date(2024, 12, 31)})
    undated = manual.score(answers)
    assert list(summarize([dated, undated], by=month_of("day"))) == ["2024-12", None]
    assert list(summarize([dated], by=quarter_of("day"))) == ["2024-Q4"]


def test_month_of_refuses_other_values_and_naive_with_tz(manual):
    answers = {"efficiency": 5, "ability": 5, "attitude": 5}
    with pytest.raises(ConfigError, match="'day' must be a date or datetime"):
        summarize([manual.score(answers, meta={"day": "2024-05-01"})], by=month_of("day"))
    naive = manual.score(answers, meta={"at": datetime(2024, 5, 1, 9)})
    with pytest.raises(NaiveDatetimeError):
        summarize([naive], by=month_of("at", tz=SHANGHAI))


def test_by_a_function(scores):
    groups = summarize(scores, by=lambda score: score.needs_follow_up)
    assert {key: s.count for key, s in groups.items()} == {True: 2, False: 2}


def test_dimension_means_cover_only_the_responses_that_answered(partial):
    scores = [partial.score({"efficiency": 5, "attitude": 3}), partial.score({"ability": 2, "attitude": 4})]
    summary = summarize(scores)
    assert summary.dimensions == {"efficiency": Decimal("5.00"), "attitude": Decimal("3.50"), "ability": 2}


def test_csat_is_none_without_a_threshold_unless_given():
    scheme = SurveyScheme.from_config({"dimensions": ["x"]})
    scores = [scheme.score({"x": 5}), scheme.score({"x": 3})]
    assert summarize(scores).csat is None
    assert summarize(scores, threshold=4).csat == Decimal("0.5000")
    assert summarize(scores).follow_ups == 0


def test_empty_input(manual):
    empty = summarize([])
    assert empty == SurveySummary(count=0, mean_overall=None, dimensions={}, csat=None, follow_ups=0)
    assert summarize([], by="agent") == {}


@pytest.mark.parametrize("by", [5, [], [5]])
def test_bad_by_is_a_config_error(scores, by):
    with pytest.raises(ConfigError, match="'by'"):
        summarize(scores, by=by)


def test_unhashable_group_key_is_a_config_error(manual):
    score = manual.score({"efficiency": 5, "ability": 5, "attitude": 5}, meta={"tags": ["vip"]})
    with pytest.raises(ConfigError, match=r"'by' must be a hashable group key .*\(got \['vip'\]\)"):
        summarize([score], by="tags")


def test_summary_is_immutable(scores):
    summary = summarize(scores)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.count = 0
    with pytest.raises(TypeError):
        summary.dimensions["attitude"] = Decimal(5)
