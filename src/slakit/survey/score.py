"""One scored survey response: the overall score, the answers and whether it needs follow-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from slakit.survey._numbers import Answer

__all__ = ["SurveyScore"]


@dataclass(frozen=True, slots=True)
class SurveyScore:
    """A survey response as scored by :meth:`SurveyScheme.score <slakit.survey.SurveyScheme.score>`.

    ``overall`` is the weighted mean of the answered dimensions, a Decimal rounded half-up to two
    places; ``needs_follow_up`` is ``overall < follow_up_below`` on that rounded value. ``answers``
    holds each answered dimension in scheme order (``int`` on a whole-number scale); dimensions left
    out of a partial response are listed in ``skipped``. ``meta`` is whatever context the host attached
    (agent, team, ticket, resolved_at) and is what :func:`~slakit.survey.summarize` groups by.
    """

    overall: Decimal
    answers: Mapping[str, Answer] = field(hash=False)
    needs_follow_up: bool
    follow_up_below: Decimal | None = None
    skipped: tuple[str, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    def __reduce__(self) -> tuple[type[SurveyScore], tuple[Any, ...]]:
        """Pickle with plain dicts (a read-only mapping view does not pickle)."""
        fields = (self.overall, dict(self.answers), self.needs_follow_up, self.follow_up_below, self.skipped)
        return (SurveyScore, (*fields, dict(self.meta)))

    def facts(self) -> Mapping[str, Decimal | int]:
        """The facts escalation rules read under ``survey.``: ``overall`` and each answered dimension."""
        return MappingProxyType({"overall": self.overall, **self.answers})
