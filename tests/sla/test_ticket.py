"""Tickets from JSON-like data: every field's type is checked, with a typed error naming it (issue 16)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slakit.errors import InvalidTicketError, NaiveDatetimeError, SlakitError
from slakit.sla import Event, Ticket

CREATED = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
DATA: dict[str, Any] = {
    "id": "T1",
    "created_at": "2025-09-01T09:00:00+00:00",
    "priority": "P1",
    "category": "技术支持类",
    "affected_customers": 3,
    "flags": ["vip", "public_opinion_risk"],
    "events": [
        {"at": "2025-09-01T10:00:00+00:00", "type": "reply", "author": "agent", "public": False},
        {"at": "2025-09-01T11:00:00+00:00", "type": "extend", "metric": "resolution",
         "until": "2025-09-03T09:00:00+00:00", "customer_agreed": True},
    ],
}  # fmt: skip


def _with(**changes: Any) -> dict[str, Any]:
    return DATA | changes


def test_from_dict_reads_what_to_dict_writes() -> None:
    ticket = Ticket.from_dict(DATA)
    assert ticket.flags == frozenset({"vip", "public_opinion_risk"})
    assert ticket.events[0] == Event(datetime(2025, 9, 1, 10, 0, tzinfo=UTC), "reply", author="agent", public=False)
    assert Ticket.from_dict(ticket.to_dict()) == ticket
    assert Ticket.from_dict(_with(id=42, flags=None, events=None)).id == "42"


@pytest.mark.parametrize("data", [None, "T1", 42, ["id", "T1"], ("id", "T1")])
def test_something_that_is_not_a_mapping_is_refused(data: object) -> None:
    """Issue 16: ``Ticket.from_dict(None)`` raised TypeError."""
    with pytest.raises(InvalidTicketError, match=r"^a ticket must be a mapping of its fields \(got "):
        Ticket.from_dict(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("flags", ["abc", 5, True, {"vip": 1}, ["vip", 1], [["vip"]], "vip"])
def test_flags_must_be_a_list_of_strings(flags: object) -> None:
    """Issue 16: integer flags raised TypeError and ``flags="abc"`` became {"a", "b", "c"}."""
    with pytest.raises(InvalidTicketError, match=r"^'flags' must be a list of strings such as \['vip'\] \(got "):
        Ticket.from_dict(_with(flags=flags))
    with pytest.raises(InvalidTicketError, match=r"^'flags' must be a list of strings"):
        Ticket("T", CREATED, "P1", flags=flags)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": True}, "'id' must be a string (got True)"),
        ({"id": ["T1"]}, "'id' must be a string (got ['T1'])"),
        ({"priority": 1}, "'priority' must be a string (got 1)"),
        ({"category": 7}, "'category' must be a string or null (got 7)"),
        ({"subject": {"a": 1}}, "'subject' must be a string or null (got {'a': 1})"),
        ({"affected_customers": -1}, "'affected_customers' must be a whole number, 0 or more (got -1)"),
        ({"affected_customers": "3"}, "'affected_customers' must be a whole number, 0 or more (got '3')"),
        ({"affected_customers": True}, "'affected_customers' must be a whole number, 0 or more (got True)"),
        ({"events": {"at": "x"}}, "'events' must be a list of event objects (got {'at': 'x'})"),
        ({"events": "reply"}, "'events' must be a list of event objects (got 'reply')"),
        ({"events": [None]}, "'events[0]' must be a mapping (got None)"),
        ({"events": [{"at": "2025-09-01T10:00Z", "type": ["reply"]}]}, "'events[0].type' must be one of reply,"),
        ({"events": [{"at": "2025-09-01T10:00Z", "type": "reply", "author": 1}]}, "'events[0].author' must be a"),
        (
            {"events": [{"at": "2025-09-01T10:00Z", "type": "reply", "author": "agent", "public": "no"}]},
            "'events[0].public' must be true or false (got 'no')",
        ),
        ({"events": [{"at": 5, "type": "note"}]}, "'events[0].at' must be an ISO 8601 date-time with an offset"),
        ({"created_at": "2025-13-01T00:00Z"}, "'created_at' must be an ISO 8601 date-time with an offset"),
        ({"owner": "x"}, "unknown ticket field 'owner'"),
        ({1: "x"}, "unknown ticket field 1"),
    ],
)
def test_each_field_is_checked_and_named(change: dict[Any, Any], message: str) -> None:
    with pytest.raises(InvalidTicketError) as caught:
        Ticket.from_dict(_with(**change) if all(isinstance(key, str) for key in change) else {**DATA, **change})
    assert str(caught.value).startswith(message)


def test_a_naive_instant_is_a_naive_datetime_error() -> None:
    with pytest.raises(NaiveDatetimeError, match="'created_at'"):
        Ticket.from_dict(_with(created_at="2025-09-01T09:00:00"))


def test_huge_values_are_shown_shortened() -> None:
    for change in ({"flags": "x" * 10_000_000}, {"id": ["x" * 10_000_000]}, {"events": [{"at": "9" * 10_000_000}]}):
        with pytest.raises(InvalidTicketError) as caught:
            Ticket.from_dict(_with(**change))
        assert len(str(caught.value)) < 300


@given(st.dictionaries(st.sampled_from(sorted(DATA)), st.none() | st.integers() | st.text() | st.lists(st.text())))
def test_random_fields_give_a_ticket_or_a_slakit_error(change: dict[str, Any]) -> None:
    with contextlib.suppress(SlakitError):
        Ticket.from_dict(_with(**change))


def test_yes_no_fields_take_json_booleans_and_the_words_true_and_false_in_any_case():
    """Issue #11: ``"public": "false"`` counted as a public reply and ``"customer_agreed": "no"`` applied the
    extension. JSON true/false and the strings true/false (any case) are read; anything else is refused."""
    base = {"id": "T", "created_at": "2025-09-01T09:00:00+00:00", "priority": "P1"}

    def event(**fields):
        return Ticket.from_dict(
            {**base, "events": [{"at": "2025-09-01T10:00:00+00:00", "type": "reply", "author": "agent", **fields}]}
        )

    assert event(public="false").events[0].public is False
    assert event(public="TRUE").events[0].public is True
    assert event(public=False).events[0].public is False
    for bad in ("no", "yes", 0, 1, "f", None):
        with pytest.raises(InvalidTicketError, match=r"'events\[0\]\.public' must be true or false"):
            event(public=bad)
    with pytest.raises(InvalidTicketError, match=r"'events\[0\]\.customer_agreed' must be true or false \(got 'no'\)"):
        Ticket.from_dict(
            {
                **base,
                "events": [
                    {
                        "at": "2025-09-01T10:00:00+00:00",
                        "type": "extend",
                        "metric": "resolution",
                        "until": "2025-09-09T10:00:00+00:00",
                        "customer_agreed": "no",
                    }
                ],
            }
        )


# -- an event's own id and meta (issue #15, item 5) ---------------------------------------------------------


def test_an_event_carries_the_hosts_id_and_meta_read_only_and_through_json():
    import json
    import pickle
    from types import MappingProxyType

    at = datetime(2025, 10, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    meta = {"channel": "mail", "links": [{"url": "https://example.com/m/1"}], "n": 1.5, "ok": None}
    event = Event(at, "reply", author="agent", id="msg-1", meta=meta)
    meta["channel"] = "changed"  # the event keeps its own copy
    assert event.meta["channel"] == "mail"
    assert isinstance(event.meta, MappingProxyType)
    assert event.meta["links"] == ({"url": "https://example.com/m/1"},)  # lists as tuples
    with pytest.raises(TypeError):
        event.meta["links"][0]["url"] = "x"  # type: ignore[index]  # read-only all the way down
    data = event.to_dict()
    assert data["id"] == "msg-1"
    assert data["meta"] == {"channel": "mail", "links": [{"url": "https://example.com/m/1"}], "n": 1.5, "ok": None}
    assert Event.from_dict(json.loads(json.dumps(data))) == event
    assert pickle.loads(pickle.dumps(event)) == event  # noqa: S301 -- our own bytes
    assert hash(event) == hash(Event(at, "reply", author="agent", id="msg-1"))  # meta is not hashed
    plain = Event(at, "note")
    assert "id" not in plain.to_dict()
    assert "meta" not in plain.to_dict()
    assert Event.from_dict({"at": at.isoformat(), "type": "note", "id": 17}).id == "17"  # as exports write keys


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": ""}, "'id' must be a non-empty string"),
        ({"id": "x" * 1001}, "at most 1000 characters"),
        ({"meta": ["a"]}, "'meta' must be a mapping of JSON data"),
        ({"meta": {"at": datetime(2025, 1, 1, tzinfo=UTC)}}, r"'meta\.at' must be JSON data"),
        ({"meta": {"x": float("nan")}}, r"'meta\.x' must be JSON data"),
        ({"meta": {1: "a"}}, "keys must be strings"),
        ({"meta": {"big": "x" * 5000}}, "at most 4096 characters"),
        ({"meta": {"many": list(range(5000))}}, "at most 4096 characters"),
    ],
)
def test_an_events_id_and_meta_are_checked(changes, message):
    at = datetime(2025, 10, 9, 10, tzinfo=UTC)
    with pytest.raises(InvalidTicketError, match=message):
        Event(at, "note", **changes)


def test_deep_meta_is_refused_without_walking_it_all():
    deep: dict = {}
    place = deep
    for _ in range(100_000):
        place["x"] = {}
        place = place["x"]
    with pytest.raises(InvalidTicketError, match="8 levels deep"):
        Event(datetime(2025, 10, 9, tzinfo=UTC), "note", meta=deep)


# -- attributes ----------------------------------------------------------------------------------------------


def _at(**kwargs):
    return Ticket("A", datetime(2025, 9, 22, 10, tzinfo=UTC), "P1", **kwargs)


def test_attributes_are_an_immutable_hashable_picklable_mapping():
    import pickle

    ticket = _at(attributes={"tier": "gold", "seats": 40, "ratio": 0.5, "trial": False})
    assert dict(ticket.attributes) == {"tier": "gold", "seats": 40, "ratio": 0.5, "trial": False}
    assert ticket.attributes["tier"] == "gold"
    assert ticket.attributes.get("region") is None
    assert ticket.attributes == {"seats": 40, "tier": "gold", "ratio": 0.5, "trial": False}
    assert hash(ticket) == hash(_at(attributes={"trial": False, "ratio": 0.5, "seats": 40, "tier": "gold"}))
    assert pickle.loads(pickle.dumps(ticket)) == ticket  # noqa: S301 -- our own bytes
    with pytest.raises(TypeError):
        ticket.attributes["tier"] = "silver"  # type: ignore[index]
    assert _at().attributes == {}


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"tier": ["gold"]}, "'attributes.tier' must be text, a finite number or true/false (got ['gold'])"),
        ({"tier": None}, "'attributes.tier' must be text"),
        ({"ratio": float("nan")}, "'attributes.ratio' must be text, a finite number"),
        ({"a.b": 1}, "an attribute name must be non-empty text without a dot"),
        ({"": 1}, "an attribute name must be non-empty"),
        ({1: 1}, "an attribute name"),
        ("gold", "'attributes' must be a mapping"),
    ],
)
def test_attributes_are_checked(attributes, message):
    with pytest.raises(InvalidTicketError) as raised:
        _at(attributes=attributes)
    assert message in str(raised.value)


def test_attributes_go_through_to_dict_and_from_dict():
    ticket = _at(attributes={"tier": "gold", "seats": 40})
    data = ticket.to_dict()
    assert data["attributes"] == {"seats": 40, "tier": "gold"}
    assert Ticket.from_dict(json.loads(json.dumps(data))) == ticket
    assert "attributes" not in _at().to_dict()  # as before attributes existed
    assert Ticket.from_dict({**_at().to_dict(), "attributes": None}) == _at()
    with pytest.raises(InvalidTicketError, match=r"'attributes\.tier' must be text"):
        Ticket.from_dict({**_at().to_dict(), "attributes": {"tier": {"a": 1}}})
