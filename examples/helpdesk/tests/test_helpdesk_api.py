"""The HTTP API: numbers, triage, events checked by slakit before they are stored, the survey."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
from fastapi.testclient import TestClient

from helpdesk.clock import ManualClock
from slakit import schema


def test_a_ticket_gets_a_number_a_category_and_a_priority_from_its_text(client: TestClient) -> None:
    # Chinese: a device that does not start on a production line, urgently -> after-sales, high x high = P1
    made = client.post("/tickets", json={"subject": "生产线设备无法启动，紧急", "customer": "acme"}).json()
    assert (made["number"], made["category"], made["priority"]) == ("SS20250922001", "售后服务类/硬件维修", "P1")
    assert (made["impact"], made["urgency"]) == ("high", "high")
    assert "无法启动" in made["keywords"]
    # English: a crash -> technical support; no urgency words -> medium x medium = P2
    made = client.post("/tickets", json={"subject": "The app crashes with error 500", "channel": "email"}).json()
    assert (made["number"], made["category"], made["priority"]) == ("TS20250922001", "技术支持类/软件故障排查", "P2")
    # the intake form's impact and urgency win over the words; numbers count per prefix and day
    made = client.post("/tickets", json={"subject": "报错", "impact": "low", "urgency": "low"}).json()
    assert (made["number"], made["priority"]) == ("TS20250922002", "P3")
    # nothing matched: filed as technical support, no category
    made = client.post("/tickets", json={"subject": "你好"}).json()
    assert (made["number"], made["category"]) == ("TS20250922003", None)
    # a complaint has its own prefix
    made = client.post("/tickets", json={"subject": "客服态度差，我要投诉"}).json()
    assert (made["number"], made["category"]) == ("CP20250922001", "投诉建议类/服务投诉")


def test_the_sla_is_json_as_of_the_injected_clock(client: TestClient, clock: ManualClock) -> None:
    number = client.post("/tickets", json={"subject": "系统宕机，所有用户无法登录，紧急"}).json()["number"]
    clock.advance(timedelta(minutes=90))
    body = client.get(f"/tickets/{number}/sla").json()
    response = body["sla"]["metrics"]["response"]
    assert body["sla"]["as_of"] == "2025-09-22T10:30:00+08:00"
    assert response["state"] == "running"
    assert response["deadline"] == "2025-09-22T11:00:00+08:00"  # P1: 2 business hours from 09:00
    assert response["remaining"] == {"seconds": 1800.0, "text": "30m"}
    assert response["at_risk"] is True  # 1h30m of 2h >= 75%
    assert body["sla"]["next_change_at"] == "2025-09-22T11:00:00.000001+08:00"  # breached 1µs after
    assert body["escalation"]["level"] == 0
    # each part is slakit's to_dict() and validates against slakit's published JSON Schema
    jsonschema.validate(body["sla"], schema.report())
    jsonschema.validate(body["escalation"], schema.escalation_report())
    jsonschema.validate(client.get(f"/tickets/{number}").json(), schema.ticket())


def test_a_bad_event_is_refused_with_slakits_message_and_nothing_is_stored(client: TestClient) -> None:
    number = client.post("/tickets", json={"subject": "打印机坏了"}).json()["number"]
    refused = client.post(f"/tickets/{number}/events", json={"type": "priority", "priority": "P9"})
    assert refused.status_code == 422
    assert "P9" in refused.json()["detail"]
    refused = client.post(
        f"/tickets/{number}/events", json={"type": "extend", "metric": "first response", "until": None}
    )
    assert refused.status_code == 422
    assert "'metric' must be one of" in refused.json()["detail"]
    refused = client.post(f"/tickets/{number}/events", json={"type": "teleport"})
    assert refused.status_code == 422
    assert client.get(f"/tickets/{number}").json()["events"] == []
    assert client.get("/tickets/XX1/sla").status_code == 404


def test_the_survey_comes_after_resolution_once_and_low_scores_escalate(client: TestClient, clock: ManualClock) -> None:
    number = client.post("/tickets", json={"subject": "如何导出报表"}).json()["number"]
    answers = {"answers": {"solved": 2, "speed": 3, "attitude": 2}}
    assert client.post(f"/tickets/{number}/survey", json=answers).status_code == 409  # not resolved yet
    clock.advance(timedelta(hours=1))
    client.post(f"/tickets/{number}/events", json={"type": "reply", "author": "agent"})
    client.post(f"/tickets/{number}/events", json={"type": "resolve"})
    bad = client.post(f"/tickets/{number}/survey", json={"answers": {"speed": 9}})
    assert bad.status_code == 422
    assert "speed" in bad.json()["detail"]
    clock.advance(timedelta(hours=2))
    score = client.post(f"/tickets/{number}/survey", json=answers)
    assert score.status_code == 201
    assert score.json()["overall"] == "2.33"
    assert score.json()["needs_follow_up"] is True
    assert client.post(f"/tickets/{number}/survey", json=answers).status_code == 409  # once
    fired = client.get(f"/tickets/{number}/sla").json()["escalation"]["fired"]
    assert [(item["rule"], item["fired_at"]) for item in fired] == [("low-satisfaction", "2025-09-22T12:00:00+08:00")]


def test_events_carry_their_row_id_and_meta_into_slakits_reports(client: TestClient, clock: ManualClock) -> None:
    number = client.post("/tickets", json={"subject": "需要上门安装"}).json()["number"]
    clock.advance(timedelta(minutes=5))
    client.post(f"/tickets/{number}/events", json={"type": "reply", "author": "agent", "meta": {"message": "m-1"}})
    until = "2025-09-30T18:00:00+08:00"
    body = {"type": "extend", "metric": "resolution", "until": until, "reason": "parts", "customer_agreed": True}
    report = client.post(f"/tickets/{number}/events", json=body).json()
    (extension,) = report["sla"]["metrics"]["resolution"]["extensions"]
    assert extension["event"]["id"] == "E2"
    events = client.get(f"/tickets/{number}").json()["events"]
    assert [(e["id"], e["type"], e.get("meta")) for e in events] == [
        ("E1", "reply", {"message": "m-1"}),
        ("E2", "extend", None),
    ]
    refused = client.post(f"/tickets/{number}/events", json={"type": "note", "meta": {"x": "y" * 5000}})
    assert refused.status_code == 422  # slakit bounds meta
    assert len(client.get(f"/tickets/{number}").json()["events"]) == 2
