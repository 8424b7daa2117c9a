"""An incident's evidence on the map: `GET /incidents/{id}/detections` finds every detection
its alerts cite in the log, and places each near the alerts; unknown and unreleased
incidents are "not found"."""

from __future__ import annotations

from typing import Any

from borderwatch.geo.projection import polar

from .conftest import Api

# A track's evidence spans its approach: its detections lie within a few km of its alerts.
NEAR_M = 6_000.0


def _detections(api: Api, iid: str, user: str = "op1") -> Any:
    r = api.client.get(f"/api/v1/incidents/{iid}/detections", headers=api.auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def test_an_incidents_detections_come_back_near_its_alerts(api: Api) -> None:
    engine = api.service.engine
    kinds: set[str] = set()
    for iid, inc in sorted(engine.incidents.items()):
        alerts = [engine.alerts[a] for a in inc.alert_ids if a in engine.alerts]
        cited = {k for a in alerts for k in a.detection_keys}
        got = _detections(api, iid)
        assert got["complete"]
        assert got["missing"] == []
        assert {d["key"] for d in got["detections"]} == cited
        for d in got["detections"]:
            kinds.add(d["kind"])
            assert d["key"].startswith(d["sensor_id"] + "/")
            assert got["from_ns"] <= d["time_ns"] <= got["to_ns"]
            az, dist = polar(d["lon"], d["lat"], [a.lon for a in alerts], [a.lat for a in alerts])
            near = float(dist.min())
            if d["kind"] == "camera":  # at the camera: the target is along its ray
                reach = api.service.registry.cameras[d["sensor_id"]].range_m
                assert near < reach + NEAR_M, (iid, d, near)
                off = (az - d["bearing_deg"] + 180.0) % 360.0 - 180.0
                assert float(abs(off).min()) < 5.0, (iid, d)  # it points at an alert
            else:
                assert near < NEAR_M, (iid, d, near)
            assert ("bearing_deg" in d) == (d["kind"] == "camera")
    assert "radar" in kinds  # the placed-by-range path was taken


def test_an_unknown_incident_is_not_found(api: Api) -> None:
    r = api.client.get("/api/v1/incidents/NOPE/detections", headers=api.auth("op1"))
    assert r.status_code == 404


def test_a_partner_does_not_find_an_unreleased_incident(api: Api) -> None:
    unreleased = [
        i
        for i, inc in api.service.engine.incidents.items()
        if "partner:dz" not in inc.releasable_to
    ]
    r = api.client.get(f"/api/v1/incidents/{unreleased[0]}/detections", headers=api.auth("dz1"))
    assert r.status_code == 404
