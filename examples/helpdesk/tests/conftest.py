"""The example's tests: the service on a fresh SQLite file, with a clock the test moves by hand."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the `helpdesk` package beside tests/

if not os.environ.get("SLAKIT_CI"):  # in CI (`.ci/run`) the example's dependencies must be there
    pytest.importorskip(
        "fastapi", reason="the example's dependencies: pip install -r examples/helpdesk/requirements.txt"
    )
    pytest.importorskip("sqlalchemy")
    pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from helpdesk.app import create_app
from helpdesk.clock import ManualClock
from helpdesk.db import connect
from helpdesk.service import Helpdesk
from slakit import presets

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 9, 22, 9, 0, tzinfo=SH))  # a Monday


@pytest.fixture
def desk(tmp_path: Path, clock: ManualClock) -> Helpdesk:
    return Helpdesk(presets.load("p1-p3"), connect(f"sqlite:///{tmp_path / 'helpdesk.db'}"), clock, tmp_path / "n.db")


@pytest.fixture
def client(desk: Helpdesk) -> Iterator[TestClient]:
    with TestClient(create_app(desk)) as client:
        yield client
