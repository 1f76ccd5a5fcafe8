import dataclasses

import pytest

from slakit.priority import Priority


def test_order_goes_by_rank():
    p1, p2, p3 = Priority(1, "P1", "紧急"), Priority(2, "P2", "重要"), Priority(3, "P3", "一般")
    assert sorted([p3, p1, p2]) == [p1, p2, p3]
    assert p1 < p3
    assert str(p1) == "P1 紧急"


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Priority(1, "P1", "紧急").rank = 2
