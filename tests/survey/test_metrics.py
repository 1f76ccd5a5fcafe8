from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import ConfigError, InvalidSurveyResponseError
from slakit.survey import SurveyScheme, ces, csat, nps

from .conftest import MANUAL


def scores_of(scheme, *triples):
    return [scheme.score(dict(zip(["efficiency", "ability", "attitude"], t, strict=True))) for t in triples]


# --- CSAT ------------------------------------------------------------------------------------------


def test_csat_is_the_share_at_or_above_follow_up_below(manual):
    scores = scores_of(manual, (5, 4, 2), (4, 4, 4), (5, 5, 5), (3, 3, 3))  # 3.67, 4.00, 5.00, 3.00
    assert csat(scores) == Decimal("0.5000")


def test_csat_counts_the_rounded_boundary_as_satisfied():
    scheme = SurveyScheme.from_config({"dimensions": {"a": {"weight": 199}, "b": {"weight": 1}}, "follow_up_below": 4})
    assert csat([scheme.score({"a": 4, "b": 3})]) == 1  # 3.995 -> 4.00
    lower = SurveyScheme.from_config({"dimensions": {"a": {"weight": 497}, "b": {"weight": 3}}, "follow_up_below": 4})
    assert csat([lower.score({"a": 4, "b": 3})]) == 0  # 3.994 -> 3.99


def test_csat_matches_follow_up_flags(manual):
    scores = scores_of(manual, (5, 4, 2), (4, 4, 4), (1, 2, 3))
    satisfied = sum(not score.needs_follow_up for score in scores)
    assert satisfied == 1
    assert csat(scores) == (Decimal(satisfied) / 3).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def test_csat_rounds_half_up_to_four_places(manual):
    satisfied, unhappy = scores_of(manual, (5, 5, 5), (1, 1, 1))
    assert csat([satisfied, satisfied, unhappy]) == Decimal("0.6667")
    assert csat([satisfied] * 5 + [unhappy] * 3) == Decimal("0.6250")


def test_csat_with_an_explicit_threshold(manual):
    scores = scores_of(manual, (5, 4, 2), (4, 4, 4), (5, 5, 5))
    assert csat(scores, threshold=5) == Decimal("0.3333")
    assert csat(scores, threshold="3.67") == 1


def test_csat_needs_a_threshold_from_somewhere():
    scheme = SurveyScheme.from_config({"dimensions": ["x"]})
    scores = [scheme.score({"x": 5})]
    with pytest.raises(ConfigError, match=r"'threshold'.*follow_up_below"):
        csat(scores)
    assert csat(scores, threshold=4) == 1


def test_csat_errors(manual):
    with pytest.raises(ConfigError, match="'scores' must be at least one"):
        csat([])
    with pytest.raises(ConfigError, match="'threshold' must be a number"):
        csat(scores_of(manual, (5, 5, 5)), threshold="high")


def test_csat_accepts_any_iterable(manual):
    assert csat(iter(scores_of(manual, (5, 5, 5)))) == 1


# --- NPS -------------------------------------------------------------------------------------------


def test_nps_contract_example():
    assert nps([10, 9, 8, 6, 0]) == 0  # 40 % promoters - 40 % detractors


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([10, 10], "100.00"),
        ([0, 6], "-100.00"),
        ([7, 8], "0.00"),
        ([9, 7, 7], "33.33"),
        ([6, 7, 7], "-33.33"),
        ([10, 10, 6], "33.33"),
        ([9, 9, 6], "33.33"),
        ([10, 9, 8, 7, 6, 5], "0.00"),
        ([9, 8, 8, 8, 8, 8, 8, 8], "12.50"),
    ],
)
def test_nps(answers, expected):
    assert nps(answers) == Decimal(expected)


def test_nps_rounds_half_away_from_zero():
    assert nps([9] + [8] * 799) == Decimal("0.13")  # 0.125
    assert nps([0] + [8] * 799) == Decimal("-0.13")


@pytest.mark.parametrize("answers", [[9, 10.0, "10", Decimal("9")]])
def test_nps_accepts_whole_numbers_in_any_form(answers):
    assert nps(answers) == 100


@pytest.mark.parametrize("bad", [11, -1, 9.5, True, "ten", None])
def test_nps_refuses_answers_off_the_scale(bad):
    with pytest.raises(InvalidSurveyResponseError) as info:
        nps([10, bad])
    assert repr(bad) in str(info.value)
    assert "whole number from 0 to 10" in str(info.value)


def test_nps_needs_answers():
    with pytest.raises(ConfigError, match="'answers' must be at least one"):
        nps([])


@given(st.lists(st.integers(0, 10), min_size=1))
def test_nps_stays_within_bounds(answers):
    assert Decimal(-100) <= nps(answers) <= Decimal(100)


@given(st.lists(st.integers(0, 10), min_size=1), st.data())
def test_raising_an_nps_answer_never_lowers_nps(answers, data):
    index = data.draw(st.integers(0, len(answers) - 1))
    raised = [*answers]
    raised[index] = data.draw(st.integers(answers[index], 10))
    assert nps(raised) >= nps(answers)


# --- CES -------------------------------------------------------------------------------------------


def test_ces_is_the_mean_on_a_seven_point_scale():
    assert ces([7, 6, 5]) == Decimal("6.00")
    assert ces([7, 6]) == Decimal("6.50")
    assert ces([1, 2, 2]) == Decimal("1.67")


def test_ces_on_a_five_point_scale():
    assert ces([5, 4], scale=(1, 5)) == Decimal("4.50")
    with pytest.raises(InvalidSurveyResponseError, match=r"'ces' must be a whole number from 1 to 5 \(got 6\)"):
        ces([6], scale=(1, 5))


@pytest.mark.parametrize("bad", [0, 8, 6.5, "x"])
def test_ces_refuses_answers_off_the_scale(bad):
    with pytest.raises(InvalidSurveyResponseError, match="from 1 to 7"):
        ces([bad])


def test_ces_errors():
    with pytest.raises(ConfigError, match="'answers'"):
        ces([])
    with pytest.raises(ConfigError, match="'scale'"):
        ces([3], scale=(5, 1))


@given(st.lists(st.integers(1, 7), min_size=1))
def test_ces_stays_within_the_scale(answers):
    assert 1 <= ces(answers) <= 7


def test_metrics_on_the_manual_scheme_from_config():
    scheme = SurveyScheme.from_config(MANUAL)
    assert csat([scheme.score({"efficiency": 4, "ability": 4, "attitude": 4})]) == 1
