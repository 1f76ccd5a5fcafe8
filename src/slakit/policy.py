"""``ServicePolicy``: a whole policy file, read once, holding each capability's part.

A policy file has the clocks' sections (calendars, priorities, pause statuses, at-risk ratio, reopen
rule) and the service's other rules (priority matrix, keyword classification, survey scheme,
escalation, record retention). :class:`ServicePolicy` reads every section and holds the compiled parts:
``.sla`` (a :class:`slakit.sla.Policy`), ``.escalation``, ``.survey``, ``.classifier`` and
``.matrix``. Each engine takes the part it needs, so the SLA package knows nothing of the others.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit.errors import ConfigError, SlakitError
from slakit.escalation.conditions import ATTRIBUTE_PREFIX, Leaf
from slakit.escalation.rules import NO_RULES, EscalationConfig, EscalationRules
from slakit.escalation.when import TicketWhen, compile_when
from slakit.priority import ClassificationConfig, Classifier, PriorityMatrix, PriorityMatrixConfig
from slakit.retention import Retention
from slakit.sla import Ticket
from slakit.sla.policy import Policy, PolicyConfig
from slakit.survey import SurveyScheme, SurveySchemeConfig

__all__ = ["ServicePolicy", "ServicePolicyConfig"]


class ServicePolicyConfig(PolicyConfig):
    """The whole policy file's shape: the clocks' sections (:class:`slakit.sla.PolicyConfig`) and the others."""

    priority_matrix: PriorityMatrixConfig | None = None
    classification: ClassificationConfig | None = None
    survey: SurveySchemeConfig | None = None
    escalation: EscalationConfig | None = None
    retention: Annotated[Retention, PlainValidator(Retention.parse), PlainSerializer(str)] | None = None

    def sla_config(self) -> PolicyConfig:
        """The clocks' sections alone."""
        return PolicyConfig(**{name: getattr(self, name) for name in PolicyConfig.model_fields})


@dataclass(frozen=True, slots=True)
class ServicePolicy:
    """A policy file with every section compiled. Build it with :meth:`from_config`, :meth:`load` or
    :func:`slakit.presets.load`.

    ``sla`` holds the clocks (calendars, priorities and targets), ``escalation`` the escalation rules
    (none when the file has no ``escalation:`` section), ``survey`` the survey scheme, ``classifier``
    the keyword classifier, ``matrix`` the impact x urgency matrix and ``retention`` how long records
    are kept after closing (``retention: 3y``; each None when absent).
    """

    config: ServicePolicyConfig
    sla: Policy
    escalation: EscalationRules = field(default=NO_RULES)
    survey: SurveyScheme | None = None
    classifier: Classifier | None = None
    matrix: PriorityMatrix | None = None
    retention: Retention | None = None
    attribute_kinds: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attribute_kinds", _attribute_kinds(self))

    @classmethod
    def from_config(cls, source: ConfigSource | ServicePolicyConfig) -> ServicePolicy:
        """Build from a mapping, JSON/YAML/TOML text, a path, or a :class:`ServicePolicyConfig`."""
        if isinstance(source, ServicePolicyConfig):
            config = source
        else:
            config = validate(ServicePolicyConfig, load_mapping(source, what="policy"), what="policy")
        sla = Policy.from_config(config.sla_config(), when=compile_when)
        matrix = None
        if config.priority_matrix is not None:
            matrix = PriorityMatrix(config.priority_matrix)
            try:
                matrix.validate_codes(config.priorities)
            except ConfigError as exc:
                message = f"invalid policy: priority_matrix: {exc}"
                raise ConfigError(message, path=f"priority_matrix.{exc.path}") from exc
        classifier = Classifier.from_config(config.classification) if config.classification is not None else None
        survey = SurveyScheme(config.survey) if config.survey is not None else None
        escalation = _escalation(config.escalation, survey, frozenset(config.metrics))
        return cls(config, sla, escalation, survey, classifier, matrix, config.retention)

    @classmethod
    def from_sla(cls, sla: Policy) -> ServicePolicy:
        """A service policy with ``sla``'s clocks and no other section."""
        return cls(ServicePolicyConfig(**dict(sla.config)), sla)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ServicePolicy:
        """Build from a YAML, JSON or TOML file."""
        return cls.from_config(dict(load_file(Path(path), what="policy")))

    def problems(self, ticket: Ticket | Mapping[str, Any], *, as_of: datetime | None = None) -> list[SlakitError]:
        """Every problem that stops evaluating ``ticket`` (its JSON-like data, or a :class:`~slakit.sla.Ticket`)
        under this policy, each as the typed error evaluation raises; none when it evaluates. See
        :meth:`slakit.sla.Policy.problems`: data that is no ticket, a priority (the ticket's or a priority
        event's, up to ``as_of`` if given) the policy lacks. The escalation rules read facts every ticket has
        the type of, so they add no problem of their own."""
        return self.sla.problems(ticket, as_of=as_of)

    def check(self, ticket: Ticket | Mapping[str, Any], *, as_of: datetime | None = None) -> Ticket:
        """Raise the first of :meth:`problems`, else return the ticket (read from its data when given data)."""
        return self.sla.check(ticket, as_of=as_of)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of a whole policy file, generated from :class:`ServicePolicyConfig`,
        for editors to validate and complete policy files (docs/sla.md, "A schema for editors")."""
        schema = ServicePolicyConfig.model_json_schema(mode="validation")
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": "slakit policy"}

    @property
    def name(self) -> str | None:
        """The policy's ``name``, if it has one."""
        return self.config.name


def _attribute_kinds(policy: ServicePolicy) -> dict[str, str]:
    """What each ticket attribute the policy's conditions read is compared with (``text``, ``number`` or
    ``bool``): the type a flat export's cells of it are read as. One attribute compared with two types is a
    :class:`ConfigError`, since its cells could not be read one way."""
    leaves: list[tuple[str, Leaf]] = []
    for i, entry in enumerate(policy.sla.slas):
        if isinstance(entry.when, TicketWhen):
            leaves.extend((f"slas[{i}].when", leaf) for leaf in entry.when.condition.leaves())
    for rule in policy.escalation.rules:
        leaves.extend((f"escalation.rules[{rule.index}].when", leaf) for leaf in rule.condition.leaves())
    kinds: dict[str, tuple[str, str]] = {}
    for path, leaf in leaves:
        if not leaf.attribute:
            continue
        name = leaf.fact.removeprefix(ATTRIBUTE_PREFIX)
        known = kinds.setdefault(name, (leaf.kind, path))
        if known[0] != leaf.kind:
            raise ConfigError(
                f"invalid policy: {path!r} compares {leaf.fact} with a {_KIND_NAMES[leaf.kind]} but {known[1]!r} with "
                f"a {_KIND_NAMES[known[0]]}; compare an attribute with one type, so that an export's cells of it are "
                "read one way",
                path=path,
            )
    return {name: kind for name, (kind, _) in kinds.items()}


_KIND_NAMES = {"text": "text", "number": "number", "bool": "true/false value"}


def _escalation(
    section: EscalationConfig | None, survey: SurveyScheme | None, metrics: frozenset[str]
) -> EscalationRules:
    if section is None:
        return NO_RULES
    dimensions = frozenset(survey.dimensions) if survey is not None else None
    try:
        return EscalationRules.from_config(section, survey_dimensions=dimensions, metrics=metrics)
    except ConfigError as exc:
        raise ConfigError(f"invalid policy: escalation: {exc}", path=f"escalation.{exc.path}") from exc
