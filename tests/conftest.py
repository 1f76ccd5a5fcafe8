"""Shared test settings: hypothesis profiles.

`default` keeps the whole suite within a few minutes on a 2-core machine; run the long search with
HYPOTHESIS_PROFILE=thorough python3 tasks.py test.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser):  # type: ignore[no-untyped-def]
    parser.addoption(
        "--batch-engine",
        choices=("auto", "rows", "columnar"),
        default=None,
        help="the engine slakit.batch.run() uses when not told (SLAKIT_BATCH_ENGINE): run tests/batch and tests/cli "
        "once with auto (the default) and once with rows",
    )


def pytest_configure(config):  # type: ignore[no-untyped-def]
    engine = config.getoption("--batch-engine")
    if engine is not None:
        os.environ["SLAKIT_BATCH_ENGINE"] = engine  # CLI tests' subprocesses inherit it
