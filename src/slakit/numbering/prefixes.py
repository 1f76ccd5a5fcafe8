"""Which prefix each ticket classification prints: 技术支持类 -> ``TS``, 售后服务类 -> ``SS``.

Hosts keep the map in configuration (JSON, YAML, TOML or a mapping) under ``prefixes``, with an
optional ``fallback`` prefix for unclassified tickets (classification ``None``)::

    fallback = "OT"

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

__all__ = ["DEFAULT_PREFIXES", "Numberers", "PrefixMap"]


class _PrefixConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prefixes: dict[str, str]
    fallback: str | None = None

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


class Numberers(dict[str | None, TicketNumberer]):
    """What :meth:`PrefixMap.numberers` returns: a dict of classification -> numberer that, for an
    unclassified ticket (key ``None``), gives the fallback prefix's numberer, so that
    ``numberers[ticket.classification]`` works for every ticket. An unknown classification raises
    :class:`~slakit.errors.ConfigError` listing the known ones (a typo is not numbered silently)."""

    prefix_map: PrefixMap | None = None
    fallback_numberer: TicketNumberer | None = None

    def __missing__(self, classification: str | None) -> TicketNumberer:
        if classification is None and self.fallback_numberer is not None:
            return self.fallback_numberer
        assert self.prefix_map is not None  # noqa: S101 -- always set by PrefixMap.numberers
        self.prefix_map.prefix_for(classification)  # raises the ConfigError listing the known ones
        raise KeyError(classification)  # pragma: no cover -- prefix_for raised


@dataclass(frozen=True, slots=True)
class PrefixMap(Mapping[str, str]):
    """A read-only map from classification type to ticket-number prefix, with an optional
    ``fallback`` prefix for unclassified tickets (classification ``None``).

    ``PrefixMap({"技术支持类": "TS", "售后服务类": "SS"}).prefix_for("技术支持类") == "TS"``; build it
    from configuration with :meth:`from_config`, or use :data:`DEFAULT_PREFIXES`. Raises
    :class:`~slakit.errors.ConfigError` for an empty map, an empty classification or a bad prefix.
    """

    prefixes: Mapping[str, str]
    fallback: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.prefixes, Mapping) or not self.prefixes:
            raise ConfigError.for_value("prefixes", self.prefixes, "a non-empty mapping of classification to prefix")
        for classification, prefix in self.prefixes.items():
            _check_pair(classification, prefix)
        if self.fallback is not None:
            validate_prefix(self.fallback, field="fallback")
        object.__setattr__(self, "prefixes", MappingProxyType(dict(self.prefixes)))

    @classmethod
    def from_config(cls, source: ConfigSource) -> PrefixMap:
        """Read ``{"prefixes": {classification: prefix, ...}, "fallback": prefix}`` (``fallback`` optional)
        from a mapping, JSON/YAML/TOML text, or a path (a :class:`pathlib.Path` or other path-like: a
        file). A string is always text, as for every ``from_config``; read a file named by a string with
        :meth:`load`."""
        data = load_mapping(source, what="prefix map")
        config = validate(_PrefixConfig, data, what="prefix map")
        return cls(config.prefixes, config.fallback)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PrefixMap:
        """Read a YAML, JSON or TOML file (``PrefixMap.load("numbering.toml")``)."""
        return cls.from_config(Path(path))

    def prefix_for(self, classification: str | None) -> str:
        """The prefix of ``classification``; for ``None`` (an unclassified ticket) the ``fallback``.
        ConfigError listing the known ones when there is none (an unknown name never falls back)."""
        if classification is None and self.fallback is not None:
            return self.fallback
        try:
            return self.prefixes[classification]  # type: ignore[index]  # None is looked up and refused
        except (KeyError, TypeError):
            known = ", ".join(repr(name) for name in self.prefixes)
            also = " (or None, for the fallback)" if self.fallback is not None else ""
            raise ConfigError.for_value("classification", classification, f"one of {known}{also}") from None

    def numberers(
        self,
        *,
        store: SequenceStore | None = None,
        pattern: str = DEFAULT_PATTERN,
        timezone: str | tzinfo = DEFAULT_TIMEZONE,
        reset: Reset = "daily",
        overflow: Overflow = "raise",
        check: CheckMethod = "none",
    ) -> Numberers:
        """One :class:`TicketNumberer` per prefix, all sharing ``store`` (one new memory store when it is
        None) and the other settings; each prefix counts on its own. Classifications with the same prefix
        share one numberer, and so does the fallback (key ``None``) with a classification of its prefix."""
        shared = MemorySequenceStore() if store is None else store
        by_prefix: dict[str, TicketNumberer] = {}

        def numberer(prefix: str) -> TicketNumberer:
            made = by_prefix.get(prefix)
            if made is None:
                made = by_prefix[prefix] = TicketNumberer(
                    prefix,
                    pattern=pattern,
                    timezone=timezone,
                    reset=reset,
                    store=shared,
                    overflow=overflow,
                    check=check,
                )
            return made

        made = Numberers({classification: numberer(prefix) for classification, prefix in self.prefixes.items()})
        made.prefix_map = self
        if self.fallback is not None:
            made.fallback_numberer = numberer(self.fallback)
        return made

    def __getitem__(self, classification: str) -> str:
        return self.prefixes[classification]

    def __iter__(self) -> Iterator[str]:
        return iter(self.prefixes)

    def __len__(self) -> int:
        return len(self.prefixes)

    def __hash__(self) -> int:
        return hash((tuple(self.prefixes.items()), self.fallback))


DEFAULT_PREFIXES: PrefixMap = PrefixMap(
    {
        # p1-p3 and severity (the after-sales template's scheme A): TS and SS are the template's own
        "技术支持类": "TS",
        "售后服务类": "SS",
        "投诉建议类": "CS",
        # four-level (the standardised-response manual's scheme B)
        "咨询类": "IQ",
        "投诉类": "CP",
        "故障类": "FT",
        "建议类": "SG",
        "其他类": "OT",
    },
    fallback="OT",
)
"""A prefix for every type of the shipped presets (TS and SS are the after-sales template's; the others are
English initials: CS complaint/suggestion, IQ inquiry, CP complaint, FT fault, SG suggestion, OT other), and
``OT`` for unclassified tickets, numbered like 其他类 (docs/numbering.md)."""
