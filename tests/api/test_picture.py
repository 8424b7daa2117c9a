"""The operations room's console serves the fusion workers' picture (`PICTURE`) when they
run (`borderwatch run --stations DIR` beside `stations up --workers N`), on the real
servers: two stations, two workers (N02-N03, N04-N07), the API following `PICTURE`.
GET /tracks gives the tracks of every sector at the latest scene, merged, under the
workers' names; GET /tracks/{id}/history a workers' track's path, a point per scene they
published it at; GET /alerts every sector's alerts; before the workers publish anything,
the API serves its own engine. And `RoomPicture` on its own: a sector whose tracks ended
is cleared (its tracks' paths kept), a restarted worker's outputs are not taken twice."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
import nats

from borderwatch.messages import Alert, Track, encode_lines
from borderwatch.stations.picture import RoomPicture
from borderwatch.stations.subjects import FIRST
from borderwatch.stations.workers import SNAPSHOT, SectorWorker, read_picture

from .conftest import Api
from .room_workers import S, feed_workers, in_room, start_room, until


async def _scenario(api: Api, root: Path) -> dict[str, Any]:
    room = await start_room(api, root)
    client, auth, follower = room.client, room.auth, room.console.follower

    async def get(path: str) -> Any:
        r = await asyncio.to_thread(client.get, f"/api/v1{path}", headers=auth)
        assert r.status_code == 200, (path, r.text)
        return r.json()

    workers: list[SectorWorker] = []
    try:
        # no workers yet: the API's own engine
        before = await get("/tracks")
        own = api.service.engine
        assert [t["id"] for t in before["tracks"]] == sorted(own.tracks)
        await feed_workers(room, workers)
        await asyncio.sleep(1.0)  # their last steps published
        nc = await nats.connect(room.system.cluster.urls)
        try:
            js = nc.jetstream()
            in_stream = (await js.stream_info("PICTURE")).state.messages
            published = await read_picture(nc)
        finally:
            await nc.close()
        await until(
            "the API never followed PICTURE", lambda: follower.picture.messages >= in_stream
        )
        tracks = await get("/tracks")
        alerts = await get("/alerts?limit=1000")
        one = await get(f"/tracks/{tracks['tracks'][0]['id']}") if tracks["tracks"] else None
        paths = {t["id"]: await get(f"/tracks/{t['id']}/history") for t in tracks["tracks"]}
        return {
            "published": published,
            "tracks": tracks,
            "alerts": alerts,
            "one": one,
            "paths": paths,
            "engine_tracks": set(own.tracks),
            "engine_alerts": set(own.alerts),
            "skipped": follower.picture.skipped,
        }
    finally:
        await room.close(workers)


def test_the_console_serves_the_workers_picture(api: Api, tmp_path: Path) -> None:
    out = in_room(api, tmp_path, _scenario)
    published = out["published"]
    tracks = [t for items in published.values() for t in items if isinstance(t, Track)]
    alerts = [a for items in published.values() for a in items if isinstance(a, Alert)]
    last = max(t.time_ns for t in tracks)
    expected = sorted({t.id for t in tracks if t.time_ns == last})
    served = out["tracks"]
    # the latest scene's tracks of every sector, merged, as the workers named them
    assert served["time_ns"] == last
    assert [t["id"] for t in served["tracks"]] == expected
    assert {t["sector"] for t in served["tracks"]} >= {"N02", "N07"}
    assert {t["sector"] for t in served["tracks"]} & {"N03", "N04"}
    assert len(served["tracks"]) >= 4
    assert not set(expected) & out["engine_tracks"]  # not the API's own engine's
    assert out["one"]["id"] == served["tracks"][0]["id"]
    # each served track's path: where the workers put it at every scene, oldest first
    for tid, path in out["paths"].items():
        theirs = {t.time_ns: t for t in tracks if t.id == tid}
        assert path["track_id"] == tid
        assert path["current"]
        assert [(p["time_ns"], p["lat"], p["lon"]) for p in path["points"]] == [
            (t.time_ns, t.lat, t.lon) for _, t in sorted(theirs.items())
        ]
        assert len(path["points"]) > 1
    # every sector's alerts, each once, newest first
    assert alerts
    assert sorted(a["id"] for a in out["alerts"]) == sorted({a.id for a in alerts})
    assert not {a.id for a in alerts} & out["engine_alerts"]
    assert out["skipped"] == 0


def _track(tid: str, sector: str, t_s: int) -> Track:
    return Track(
        id=tid, sector=sector, time_ns=t_s * S, lat=33.0, lon=11.4, state=(0.0, 0.0, 0.0, 0.0)
    )


def _message(picture: RoomPicture, sector: str, first: int, items: list[Any], scene_s: int) -> None:
    headers = {FIRST: str(first), SNAPSHOT: str(scene_s * S)}
    picture.take(f"bw.picture.{sector}", headers, encode_lines(items))


def _path(picture: RoomPicture, tid: str) -> list[int]:
    path = picture.history.get(tid)
    return [] if path is None else [p.time_ns // S for p in path]


def test_a_sector_whose_tracks_ended_is_cleared() -> None:
    picture = RoomPicture()
    _message(picture, "N02", 0, [_track("K-a", "N02", 5)], 5)
    _message(picture, "N03", 0, [_track("K-b", "N03", 5)], 5)
    assert sorted(picture.tracks) == ["K-a", "K-b"]
    # the next scene: N02's track moved on, N03 has none (a message without outputs)
    _message(picture, "N02", 1, [_track("K-a", "N02", 10)], 10)
    _message(picture, "N03", 1, [], 10)
    assert sorted(picture.tracks) == ["K-a"]
    assert (picture.tracks["K-a"].time_ns, picture.tracks_time_ns) == (10 * S, 10 * S)
    assert (_path(picture, "K-a"), _path(picture, "K-b")) == ([5, 10], [5])  # K-b's stays
    # a restarted worker publishes N02 from the start again: nothing taken twice
    _message(picture, "N02", 0, [_track("K-a", "N02", 5), _track("K-a", "N02", 10)], 10)
    assert picture.skipped == 2
    assert picture.tracks["K-a"].time_ns == 10 * S
    assert _path(picture, "K-a") == [5, 10]
    assert msgspec.json.encode(picture.tracks["K-a"]) == msgspec.json.encode(
        _track("K-a", "N02", 10)
    )
    # a track two sectors both gave at one scene (on their edge): one point
    _message(picture, "N03", 1, [_track("K-a", "N03", 10)], 10)
    assert _path(picture, "K-a") == [5, 10]
