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

from borderwatch.api import ApiSettings
from borderwatch.engine import load_config
from borderwatch.stations.console import RoomConsole
from borderwatch.stations.station import Inbound
from borderwatch.stations.system import sector_registry, start_system
from borderwatch.stations.workers import SectorWorker
from tests.stations.test_workers import SECTORS, _messages

from .conftest import Api

UNTIL_S = 900  # the movers of tests/stations/test_workers.py up to this second: all walk
S = 1_000_000_000


async def _until(what: str, done: Callable[[], bool], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def _scenario(api: Api, root: Path) -> dict[str, Any]:
    """Runs on the service's own loop: the room console relays its engine's feed."""
    registry = sector_registry(set(SECTORS))
    messages = _messages(registry)
    first = min(m.time_ns for m, _ in messages)
    messages = [(m, a) for m, a in messages if m.time_ns < first + UNTIL_S * S]
    system = await start_system(root, SECTORS, load_config())
    room = RoomConsole(root, api.service.engine)
    room.start()
    client = api.app_with(ApiSettings(stations=root, room=room))
    auth = api.auth("op1")
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
        batches: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in system.stations}
        for m, arrived in messages:
            sector = registry.places[m.sensor_id].sector  # type: ignore[union-attr]
            batches[system.station_of[sector]].append((m, arrived))
        sent = 0
        for name, msgs in batches.items():
            for k in range(0, len(msgs), 500):
                sent += await system.stations[name].take_in(msgs[k : k + 500])
        workers = [
            SectorWorker(system.cluster.urls, sorted(system.stations), registry, own, load_config())
            for own in (SECTORS[:2], SECTORS[2:])
        ]
        for w in workers:
            await w.start()
        await _until("the workers read BORDER", lambda: all(w.received >= sent for w in workers))

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
        iid = sorted(room.follower.incidents)[0]
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
            await _until(
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
        for w in workers:
            await w.close()
        await room.close()
        await system.close()


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
