"""What the read endpoints show is the engine's picture: sensors and their health, sectors
as GeoJSON with their open incidents, the current tracks, alerts, patrols, the counters."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from .conftest import PATROL, Api


def _get(api: Api, path: str, user: str = "an1") -> object:
    r = api.client.get(f"/api/v1{path}", headers=api.auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def test_sensors_and_their_health(api: Api) -> None:
    sensors = _get(api, "/sensors")
    assert isinstance(sensors, list)
    assert [s["sensor_id"] for s in sensors] == sorted(api.service.registry.places)
    radar = next(s for s in sensors if s["sensor_id"] == "T05-R")
    assert (radar["kind"], radar["sector"], radar["health"]) == ("radar", "N03", "ok")
    assert radar["last_heard_ns"] > 1_773_471_600_000_000_000  # heard during the run
    assert _get(api, "/sensors/T05-R") == radar
    r = api.client.get("/api/v1/sensors/T99-R", headers=api.auth("an1"))
    assert (r.status_code, r.json()["detail"]) == (404, "no sensor 'T99-R'")


def test_sectors_as_geojson_with_open_incidents(api: Api) -> None:
    doc = _get(api, "/sectors", "adm1")  # an admin sees the system's shape, not incidents
    assert isinstance(doc, dict)
    assert doc["type"] == "FeatureCollection"
    (n03,) = doc["features"]  # this service watches N03 only
    props = n03["properties"]
    assert (n03["id"], props["segment"], props["sensors"]) == ("N03", "berm", 5)
    open_ = [i for i in api.service.engine.incidents.values() if i.state != "resolved"]
    assert props["open_incidents"] == sum(i.category == "intrusion" for i in open_)
    assert props.get("open_faults", 0) == sum(i.category == "system" for i in open_)
    area = shape(n03["geometry"])
    assert area.is_valid
    # In degrees around the berm near Ben Guerdane, and holding the sector's towers.
    lon, lat = area.centroid.x, area.centroid.y
    assert 11.2 < lon < 11.7
    assert 32.6 < lat < 33.1
    towers = [s for s in api.service.registry.places.values() if s.kind in ("radar", "camera")]
    assert towers
    for tower in towers:
        assert area.contains(shapely.Point(tower.lon, tower.lat))
    zones = _get(api, "/sectors/N03")
    assert isinstance(zones, dict)
    kinds = [(f["properties"]["zone"], f["geometry"]["type"]) for f in zones["features"]]
    assert kinds == [
        ("line", "LineString"),
        ("approach", "Polygon"),
        ("barrier", "Polygon"),
        ("inner", "Polygon"),
    ]
    r = api.client.get("/api/v1/sectors/N01", headers=api.auth("adm1"))
    assert r.status_code == 404


def test_tracks_are_the_latest_snapshot(api: Api) -> None:
    doc = _get(api, "/tracks")
    assert isinstance(doc, dict)
    engine = api.service.engine
    assert doc["time_ns"] == engine.tracks_time_ns
    assert [t["id"] for t in doc["tracks"]] == sorted(engine.tracks)
    assert doc["tracks"]
    first = doc["tracks"][0]
    assert _get(api, f"/tracks/{first['id']}") == first
    assert _get(api, "/tracks?sector=S01") == {"time_ns": doc["time_ns"], "tracks": []}


def test_alerts_newest_first_and_filtered(api: Api) -> None:
    alerts = _get(api, "/alerts?limit=1000")
    assert isinstance(alerts, list)
    assert len(alerts) == len(api.service.engine.alerts)
    times = [a["time_ns"] for a in alerts]
    assert times == sorted(times, reverse=True)
    rule = alerts[-1]["rule"]
    same = _get(api, f"/alerts?rule={rule}")
    assert isinstance(same, list)
    assert same
    assert {a["rule"] for a in same} == {rule}
    assert _get(api, "/alerts?limit=2") == alerts[:2]
    assert _get(api, f"/alerts?since_ns={times[1]}") == [
        a for a in alerts if a["time_ns"] >= times[1]
    ]
    assert _get(api, f"/alerts/{alerts[0]['id']}") == alerts[0]


def test_patrols(api: Api) -> None:
    patrols = _get(api, "/patrols", "op1")
    assert isinstance(patrols, list)
    assert [p["callsign"] for p in patrols] == [PATROL]  # the one patrol of the run
    assert _get(api, f"/patrols/{PATROL}", "op1") == patrols[0]
    assert api.client.get("/api/v1/patrols/X1", headers=api.auth("op1")).status_code == 404


def test_metrics_count_what_the_service_did(api: Api) -> None:
    doc = _get(api, "/metrics", "adm1")
    assert isinstance(doc, dict)
    assert doc["log_last_seq"] == api.service.writer.last_seq
    assert doc["engine_seq"] == api.service.engine.seq
    assert doc["feed_last_seq"] == api.service.feed.last_seq
    assert set(doc["ingest"]) >= {"accepted", "rejected", "connections_open"}
    api.client.get("/api/v1/me", headers={"Authorization": "Bearer x"})
    doc = _get(api, "/metrics", "adm1")
    assert isinstance(doc, dict)
    assert doc["token_rejections"]["malformed token"] >= 1
