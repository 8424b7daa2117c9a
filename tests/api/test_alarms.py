"""Alarm management through the API: shelving an alarm (with a reason and an expiry, logged,
so audited and replayed), the queues (shelved alarms out of them, bursts rolled up), and the
operator load."""

from __future__ import annotations

import json

from borderwatch.engine.replay import replay_log
from tests.api.conftest import Api


def _queue(api: Api, category: str = "intrusion") -> list[dict[str, object]]:
    r = api.client.get(f"/api/v1/alarms/queue?category={category}", headers=api.auth("op1"))
    assert r.status_code == 200, r.text
    return list(r.json())


def _queued_incidents(api: Api) -> set[str]:
    return {i for e in _queue(api) for i in e["incident_ids"]}  # type: ignore[attr-defined]


def test_a_shelved_alarm_leaves_the_queue_until_unshelved_and_the_trail_says_why(
    api: Api,
) -> None:
    iid = api.incident_for("acknowledge")
    assert iid in _queued_incidents(api)
    headers = api.auth("op1")
    # A reason is required, and a shelf longer than rules.alarms.shelve_max_s is refused.
    no_reason = api.client.post(
        f"/api/v1/incidents/{iid}/shelve", json={"minutes": 30}, headers=headers
    )
    assert no_reason.status_code == 422
    too_long = api.client.post(
        f"/api/v1/incidents/{iid}/shelve", json={"minutes": 600, "why": "x"}, headers=headers
    )
    assert too_long.status_code == 409
    assert "shelve_max_s" in too_long.json()["detail"]
    r = api.client.post(
        f"/api/v1/incidents/{iid}/shelve",
        json={"minutes": 30, "why": "herd grazing by the berm, patrol on it"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    inc = r.json()["incident"]
    assert inc["shelved_by"] == "op1"
    assert inc["shelved_reason"] == "herd grazing by the berm, patrol on it"
    assert inc["shelved_until_ns"] - r.json()["action"]["time_ns"] == 30 * 60 * 10**9
    assert iid not in _queued_incidents(api)
    trail = api.client.get(f"/api/v1/audit?target={iid}", headers=api.auth("cmd1")).json()
    shelf = [e["action"] for e in trail["entries"] if e["action"]["action"] == "shelve"]
    assert [(a["user"], a["why"]) for a in shelf] == [("op1", inc["shelved_reason"])]
    # The log replays to the same shelf.
    out = api.service.options.data.root.parent / f"replay-{iid}"
    replay_log(
        api.service.options.data.root / "events.sqlite",
        out,
        api.service.registry,
        api.service.options.config,
    )
    states = [json.loads(line) for line in (out / "incidents.jsonl").read_text().splitlines()]
    replayed = [s for s in states if s["id"] == iid][-1]
    assert replayed["shelved_until_ns"] == inc["shelved_until_ns"]
    back = api.client.post(f"/api/v1/incidents/{iid}/unshelve", json={}, headers=headers)
    assert back.status_code == 200, back.text
    assert "shelved_until_ns" not in back.json()["incident"]
    assert iid in _queued_incidents(api)
    again = api.client.post(f"/api/v1/incidents/{iid}/unshelve", json={}, headers=headers)
    assert again.status_code == 409


def test_an_analyst_may_not_shelve(api: Api) -> None:
    iid = api.incident_for("note")
    r = api.client.post(
        f"/api/v1/incidents/{iid}/shelve", json={"minutes": 5, "why": "x"}, headers=api.auth("an1")
    )
    assert r.status_code == 403


def test_the_queues_keep_equipment_and_intrusions_apart(api: Api) -> None:
    intrusion = _queue(api)
    assert intrusion
    assert {e["category"] for e in intrusion} == {"intrusion"}
    alerts = api.service.engine.alerts
    for e in intrusion:
        assert all(alerts[a].category == "intrusion" for a in e["alert_ids"])  # type: ignore[attr-defined]
    assert {e["category"] for e in _queue(api, "system")} <= {"system"}


def test_the_operator_load_per_position(api: Api) -> None:
    r = api.client.get("/api/v1/alarms/load", headers=api.auth("op1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["window_s"] == 600.0
    (position,) = body["positions"]  # the service watches N03 alone
    assert position["sectors"] == ["N03"]
    n = sum(1 for a in api.service.engine.alerts.values() if a.category == "intrusion")
    assert position["alerts"] == n
    assert position["per_window_max"] >= position["per_window_avg"] > 0
    assert isinstance(body["standing"], list)
    assert isinstance(body["chattering"], list)
