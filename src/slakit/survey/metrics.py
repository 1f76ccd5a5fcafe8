"""The three satisfaction metrics support teams report: CSAT, NPS and CES.

Every result is an exact Decimal rounded half-up: CSAT as a fraction to 4 places (``0.6667``),
NPS and CES as scores to 2 places.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from slakit.errors import ConfigError
from slakit.survey._numbers import Scale, mean, round_half_up, to_decimal
from slakit.survey.score import SurveyScore

__all__ = ["ces", "csat", "nps"]

_NPS_SCALE = Scale(Decimal(0), Decimal(10), whole=True)


def csat(scores: Iterable[SurveyScore], *, threshold: Decimal | int | str | None = None) -> Decimal:
    """Customer satisfaction: the share of responses whose overall is at or above the threshold.

    The threshold is ``threshold`` when given, else each response's scheme ``follow_up_below``, so a
    response counts as satisfied exactly when it needs no follow-up (the manuals' "4 of 5").
    Returns a fraction from 0 to 1, rounded half-up to 4 places. No responses, or no threshold from
    either source, raises :class:`~slakit.errors.ConfigError`.
    """
    items = list(scores)
    if not items:
        raise ConfigError.for_value("scores", items, "at least one scored survey response")
    fixed = _threshold(threshold)
    satisfied = 0
    for score in items:
        limit = fixed if fixed is not None else score.follow_up_below
        if limit is None:
            raise ConfigError.for_value(
                "threshold", threshold, "a number, since the survey scheme sets no 'follow_up_below'"
            )
        satisfied += score.overall >= limit
    return round_half_up(Fraction(satisfied, len(items)), 4)


def nps(answers: Iterable[object]) -> Decimal:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6), from -100 to 100, 2 places.

    Each answer is a whole number from 0 to 10 (ints, integral Decimals/floats or numeric strings);
    anything else raises :class:`~slakit.errors.InvalidSurveyResponseError`. No answers raise
    :class:`~slakit.errors.ConfigError`.
    """
    values = [_NPS_SCALE.read(answer, name="nps") for answer in answers]
    if not values:
        raise ConfigError.for_value("answers", values, "at least one answer from 0 to 10")
    promoters = sum(1 for value in values if value >= 9)
    detractors = sum(1 for value in values if value <= 6)
    return round_half_up(Fraction(100 * (promoters - detractors), len(values)), 2)


def ces(answers: Iterable[object], *, scale: tuple[int, int] = (1, 7)) -> Decimal:
    """Customer effort score: the mean answer, rounded half-up to 2 places.

    The default is CES 2.0: "The company made it easy for me to handle my issue", answered on a
    1-7 agreement scale, so higher means less effort. Pass ``scale=(1, 5)`` for a five-point survey;
    on the older "how much effort" wording a lower mean is better. Answers outside ``scale`` raise
    :class:`~slakit.errors.InvalidSurveyResponseError`; no answers raise ConfigError.
    """
    low, high = (to_decimal(end) for end in scale)
    if low is None or high is None or not low < high:
        raise ConfigError.for_value("scale", scale, "(low, high) numbers with low below high")
    checked = Scale(low, high, whole=True)
    values = [Fraction(checked.read(answer, name="ces")) for answer in answers]
    if not values:
        raise ConfigError.for_value("answers", values, f"at least one answer, {checked.describe()}")
    return round_half_up(mean(values), 2)


def _threshold(value: Decimal | int | str | None) -> Decimal | None:
    if value is None:
        return None
    number = to_decimal(value)
    if number is None:
        raise ConfigError.for_value("threshold", value, "a number such as 4")
    return number
