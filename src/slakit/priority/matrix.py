"""The impact x urgency matrix (ITIL style): which priority a ticket gets from two ordered scales.

Build one with :meth:`PriorityMatrix.from_config` from a mapping, JSON/YAML/TOML text or a file::

    matrix = PriorityMatrix.from_config({
        "impact": ["high", "medium", "low"],          # most severe first
        "urgency": ["high", "medium", "low"],
        "matrix": {                                   # impact -> urgency -> priority code
            "high": {"high": "P1", "medium": "P1", "low": "P2"},
            "medium": {"high": "P1", "medium": "P2", "low": "P3"},
            "low": {"high": "P2", "medium": "P3", "low": "P3"},
        },
    })
    matrix.priority_for("medium", "high")   # 'P1'

A policy embeds the same shape under its ``priority_matrix`` key (see docs/presets.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from slakit._config import ConfigSource, config_model
from slakit.errors import ConfigError

__all__ = ["PriorityMatrix", "PriorityMatrixConfig"]

_WHAT = "priority matrix"


def _one_of(labels: Iterable[str]) -> str:
    return "one of " + ", ".join(labels)


def _check_labels(axis: str, labels: tuple[str, ...]) -> tuple[str, ...]:
    if not labels:
        raise ValueError(f"{axis!r} must list at least one label, most severe first (got [])")
    seen: set[str] = set()
    for index, label in enumerate(labels):
        if not label.strip() or label != label.strip():
            raise ValueError(f"'{axis}[{index}]' must be a non-empty label without surrounding spaces (got {label!r})")
        if label in seen:
            raise ValueError(f"'{axis}[{index}]' must be a label not listed before (got {label!r} twice)")
        seen.add(label)
    return labels


class PriorityMatrixConfig(BaseModel):
    """The validated ``priority_matrix`` configuration; embed it in a larger pydantic model to reuse it.

    Keys: ``impact`` and ``urgency`` (ordered lists of labels, most severe first) and ``matrix``
    (impact label -> urgency label -> priority code), with exactly one cell for every impact x
    urgency pair. Unknown keys, unknown or missing labels and blank codes are refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    impact: tuple[str, ...]
    urgency: tuple[str, ...]
    matrix: dict[str, dict[str, str]]

    @field_validator("impact")
    @classmethod
    def _impact_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_labels("impact", value)

    @field_validator("urgency")
    @classmethod
    def _urgency_labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_labels("urgency", value)

    @field_validator("matrix")
    @classmethod
    def _every_cell(cls, value: dict[str, dict[str, str]], info: ValidationInfo) -> dict[str, dict[str, str]]:
        impact: tuple[str, ...] | None = info.data.get("impact")
        urgency: tuple[str, ...] | None = info.data.get("urgency")
        if impact is None or urgency is None:  # a bad axis is reported on its own
            return value
        for row in value:
            if row not in impact:
                raise ValueError(f"'matrix' rows must be impact labels, {_one_of(impact)} (got {row!r})")
        missing_rows = [label for label in impact if label not in value]
        if missing_rows:
            raise ValueError(
                f"'matrix' must have a row for every impact, {_one_of(impact)} "
                f"(missing {', '.join(map(repr, missing_rows))})"
            )
        for row, cells in value.items():
            for column, code in cells.items():
                if column not in urgency:
                    raise ValueError(f"'matrix.{row}' keys must be urgency labels, {_one_of(urgency)} (got {column!r})")
                if not code.strip() or code != code.strip():
                    raise ValueError(f"'matrix.{row}.{column}' must be a priority code such as 'P1' (got {code!r})")
            missing = [label for label in urgency if label not in cells]
            if missing:
                raise ValueError(
                    f"'matrix.{row}' must have a priority for every urgency, {_one_of(urgency)} "
                    f"(missing {', '.join(map(repr, missing))})"
                )
        return value


@dataclass(frozen=True, slots=True)
class PriorityMatrix:
    """Impact x urgency -> priority code; build with :meth:`from_config` or :meth:`load`.

    ``PriorityMatrix(config)`` takes an already validated :class:`PriorityMatrixConfig`. Labels are
    matched exactly (case and spaces count), as configured.
    """

    config: PriorityMatrixConfig = field(hash=False)
    _cells: Mapping[tuple[str, str], str] = field(init=False, repr=False, compare=False, hash=False)

    def __reduce__(self) -> tuple[type[PriorityMatrix], tuple[PriorityMatrixConfig]]:
        """Pickle as the config (worker processes rebuild the derived tables)."""
        return (PriorityMatrix, (self.config,))

    def __post_init__(self) -> None:
        cells = {(impact, urgency): code for impact, row in self.config.matrix.items() for urgency, code in row.items()}
        object.__setattr__(self, "_cells", MappingProxyType(cells))

    @classmethod
    def from_config(cls, source: ConfigSource | PriorityMatrixConfig) -> PriorityMatrix:
        """Build a matrix from a mapping, JSON/YAML/TOML text, a path, or a validated config model.

        The mapping is the body of a policy's ``priority_matrix`` key (``impact``, ``urgency``,
        ``matrix``). Malformed configuration raises :class:`~slakit.errors.ConfigError` naming the
        key, the value and what would be accepted.
        """
        return cls(config_model(PriorityMatrixConfig, source, what=_WHAT))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PriorityMatrix:
        """Build a matrix from a JSON, YAML or TOML file (a plain ``str`` is a path here, not text)."""
        return cls.from_config(Path(path))

    @property
    def impact(self) -> tuple[str, ...]:
        """The impact labels, most severe first."""
        return self.config.impact

    @property
    def urgency(self) -> tuple[str, ...]:
        """The urgency labels, most severe first."""
        return self.config.urgency

    @property
    def codes(self) -> tuple[str, ...]:
        """Every priority code the matrix can give, in order of first appearance (row by row)."""
        return tuple(dict.fromkeys(self._cells[(i, u)] for i in self.impact for u in self.urgency))

    def priority_for(self, impact: str, urgency: str) -> str:
        """The priority code for ``impact`` and ``urgency``.

        An unknown label raises :class:`~slakit.errors.ConfigError` (a ``ValueError``) such as
        ``'impact' must be one of high, medium, low (got 'huge')``.
        """
        try:
            return self._cells[(impact, urgency)]
        except (KeyError, TypeError):
            pass
        if impact not in self.config.impact:
            raise ConfigError.for_value("impact", impact, _one_of(self.config.impact))
        raise ConfigError.for_value("urgency", urgency, _one_of(self.config.urgency))

    def validate_codes(self, known: Iterable[str]) -> None:
        """Check that every cell names one of the ``known`` priority codes (a policy's priorities).

        Raises :class:`~slakit.errors.ConfigError` for the first cell, row by row, that does not,
        e.g. ``'matrix.high.low' must be one of P1, P2, P3 (got 'P4')`` with ``path`` set to
        ``matrix.high.low``.
        """
        allowed = list(dict.fromkeys(known))
        allowed_set = set(allowed)
        for impact in self.impact:
            for urgency in self.urgency:
                code = self._cells[(impact, urgency)]
                if code not in allowed_set:
                    raise ConfigError.for_value(f"matrix.{impact}.{urgency}", code, _one_of(allowed))
