"""Need to know (issue 15): a partner agency reading an incident released to it, through
every exit the API has (the list, the detail, the live stream), never learns who else it was
released to, which patrol went, our internal ids, notes or operators' names."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from borderwatch.messages import Incident, OperatorAction
from tests.security.stack import Stack, run, running

NOW = time.time_ns()
INCIDENT = Incident(
    id="I000042",
    sector="N03",
    opened_ns=NOW - 60 * 10**9,
    updated_ns=NOW,
    lat=32.95,
    lon=11.45,
    state="assigned",
    priority=1,
    alert_ids=("A000101", "A000102"),
    track_ids=("N03-T17",),
    assigned_patrol="NG-N03-1",
    releasable_to=("partner:ly", "partner:dz"),
)
NOTE = OperatorAction(
    id="Anote1",
    user="op1",
    agency="national_guard",
    role="operator",
    time_ns=NOW,
    action="note",
    target=INCIDENT.id,
    why="informant says the group carries fuel for Ben Guerdane",
)


def _leaks(seen: dict[str, Any]) -> list[str]:
    """What in a partner's view of INCIDENT it must not have."""
    text = json.dumps(seen)
    found = [w for w in ("partner:dz", "NG-N03-1", "A000101", "N03-T17", "op1") if w in text]
    return found + (["informant"] if "informant" in text else [])


async def _as_partner(stack: Stack) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {await stack.token('ly1')}"}
    listed = (await stack.http.get("/api/v1/incidents", headers=headers)).json()
    detail = (await stack.http.get(f"/api/v1/incidents/{INCIDENT.id}", headers=headers)).json()
    return {"list": listed, "detail": detail}


def test_a_partner_sees_its_part_only(tmp_path: Path, pki_dir: Path) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            engine = stack.service.engine
            engine.incidents[INCIDENT.id] = INCIDENT
            engine.notes[INCIDENT.id] = [NOTE]
            views = await _as_partner(stack)
            assert len(views["list"]) == 1
            # Nobody is named: not even itself (the one releasability decision strips it).
            assert views["detail"]["incident"].get("releasable_to", []) == []
            assert views["detail"]["incident"]["priority"] == 1
            assert views["detail"]["notes"] == views["detail"]["history"] == []
            assert _leaks(views) == []
            # The national view is whole (the check above can fail).
            headers = {"Authorization": f"Bearer {await stack.token('cmd1')}"}
            whole = await stack.http.get(f"/api/v1/incidents/{INCIDENT.id}", headers=headers)
            assert set(_leaks(whole.json())) >= {"partner:dz", "NG-N03-1", "informant"}

    run(attack())


def test_the_stream_gives_a_partner_its_part_only(tmp_path: Path, pki_dir: Path) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            url = stack.base_url.replace("http://", "ws://") + "/api/v1/stream"
            async with connect(url) as ws:
                await ws.send(json.dumps({"token": await stack.token("ly1")}))
                await asyncio.sleep(0.3)  # subscribed
                stack.service.feed.publish("incident", NOW, (INCIDENT,))
                stack.service.feed.publish("action", NOW, (NOTE,))
                frames: list[dict[str, Any]] = []
                async with asyncio.timeout(5):
                    while not any(f["kind"] == "incident" for f in frames):
                        frames.append(json.loads(await ws.recv()))
                incident = next(f for f in frames if f["kind"] == "incident")["items"][0]
                assert incident.get("releasable_to", []) == []
                assert _leaks({"frames": frames}) == []

    run(attack())
