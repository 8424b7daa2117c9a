"""GET /tracks/{id}/history: a track's path as the engine keeps it, oldest first, for a track
on the map now and for one an open incident names; 404 for one never seen."""

from __future__ import annotations

import itertools
from typing import Any

from .conftest import Api


def _history(api: Api, track_id: str, user: str = "op1") -> dict[str, Any]:
    r = api.client.get(f"/api/v1/tracks/{track_id}/history", headers=api.auth(user))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert isinstance(doc, dict)
    return doc


def test_a_current_tracks_path_ends_where_it_is_now(api: Api) -> None:
    engine = api.service.engine
    tid = min(engine.tracks)
    track = engine.tracks[tid]
    doc = _history(api, tid)
    assert (doc["track_id"], doc["current"]) == (tid, True)
    points = doc["points"]
    assert len(points) > 1
    times = [p["time_ns"] for p in points]
    assert times == sorted(times)
    assert len(set(times)) == len(times)
    assert points[-1] == {
        "time_ns": engine.tracks_time_ns,
        "lat": track.lat,
        "lon": track.lon,
        "coasting": track.status == "coasting",
    }
    # A point per snapshot while the track was in the picture: 5 s apart, bar gaps.
    steps = {b - a for a, b in itertools.pairwise(times)}
    assert 5_000_000_000 in steps
    assert all(s % 5_000_000_000 == 0 for s in steps)
    assert points == [
        {"time_ns": t, "lat": la, "lon": lo, "coasting": c}
        for t, la, lo, c in engine.history.get(tid) or ()
    ]


def test_an_incidents_tracks_have_their_paths_after_they_end(api: Api) -> None:
    engine = api.service.engine
    named = {t for i in engine.incidents.values() for t in i.track_ids}
    ended = sorted(named - set(engine.tracks))
    assert ended, "the run should have an incident whose track has ended"
    doc = _history(api, ended[0], user="an1")
    assert doc["current"] is False
    assert doc["points"]
    assert doc["points"][-1]["time_ns"] < engine.tracks_time_ns


def test_an_unknown_track_is_not_found(api: Api) -> None:
    r = api.client.get("/api/v1/tracks/T999999/history", headers=api.auth("op1"))
    assert (r.status_code, r.json()["detail"]) == (404, "no track history 'T999999'")
