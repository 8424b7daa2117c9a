"""GET /api/v1/incidents/{id}/patrols: the patrols to send, nearest by ETA along the roads
first, through the running service (the twin's one N03 patrol, reporting every 10 s)."""

from __future__ import annotations

from borderwatch.ops import rank_patrols, road_network

from .conftest import PATROL, Api


def test_the_patrol_to_send_and_when_it_is_busy(api: Api) -> None:
    here = api.incident_for("assign")
    r = api.client.post(
        f"/api/v1/incidents/{here}/assign", json={"patrol": PATROL}, headers=api.auth("op1")
    )
    assert r.status_code == 200, r.text
    engine = api.service.engine
    other = next(
        i for i in sorted(engine.incidents) if i != here and engine.incidents[i].state != "resolved"
    )

    r = api.client.get(f"/api/v1/incidents/{here}/patrols", headers=api.auth("an1"))
    assert r.status_code == 200, r.text
    (first,) = r.json()
    inc, patrol = engine.incidents[here], engine.patrols[PATROL]
    roads = road_network(api.app.state.api.sectors)
    expected = rank_patrols(inc, [patrol], engine.incidents, patrol.time_ns, roads=roads)[0]
    assert first == {
        "callsign": PATROL,
        "agency": "national_guard",
        "lat": patrol.lat,
        "lon": patrol.lon,
        "time_ns": patrol.time_ns,
        "status": "available",
        "distance_m": expected.distance_m,
        "eta_s": expected.eta_s,
        "stale": False,  # it reported in the last 10 s of the picture
        "assigned_here": True,
    }
    assert 0 < first["distance_m"] < 50_000
    # Along the roads, not a straight line x 1.4.
    straight = rank_patrols(inc, [patrol], engine.incidents, patrol.time_ns)[0]
    assert first["eta_s"] != straight.eta_s
    # Sent here, so not free for another open incident.
    r = api.client.get(f"/api/v1/incidents/{other}/patrols", headers=api.auth("op1"))
    assert (r.status_code, r.json()) == (200, [])


def test_an_unknown_or_hidden_incident_is_404(api: Api) -> None:
    r = api.client.get("/api/v1/incidents/I999999/patrols", headers=api.auth("op1"))
    assert r.status_code == 404
    assert r.json()["detail"] == "no incident 'I999999'"
    # A partner holds no read_patrols: refused before anything is looked up.
    iid = min(api.service.engine.incidents)
    r = api.client.get(f"/api/v1/incidents/{iid}/patrols", headers=api.auth("ly1"))
    assert r.status_code == 403
    assert "read_patrols" in r.json()["detail"]
