"""Priorities, the impact x urgency matrix and keyword classification of tickets.

::

    from slakit.priority import Classifier, PriorityMatrix
    matrix = PriorityMatrix.from_config(policy["priority_matrix"])
    matrix.priority_for("high", "medium")                   # 'P1'
    classifier = Classifier.from_config(policy["classification"])
    classifier.classify("设备无法启动").category             # '售后服务类/硬件维修'

See docs/presets.md for the configuration shapes and the matching rules.
"""

from slakit.priority.classifier import (
    Classification,
    ClassificationConfig,
    Classifier,
    RuleConfig,
    normalize_text,
)
from slakit.priority.levels import Priority
from slakit.priority.matrix import PriorityMatrix, PriorityMatrixConfig
from slakit.priority.taxonomy import SEPARATOR, Category, Taxonomy, TaxonomyConfig, TicketType, TypeConfig

__all__ = [
    "SEPARATOR",
    "Category",
    "Classification",
    "ClassificationConfig",
    "Classifier",
    "Priority",
    "PriorityMatrix",
    "PriorityMatrixConfig",
    "RuleConfig",
    "Taxonomy",
    "TaxonomyConfig",
    "TicketType",
    "TypeConfig",
    "normalize_text",
]
