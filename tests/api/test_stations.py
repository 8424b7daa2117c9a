"""`GET /api/v1/stations`: the sector stations' health as the operations room wrote it
(`borderwatch stations up`), read through the API by the equipment view's permission, the
same rows `borderwatch stations list` prints; embedded without a stations directory; stale
when the room stops writing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderwatch.api import ApiSettings
from borderwatch.cli import main

from .conftest import Api
from .stations_health import T0, S, room_writes


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

    room_writes(root)
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
    assert (b["sectors"], b["received"], b["local_alerts"], b["refused"]) == (["N03"], 4_000, 3, 0)

    # `borderwatch stations list` shows the same
    assert main(["stations", "list", "--data", str(root), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    for row in listed["stations"]:
        api_row = rows[row["station"]]
        for key in ("link", "backlog", "pending", "lag_s", "received", "last_heard_event_ns"):
            assert row[key] == api_row[key]

    room_writes(root, written_s_ago=60)  # the room stopped writing a minute ago
    assert client.get("/api/v1/stations", headers=api.auth("op1")).json()["stale"] is True
    assert main(["stations", "list", "--data", str(root)]) == 0
    table = capsys.readouterr().out
    assert "stale: the room is not writing" in table
    assert "pending" in table.splitlines()[1]
    # without a stations directory the service runs embedded
    r = api.client.get("/api/v1/stations", headers=api.auth("op1"))
    assert r.json() == {"mode": "embedded", "running": False, "stale": False}
