import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import InvalidSurveyResponseError
from slakit.survey import SurveyScheme, SurveyScore

from .conftest import MANUAL

ALL_FIVE = {"efficiency": 5, "ability": 5, "attitude": 5}


def two(weights, scale=(1, 5), follow_up_below=4, **extra):
    """A two-dimension scheme with the given weights."""
    return SurveyScheme.from_config(
        {
            "scale": list(scale),
            "dimensions": {"a": {"weight": weights[0]}, "b": {"weight": weights[1]}},
            "follow_up_below": follow_up_below,
            **extra,
        }
    )


# --- the overall score and rounding ----------------------------------------------------------------


def test_unweighted_mean(manual):
    assert manual.score(ALL_FIVE).overall == Decimal("5.00")
    assert manual.score({"efficiency": 4, "ability": 4, "attitude": 5}).overall == Decimal("4.33")
    assert manual.score({"efficiency": 1, "ability": 1, "attitude": 2}).overall == Decimal("1.33")


def test_overall_always_has_two_places(manual):
    assert str(manual.score({"efficiency": 4, "ability": 4, "attitude": 4}).overall) == "4.00"


def test_weights_count(manual):
    scheme = two([3, 1])
    assert scheme.score({"a": 5, "b": 1}).overall == Decimal("4.00")  # (15 + 1) / 4
    assert scheme.score({"a": 1, "b": 5}).overall == Decimal("2.00")
    assert two(["0.5", "1.5"]).score({"a": 5, "b": 3}).overall == Decimal("3.50")


def test_boundary_3995_rounds_up_to_4_and_needs_no_follow_up():
    score = two([199, 1]).score({"a": 4, "b": 3})  # (796 + 3) / 200 = 3.995 exactly
    assert score.overall == Decimal("4.00")
    assert score.needs_follow_up is False


def test_boundary_3994_rounds_down_to_399_and_needs_follow_up():
    score = two([497, 3]).score({"a": 4, "b": 3})  # (1988 + 9) / 500 = 3.994 exactly
    assert score.overall == Decimal("3.99")
    assert score.needs_follow_up is True


@pytest.mark.parametrize(
    ("answer", "overall", "follow_up"),
    [("3.995", "4.00", False), ("3.994", "3.99", True), ("3.9949999", "3.99", True), ("4", "4.00", False)],
)
def test_boundary_on_a_continuous_scale(answer, overall, follow_up):
    scheme = SurveyScheme.from_config({"scale": ["0.5", "5.5"], "dimensions": ["x"], "follow_up_below": 4})
    score = scheme.score({"x": Decimal(answer)})
    assert score.overall == Decimal(overall)
    assert score.needs_follow_up is follow_up


def test_exactly_the_threshold_needs_no_follow_up(manual):
    score = manual.score({"efficiency": 4, "ability": 4, "attitude": 4})
    assert not score.needs_follow_up
    assert score.follow_up_below == 4


def test_negative_scale_rounds_half_away_from_zero():
    scheme = two([1, 1], scale=("-2", "2.5"), follow_up_below=0)
    assert scheme.score({"a": Decimal("-1.005"), "b": Decimal("-1.005")}).overall == Decimal("-1.01")


# --- what counts as an answer ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [5, 5.0, Decimal("5"), Decimal("5.00"), "5", " 5 "])
def test_accepted_forms_of_a_whole_answer(manual, value):
    score = manual.score({**ALL_FIVE, "attitude": value})
    assert score.answers["attitude"] == 5
    assert type(score.answers["attitude"]) is int


def test_whole_numbers_follow_the_scale_ends_unless_set():
    assert SurveyScheme.from_config({"dimensions": ["x"]}).whole_numbers
    assert not SurveyScheme.from_config({"scale": [0, "10.5"], "dimensions": ["x"]}).whole_numbers
    free = SurveyScheme.from_config({"scale": [1, 5], "whole_numbers": False, "dimensions": ["x"]})
    assert free.score({"x": 4.5}).answers["x"] == Decimal("4.5")
    assert free.score({"x": 4}).answers["x"] == 4


