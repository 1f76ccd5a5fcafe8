"""slakit.errors: values in messages are shown shortened, in bounded time and memory."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.errors import SHOWN_LENGTH, ConfigError, UnknownPriorityError, shown

JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda children: st.lists(children) | st.tuples(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list | tuple):
        return 1 + max(map(_depth, value), default=0)
    return 0


@given(JSON_LIKE)
def test_shown_is_repr_when_that_is_short_and_never_longer_than_the_limit(value: object) -> None:
    text = shown(value)
    assert len(text) <= SHOWN_LENGTH
    if len(repr(value)) <= SHOWN_LENGTH and _depth(value) <= 4:
        assert text == repr(value)
    else:
        assert "..." in text or text.startswith("<an integer")


def test_shown_writes_sets_and_one_item_tuples_as_repr_does() -> None:
    for value in (set(), frozenset(), {1}, frozenset({2}), (1,), (), [()], {"a": (1,)}, 10**79, [-(10**70)]):
        assert shown(value) == repr(value)


def test_huge_values_are_shown_in_bounded_time() -> None:
    """Issue 16: the repr of a whole YAML alias bomb was built for a message (40 s, 4.3 GB)."""
    bomb: object = ["x"] * 9
    for _ in range(9):
        bomb = [bomb] * 9  # 9**10 leaves, shared
    deep: object = []
    for _ in range(100_000):
        deep = [deep]
    looped: dict[str, object] = {}
    looped["self"] = looped
    for value in (bomb, deep, looped, "x" * 50_000_000, 10**5000, b"y" * 10_000_000, list(range(1_000_000))):
        started = time.process_time()
        assert len(shown(value)) <= SHOWN_LENGTH
        assert time.process_time() - started < 0.1
    assert shown(10**5000) == "<an integer of 16610 bits>"
    assert shown(10**90) == repr(10**90)[:77] + "..."
    assert shown(looped) == "{'self': {'self': {'self': {'self': {...}}}}}"


def test_the_for_constructors_show_values_shortened() -> None:
    message = str(ConfigError.for_value("timezone", "A" * 1_000_000, "an IANA zone name"))
    assert message.startswith("'timezone' must be an IANA zone name (got 'AAAA")
    assert len(message) < 200
    assert len(str(UnknownPriorityError.for_code("P" * 1_000_000, ["P1", "P2"]))) < 200


def test_listed_shows_at_most_the_limit_and_counts_the_rest() -> None:
    from slakit.errors import listed

    assert listed(["a", "b"]) == "a, b"
    assert listed([f"c{i}" for i in range(25)], limit=3) == "c0, c1, c2, ... (22 more)"


def test_an_unknown_rule_category_among_thousands_gives_a_short_message() -> None:
    """Regression: the message listed every category (5,268 characters for a random policy)."""
    from slakit.priority.classifier import ClassificationConfig

    types = {f"type{i}": {"subtypes": [f"sub{j}" for j in range(20)]} for i in range(100)}
    with pytest.raises(ValueError, match="must be one of") as caught:
        ClassificationConfig.model_validate({"types": types, "rules": [{"category": "nope", "keywords": ["x"]}]})
    assert "rules[0].category" in str(caught.value)
    assert "more)" in str(caught.value)
    assert len(str(caught.value)) < 2_000
