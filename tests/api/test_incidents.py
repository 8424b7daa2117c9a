"""An operator works an incident end to end through the API, and the audit trail shows every
step with who, when and why; the workflow's refusals are named (404, 409, 422, 413)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from borderwatch.api import ApiSettings

from .conftest import PATROL, Api


def _post(api: Api, user: str, iid: str, step: str, body: Any) -> Any:
    r = api.client.post(f"/api/v1/incidents/{iid}/{step}", json=body, headers=api.auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def test_an_operator_works_an_incident_and_the_audit_shows_each_step(api: Api) -> None:
    iid = api.incident_for("acknowledge")
    started = time.time_ns()
    steps: list[tuple[str, Any, str]] = [
        ("acknowledge", {"why": "two on foot near the berm"}, "acknowledged"),
        ("assign", {"patrol": PATROL, "why": "closest patrol"}, "assigned"),
        ("notes", {"text": "patrol 10 min out"}, "assigned"),
        ("resolve", {"outcome": "apprehended", "why": "two held at the berm"}, "resolved"),
    ]
    for step, body, state in steps:
        result = _post(api, "op1", iid, step, body)
        assert result["incident"]["state"] == state
        assert result["action"]["user"] == "op1"
    assert result["incident"]["outcome"] == "apprehended"
    assert result["incident"]["assigned_patrol"] == PATROL

    detail = api.client.get(f"/api/v1/incidents/{iid}", headers=api.auth("op1")).json()
    # Its note, the latest (other modules on the package's service may note it too).
    assert detail["notes"][-1]["why"] == "patrol 10 min out"
    assert detail["alerts"]
    assert {a["id"] for a in detail["alerts"]} == set(detail["incident"]["alert_ids"])
    assert [h["action"]["action"] for h in detail["history"]] == [
        "acknowledge",
        "assign",
        "note",
        "resolve",
    ]

    trail = api.client.get(f"/api/v1/audit?target={iid}", headers=api.auth("cmd1")).json()
    entries = trail["entries"]
    assert trail["next_after"] == entries[-1]["seq"]
    whys = [b.get("why", b.get("text")) for _, b, _ in steps]
    for entry, (step, _, _), why in zip(entries, steps, whys, strict=True):
        action = entry["action"]
        assert action["action"] == step.removesuffix("s")  # notes → note
        assert (action["user"], action["role"], action["agency"]) == (
            "op1",
            "operator",
            "national_guard",
        )
        assert started <= action["time_ns"] <= time.time_ns()  # when: the wall clock
        assert action["why"] == why
        assert entry["source"] == "user:op1"
    assert entries[1]["action"]["params"] == {"patrol": PATROL}
    assert entries[3]["action"]["params"] == {"outcome": "apprehended"}
    # Paging: one at a time, from where the last page ended.
    first = api.client.get(f"/api/v1/audit?target={iid}&limit=1", headers=api.auth("an1"))
    after = first.json()["next_after"]
    rest = api.client.get(
        f"/api/v1/audit?target={iid}&after={after}&limit=100", headers=api.auth("an1")
    ).json()["entries"]
    assert [e["seq"] for e in rest] == [e["seq"] for e in entries[1:]]

    # A resolved incident takes no more steps: 409 with the reason, and nothing logged.
    last = api.service.writer.last_seq
    r = api.client.post(f"/api/v1/incidents/{iid}/acknowledge", headers=api.auth("op1"))
    assert r.status_code == 409
    assert r.json()["detail"] == f"incident {iid} is resolved: cannot become acknowledged"
    assert api.service.writer.last_seq == last
    listed = api.client.get("/api/v1/incidents?state=resolved", headers=api.auth("an1")).json()
    assert iid in {i["id"] for i in listed}


@pytest.mark.parametrize(
    ("step", "body", "field", "reason"),
    [
        ("assign", {}, "$.patrol", "missing required field"),
        ("assign", {"patrol": "bad patrol!"}, "$.patrol", "matching regex"),
        ("resolve", {"outcome": "escaped"}, "$.outcome", "Invalid enum value 'escaped'"),
        ("notes", {"text": ""}, "$.text", "length >= 1"),
        ("notes", {"text": "x" * 2001}, "$.text", "length <= 2000"),
        ("acknowledge", {"reason": "typo"}, "$", "unknown field `reason`"),
        ("acknowledge", [1], "$", "Expected `object`, got `array`"),
    ],
    ids=["no-patrol", "bad-patrol", "bad-outcome", "empty-note", "long-note", "unknown", "array"],
)
def test_a_bad_body_names_its_field(
    api: Api, step: str, body: Any, field: str, reason: str
) -> None:
    iid = api.incident_for("note")
    last = api.service.writer.last_seq
    r = api.client.post(f"/api/v1/incidents/{iid}/{step}", json=body, headers=api.auth("op1"))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert reason in r.json()["detail"]
    assert api.service.writer.last_seq == last


def test_not_json_and_too_large(api: Api) -> None:
    iid = api.incident_for("note")
    r = api.client.post(
        f"/api/v1/incidents/{iid}/notes", content=b"{text:", headers=api.auth("op1")
    )
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["detail"]) == (
        "$",
        "JSON is malformed: object keys must be strings (byte 1)",
    )
    small = api.app_with(ApiSettings(max_body_bytes=100))
    r = small.post(
        f"/api/v1/incidents/{iid}/notes", json={"text": "x" * 200}, headers=api.auth("op1")
    )
    assert r.status_code == 413
    assert "at most 100" in r.json()["detail"]


def test_an_unknown_incident_is_404_not_409(api: Api) -> None:
    r = api.client.post("/api/v1/incidents/I999999/acknowledge", headers=api.auth("op1"))
    assert r.status_code == 404
    assert r.json() == {"detail": "no incident 'I999999'", "field": None}


def test_list_filters(api: Api) -> None:
    headers = api.auth("op1")
    everything = api.client.get("/api/v1/incidents", headers=headers).json()
    assert len(everything) == len(api.service.engine.incidents)
    stamps = [(i["updated_ns"], i["id"]) for i in everything]
    assert stamps == sorted(stamps, reverse=True)
    new = api.client.get("/api/v1/incidents?state=new&limit=1", headers=headers).json()
    assert len(new) <= 1
    # Fields at their default are left out, as on the wire: a new incident has no state.
    assert all(i.get("state", "new") == "new" for i in new)
    assert api.client.get("/api/v1/incidents?sector=S01", headers=headers).json() == []
    r = api.client.get("/api/v1/incidents?state=closed", headers=headers)
    assert r.status_code == 422
    assert r.json()["field"] == "query.state"
    r = api.client.get("/api/v1/incidents?limit=0", headers=headers)
    assert (r.status_code, r.json()["field"]) == (422, "query.limit")
