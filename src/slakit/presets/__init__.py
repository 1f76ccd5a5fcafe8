"""Policies shipped with slakit, as data files in this package (see docs/presets.md)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from slakit.errors import ConfigError

if TYPE_CHECKING:
    from slakit.sla import Policy

__all__ = ["config", "load", "names"]


def names() -> list[str]:
    """The names of the shipped presets, sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".yaml")
    )


def config(name: str) -> Mapping[str, Any]:
    """A fresh copy of preset ``name``'s mapping, to extend or load as a policy."""
    if name not in names():
        raise ConfigError.for_value("preset", name, f"one of {', '.join(names())}")
    data: Mapping[str, Any] = yaml.safe_load(resources.files(__name__).joinpath(f"{name}.yaml").read_text("utf-8"))
    return data


def load(name: str) -> Policy:
    """Preset ``name`` as a ready :class:`~slakit.sla.Policy`."""
    from slakit.sla import Policy

    return Policy.from_config(config(name))
