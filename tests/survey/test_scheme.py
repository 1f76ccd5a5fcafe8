import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from slakit import ConfigError, NaiveDatetimeError
from slakit.survey import Dimension, SurveyScheme, SurveySchemeConfig

from .conftest import MANUAL

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_manual_scheme_reads_every_key(manual):
    assert manual.scale == (Decimal(1), Decimal(5))
    assert manual.follow_up_below == Decimal(4)
    assert manual.due_within == timedelta(hours=24)
    assert manual.allow_partial is False
    assert list(manual.dimensions) == ["efficiency", "ability", "attitude"]
    assert manual.dimensions["ability"] == Dimension(name="ability", label="问题解决能力", weight=Decimal(1))


def test_contract_example(manual):
    score = manual.score({"efficiency": 5, "ability": 4, "attitude": 2})
    assert score.overall == Decimal("3.67")
    assert str(score.overall) == "3.67"
    assert score.needs_follow_up is True


def test_defaults():
    scheme = SurveyScheme.from_config({"dimensions": ["speed", "attitude"]})
    assert scheme.scale == (Decimal(1), Decimal(5))
    assert scheme.follow_up_below is None
    assert scheme.due_within == timedelta(hours=24)
    assert scheme.allow_partial is False
    assert scheme.dimensions["speed"] == Dimension(name="speed", label="speed", weight=Decimal(1))
    assert scheme.score({"speed": 1, "attitude": 1}).needs_follow_up is False


def test_dimension_without_settings_takes_defaults():
    scheme = SurveyScheme.from_config({"dimensions": {"attitude": None, "speed": {"weight": "0.5"}}})
    assert scheme.dimensions["attitude"].weight == 1
    assert scheme.dimensions["speed"] == Dimension(name="speed", label="speed", weight=Decimal("0.5"))


def test_chinese_dimension_names_are_identifiers():
    scheme = SurveyScheme.from_config({"dimensions": ["服务态度"]})
    assert scheme.score({"服务态度": 5}).facts() == {"overall": Decimal(5), "服务态度": 5}


YAML = """
scale: [1, 5]
dimensions:
  efficiency: {label: 服务效率, weight: 1}
  ability: {label: 问题解决能力, weight: 1}
  attitude: {label: 服务态度, weight: 1}
follow_up_below: 4
due_within: 24h
"""

TOML = """
scale = [1, 5]
follow_up_below = 4
due_within = "PT24H"

[dimensions.efficiency]
label = "服务效率"
[dimensions.ability]
label = "问题解决能力"
[dimensions.attitude]
label = "服务态度"
"""


@pytest.mark.parametrize("text", [json.dumps(MANUAL, ensure_ascii=False), YAML, TOML])
def test_from_text(text, manual):
    assert SurveyScheme.from_config(text) == manual


@pytest.mark.parametrize(("suffix", "text"), [(".json", json.dumps(MANUAL)), (".yaml", YAML), (".toml", TOML)])
def test_from_file_and_load(tmp_path, suffix, text, manual):
    path = tmp_path / f"survey{suffix}"
    path.write_text(text, encoding="utf-8")
    assert SurveyScheme.from_config(path) == manual
    assert SurveyScheme.load(str(path)) == manual


def test_from_validated_config_model(manual):
    model = SurveySchemeConfig.model_validate(MANUAL)
    assert SurveyScheme.from_config(model) == manual
    assert SurveyScheme(model) == manual


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read survey scheme file"):
        SurveyScheme.load(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("change", "path", "fragments"),
    [
        ({"dimensions": {}}, "dimensions", ["at least one dimension"]),
        ({"dimensions": ["a.b"]}, "dimensions", ["'a.b'", "identifier"]),
        ({"dimensions": ["overall"]}, "dimensions", ["'overall'"]),
        ({"dimensions": {"a": {"weight": 0}}}, "dimensions.a.weight", ["above 0", "(got 0)"]),
        ({"dimensions": {"a": {"weight": -1}}}, "dimensions.a.weight", ["above 0", "(got -1)"]),
        ({"dimensions": {"a": {"weight": "heavy"}}}, "dimensions.a.weight", ["'heavy'"]),
        ({"dimensions": {"a": {"label": " "}}}, "dimensions.a.label", ["non-empty"]),
        ({"dimensions": {"a": {"colour": "red"}}}, "dimensions.a.colour", ["'red'"]),
        ({"scale": [5, 1]}, "scale", ["low below high", "[5, 1]"]),
        ({"scale": [3, 3]}, "scale", ["low below high"]),
        ({"scale": [1, 5.001]}, "scale", ["2 decimal places"]),
        ({"scale": "1-5"}, "scale", ["'1-5'"]),
        ({"scale": [0, 1.5], "whole_numbers": True}, "whole_numbers", ["both ends", "[0, 1.5]"]),
        ({"follow_up_below": 6}, "follow_up_below", ["from 1 to 5", "(got 6)"]),
        ({"follow_up_below": 0}, "follow_up_below", ["from 1 to 5", "(got 0)"]),
        ({"follow_up_below": 3.995}, "follow_up_below", ["2 decimal places"]),
        ({"due_within": "soon"}, "due_within", ["'due_within'", "'soon'", "PT2H30M"]),
        ({"due_within": -3600}, "due_within", ["'due_within'", "zero or more"]),
        ({"allow_partial": "maybe"}, "allow_partial", ["'maybe'"]),
        ({"follow_up": 4}, "follow_up", ["follow_up"]),
    ],
)
def test_config_errors_name_path_and_value(change, path, fragments):
    with pytest.raises(ConfigError) as info:
        SurveyScheme.from_config({**MANUAL, **change})
    assert info.value.path == path
    message = str(info.value)
    assert message.startswith("invalid survey scheme")
    for fragment in fragments:
        assert fragment in message


