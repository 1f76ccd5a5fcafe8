"""Which prefix each ticket classification prints: 技术支持类 -> ``TS``, 售后服务类 -> ``SS``.

Hosts keep the map in configuration (JSON, YAML, TOML or a mapping) under ``prefixes``::

    [prefixes]
    "技术支持类" = "TS"
    "售后服务类" = "SS"
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, field_validator

from slakit._config import ConfigSource, load_mapping, validate
from slakit.errors import ConfigError
from slakit.numbering.check_digits import CheckMethod
from slakit.numbering.numberer import DEFAULT_TIMEZONE, Overflow, Reset, TicketNumberer
from slakit.numbering.pattern import DEFAULT_PATTERN, validate_prefix
from slakit.numbering.stores import MemorySequenceStore, SequenceStore

__all__ = ["DEFAULT_PREFIXES", "PrefixMap"]


class _PrefixConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prefixes: dict[str, str]

    @field_validator("prefixes")
    @classmethod
    def _check(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("'prefixes' must map at least one classification to a prefix (got {})")
        for classification, prefix in value.items():
            _check_pair(classification, prefix)
        return value


def _check_pair(classification: object, prefix: object) -> None:
    if not isinstance(classification, str) or not classification.strip():
        raise ConfigError.for_value("classification", classification, "a non-empty string such as '技术支持类'")
    validate_prefix(prefix, field=f"prefixes.{classification}")


@dataclass(frozen=True, slots=True)
class PrefixMap(Mapping[str, str]):
    """A read-only map from classification type to ticket-number prefix.

    ``PrefixMap({"技术支持类": "TS", "售后服务类": "SS"}).prefix_for("技术支持类") == "TS"``; build it
    from configuration with :meth:`from_config`, or use :data:`DEFAULT_PREFIXES`. Raises
    :class:`~slakit.errors.ConfigError` for an empty map, an empty classification or a bad prefix.
    """

    prefixes: Mapping[str, str]

    def __post_init__(self) -> None:
        if not isinstance(self.prefixes, Mapping) or not self.prefixes:
            raise ConfigError.for_value("prefixes", self.prefixes, "a non-empty mapping of classification to prefix")
        for classification, prefix in self.prefixes.items():
            _check_pair(classification, prefix)
        object.__setattr__(self, "prefixes", MappingProxyType(dict(self.prefixes)))

    @classmethod
    def from_config(cls, source: ConfigSource) -> PrefixMap:
        """Read ``{"prefixes": {classification: prefix, ...}}`` from a mapping, JSON/YAML/TOML text, or a
        path (a :class:`pathlib.Path` or other path-like: a file). A string is always text, as for every
        ``from_config``; read a file named by a string with :meth:`load`."""
        data = load_mapping(source, what="prefix map")
        return cls(validate(_PrefixConfig, data, what="prefix map").prefixes)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PrefixMap:
        """Read a YAML, JSON or TOML file (``PrefixMap.load("numbering.toml")``)."""
        return cls.from_config(Path(path))

    def prefix_for(self, classification: str) -> str:
        """The prefix of ``classification``; ConfigError listing the known ones when there is none."""
        try:
            return self.prefixes[classification]
        except (KeyError, TypeError):
            known = ", ".join(repr(name) for name in self.prefixes)
            raise ConfigError.for_value("classification", classification, f"one of {known}") from None

    def numberers(
        self,
        *,
        store: SequenceStore | None = None,
        pattern: str = DEFAULT_PATTERN,
        timezone: str | tzinfo = DEFAULT_TIMEZONE,
        reset: Reset = "daily",
        overflow: Overflow = "raise",
        check: CheckMethod = "none",
    ) -> dict[str, TicketNumberer]:
        """One :class:`TicketNumberer` per classification, all sharing ``store`` (one new memory store
        when it is None) and the other settings; each counts on its own because its prefix differs."""
        shared = MemorySequenceStore() if store is None else store
        return {
            classification: TicketNumberer(
                prefix,
                pattern=pattern,
                timezone=timezone,
                reset=reset,
                store=shared,
                overflow=overflow,
                check=check,
            )
            for classification, prefix in self.prefixes.items()
        }

    def __getitem__(self, classification: str) -> str:
        return self.prefixes[classification]

    def __iter__(self) -> Iterator[str]:
        return iter(self.prefixes)

    def __len__(self) -> int:
        return len(self.prefixes)

    def __hash__(self) -> int:
        return hash(tuple(self.prefixes.items()))


DEFAULT_PREFIXES: PrefixMap = PrefixMap({"技术支持类": "TS", "售后服务类": "SS"})
"""The two classifications every support team starts with: technical support and after-sales service."""
