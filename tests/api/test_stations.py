"""`GET /api/v1/stations`: the sector stations' health as the operations room wrote it
(`borderwatch stations up`), read through the API by the equipment view's permission, the
same rows `borderwatch stations list` prints; embedded without a stations directory; stale
when the room stops writing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from borderwatch.api import ApiSettings
from borderwatch.cli import main
from borderwatch.geo.registry import Registry
from borderwatch.stations.centre import Centre
from borderwatch.stations.live import HEALTH_FILE
from borderwatch.stations.system import STATE_FILE

from .conftest import Api

T0 = 1_773_522_000_000_000_000
S = 1_000_000_000


def _room_writes(root: Path, written_s_ago: float = 0.0) -> None:
    """What the room's writer puts in DIR every second, from a room's own health rows."""
    room = Centre(["nats://127.0.0.1:9"], ["station-a", "station-b"], Registry())
    now = time.time()
    a, b = room.health["station-a"], room.health["station-b"]
    a.link_up, a.last_heard_wall, a.clock_ns, a.received = True, now - 1, T0 + 30 * S, 9_000
    a.backlog, a.in_border, a.bundles = 0, 40, 40
    # cut 25 s ago: its stream holds 12 bundles the room has not got; 3 in BORDER unread
    b.link_up, b.last_heard_wall, b.clock_ns, b.received = False, now - 25, T0 + 5 * S, 4_000
    b.backlog, b.in_border, b.bundles = 12, 20, 17
    rows = [
        row | {"sectors": [sector], "acknowledged": 10_000, "local_alerts": 3}
        for row, sector in zip(room.status(), ("N02", "N03"), strict=True)
    ]
    (root / STATE_FILE).write_text(json.dumps({"pid": 1, "cluster": [], "stations": []}))
    doc = {"time": now - written_s_ago, "stations": rows, "room": room.summary()}
    (root / HEALTH_FILE).write_text(json.dumps(doc))


def test_station_health_through_the_api(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "stations"
    root.mkdir()
    client = api.app_with(ApiSettings(stations=root))
    # nothing running there yet: said, not an error
    r = client.get("/api/v1/stations", headers=api.auth("op1"))
    assert r.status_code == 200
    assert r.json()["running"] is False
    assert "no stations running there" in r.json()["error"]

    _room_writes(root)
    assert client.get("/api/v1/stations").status_code == 401
    assert client.get("/api/v1/stations", headers=api.auth("dz1")).status_code == 403
    r = client.get("/api/v1/stations", headers=api.auth("op1"))
    assert r.status_code == 200
    body = r.json()
    assert (body["mode"], body["running"], body["stale"]) == ("distributed", True, False)
    rows = {row["station"]: row for row in body["stations"]}
    a, b = rows["station-a"], rows["station-b"]
    assert (a["link"], a["backlog"], a["pending"], a["lag_s"]) == ("up", 0, 0, 0.0)
    assert a["last_heard_s_ago"] < 30
    assert (b["link"], b["backlog"], b["pending"], b["lag_s"]) == ("down", 12, 3, 25.0)
    assert b["last_heard_event_ns"] == T0 + 5 * S
    assert 24 <= b["last_heard_s_ago"] < 60
    assert (b["sectors"], b["received"], b["local_alerts"]) == (["N03"], 4_000, 3)

    # `borderwatch stations list` shows the same
    assert main(["stations", "list", "--data", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    for row in listed["stations"]:
        api_row = rows[row["station"]]
        for key in ("link", "backlog", "pending", "lag_s", "received", "last_heard_event_ns"):
            assert row[key] == api_row[key]

    _room_writes(root, written_s_ago=60)  # the room stopped writing a minute ago
    assert client.get("/api/v1/stations", headers=api.auth("op1")).json()["stale"] is True
    # without a stations directory the service runs embedded
    r = api.client.get("/api/v1/stations", headers=api.auth("op1"))
    assert r.json() == {"mode": "embedded", "running": False, "stale": False}
