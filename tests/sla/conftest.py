from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slakit import ServicePolicy, presets

SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture(scope="session")
def policy() -> ServicePolicy:
    return presets.load("p1-p3")


@pytest.fixture(scope="session")
def restart_policy() -> ServicePolicy:
    return ServicePolicy.from_config({**presets.config("p1-p3"), "on_reopen": "restart"})
