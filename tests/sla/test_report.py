"""The report's values: their written-out constructors set every field, and they stay frozen."""

import pickle
from dataclasses import FrozenInstanceError, asdict, fields, replace
from datetime import datetime, timedelta
from inspect import signature
from zoneinfo import ZoneInfo

import pytest

from slakit.sla import Gap, MetricState, MetricStatus, SLAReport, Trace

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 9, 22, 9, tzinfo=SH)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize("cls", [MetricStatus, SLAReport])
def test_the_written_out_constructor_takes_every_field_in_order(cls):
    parameters = list(signature(cls.__init__).parameters)[1:]
    assert parameters == [f.name for f in fields(cls)]
    for f in fields(cls):  # the same defaults as the fields declare
        parameter = signature(cls.__init__).parameters[f.name]
        if f.name == "targets":
            assert parameter.default is None  # a fresh {} each time, as the field's default_factory
        elif f.default is not f.default_factory:  # has a plain default
            assert parameter.default == f.default


def test_a_status_holds_what_it_was_given():
    gap = Gap(NOW, None, 2 * HOUR, NOW)
    values = ("update", HOUR, MetricState.BREACHED, NOW, 2 * HOUR, -HOUR, False, NOW, None, NOW, "default", True, 1)
    status = MetricStatus(*values, gaps=(gap,), sla="vip")
    assert [getattr(status, f.name) for f in fields(status)] == [*values, (gap,), (), None, "vip"]
    assert status == replace(status)
    assert hash(status) == hash(replace(status))
    assert pickle.loads(pickle.dumps(status)) == status  # noqa: S301 -- our own bytes
    assert asdict(status)["metric"] == "update"
    assert status.trace == Trace()
    with pytest.raises(FrozenInstanceError):
        status.state = MetricState.MET  # type: ignore[misc]


def test_a_report_holds_what_it_was_given():
    report = SLAReport("T", NOW, "P1", {}, None)
    assert [getattr(report, f.name) for f in fields(report)] == ["T", NOW, "P1", {}, None, (), (), {}]
    assert report.targets is not SLAReport("T", NOW, "P1", {}, None).targets  # not one shared dict
    assert report == replace(report, priority="P1")
    with pytest.raises(FrozenInstanceError):
        report.priority = "P2"  # type: ignore[misc]
