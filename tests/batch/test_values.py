"""An export's values against a policy's: a priority by code or name in any case and width, and value_map."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit import presets
from slakit.batch.values import Priorities, ValueMap, fold, map_value
from slakit.errors import ConfigError, UnknownPriorityError
from slakit.sla import Policy

P1_P3 = Priorities.of(presets.load("p1-p3").sla)
FOUR_LEVEL = Priorities.of(presets.load("four-level").sla)


def _policy(priorities: dict[str, str]) -> Policy:
    return Policy.from_config(
        {
            "calendars": {"default": {"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}},
            "priorities": {
                code: {"name": name, "rank": rank, "targets": {"response": "1h"}}
                for rank, (code, name) in enumerate(priorities.items(), start=1)
            },
        }
    )


def _wide(text: str) -> str:
    """``text`` typed with a Chinese input method: ASCII letters and digits in full width (U+FF01..U+FF5E)."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def test_fold_ignores_case_width_and_surrounding_space() -> None:
    assert fold(" Ｐ１ ") == fold("p1") == "p1"
    assert fold("URGENT") == fold("ｕｒｇｅｎｔ") == "urgent"
    assert fold("Straße") == fold("STRASSE")  # full case folding, not lower()
    assert fold("紧急") == "紧急"


def test_a_priority_by_code_name_case_and_width() -> None:
    assert P1_P3.code("P1") == "P1"
    assert P1_P3.code("紧急") == "P1"  # a name
    assert P1_P3.code("p2") == "P2"
    assert P1_P3.code("Ｐ３") == "P3"
    assert FOUR_LEVEL.code("High") == "high"  # Zendesk's spelling of a code
    assert FOUR_LEVEL.code("URGENT") == "urgent"
    assert FOUR_LEVEL.code("ｌｏｗ") == "low"


def test_an_unknown_priority_names_the_value_and_how_to_map_it() -> None:
    with pytest.raises(UnknownPriorityError) as caught:
        FOUR_LEVEL.code("Normal")
    message = str(caught.value)
    assert message.startswith("'priority' must be one of urgent, high, medium, low (got 'Normal')")
    assert "紧急, 高, 中, 低" in message
    assert "--map-values 'priority:Normal=urgent'" in message


def test_exact_spellings_come_first_and_an_ambiguous_fold_matches_nothing() -> None:
    priorities = Priorities.of(_policy({"gold": "Gold", "GOLD": "Premium", "p9": "high", "silver": "High"}))
    assert priorities.code("gold") == "gold"
    assert priorities.code("GOLD") == "GOLD"
    with pytest.raises(UnknownPriorityError):
        priorities.code("Gold ")  # "gold" once folded is both gold's code and GOLD's: not guessed
    assert priorities.code("high") == "p9"  # exactly p9's name
    assert priorities.code("High") == "silver"  # exactly silver's name
    with pytest.raises(UnknownPriorityError):
        priorities.code("HIGH")  # the name of two priorities once folded


def test_a_name_two_priorities_share_is_no_name() -> None:
    priorities = Priorities.of(_policy({"a": "Same", "b": "Same"}))
    with pytest.raises(UnknownPriorityError):
        priorities.code("Same")


@given(st.sampled_from(["urgent", "high", "medium", "low", "紧急", "高"]), st.data())
def test_any_case_and_width_of_a_code_or_name_is_that_priority(text: str, data: st.DataObject) -> None:
    expected = {"urgent": "urgent", "high": "high", "medium": "medium", "low": "low", "紧急": "urgent", "高": "high"}
    spelled = ""
    for char in text:
        if data.draw(st.booleans()):
            char = char.upper()
        if data.draw(st.booleans()):
            char = _wide(char)
        spelled += char
    assert unicodedata.normalize("NFKC", spelled).lower() == text  # the oracle: the spelling is only case and width
    assert FOUR_LEVEL.code(spelled) == expected[text]


def test_value_map_matches_the_file_values_ignoring_case_and_width() -> None:
    values = ValueMap.of({"priority": {"Urgent": "P1", "High": "P1", "Normal": "P2"}, "channel": {"Web": "在线客服"}})
    mapping = values.get("priority")
    assert map_value(mapping, "URGENT") == "P1"
    assert map_value(mapping, "ｎｏｒｍａｌ") == "P2"
    assert map_value(mapping, "Low") == "Low"  # not named: kept, and rejected as an unknown priority later
    assert map_value(mapping, None) is None
    assert map_value(values.get("channel"), "web") == "在线客服"
    assert values.get("category") is None
    assert values.targets("priority") == ("P1", "P2")
    assert not ValueMap.of(None)
    assert ValueMap.of(values) is values


@pytest.mark.parametrize(
    ("value_map", "message"),
    [
        ({"product": {"a": "b"}}, "'value_map' must be a column among priority, channel, category (got 'product')"),
        ({"priority": ["P1"]}, "'value_map.priority' must be a mapping"),
        ({"priority": {"": "P1"}}, "'value_map.priority' must be a non-empty text (got '')"),
        ({"priority": {"High": 1}}, "'value_map.priority.High' must be a non-empty text (got 1)"),
        ({"priority": {"High": "P1", "HIGH": "P2"}}, "maps 'HIGH' to 'P2' and a value that differs from it only in"),
        ("priority", "'value_map' must be a mapping of column to {file value: value}"),
    ],
)
def test_a_bad_value_map_is_refused(value_map: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ValueMap.of(value_map)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_a_value_map_to_no_priority_of_the_policy_is_refused() -> None:
    P1_P3.check(ValueMap.of({"priority": {"Urgent": "P1", "Normal": "重要", "Low": "p3"}}))
    with pytest.raises(ConfigError) as caught:
        P1_P3.check(ValueMap.of({"priority": {"Urgent": "P0"}}))
    assert str(caught.value) == (
        "'value_map.priority' maps a value to 'P0', which is no priority of the policy: give a code (P1, P2, P3) or "
        "a name (紧急, 重要, 一般)"
    )
