"""Fixtures shared by the survey tests: the manuals' scheme and a way to build others."""

import pytest

from slakit.survey import SurveyScheme

MANUAL = {
    "scale": [1, 5],
    "dimensions": {
        "efficiency": {"label": "服务效率", "weight": 1},
        "ability": {"label": "问题解决能力", "weight": 1},
        "attitude": {"label": "服务态度", "weight": 1},
    },
    "follow_up_below": 4,
    "due_within": "24h",
}


@pytest.fixture
def manual() -> SurveyScheme:
    """The manuals' survey: efficiency, ability, attitude on 1-5; below 4 needs improvement; within 24 h."""
    return SurveyScheme.from_config(MANUAL)


@pytest.fixture
def partial() -> SurveyScheme:
    """The manuals' survey with unanswered questions allowed and efficiency weighted double."""
    config = {**MANUAL, "allow_partial": True}
    config["dimensions"] = {**MANUAL["dimensions"], "efficiency": {"label": "服务效率", "weight": 2}}
    return SurveyScheme.from_config(config)
