"""The classification taxonomy: ticket types, each with its subtypes, and the categories they make.

A *category* is a type (``投诉建议类``) or a type and one of its subtypes joined by ``/``
(``技术支持类/软件故障排查``). The taxonomy is the ``types`` part of a policy's ``classification``
section::

    types:
      技术支持类: {code: technical, subtypes: [功能咨询, 操作指导, 软件故障排查]}
      售后服务类: {code: after_sales, subtypes: [硬件维修, 退换货, 安装调试]}
      其他类: {code: other}
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from slakit._config import ConfigSource, config_model
from slakit.errors import ConfigError

__all__ = ["SEPARATOR", "Category", "Taxonomy", "TaxonomyConfig", "TicketType", "TypeConfig"]

SEPARATOR = "/"
"""Joins a type and a subtype into a category path: ``技术支持类/软件故障排查``."""

_WHAT = "taxonomy"


def _check_name(field_name: str, value: str, what: str) -> None:
    if not value.strip() or value != value.strip() or SEPARATOR in value:
        raise ValueError(
            f"{field_name!r} must be a non-empty {what} without surrounding spaces or {SEPARATOR!r} (got {value!r})"
        )


class TypeConfig(BaseModel):
    """One ticket type as configured: ``code`` (an English code; defaults to the type's name),
    ``subtypes`` (names, default none) and ``route`` (the role its tickets are dispatched to, such as
    ``support_engineer``; default none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str | None = None
    subtypes: tuple[str, ...] = ()
    route: str | None = None


class TaxonomyConfig(BaseModel):
    """The validated ``types`` of a classification: type name -> ``{code, subtypes}``.

    Type names, codes and subtypes must be non-empty, without surrounding spaces or ``/``; type
    names and codes are unique, and so are the subtypes of one type (two types may share a subtype
    name: the category path tells them apart). A type may be written with no settings
    (``其他类:``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    types: dict[str, TypeConfig]

    @field_validator("types", mode="before", json_schema_input_type=dict[str, TypeConfig | None])
    @classmethod
    def _type_without_settings(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {name: {} if spec is None else spec for name, spec in value.items()}
        return value

    @field_validator("types")
    @classmethod
    def _valid_types(cls, value: dict[str, TypeConfig]) -> dict[str, TypeConfig]:
        if not value:
            raise ValueError("'types' must name at least one ticket type (got {})")
        codes: dict[str, str] = {}
        for name, spec in value.items():
            _check_name("types", name, "type name")
            code = name if spec.code is None else spec.code
            _check_name(f"types.{name}.code", code, "code such as 'technical'")
            if code in codes:
                raise ValueError(
                    f"'types.{name}.code' must be unique (got {code!r}, already the code of {codes[code]!r})"
                )
            codes[code] = name
            if spec.route is not None:
                _check_name(f"types.{name}.route", spec.route, "role such as 'support_engineer'")
            seen: set[str] = set()
            for index, subtype in enumerate(spec.subtypes):
                _check_name(f"types.{name}.subtypes[{index}]", subtype, "subtype name")
                if subtype in seen:
                    raise ValueError(
                        f"'types.{name}.subtypes[{index}]' must be a subtype not listed before (got {subtype!r} twice)"
                    )
                seen.add(subtype)
        return value


@dataclass(frozen=True, slots=True)
class TicketType:
    """One ticket type: its ``name`` (``技术支持类``), English ``code``, ``subtypes`` in order and the
    ``route`` its tickets are dispatched to (None when the policy names none)."""

    name: str
    code: str
    subtypes: tuple[str, ...]
    route: str | None = None


@dataclass(frozen=True, slots=True)
class Category:
    """A place in the taxonomy: a ``type`` alone or a ``type`` and one of its ``subtype`` s.

    ``code`` is the type's English code and ``route`` its type's dispatch role (None when not set);
    :attr:`path` is how configs and reports name the category.
    """

    type: str
    subtype: str | None
    code: str
    route: str | None = None

    @property
    def path(self) -> str:
        """``type`` or ``type/subtype``, e.g. ``技术支持类/软件故障排查``."""
        return self.type if self.subtype is None else f"{self.type}{SEPARATOR}{self.subtype}"

    @property
    def is_subtype(self) -> bool:
        """Whether the category names a subtype (more specific than its type alone)."""
        return self.subtype is not None

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The ticket types and their subtypes; build with :meth:`from_config` or :meth:`load`.

    ``Taxonomy(config)`` takes an already validated :class:`TaxonomyConfig` (a
    :class:`~slakit.priority.ClassificationConfig` is one too). Iterating yields every
    :class:`Category`: each type followed by its subtypes, in configuration order.
    """

    config: TaxonomyConfig = field(hash=False)
    types: Mapping[str, TicketType] = field(init=False, repr=False, compare=False, hash=False)
    _categories: Mapping[str, Category] = field(init=False, repr=False, compare=False, hash=False)

    def __reduce__(self) -> tuple[type[Taxonomy], tuple[TaxonomyConfig]]:
        """Pickle as the config (worker processes rebuild the derived tables)."""
        return (Taxonomy, (self.config,))

    def __post_init__(self) -> None:
        types: dict[str, TicketType] = {}
        categories: dict[str, Category] = {}
        for name, spec in self.config.types.items():
            code = name if spec.code is None else spec.code
            types[name] = TicketType(name=name, code=code, subtypes=spec.subtypes, route=spec.route)
            for subtype in (None, *spec.subtypes):
                category = Category(type=name, subtype=subtype, code=code, route=spec.route)
                categories[category.path] = category
        object.__setattr__(self, "types", MappingProxyType(types))
        object.__setattr__(self, "_categories", MappingProxyType(categories))

    @classmethod
    def from_config(cls, source: ConfigSource | TaxonomyConfig) -> Taxonomy:
        """Build a taxonomy from a mapping ``{"types": {...}}``, JSON/YAML/TOML text, a path, or a
        validated config model (pass a whole ``classification`` section to
        :meth:`Classifier.from_config <slakit.priority.Classifier.from_config>` instead and use its
        ``taxonomy``). Malformed configuration raises :class:`~slakit.errors.ConfigError`.
        """
        return cls(config_model(TaxonomyConfig, source, what=_WHAT))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Taxonomy:
        """Build a taxonomy from a JSON, YAML or TOML file (a plain ``str`` is a path here, not text)."""
        return cls.from_config(Path(path))

    @property
    def paths(self) -> tuple[str, ...]:
        """Every category path: each type followed by its ``type/subtype`` paths, in order."""
        return tuple(self._categories)

    def category(self, path: str) -> Category:
        """The category named ``path`` (``type`` or ``type/subtype``).

        An unknown path raises :class:`~slakit.errors.ConfigError` naming the value and listing
        the accepted paths.
        """
        try:
            return self._categories[path]
        except (KeyError, TypeError):
            raise ConfigError.for_value("category", path, self.accepted()) from None

    def accepted(self) -> str:
        """What a category may be, for messages: ``one of 技术支持类, 技术支持类/功能咨询, ...``."""
        return "one of " + ", ".join(self._categories)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and path in self._categories

    def __iter__(self) -> Iterator[Category]:
        return iter(self._categories.values())

    def __len__(self) -> int:
        return len(self._categories)
