"""A survey scheme: the scale, the weighted dimensions, the follow-up threshold and the sending deadline.

Build one with :meth:`SurveyScheme.from_config` from a mapping, JSON/YAML/TOML text or a file::

    scheme = SurveyScheme.from_config({
        "scale": [1, 5],
        "dimensions": {"efficiency": {"label": "服务效率", "weight": 1}, ...},
        "follow_up_below": 4,
        "due_within": "24h",
    })
    scheme.score({"efficiency": 5, "ability": 4, "attitude": 2}).overall   # Decimal('3.67')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from slakit._config import ConfigSource, config_model
from slakit.durations import DurationInput, parse_duration
from slakit.errors import InvalidSurveyResponseError
from slakit.instants import from_us, require_aware, td_to_us, to_us
from slakit.survey._numbers import Answer, Scale, plain, round_half_up
from slakit.survey.score import SurveyScore

__all__ = ["Dimension", "DimensionConfig", "SurveyScheme", "SurveySchemeConfig"]

_WHAT = "survey scheme"
_RESERVED = "overall"


def _two_places(value: Decimal) -> bool:
    return value * 100 == (value * 100).to_integral_value()


def _due_within(value: Any) -> timedelta:
    return parse_duration(value, field="due_within")


class DimensionConfig(BaseModel):
    """One dimension as configured: ``label`` (defaults to the name) and ``weight`` (above 0, default 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = None
    weight: Decimal = Decimal(1)

    @field_validator("label")
    @classmethod
    def _label_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must be a non-empty label, or left out to use the dimension name")
        return value

    @field_validator("weight")
    @classmethod
    def _weight_positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be a number above 0")
        return value


class SurveySchemeConfig(BaseModel):
    """The validated ``survey`` configuration; embed it in a larger pydantic model to reuse the rules.

    Keys: ``scale`` (``[low, high]``, default ``[1, 5]``), ``dimensions`` (a mapping of name to
    ``{label, weight}``, or a list of names), ``whole_numbers`` (default: true when both ends of the
    scale are whole numbers), ``follow_up_below`` (optional), ``due_within`` (default ``24h``) and
    ``allow_partial`` (default ``false``). Unknown keys are refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    scale: tuple[Decimal, Decimal] = (Decimal(1), Decimal(5))
    dimensions: dict[str, DimensionConfig]
    whole_numbers: bool | None = Field(default=None, validate_default=True)
    follow_up_below: Decimal | None = None
    due_within: Annotated[timedelta, BeforeValidator(_due_within, json_schema_input_type=DurationInput)] = timedelta(
        hours=24
    )
    allow_partial: bool = False

    @field_validator("dimensions", mode="before", json_schema_input_type=dict[str, DimensionConfig | None] | list[str])
    @classmethod
    def _names_or_mapping(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and all(isinstance(name, str) for name in value):
            return {name: {} for name in value}
        if isinstance(value, Mapping):
            return {name: {} if spec is None else spec for name, spec in value.items()}
        return value

    @field_validator("dimensions")
    @classmethod
    def _valid_names(cls, value: dict[str, DimensionConfig]) -> dict[str, DimensionConfig]:
        if not value:
            raise ValueError("must name at least one dimension")
        for name in value:
            if not name.isidentifier() or name == _RESERVED:
                raise ValueError(
                    f"dimension name {name!r} must be an identifier such as 'efficiency' or '服务态度' "
                    f"(letters, digits, underscores; not {_RESERVED!r}, which is the overall score's fact)"
                )
        return value

    @field_validator("scale")
    @classmethod
    def _ordered(cls, value: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
        low, high = value
        if not low < high:
            raise ValueError("must be [low, high] with low below high, such as [1, 5]")
        if not (_two_places(low) and _two_places(high)):
            raise ValueError("must have at most 2 decimal places at each end, like the overall score")
        return value

    @field_validator("whole_numbers")
    @classmethod
    def _whole_if_ends_are(cls, value: bool | None, info: ValidationInfo) -> bool | None:
        scale = info.data.get("scale")
        if scale is None:  # a bad scale is reported on its own
            return value
        ends_whole = all(end == end.to_integral_value() for end in scale)
        if value and not ends_whole:
            raise ValueError(
                f"can only be true when both ends of the scale are whole numbers "
                f"(scale is [{plain(scale[0])}, {plain(scale[1])}])"
            )
        return ends_whole if value is None else value

    @field_validator("follow_up_below")
    @classmethod
    def _within_scale(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        scale = info.data.get("scale")
        if value is None or scale is None:  # a bad scale is reported on its own
            return value
        if not scale[0] <= value <= scale[1]:
            raise ValueError(f"must be a number from {plain(scale[0])} to {plain(scale[1])}, within the scale")
        if not _two_places(value):
            raise ValueError("must have at most 2 decimal places, like the overall score")
        return value


@dataclass(frozen=True, slots=True)
class Dimension:
    """One question of the survey: its ``name`` (the key in answers and facts), ``label`` and ``weight``."""

    name: str
    label: str
    weight: Decimal


@dataclass(frozen=True, slots=True)
class SurveyScheme:
    """How a survey response is scored; build with :meth:`from_config` or :meth:`load`.

    ``SurveyScheme(config)`` takes an already validated :class:`SurveySchemeConfig`.
    """

    config: SurveySchemeConfig = field(hash=False)
    dimensions: Mapping[str, Dimension] = field(init=False, repr=False, compare=False, hash=False)

    def __reduce__(self) -> tuple[type[SurveyScheme], tuple[SurveySchemeConfig]]:
        """Pickle as the config (worker processes rebuild the derived tables)."""
        return (SurveyScheme, (self.config,))

    def __post_init__(self) -> None:
        dimensions = {
            name: Dimension(name=name, label=spec.label or name, weight=spec.weight)
            for name, spec in self.config.dimensions.items()
        }
        object.__setattr__(self, "dimensions", MappingProxyType(dimensions))

    @classmethod
    def from_config(cls, source: ConfigSource | SurveySchemeConfig) -> SurveyScheme:
        """Build a scheme from a mapping, JSON/YAML/TOML text, a path, or a validated config model.

        Malformed configuration raises :class:`~slakit.errors.ConfigError` naming the key, the value
        and what would be accepted.
        """
        return cls(config_model(SurveySchemeConfig, source, what=_WHAT))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SurveyScheme:
        """Build a scheme from a JSON, YAML or TOML file (a plain ``str`` is a path here, not text)."""
        return cls.from_config(Path(path))

    @property
    def scale(self) -> tuple[Decimal, Decimal]:
        """The lowest and highest answer, inclusive."""
        return self.config.scale

    @property
    def whole_numbers(self) -> bool:
        """Whether answers must be whole numbers (``4.5`` refused); else any number on the scale."""
        return bool(self.config.whole_numbers)

    @property
    def follow_up_below(self) -> Decimal | None:
        """An overall strictly below this needs follow-up; ``None`` when the scheme never asks for it."""
        return self.config.follow_up_below

    @property
    def due_within(self) -> timedelta:
        """How long after resolution the survey must be sent (elapsed time, default 24 h)."""
        return self.config.due_within

    @property
    def allow_partial(self) -> bool:
        """Whether unanswered dimensions are left out (weights renormalised) instead of refused."""
        return self.config.allow_partial

    def score(self, answers: Mapping[str, object], *, meta: Mapping[str, Any] | None = None) -> SurveyScore:
        """Score one response, a mapping of dimension name to answer.

        Answers are ints, Decimals, floats or numeric strings; ``None`` or a blank string means
        "not answered". ``meta`` is context kept on the score for grouping (agent, team, resolved_at).
        Raises :class:`~slakit.errors.InvalidSurveyResponseError` naming every bad dimension and value.
        """
        if not isinstance(answers, Mapping):
            raise InvalidSurveyResponseError(
                f"a survey response must be a mapping of dimension to answer (got {answers!r:.80})"
            )
        scale = Scale(*self.scale, whole=self.whole_numbers)
        known = ", ".join(repr(name) for name in self.dimensions)
        problems = [
            f"unknown dimension {name!r} (got {value!r}); expected one of {known}"
            for name, value in answers.items()
            if name not in self.dimensions
        ]
        given: dict[str, Answer] = {}
        skipped: list[str] = []
        for name in self.dimensions:
            value = answers.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                skipped.append(name)
                continue
            try:
                given[name] = scale.read(value, name=name)
            except InvalidSurveyResponseError as exc:
                problems.append(str(exc))
        if not given and not problems:
            raise InvalidSurveyResponseError(
                f"empty survey response: answer {'at least one' if self.allow_partial else 'each'} of "
                f"{known} with {scale.describe()} (got {dict(answers)!r:.80})"
            )
        if not self.allow_partial:
            problems += [f"{name!r} is missing (expected {scale.describe()})" for name in skipped]
        if problems:
            raise InvalidSurveyResponseError("invalid survey response: " + "; ".join(problems))
        overall = round_half_up(self._weighted_mean(given), 2)
        threshold = self.follow_up_below
        return SurveyScore(
            overall=overall,
            answers=given,
            needs_follow_up=threshold is not None and overall < threshold,
            follow_up_below=threshold,
            skipped=tuple(skipped),
            meta=meta or {},
        )

    def _weighted_mean(self, given: Mapping[str, Answer]) -> Fraction:
        weights = {name: Fraction(self.dimensions[name].weight) for name in given}
        total = sum((weights[name] * Fraction(answer) for name, answer in given.items()), Fraction(0))
        return total / sum(weights.values(), Fraction(0))

    def survey_due(self, resolved_at: datetime) -> datetime:
        """When the survey must have been sent: ``resolved_at + due_within`` in elapsed time.

        Computed on the absolute timeline (a DST change does not stretch 24 h to 25) and returned
        in ``resolved_at``'s time zone. A naive datetime raises :class:`~slakit.errors.NaiveDatetimeError`.
        """
        zone = require_aware(resolved_at, "resolved_at").tzinfo
        if zone is None:  # pragma: no cover - require_aware guarantees a zone
            raise AssertionError("aware datetime without tzinfo")
        return from_us(self.survey_due_us(to_us(resolved_at)), zone)

    def survey_due_us(self, resolved_us: int) -> int:
        """:meth:`survey_due` on epoch microseconds (the rule itself: ``resolved + due_within`` elapsed)."""
        return resolved_us + td_to_us(self.due_within)

    def survey_on_time_us(self, resolved_us: int, sent_us: int) -> bool:
        """:meth:`survey_on_time` on epoch microseconds: at or before the due instant counts."""
        return sent_us <= self.survey_due_us(resolved_us)

    def survey_on_time(self, resolved_at: datetime, sent_at: datetime) -> bool:
        """Whether a survey sent at ``sent_at`` met :meth:`survey_due` (at or before it counts)."""
        require_aware(resolved_at, "resolved_at")
        return self.survey_on_time_us(to_us(resolved_at), to_us(require_aware(sent_at, "sent_at")))
