"""Distributions: exact quantiles while small, a sketch within 0.5 % beyond, and exact merging."""

from __future__ import annotations

import pickle
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.batch import distribution as module
from slakit.batch.distribution import RELATIVE_ERROR, Distribution

values = st.lists(st.integers(0, 10**13), max_size=60)


def test_exact_quantiles_interpolate_between_ranks() -> None:
    d = Distribution([40, 10, 30, 20])
    assert d.exact
    assert (d.count, d.total, d.mean()) == (4, 100, 25.0)
    assert d.quantile(0.5) == 25.0  # between 20 and 30
    assert d.quantile(0.9) == pytest.approx(37.0)  # rank 2.7: 30 + 0.7 x 10
    assert d.quantile(0.0) == 10.0
    assert d.quantile(1.0) == 40.0
    empty = Distribution()
    assert (empty.mean(), empty.quantile(0.5)) == (None, None)


def test_the_sketch_stays_within_its_error_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "EXACT_LIMIT", 100)
    rng = random.Random(7)
    data = [int(rng.lognormvariate(20, 2)) for _ in range(5000)] + [0] * 50
    sketched = Distribution(data)
    assert not sketched.exact
    monkeypatch.setattr(module, "EXACT_LIMIT", 10**6)
    exact = Distribution(data)
    assert exact.exact
    assert sketched.mean() == exact.mean()  # sums stay exact
    for q in (0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0):
        want, got = exact.quantile(q), sketched.quantile(q)
        assert want is not None
        assert got is not None
        assert abs(got - want) <= RELATIVE_ERROR * want + 1e-9, q


@given(values, values, st.sampled_from([0, 3, 10]))
def test_merging_is_adding_every_value(a: list[int], b: list[int], limit: int) -> None:
    original = module.EXACT_LIMIT
    module.EXACT_LIMIT = limit or original
    try:
        merged = Distribution(a)
        merged.merge(pickle.loads(pickle.dumps(Distribution(b))))  # noqa: S301 -- our own bytes  # noqa: S301 -- our own bytes
        whole = Distribution(a + b)
        assert merged == whole
        assert merged.exact == whole.exact
        for q in (0.5, 0.9):
            assert merged.quantile(q) == whole.quantile(q)
        reverse = Distribution(b)
        reverse.merge(Distribution(a))
        assert reverse == whole
    finally:
        module.EXACT_LIMIT = original


def test_a_received_distribution_stays_right_when_added_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "EXACT_LIMIT", 4)
    received: Distribution = pickle.loads(pickle.dumps(Distribution([5, 6])))  # noqa: S301 -- our own bytes
    received.add(7)  # its bucketed copy is now out of date
    sketched = Distribution([1, 2, 3, 4, 5])
    sketched.merge(received)
    assert sketched == Distribution([1, 2, 3, 4, 5, 5, 6, 7])
