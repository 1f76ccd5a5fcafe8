"""Testing support for hosts' test suites: SLA assertions, a pytest plugin and hypothesis strategies.

    from slakit.testing import assert_sla_met, assert_sla_breached
    from slakit.testing import assert_escalated, assert_not_escalated
    from slakit.testing import strategies          # needs hypothesis (pip install 'slakit[testing]')

The pytest plugin (this module, registered as ``slakit.testing``) adds the ``slakit_policy``
fixture and ``--slakit-check FILE --slakit-policy POLICY [--slakit-as-of T]``. See docs/testing.md.
"""

from slakit.testing.assertions import assert_sla_breached, assert_sla_met, describe_status
from slakit.testing.escalations import assert_escalated, assert_not_escalated, describe_condition
from slakit.testing.plugin import (
    load_policy,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    slakit_policy,
)

__all__ = [
    "assert_escalated",
    "assert_not_escalated",
    "assert_sla_breached",
    "assert_sla_met",
    "describe_condition",
    "describe_status",
    "load_policy",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "slakit_policy",
]
