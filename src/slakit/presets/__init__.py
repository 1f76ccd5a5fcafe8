"""Policies shipped with slakit, as data files in this package (see docs/presets.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml

from slakit.errors import ConfigError
from slakit.policy import ServicePolicy
from slakit.sla import Policy

__all__ = ["config", "load", "names", "resolve"]


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


def load(name: str) -> ServicePolicy:
    """Preset ``name`` as a ready :class:`~slakit.ServicePolicy`."""
    return ServicePolicy.from_config(config(name))


def resolve(policy: ServicePolicy | Policy | str | os.PathLike[str]) -> ServicePolicy:
    """What a policy argument names, as a :class:`~slakit.ServicePolicy`: itself, an SLA policy's clocks
    alone (:meth:`~slakit.ServicePolicy.from_sla`), a preset name, or a policy file."""
    if isinstance(policy, ServicePolicy):
        return policy
    if isinstance(policy, Policy):
        return ServicePolicy.from_sla(policy)
    if isinstance(policy, str) and policy in names():
        return load(policy)
    if isinstance(policy, str | os.PathLike):
        return ServicePolicy.load(policy)
    raise ConfigError.for_value("policy", policy, "a slakit.ServicePolicy, a preset name or a policy file")