def test_dimensions_are_required():
    with pytest.raises(ConfigError, match="dimensions"):
        SurveyScheme.from_config({"scale": [1, 5]})


@pytest.mark.parametrize("dimensions", [[[]], [{"overall": {}}], [1, 2], "overall"])
def test_dimensions_listed_as_anything_but_names_are_a_config_error(dimensions):
    """Found by tests/test_config.py: a list holding a list raised TypeError (unhashable)."""
    with pytest.raises(ConfigError, match="dimensions"):
        SurveyScheme.from_config({"scale": [1, 5], "dimensions": dimensions})


def test_config_that_is_not_a_mapping():
    with pytest.raises(ConfigError, match="mapping"):
        SurveyScheme.from_config("[1, 2]")


def test_follow_up_threshold_may_sit_on_the_scale_ends():
    assert (
        SurveyScheme.from_config({**MANUAL, "follow_up_below": 5})
        .score({"efficiency": 5, "ability": 5, "attitude": 4})
        .needs_follow_up
    )
    never = SurveyScheme.from_config({**MANUAL, "follow_up_below": 1})
    assert not never.score({"efficiency": 1, "ability": 1, "attitude": 1}).needs_follow_up


def test_scheme_is_immutable(manual):
    with pytest.raises(dataclasses.FrozenInstanceError):
        manual.config = None
    with pytest.raises(TypeError):
        manual.dimensions["speed"] = manual.dimensions["ability"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        manual.dimensions["ability"].weight = Decimal(2)


def test_survey_due_is_24_elapsed_hours(manual):
    resolved = datetime(2024, 5, 1, 17, 30, tzinfo=SHANGHAI)
    assert manual.survey_due(resolved) == datetime(2024, 5, 2, 17, 30, tzinfo=SHANGHAI)
    assert manual.survey_due(resolved).tzinfo is SHANGHAI


def test_survey_due_counts_real_hours_across_dst():
    berlin = ZoneInfo("Europe/Berlin")
    scheme = SurveyScheme.from_config({**MANUAL, "due_within": "1d"})
    resolved = datetime(2024, 3, 30, 12, 0, tzinfo=berlin)  # clocks go forward on 31 March
    due = scheme.survey_due(resolved)
    assert due == datetime(2024, 3, 31, 13, 0, tzinfo=berlin)
    assert due.astimezone(UTC) - resolved.astimezone(UTC) == timedelta(hours=24)


def test_survey_due_refuses_naive(manual):
    with pytest.raises(NaiveDatetimeError) as info:
        manual.survey_due(datetime(2024, 5, 1, 17, 30))
    assert info.value.parameter == "resolved_at"


def test_survey_on_time(manual):
    resolved = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)
    assert manual.survey_on_time(resolved, datetime(2024, 5, 2, 9, 0, tzinfo=SHANGHAI))
    assert manual.survey_on_time(resolved, datetime(2024, 5, 2, 1, 0, tzinfo=UTC))
    assert not manual.survey_on_time(resolved, datetime(2024, 5, 2, 9, 0, 1, tzinfo=SHANGHAI))
    with pytest.raises(NaiveDatetimeError):
        manual.survey_on_time(resolved, datetime(2024, 5, 2, 9, 0))


def test_survey_on_time_in_microseconds_is_the_same_rule():
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from slakit.instants import to_us

    scheme = SurveyScheme.from_config({"dimensions": ["a"], "due_within": "24h"})
    resolved = datetime(2025, 9, 1, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    for sent in (resolved + timedelta(hours=24), resolved + timedelta(hours=24, microseconds=1)):
        assert scheme.survey_on_time_us(to_us(resolved), to_us(sent)) is scheme.survey_on_time(resolved, sent)
    assert scheme.survey_due_us(to_us(resolved)) == to_us(scheme.survey_due(resolved))
