"""The operations room's console follows the fusion workers' picture over its WebSocket, and
its operators work the workers' incidents (`borderwatch run --stations DIR` beside `stations
up --workers N`), on the real servers: two stations, two workers (N02-N03, N04-N07), the
room console (`stations.console.RoomConsole`) following `PICTURE` and `DESK`.

A console connected to `/api/v1/stream` before the workers run starts from the API's own
engine; once they publish, its frames carry their tracks of N02 and N07 (under their names,
not the engine's), their alerts and incidents. An operator acknowledges and resolves one of
the workers' incidents through the REST API: each step goes to `DESK`, comes back on the
WebSocket as an action and the incident's new state, GET /incidents shows it, a step the
lifecycle refuses is a 409, and a console started afresh (a restarted API) finds the same
state in `DESK`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from borderwatch.stations.console import RoomConsole
from borderwatch.stations.workers import SectorWorker

from .conftest import Api
from .room_workers import feed_workers, start_room, until


async def _scenario(api: Api, root: Path) -> dict[str, Any]:
    """Runs on the service's own loop: the room console relays its engine's feed."""
    room = await start_room(api, root)
    client, auth = room.client, room.auth
    frames: list[dict[str, Any]] = []

    async def call(method: str, path: str, **kw: Any) -> Any:
        fn = getattr(client, method)
        return await asyncio.to_thread(fn, f"/api/v1{path}", headers=auth, **kw)

    def receive_until(done: Callable[[], bool], ws: Any, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            left = deadline - time.monotonic()
            assert left > 0, f"not on the WebSocket in time: {[f['kind'] for f in frames]}"
            message = api.receive(ws, timeout=left)
            assert message["type"] == "websocket.send", message
            frames.append(json.loads(message["text"]))

    workers: list[SectorWorker] = []
    out: dict[str, Any] = {}
    ws_cm = client.websocket_connect("/api/v1/stream?after=0")
    ws = await asyncio.to_thread(ws_cm.__enter__)
    try:
        await asyncio.to_thread(ws.send_json, {"token": api.token("op1")})
        await asyncio.to_thread(receive_until, lambda: bool(frames), ws)
        out["reset"] = frames[0]
        out["engine_tracks"] = set(api.service.engine.tracks)
        await feed_workers(room, workers)

        def workers_seen() -> bool:
            sectors = {
                t["sector"]
                for f in frames
                if f["kind"] == "tracks"
                for t in f["items"]
                if t["id"].startswith("T:")
            }
            incidents = [i for f in frames for i in f["items"] if i["type"] == "incident"]
            return {"N02", "N07"} <= sectors and any(i["id"].startswith("I-") for i in incidents)

        await asyncio.to_thread(receive_until, workers_seen, ws)
        # an operator works one of the workers' incidents
        iid = sorted(room.console.follower.incidents)[0]
        out["iid"] = iid
        ack = await call("post", f"/incidents/{iid}/acknowledge", json={"why": "seen"})
        again = await call("post", f"/incidents/{iid}/acknowledge", json={})
        resolved = await call(
            "post", f"/incidents/{iid}/resolve", json={"outcome": "turned_back", "why": "gone"}
        )
        out["ack"], out["again"], out["resolved"] = ack.json(), again.status_code, resolved.json()

        def worked() -> bool:
            states = [
                i.get("state", "new")
                for f in frames
                if f["kind"] == "incident"
                for i in f["items"]
                if i["id"] == iid
            ]
            return "resolved" in states

        await asyncio.to_thread(receive_until, worked, ws)
        out["listed"] = (await call("get", "/incidents?limit=1000")).json()
        out["detail"] = (await call("get", f"/incidents/{iid}")).json()
        # a console started afresh (the API restarted) reads the same work from DESK
        fresh = RoomConsole(root, api.service.engine)
        fresh.start()
        try:
            await until(
                "a fresh console never read DESK",
                lambda: fresh.follower.desk.taken >= 2 and iid in fresh.follower.incidents,
            )
            out["fresh"] = fresh.follower.incidents[iid]
        finally:
            await fresh.close()
        out["frames"] = frames
        return out
    finally:
        await asyncio.to_thread(ws_cm.__exit__, None, None, None)
        await room.close(workers)


def test_the_console_follows_the_workers_and_works_their_incidents(
    api: Api, tmp_path: Path
) -> None:
    async def run() -> dict[str, Any]:
        return await asyncio.wait_for(_scenario(api, tmp_path), 300)

    out = api.call(run)
    frames = out["frames"]
    # before the workers: the API's own engine, from a reset
    reset = out["reset"]
    assert reset["kind"] == "reset"
    assert {t["id"] for t in reset["items"] if t["type"] == "track"} <= out["engine_tracks"]
    # then the workers' picture: their tracks of N02 and N07 under their names
    theirs = [f for f in frames if f["kind"] == "tracks" and f["items"]]
    assert theirs
    last = theirs[-1]["items"]
    assert all(t["id"].startswith("T:") for t in last)
    assert {"N02", "N07"} <= {t["sector"] for f in theirs for t in f["items"]}
    assert not {t["id"] for f in theirs for t in f["items"]} & out["engine_tracks"]
    alerts = [i for f in frames if f["kind"] == "alert" for i in f["items"]]
    assert alerts
    assert all(a["id"].startswith("A-") for a in alerts)
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(set(seqs))  # in order, each once
    # the operator's steps on the workers' incident
    iid = out["iid"]
    assert iid.startswith("I-")
    assert out["ack"]["incident"]["state"] == "acknowledged"
    assert out["again"] == 409  # acknowledged already
    assert out["resolved"]["incident"]["state"] == "resolved"
    assert out["resolved"]["incident"]["outcome"] == "turned_back"
    actions = [i for f in frames if f["kind"] == "action" for i in f["items"]]
    assert [(a["action"], a["target"]) for a in actions if a["target"] == iid] == [
        ("acknowledge", iid),
        ("resolve", iid),
    ]
    listed = {i["id"]: i for i in out["listed"]}
    assert listed[iid]["state"] == "resolved"
    assert all(k.startswith("I-") for k in listed)  # the workers' incidents, only
    assert [h["action"]["action"] for h in out["detail"]["history"]] == ["acknowledge", "resolve"]
    assert out["detail"]["alerts"]
    assert (out["fresh"].state, out["fresh"].outcome) == ("resolved", "turned_back")
