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
state in `DESK`.

Each step the desk took is also a row of the room's audit trail (`Service.record_desk`), in
the hash chain: GET /audit lists both, by their operator, before the step's answer; the
incident's history is those rows; another console's acknowledgement that lost the race
(refused by the desk's fold) is not in it; the room's own engine, which does not know the
workers' incident, counts none of them refused; and a console started afresh logs nothing
twice."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import msgspec
import nats
import pytest

from borderwatch.cli import main
from borderwatch.messages import OperatorAction
from borderwatch.stations.console import RoomConsole
from borderwatch.stations.desk import DESK_SUBJECT
from borderwatch.stations.subjects import MSG_ID
from borderwatch.stations.workers import SectorWorker

from .conftest import Api
from .room_workers import feed_workers, in_room, start_room, until


async def _scenario(api: Api, root: Path) -> dict[str, Any]:
    """Runs on the service's own loop: the room console relays its engine's feed."""
    room = await start_room(api, root)
    client, auth = room.client, room.auth
    frames: list[dict[str, Any]] = []
    refused = api.service.engine.refused_actions

    async def call(method: str, path: str, as_: dict[str, str] = auth, **kw: Any) -> Any:
        fn = getattr(client, method)
        return await asyncio.to_thread(fn, f"/api/v1{path}", headers=as_, **kw)

    commander = api.auth("cmd1")  # reads the audit trail (an operator does not)

    async def trail(iid: str) -> list[dict[str, Any]]:
        page = await call("get", f"/audit?target={iid}&limit=1000", as_=commander)
        return list(page.json()["entries"])

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
        out["late"] = await _late_acknowledgement(room.system.cluster.urls, ack.json()["action"])
        resolved = await call(
            "post", f"/incidents/{iid}/resolve", json={"outcome": "turned_back", "why": "gone"}
        )
        out["ack"], out["again"], out["resolved"] = ack.json(), again.status_code, resolved.json()
        # as soon as the operator has the answer: the audit trail, all of it and its chain
        out["trail"] = await trail(iid)
        out["all"] = await _whole_trail(call, commander)
        out["verify"] = (await call("get", "/audit/verify", as_=commander)).json()
        out["cli_verify"] = await asyncio.to_thread(_cli_verify, api.service.options.data.root)
        out["refused_desk"] = room.console.follower.desk.refused

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
        fresh = RoomConsole(root, api.service.engine, audit=api.service.record_desk)
        fresh.start()
        try:
            done = room.console.follower.audited_seq
            await until(
                "a fresh console never read DESK",
                lambda: fresh.follower.audited_seq >= done and iid in fresh.follower.incidents,
            )
            out["fresh"] = fresh.follower.incidents[iid]
        finally:
            await fresh.close()
        out["trail_after_fresh"] = await trail(iid)
        out["refused_engine"] = api.service.engine.refused_actions - refused
        out["frames"] = frames
        return out
    finally:
        await asyncio.to_thread(ws_cm.__exit__, None, None, None)
        await room.close(workers)


async def _late_acknowledgement(urls: list[str], ack: dict[str, Any]) -> OperatorAction:
    """Another console's acknowledgement of the incident, sent to `DESK` after the first one
    (its check passed before that one was taken there): a race it lost."""
    late = msgspec.convert(ack, OperatorAction)
    late = msgspec.structs.replace(late, id=f"{late.id[:-4]}late", user="op2", why="me too")
    nc = await nats.connect(urls)
    try:
        js = nc.jetstream()
        await js.publish(DESK_SUBJECT, msgspec.json.encode(late), headers={MSG_ID: late.id})
    finally:
        await nc.close()
    return late


async def _whole_trail(call: Callable[..., Any], auth: dict[str, str]) -> list[dict[str, Any]]:
    """Every entry of GET /audit, page after page."""
    got: list[dict[str, Any]] = []
    after = 0
    while True:
        page = (await call("get", f"/audit?after={after}&limit=1000", as_=auth)).json()
        if not page["entries"]:
            return got
        got += page["entries"]
        after = page["next_after"]


def _cli_verify(data: Path) -> dict[str, Any]:
    """`borderwatch audit verify --json` on the room's data directory: its exit code and
    report."""
    out = io.StringIO()
    with redirect_stdout(out):
        rc = main(["audit", "verify", "--data", str(data), "--json"])
    return {"rc": rc, **json.loads(out.getvalue())}


@pytest.fixture(scope="module")
def worked(api: Api, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The scenario, once for this module's tests."""
    return in_room(api, tmp_path_factory.mktemp("room"), _scenario)


def test_the_console_follows_the_workers_and_works_their_incidents(
    worked: dict[str, Any],
) -> None:
    out = worked
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


def test_the_operators_steps_on_the_workers_incident_are_in_the_audit_trail(
    worked: dict[str, Any],
) -> None:
    out = worked
    iid, ack, resolved = out["iid"], out["ack"]["action"], out["resolved"]["action"]
    trail = out["trail"]
    # both steps, as the operator took them (who, their role and agency, when, why), each
    # with the DESK seq the desk took it at
    assert [e["action"]["id"] for e in trail] == [ack["id"], resolved["id"]]
    for e, sent in zip(trail, (ack, resolved), strict=True):
        logged = e["action"]
        assert e["source"] == "user:op1"
        assert {k: logged[k] for k in sent if k != "params"} == {
            k: sent[k] for k in sent if k != "params"
        }
        assert logged["params"] == {**sent.get("params", {}), "desk": logged["params"]["desk"]}
    assert [e["action"]["why"] for e in trail] == ["seen", "gone"]
    assert trail[1]["action"]["params"]["outcome"] == "turned_back"
    assert int(trail[0]["action"]["params"]["desk"]) < int(trail[1]["action"]["params"]["desk"])
    # the same rows in the whole trail, and nothing else on the incident
    assert [e for e in out["all"] if e["action"].get("target") == iid] == trail
    # the other console's late acknowledgement: refused by the desk, so not in the trail
    assert out["refused_desk"] == 1
    assert out["late"].id not in {e["action"]["id"] for e in out["all"]}
    # the chain covers them: intact, signed past the last of them (the API and the CLI)
    last = trail[-1]["seq"]
    assert out["verify"]["intact"], out["verify"]
    assert out["verify"]["last_signed_seq"] >= last
    assert out["cli_verify"]["rc"] == 0
    assert out["cli_verify"]["intact"]
    assert out["cli_verify"]["last_signed_seq"] >= last
    # the incident's history is the trail's rows on it
    assert out["detail"]["history"] == trail
    # the room's engine neither applied nor refused them; a fresh console logs none twice
    assert out["refused_engine"] == 0
    assert out["trail_after_fresh"] == trail
