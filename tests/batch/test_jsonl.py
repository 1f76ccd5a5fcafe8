"""JSONL exports: every line ends evaluated or rejected with its line and reason (issue #11, items 5 and 6)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from slakit import presets
from slakit.batch import run
from slakit.cli import main

POLICY = presets.load("p1-p3")
AS_OF = "2025-09-30T00:00:00+08:00"


def _ticket(ticket_id: str, **changes: object) -> dict[str, object]:
    ticket: dict[str, object] = {
        "id": ticket_id,
        "created_at": "2025-09-22T09:00:00+08:00",
        "priority": "P2",
        "events": [{"at": "2025-09-22T10:00:00+08:00", "type": "reply", "author": "agent", "public": True}],
    }
    ticket.update(changes)
    return ticket


def _event(**fields: object) -> list[dict[str, object]]:
    return [{"at": "2025-09-22T10:00:00+08:00", **fields}]


EXTEND = {"type": "extend", "metric": "resolution", "until": "2025-10-30T09:00:00+08:00"}
LINES = [
    json.dumps(_ticket("ok")),
    json.dumps(_ticket("agreed-no", events=_event(**EXTEND, customer_agreed="no"))),
    json.dumps(_ticket("public-false", events=_event(type="reply", author="agent", public="false"))),
    json.dumps(_ticket("agreed-TRUE", events=_event(**EXTEND, customer_agreed="TRUE"))),
    "[" * 100_000 + "]" * 100_000,
    json.dumps(_ticket("no-type", events=_event(author="agent"))),
    json.dumps(_ticket("status-list", events=_event(type="status", status=["open"]))),
    json.dumps(_ticket("status-object", events=_event(type="status", status={"x": 1}))),
    json.dumps(_ticket("assignee-object", events=_event(type="assign", assignee={"name": "x"}))),
    json.dumps(_ticket("surrogate", subject="bad \ud800 text")),
    json.dumps(_ticket("emoji", subject="fine \U0001f600 text")),
    json.dumps(_ticket("event-ids", events=_event(type="reply", author="agent", id=42, meta={"channel": "mail"}))),
    json.dumps(_ticket("meta-list", events=_event(type="note", meta=["mail"]))),
]
REJECTED = {  # JSONL lines count from 1
    2: "'events[0].customer_agreed' must be true or false (got 'no')",
    5: "nests its JSON too deeply",
    6: "'events[0].type' must be one of",
    7: "'events[0].status' must be a string",
    8: "'events[0].status' must be a string",
    9: "'events[0].assignee' must be a string",
    10: "lone surrogate",
    13: "'events[0].meta' must be a mapping",
}
EVALUATED = ["ok", "public-false", "agreed-TRUE", "emoji", "event-ids"]


def _export(tmp_path: Path) -> Path:
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")  # json.dumps escapes the lone surrogate
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def _check(out: Path) -> None:
    results = _rows(out / "results.csv")
    assert [row["id"] for row in results] == EVALUATED
    rejected = {int(row["line"]): row["reason"] for row in _rows(out / "rejected.csv")}
    assert sorted(rejected) == sorted(REJECTED)
    for line, reason in REJECTED.items():
        assert reason in rejected[line], (line, rejected[line])
    public_false = json.loads((out / "results.jsonl").read_text(encoding="utf-8").splitlines()[1])
    assert public_false["id"] == "public-false"
    assert public_false["sla"]["response"]["state"] == "breached"  # a private reply answers no customer (met if public)


def test_run_rejects_each_bad_line_and_evaluates_the_rest(tmp_path: Path) -> None:
    from datetime import datetime

    outcome = run(_export(tmp_path), POLICY, as_of=datetime.fromisoformat(AS_OF), out_dir=tmp_path / "out", formats=())
    assert (outcome.rows, outcome.evaluated, outcome.rejected) == (13, 5, 8)
    _check(tmp_path / "out")


def test_the_command_rejects_each_bad_line_and_evaluates_the_rest(tmp_path: Path) -> None:
    args = ["evaluate", str(_export(tmp_path)), "--policy", "p1-p3", "--as-of", AS_OF, "--out", str(tmp_path / "o")]
    assert main([*args, "--quiet", "--format", "json"]) == 0
    _check(tmp_path / "o")
