"""Shared test settings: hypothesis profiles.

`default` keeps the whole suite within a few minutes on a 2-core machine; run the long search with
HYPOTHESIS_PROFILE=thorough python3 tasks.py test.
"""

import os

import pytest
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


BOTH_ENGINES = frozenset(
    {
        "tests.batch.test_dask",
        "tests.batch.test_dataframe",
        "tests.batch.test_defined_metrics",
        "tests.batch.test_pipeline",
        "tests.batch.test_reading",
        "tests.batch.test_report_html",
        "tests.cli.test_cli",
        "tests.cli.test_demo",
        "tests.cli.test_evaluate",
    }
)
"""The test modules that run the batch, run once per engine (``[auto]``: the columnar engine where it can, and
``[rows]``), as ``whenever`` runs its suite against both of its implementations; tests/batch/test_columnar.py
compares the two engines' files itself. ``--batch-engine`` runs them once, with the engine it names."""


def pytest_generate_tests(metafunc):  # type: ignore[no-untyped-def]
    if metafunc.module.__name__ in BOTH_ENGINES and metafunc.config.getoption("--batch-engine") is None:
        metafunc.fixturenames.append("batch_engine")
        metafunc.parametrize("batch_engine", ["auto", "rows"], indirect=True)


@pytest.fixture
def batch_engine(request):  # type: ignore[no-untyped-def]
    """The engine ``slakit.batch.run()`` and the CLI use when not told (``SLAKIT_BATCH_ENGINE``) for one test."""
    engine = request.param
    before = os.environ.get("SLAKIT_BATCH_ENGINE")
    os.environ["SLAKIT_BATCH_ENGINE"] = engine
    try:
        yield engine
    finally:
        if before is None:
            os.environ.pop("SLAKIT_BATCH_ENGINE", None)
        else:
            os.environ["SLAKIT_BATCH_ENGINE"] = before
