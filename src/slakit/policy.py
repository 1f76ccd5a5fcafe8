"""``ServicePolicy``: a whole policy file, read once, holding each capability's part.

A policy file has the clocks' sections (calendars, priorities, pause statuses, at-risk ratio, reopen
rule) and the service's other rules (priority matrix, keyword classification, survey scheme,
escalation). :class:`ServicePolicy` reads every section and holds the compiled parts:
``.sla`` (a :class:`slakit.sla.Policy`), ``.escalation``, ``.survey``, ``.classifier`` and
``.matrix``. Each engine takes the part it needs, so the SLA package knows nothing of the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from slakit._config import ConfigSource, load_file, load_mapping, validate
from slakit.errors import ConfigError
from slakit.escalation.rules import NO_RULES, EscalationConfig, EscalationRules
from slakit.priority import ClassificationConfig, Classifier, PriorityMatrix, PriorityMatrixConfig
from slakit.sla.policy import Policy, PolicyConfig
from slakit.survey import SurveyScheme, SurveySchemeConfig

__all__ = ["ServicePolicy", "ServicePolicyConfig"]


class ServicePolicyConfig(PolicyConfig):
    """The whole policy file's shape: the clocks' sections (:class:`slakit.sla.PolicyConfig`) and the others."""

    priority_matrix: PriorityMatrixConfig | None = None
    classification: ClassificationConfig | None = None
    survey: SurveySchemeConfig | None = None
    escalation: EscalationConfig | None = None

    def sla_config(self) -> PolicyConfig:
        """The clocks' sections alone."""
        return PolicyConfig(**{name: getattr(self, name) for name in PolicyConfig.model_fields})


@dataclass(frozen=True, slots=True)
class ServicePolicy:
    """A policy file with every section compiled. Build it with :meth:`from_config`, :meth:`load` or
    :func:`slakit.presets.load`.

    ``sla`` holds the clocks (calendars, priorities and targets), ``escalation`` the escalation rules
    (none when the file has no ``escalation:`` section), ``survey`` the survey scheme, ``classifier``
    the keyword classifier and ``matrix`` the impact x urgency matrix (each None when absent).
    """

    config: ServicePolicyConfig
    sla: Policy
    escalation: EscalationRules = field(default=NO_RULES)
    survey: SurveyScheme | None = None
    classifier: Classifier | None = None
    matrix: PriorityMatrix | None = None

    @classmethod
    def from_config(cls, source: ConfigSource | ServicePolicyConfig) -> ServicePolicy:
        """Build from a mapping, JSON/YAML/TOML text, a path, or a :class:`ServicePolicyConfig`."""
        if isinstance(source, ServicePolicyConfig):
            config = source
        else:
            config = validate(ServicePolicyConfig, load_mapping(source, what="policy"), what="policy")
        sla = Policy.from_config(config.sla_config())
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
        return cls(config, sla, escalation, survey, classifier, matrix)

    @classmethod
    def from_sla(cls, sla: Policy) -> ServicePolicy:
        """A service policy with ``sla``'s clocks and no other section."""
        return cls(ServicePolicyConfig(**dict(sla.config)), sla)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ServicePolicy:
        """Build from a YAML, JSON or TOML file."""
        return cls.from_config(dict(load_file(Path(path), what="policy")))

    @property
    def name(self) -> str | None:
        """The policy's ``name``, if it has one."""
        return self.config.name


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