def test_continuous_scale_keeps_decimals():
    scheme = SurveyScheme.from_config({"scale": [0, 1], "whole_numbers": False, "dimensions": ["x", "y"]})
    assert not scheme.whole_numbers
    score = scheme.score({"x": 0.35, "y": "0.4"})
    assert score.answers == {"x": Decimal("0.35"), "y": Decimal("0.4")}
    assert score.overall == Decimal("0.38")  # 0.375 half-up


@pytest.mark.parametrize(
    "value",
    [0, 6, -1, 4.5, "4.5", Decimal("3.5"), True, False, "abc", float("nan"), float("inf"), [4], "五"],
)
def test_rejected_answers_name_dimension_value_and_scale(manual, value):
    with pytest.raises(InvalidSurveyResponseError) as info:
        manual.score({**ALL_FIVE, "attitude": value})
    message = str(info.value)
    assert "'attitude'" in message
    assert repr(value) in message
    assert "whole number from 1 to 5" in message


def test_error_is_a_value_error(manual):
    with pytest.raises(ValueError, match="attitude"):
        manual.score({**ALL_FIVE, "attitude": 9})


def test_unknown_dimension_is_named_with_the_known_ones(manual):
    with pytest.raises(InvalidSurveyResponseError) as info:
        manual.score({**ALL_FIVE, "speed": 3})
    message = str(info.value)
    assert "unknown dimension 'speed' (got 3)" in message
    assert "'efficiency', 'ability', 'attitude'" in message


def test_missing_dimension_is_named(manual):
    with pytest.raises(InvalidSurveyResponseError, match=r"'ability' is missing \(expected a whole number"):
        manual.score({"efficiency": 5, "attitude": 5})


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_none_or_blank_counts_as_missing(manual, blank):
    with pytest.raises(InvalidSurveyResponseError, match="'ability' is missing"):
        manual.score({**ALL_FIVE, "ability": blank})


def test_every_problem_is_reported_at_once(manual):
    with pytest.raises(InvalidSurveyResponseError) as info:
        manual.score({"efficiency": 7, "speed": 1, "attitude": 4.5})
    message = str(info.value)
    for fragment in [
        "unknown dimension 'speed'",
        "'efficiency'",
        "(got 7)",
        "(got 4.5)",
        "'ability' is missing",
    ]:
        assert fragment in message


@pytest.mark.parametrize("answers", [{}, {"efficiency": None, "ability": "", "attitude": None}])
def test_empty_response_is_an_error(manual, partial, answers):
    for scheme in (manual, partial):
        with pytest.raises(InvalidSurveyResponseError, match="empty survey response"):
            scheme.score(answers)


def test_a_response_must_be_a_mapping(manual):
    with pytest.raises(InvalidSurveyResponseError, match="mapping of dimension to answer"):
        manual.score([5, 5, 5])


# --- allow_partial ---------------------------------------------------------------------------------


def test_partial_leaves_missing_out_and_renormalises_weights(partial):
    score = partial.score({"efficiency": 5, "attitude": 2})  # weights 2 and 1: (10 + 2) / 3
    assert score.overall == Decimal("4.00")
    assert score.skipped == ("ability",)
    assert dict(score.answers) == {"efficiency": 5, "attitude": 2}
    assert not score.needs_follow_up


def test_partial_with_one_answer_is_that_answer(partial):
    assert partial.score({"ability": 3}).overall == Decimal("3.00")


def test_partial_still_refuses_bad_and_unknown_answers(partial):
    with pytest.raises(InvalidSurveyResponseError, match="'ability'"):
        partial.score({"efficiency": 5, "ability": 0})
    with pytest.raises(InvalidSurveyResponseError, match="unknown dimension 'speed'"):
        partial.score({"efficiency": 5, "speed": 4})


def test_complete_response_has_nothing_skipped(partial):
    assert partial.score(ALL_FIVE).skipped == ()


