"""Aggregating scored responses for the monthly report: count, means, CSAT and follow-ups per group.

Groups come from the ``meta`` a host attaches when scoring
(``scheme.score(answers, meta={"agent": "wang", "team": "L2", "resolved_at": ...})``)::

    summarize(scores)                                  # one SurveySummary for everything
    summarize(scores, by="agent")                      # {"wang": SurveySummary, ...}
    summarize(scores, by=["team", month_of("resolved_at")])   # {("L2", "2024-05"): ...}
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, TypeAlias, overload

from slakit.errors import ConfigError
from slakit.instants import require_aware
from slakit.survey._numbers import mean, round_half_up
from slakit.survey.metrics import csat
from slakit.survey.score import SurveyScore

__all__ = ["GroupKey", "SurveySummary", "month_of", "quarter_of", "summarize"]

KeyPart: TypeAlias = str | Callable[[SurveyScore], Hashable]
GroupKey: TypeAlias = KeyPart | Sequence[KeyPart]
"""What ``by`` accepts: a meta key name, a function of the score, or a list of those (tuple keys)."""


@dataclass(frozen=True, slots=True)
class SurveySummary:
    """The figures for one group of responses.

    ``mean_overall`` and each ``dimensions`` mean are rounded half-up to 2 places; a dimension's mean
    covers the responses that answered it. ``csat`` is as :func:`~slakit.survey.csat` computes it, or
    ``None`` when the group is empty or no threshold is known. ``follow_ups`` counts responses that
    need follow-up.
    """

    count: int
    mean_overall: Decimal | None
    dimensions: Mapping[str, Decimal] = field(hash=False)
    csat: Decimal | None
    follow_ups: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", MappingProxyType(dict(self.dimensions)))


@overload
def summarize(
    scores: Iterable[SurveyScore], by: None = None, *, threshold: Decimal | int | None = None
) -> SurveySummary: ...
@overload
def summarize(
    scores: Iterable[SurveyScore], by: GroupKey, *, threshold: Decimal | int | None = None
) -> dict[Any, SurveySummary]: ...
def summarize(
    scores: Iterable[SurveyScore], by: GroupKey | None = None, *, threshold: Decimal | int | None = None
) -> SurveySummary | dict[Any, SurveySummary]:
    """Summarise responses, in one group (``by=None``) or grouped by ``by``.

    ``by`` is a ``meta`` key (``"agent"``), a function of the score (``month_of("resolved_at")``,
    ``lambda s: s.overall >= 4``), or a list of those for a tuple key. A score without the meta key
    falls in the ``None`` group, as an unassigned ticket would. Groups keep the order in which they
    first appear. ``threshold`` is passed to :func:`~slakit.survey.csat`.
    """
    if by is None:
        return _summary(list(scores), threshold)
    key = _key_function(by)
    groups: dict[Any, list[SurveyScore]] = {}
    for score in scores:
        value = key(score)
        try:
            groups.setdefault(value, []).append(score)
        except TypeError:
            expected = "a hashable group key (str, number, date, tuple)"
            raise ConfigError.for_value("by", value, expected) from None
    return {value: _summary(members, threshold) for value, members in groups.items()}


def month_of(field_name: str, *, tz: tzinfo | None = None) -> Callable[[SurveyScore], str | None]:
    """A ``by`` key giving the ``"YYYY-MM"`` month of the date or datetime in ``meta[field_name]``.

    With ``tz`` the (aware) datetime is first converted to that zone, so a ticket resolved at
    23:30 UTC on 31 May counts in June for Asia/Shanghai. A missing value gives ``None``.
    """
    return _period(field_name, tz, lambda day: f"{day.year:04d}-{day.month:02d}")


def quarter_of(field_name: str, *, tz: tzinfo | None = None) -> Callable[[SurveyScore], str | None]:
    """A ``by`` key giving the ``"YYYY-Qn"`` quarter of ``meta[field_name]``; see :func:`month_of`."""
    return _period(field_name, tz, lambda day: f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}")


def _period(field_name: str, tz: tzinfo | None, label: Callable[[date], str]) -> Callable[[SurveyScore], str | None]:
    def key(score: SurveyScore) -> str | None:
        value = score.meta.get(field_name)
        if value is None:
            return None
        if isinstance(value, datetime):
            if tz is not None:
                value = require_aware(value, field_name).astimezone(tz)
            return label(value.date())
        if isinstance(value, date):
            return label(value)
        raise ConfigError.for_value(field_name, value, "a date or datetime in the score's meta")

    return key


def _key_function(by: GroupKey) -> Callable[[SurveyScore], Hashable]:
    if isinstance(by, str) or callable(by):
        return _part(by)
    if isinstance(by, Sequence) and by:
        parts = [_part(part) for part in by]
        return lambda score: tuple(part(score) for part in parts)
    raise ConfigError.for_value("by", by, "a meta key, a function of the score, or a list of those")


def _part(part: KeyPart) -> Callable[[SurveyScore], Hashable]:
    if isinstance(part, str):
        return lambda score: score.meta.get(part)
    if callable(part):
        return part
    raise ConfigError.for_value("by", part, "a meta key or a function of the score")


def _summary(scores: list[SurveyScore], threshold: Decimal | int | None) -> SurveySummary:
    if not scores:
        return SurveySummary(count=0, mean_overall=None, dimensions={}, csat=None, follow_ups=0)
    answered: dict[str, list[Fraction]] = {}
    for score in scores:
        for name, answer in score.answers.items():
            answered.setdefault(name, []).append(Fraction(answer))
    known = threshold is not None or all(score.follow_up_below is not None for score in scores)
    return SurveySummary(
        count=len(scores),
        mean_overall=round_half_up(mean([Fraction(score.overall) for score in scores]), 2),
        dimensions={name: round_half_up(mean(values), 2) for name, values in answered.items()},
        csat=csat(scores, threshold=threshold) if known else None,
        follow_ups=sum(1 for score in scores if score.needs_follow_up),
    )
