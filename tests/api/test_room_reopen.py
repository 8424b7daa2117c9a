"""An incident the operators resolved that takes a new alert from the fusion workers comes
back to the queue (`stations.desk`'s `reopen`), on the real servers.

The workers never hear the room's desk, so they add the new alert to the incident the
operators closed; in the engine a resolved incident takes no more alerts and the new one
opens an incident of its own. Here the workers' `PICTURE` is published by hand (a worker's
subject and headers) so that the alert comes exactly after the resolution: the operator
acknowledges and resolves the incident over REST, the workers add an alert to it, and the
console shows it `new` again, unassigned, with the system's `reopen` in its history and in
the audit trail; a console started afresh (a restarted API) folds the same, and `DESK` holds
one `reopen`, however many consoles saw the alert.

The TAK hub sends and tasks from the same picture (`TakClients.show`, as `borderwatch run
--stations` sets it): the patrol's device, on the real TLS listener with pytak, gets the
workers' incident on its map and the order when the operator assigns it, and its chat
"resolved nuisance" resolves the workers' incident through the room's desk."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import nats
import pytest

from borderwatch import pki
from borderwatch.api import ApiSettings
from borderwatch.engine import load_config
from borderwatch.ingest import cot
from borderwatch.messages import Alert, Incident, encode_lines
from borderwatch.service.tak import EnginePicture
from borderwatch.share.cot.const import MARKER_TYPE
from borderwatch.stations.console import RoomConsole
from borderwatch.stations.desk import DESK_STREAM
from borderwatch.stations.subjects import FIRST
from borderwatch.stations.system import start_system
from borderwatch.stations.workers import SNAPSHOT, picture_stream_config
from tests.ingest.cot.test_pytak import PYTAK_TLS_WARNING
from tests.stations.test_workers import SECTORS

from .conftest import PATROL, Api
from .room_workers import S, in_room, until
from .takclient import Device, chat, config

pytestmark = pytest.mark.filterwarnings(PYTAK_TLS_WARNING)

IID = "I-00000000000000ab"
ATAK_UID = "ANDROID-0a1b2c3d4e5f6789"  # the patrol's device's own uid
T0 = 1_773_000_000 * S


def _alert(n: int) -> Alert:
    return Alert(
        id=f"A-{n:016x}", rule="crossing", time_ns=T0 + n * 60 * S, priority=1, sector="N03",
        lat=33.0, lon=11.4,
    )  # fmt: skip


def _incident(alerts: int) -> Incident:
    return Incident(
        id=IID, sector="N03", opened_ns=T0 + 60 * S, updated_ns=T0 + alerts * 60 * S,
        lat=33.0, lon=11.4, priority=1,
        alert_ids=tuple(_alert(n).id for n in range(1, alerts + 1)),
    )  # fmt: skip


async def _scenario(api: Api, root: Path) -> dict[str, Any]:
    system = await start_system(root, SECTORS, load_config())
    consoles = [RoomConsole(root, api.service.engine, audit=api.service.record_desk)]
    consoles[0].start()
    api.service.tak.show(consoles[0])  # as `run --stations` does
    ca = root / "device-pki"
    pki.init_ca(ca)
    pki.issue(ca, PATROL, organisational_unit="national_guard")
    listener = await cot.setup(
        cot.CotSettings(host="127.0.0.1", tcp_port=None, udp_port=None, tls_port=0),
        api.service.admission, api.service.stats, pki.server_ssl_context(ca), None,
        hub=api.service.tak,
    )  # fmt: skip
    device = Device(config(f"tls://127.0.0.1:{listener.tls_port}", ca, PATROL))
    client = api.app_with(ApiSettings(stations=root, room=consoles[0]))
    auth, commander = api.auth("op1"), api.auth("cmd1")
    nc = await nats.connect(system.cluster.urls)
    out: dict[str, Any] = {}

    async def call(method: str, path: str, as_: dict[str, str] = auth, **kw: Any) -> Any:
        fn = getattr(client, method)
        return await asyncio.to_thread(fn, f"/api/v1{path}", headers=as_, **kw)

    async def picture(first: int, items: list[Any], scene_s: int) -> None:
        headers = {FIRST: str(first), SNAPSHOT: str(T0 + scene_s * S)}
        await js.publish("bw.picture.N03", encode_lines(items), headers=headers)

    async def state(console: RoomConsole) -> str | None:
        inc = console.follower.incidents.get(IID)
        return None if inc is None else inc.state

    try:
        js = nc.jetstream(timeout=5.0)
        await js.add_stream(picture_stream_config(replicas=3))
        await picture(0, [_alert(1), _incident(1)], 60)
        await until("the console has the incident", lambda: IID in consoles[0].follower.incidents)
        await device.__aenter__()
        marker = await device.wait_for(lambda e: e.uid == f"borderwatch.incident.{IID}", 10.0)
        out["marker"] = marker.type
        steps = [("acknowledge", {"why": "seen"}), ("assign", {"patrol": PATROL})]
        for step, body in steps:
            r = await call("post", f"/incidents/{IID}/{step}", json=body)
            assert r.status_code == 200, r.text
        order = await device.wait_for(lambda e: e.type == "b-t-f" and IID in e.xml, 10.0)
        out["order"] = order.xml
        # the patrol resolves it from its device, as radio procedure says it
        await device.send([chat("resolved nuisance", ATAK_UID, PATROL, T0 + 90 * S, "r1")])
        await until("resolved", lambda: consoles[0].follower.desk.work[IID].state == "resolved")
        out["resolved"] = (await call("get", f"/incidents/{IID}")).json()["incident"]
        # the workers, who never heard the desk, add the next alert to it
        await picture(2, [_alert(2), _incident(2)], 120)
        follower = consoles[0].follower
        await until("reopened", lambda: follower.desk.work[IID].state == "new")
        out["detail"] = (await call("get", f"/incidents/{IID}")).json()
        page = await call("get", f"/audit?target={IID}&limit=100", as_=commander)
        out["trail"] = page.json()["entries"]
        # the operators can work it again
        r = await call("post", f"/incidents/{IID}/acknowledge", json={"why": "again"})
        out["again"] = r.status_code
        # a console started afresh (a restarted API) folds the same, and puts no reopen twice
        fresh = RoomConsole(root, api.service.engine, audit=api.service.record_desk)
        consoles.append(fresh)
        fresh.start()
        await until("the fresh console read DESK", lambda: fresh.follower.desk.taken >= 5)
        await until("and PICTURE", lambda: IID in fresh.follower.picture.incidents)
        await asyncio.sleep(1.0)  # time to (wrongly) put another reopen
        out["fresh"] = fresh.follower.incidents[IID]
        out["desk_messages"] = (await js.stream_info(DESK_STREAM)).state.messages
        out["stale"] = fresh.follower.desk.stale_reopens
        out["refused"] = api.service.engine.refused_actions
        return out
    finally:
        api.service.tak.show(EnginePicture(api.service))
        with contextlib.suppress(Exception):
            await device.__aexit__(None, None, None)
        await cot.close(listener)
        await nc.close()
        for console in consoles:
            await console.close()
        await system.close()


@pytest.fixture(scope="module")
def reopened(api: Api, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return in_room(api, tmp_path_factory.mktemp("room"), _scenario)


def test_a_new_alert_on_a_resolved_workers_incident_brings_it_back(
    reopened: dict[str, Any],
) -> None:
    out = reopened
    assert (out["resolved"]["state"], out["resolved"]["outcome"]) == ("resolved", "nuisance")
    inc = out["detail"]["incident"]
    assert inc.get("state", "new") == "new"  # the default, left out of the JSON
    assert inc.get("outcome") is None
    assert inc.get("assigned_patrol") is None
    assert inc["alert_ids"] == [_alert(1).id, _alert(2).id]
    # who did what: the operator's steps, then the system's reopen, naming the new alert
    trail = [(e["action"]["action"], e["action"]["user"]) for e in out["trail"]]
    assert trail == [
        ("acknowledge", "op1"),
        ("assign", "op1"),
        ("resolve", PATROL),  # from its device, through the room's desk
        ("reopen", "system"),
    ]
    resolve = out["trail"][2]["action"]
    assert (resolve["role"], resolve["params"]["outcome"]) == ("patrol", "nuisance")
    reopen = out["trail"][-1]["action"]
    assert reopen["params"]["alert"] == _alert(2).id
    assert reopen["time_ns"] == _alert(2).time_ns
    assert [h["action"]["action"] for h in out["detail"]["history"]] == [a for a, _ in trail]
    assert out["again"] == 200


def test_the_patrols_device_sees_the_workers_incident_and_gets_its_order(
    reopened: dict[str, Any],
) -> None:
    out = reopened
    assert out["marker"] == MARKER_TYPE  # the incident's marker on the device's map
    assert IID in out["order"]
    assert f'callsign="{PATROL}"' in out["order"]  # addressed to the patrol assigned


def test_a_restarted_console_folds_the_same_and_desk_holds_one_reopen(
    reopened: dict[str, Any],
) -> None:
    out = reopened
    assert out["fresh"].state == "acknowledged"  # reopened, then acknowledged again
    # acknowledge, assign, resolve, reopen, acknowledge: one reopen, however many consoles
    assert out["desk_messages"] == 5
    assert out["stale"] == 0
    assert out["refused"] == 0  # the room's own engine took none of it as its own