# --- the score object ------------------------------------------------------------------------------


def test_facts_are_overall_and_each_answered_dimension(manual, partial):
    facts = manual.score({"efficiency": 5, "ability": 4, "attitude": 2}).facts()
    assert dict(facts) == {"overall": Decimal("3.67"), "efficiency": 5, "ability": 4, "attitude": 2}
    assert set(partial.score({"efficiency": 5}).facts()) == {"overall", "efficiency"}


def test_answers_follow_scheme_order(manual):
    score = manual.score({"attitude": 3, "efficiency": 4, "ability": 5})
    assert list(score.answers) == ["efficiency", "ability", "attitude"]


def test_meta_is_kept_read_only(manual):
    meta = {"agent": "wang", "ticket": "TS20240501001"}
    score = manual.score(ALL_FIVE, meta=meta)
    meta["agent"] = "li"
    assert score.meta == {"agent": "wang", "ticket": "TS20240501001"}
    with pytest.raises(TypeError):
        score.meta["agent"] = "li"
    assert manual.score(ALL_FIVE).meta == {}


def test_score_is_an_immutable_hashable_value(manual):
    one = manual.score(ALL_FIVE, meta={"agent": "wang"})
    same = manual.score(dict(ALL_FIVE), meta={"agent": "wang"})
    assert one == same
    assert hash(one) == hash(same)
    assert one != manual.score(ALL_FIVE, meta={"agent": "li"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.overall = Decimal(1)
    with pytest.raises(TypeError):
        one.answers["attitude"] = 1
    with pytest.raises(TypeError):
        one.facts()["overall"] = Decimal(1)
    assert isinstance(one, SurveyScore)


# --- properties ------------------------------------------------------------------------------------

DIMENSIONS = ["d0", "d1", "d2", "d3"]
weights = st.decimals(min_value=Decimal("0.01"), max_value=100, places=2)
scales = st.tuples(st.integers(-10, 10), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1]))


@st.composite
def scheme_and_answers(draw):
    low, high = draw(scales)
    count = draw(st.integers(1, len(DIMENSIONS)))
    names = DIMENSIONS[:count]
    scheme = SurveyScheme.from_config(
        {
            "scale": [low, high],
            "dimensions": {name: {"weight": draw(weights)} for name in names},
            "follow_up_below": draw(st.integers(low, high)),
        }
    )
    answers = {name: draw(st.integers(low, high)) for name in names}
    return scheme, answers


@given(scheme_and_answers())
def test_overall_stays_within_the_scale(case):
    scheme, answers = case
    low, high = scheme.scale
    score = scheme.score(answers)
    assert low <= score.overall <= high
    assert min(answers.values()) <= score.overall <= max(answers.values())
    assert score.needs_follow_up == (score.overall < scheme.follow_up_below)


@given(scheme_and_answers(), st.data())
def test_raising_any_answer_never_lowers_the_overall(case, data):
    scheme, answers = case
    high = int(scheme.scale[1])
    name = data.draw(st.sampled_from(sorted(answers)))
    raised = {**answers, name: data.draw(st.integers(answers[name], high))}
    before, after = scheme.score(answers), scheme.score(raised)
    assert after.overall >= before.overall
    assert not (before.needs_follow_up is False and after.needs_follow_up is True)


@given(
    st.dictionaries(st.sampled_from(["efficiency", "ability", "attitude"]), st.integers(1, 5), min_size=1),
    st.dictionaries(st.sampled_from(["efficiency", "ability", "attitude"]), weights, min_size=3),
)
def test_partial_equals_a_scheme_of_only_the_answered_dimensions(answers, weight_of):
    dims = {name: {"weight": weight_of[name]} for name in ["efficiency", "ability", "attitude"]}
    partial = SurveyScheme.from_config({**MANUAL, "dimensions": dims, "allow_partial": True})
    only = SurveyScheme.from_config({**MANUAL, "dimensions": {name: dims[name] for name in answers}})
    assert partial.score(answers).overall == only.score(answers).overall
