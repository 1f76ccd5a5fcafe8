"""One scored survey response: the overall score, the answers and whether it needs follow-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter

from slakit._shapes import SurveyScoreDict, json_ready, read_shape
from slakit.errors import ConfigError
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

    def to_dict(self) -> SurveyScoreDict:
        """JSON-ready data that :meth:`from_dict` reads back: Decimals as strings (``"3.67"``, so no reader
        rounds them through a float), whole-number answers as integers, ``meta`` as JSON data (dates and
        datetimes as ISO 8601 strings, Decimals as strings: they come back as strings). The shape is
        :func:`slakit.schema.survey_score`."""
        meta = json_ready(dict(self.meta), "meta")
        assert isinstance(meta, dict)  # noqa: S101 -- a mapping stays a mapping
        return {
            "overall": _text(self.overall),
            "answers": {
                name: value if isinstance(value, int) else _text(value) for name, value in self.answers.items()
            },
            "needs_follow_up": self.needs_follow_up,
            "follow_up_below": None if self.follow_up_below is None else _text(self.follow_up_below),
            "skipped": list(self.skipped),
            "meta": meta,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SurveyScore:
        """The score :meth:`to_dict` wrote (equal to the original when its ``meta`` was JSON data). The data
        must have the shape of :func:`slakit.schema.survey_score` exactly; a
        :class:`~slakit.errors.ConfigError` names the first field that does not."""
        shape = read_shape(_SHAPE, data, what="survey score")
        below = shape["follow_up_below"]
        return cls(
            _decimal(shape["overall"], "overall"),
            {
                name: value if isinstance(value, int) else _decimal(value, f"answers.{name}")
                for name, value in shape["answers"].items()
            },
            shape["needs_follow_up"],
            None if below is None else _decimal(below, "follow_up_below"),
            tuple(shape["skipped"]),
            shape["meta"],
        )


def _text(value: Decimal) -> str:
    """A Decimal in plain notation (``0.0000001``, never ``1E-7``), which reads back equal."""
    return format(value, "f")


def _decimal(text: str, field: str) -> Decimal:
    """A Decimal written as a string by :meth:`SurveyScore.to_dict` (the shape checked its digits)."""
    try:
        return Decimal(text)
    except ArithmeticError:  # pragma: no cover -- the shape's pattern admits only plain decimals
        raise ConfigError.for_value(field, text, "a decimal number such as '3.67'") from None


_SHAPE: TypeAdapter[SurveyScoreDict] = TypeAdapter(SurveyScoreDict)
