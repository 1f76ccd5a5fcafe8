"""Tests that need an optional tool (durable-rules, Chromium, PostgreSQL) skip without it, except in CI.

`.ci/run` sets SLAKIT_CI=1 and installs every optional tool, so there a missing one is a failure,
not a silent skip.
"""

import importlib.util
import os
import shutil

import pytest


def _missing(what: str) -> None:
    if os.environ.get("SLAKIT_CI"):
        pytest.fail(f"{what} is required in CI (SLAKIT_CI=1) but is not installed")
    pytest.skip(f"{what} is not installed", allow_module_level=True)


def require_module(name: str) -> None:
    """Skip (fail in CI) unless the Python module ``name`` can be imported."""
    if importlib.util.find_spec(name) is None:
        _missing(f"the Python module {name!r}")


def require_program(*names: str) -> str:
    """The path of the first of ``names`` on PATH; skip (fail in CI) when none is."""
    for name in names:
        if path := shutil.which(name):
            return path
    _missing(f"the program {' or '.join(names)!r}")
    raise AssertionError("unreachable")
