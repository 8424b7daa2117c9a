"""Replay from the log: the picture at a past time, as a console's time slider asks for it, is
the log's own (tracks where the live engine had them then), and reads only what was logged."""

from __future__ import annotations

from typing import Any

import numpy as np

from borderwatch.api.replay import first_seq_at
from borderwatch.geo import to_utm

from .conftest import Api


def _get(api: Api, path: str, user: str = "op1", **params: Any) -> Any:
    r = api.client.get(f"/api/v1{path}", params=params, headers=api.auth(user))
    assert r.status_code == 200, r.text
    return r.json()


def test_the_range_is_the_logs_event_times(api: Api) -> None:
    log = api.service.log
    # An operator action, stamped by the wall clock (months after the twin's run), is not a
    # time the sensors' picture holds.
    api.act("note", api.incident_for("note"), text="replay range")
    span = _get(api, "/replay/range")
    sensors = [e for e in log.read() if e.kind != "action"]
    assert span["first_ns"] == sensors[0].time_ns
    assert span["last_ns"] == max(e.time_ns for e in sensors)


def test_first_seq_at_a_time(api: Api) -> None:
    log = api.service.log
    events = list(log.read(limit=3000))
    t = events[2000].time_ns
    seq = first_seq_at(log, t)
    assert events[seq - 1].time_ns >= t  # seq is 1-based
    assert events[seq - 2].time_ns < t


def test_replay_now_redraws_the_live_tracks(api: Api) -> None:
    engine = api.service.engine
    at = engine.tracks_time_ns
    done = _get(api, "/replay", at=at, lead_s=180)
    assert done["at_ns"] == at
    assert done["from_ns"] == at - 180 * 10**9
    assert done["events"] > 100
    kinds = {f["kind"] for f in done["frames"]}
    assert "tracks" in kinds
    assert all(done["from_ns"] <= f["time_ns"] <= at for f in done["frames"])
    # Snapshots every few seconds, in time order, the last one at `at`.
    tracks = [f for f in done["frames"] if f["kind"] == "tracks"]
    times = [f["time_ns"] for f in tracks]
    assert times == sorted(times)
    assert len(tracks) >= 180 // 5 - 2
    assert times[-1] == at
    # Where the live engine has a track, the replay has one too (ids differ: a fresh engine
    # numbers its own), within a few hundred metres.
    live = list(engine.tracks.values())
    assert live, "the fixture's run has tracks on the map at its end"
    replayed = [i for i in tracks[-1]["items"] if i["type"] == "track"]
    assert replayed
    rx, ry = to_utm(np.array([i["lon"] for i in replayed]), np.array([i["lat"] for i in replayed]))
    near = 0
    for tr in live:
        x, y = to_utm(tr.lon, tr.lat)
        near += bool(np.min(np.hypot(rx - x, ry - y)) < 300.0)
    assert near >= len(live) / 2, (near, len(live))


def test_the_default_time_is_now_and_a_time_before_the_log_is_not_found(api: Api) -> None:
    done = _get(api, "/replay", lead_s=30)
    assert done["at_ns"] == api.service.engine.tracks_time_ns
    first = next(iter(api.service.log.read(limit=1))).time_ns
    r = api.client.get("/api/v1/replay", params={"at": first - 10**9}, headers=api.auth("op1"))
    assert r.status_code == 404
    assert r.json()["detail"] == "the log holds nothing that early"
    r = api.client.get("/api/v1/replay", params={"lead_s": 3600}, headers=api.auth("op1"))
    assert r.status_code == 422
