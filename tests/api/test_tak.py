"""TAK clients served live, through the real path: a service fed the twin's run, its CoT
listeners (TCP and mutual TLS) with the TAK hub, the API behind uvicorn; pytak clients (XML
and TAK protocol v1) connect while the twin's messages keep coming in, receive the live
tracks, a patrol's device receives its assignment when an operator assigns it through the
API, sends 200 markers, chats and other valid types and stays connected, and its hostile
marker and its "on scene" reply show in the API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from borderwatch import pki
from borderwatch.accounts import DataDir
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest import cot
from borderwatch.ingest.cot import encode_xml
from borderwatch.ingest.identity import Grant, IdentityPolicy
from borderwatch.messages import Patrol
from borderwatch.service import ServiceOptions
from tests.api.conftest import PATROL, Api, running
from tests.api.takclient import Device, Received, chat, config, find
from tests.api.takclient import cot as cot_event
from tests.ingest.cot.test_pytak import PYTAK_TLS_WARNING

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings(PYTAK_TLS_WARNING)]

BEFORE = 12_000  # fed before the clients connect; the rest comes while they are connected
ATAK_UID = "ANDROID-0a1b2c3d4e5f6789"  # the patrol's device's own uid
OTHER = "NG-N03-9"  # a second device, not assigned: it must not get the tasking
PARTNER_DEVICE = "LY-P1"  # a Libyan patrol's device: its agency is partner:ly (the OU)
JOINT_DEVICE = "DZ-P1"  # an Algerian patrol's device, on a joint patrol (partner:dz)
POLICY = """
partner = "partner:ly"
version = 4
kinds = ["tracks", "incidents"]
sectors = ["N03"]
delay_s = 60
precision_m = 1000
strip = ["track.sensors"]
retention_days = 7
"""
# Algeria's: incidents a commander released, at once, to 10 m (a joint patrol).
JOINT_POLICY = """
partner = "partner:dz"
version = 1
kinds = ["incidents"]
sectors = ["N03"]
delay_s = 0
precision_m = 10
retention_days = 7
"""


class Tak:
    """The service, its CoT listeners with the hub, the CA, the twin's remaining messages."""

    def __init__(self, api: Api, server: cot.CotServer, pki_dir: Path, rest: list[Any]) -> None:
        self.api, self.server, self.pki, self.rest = api, server, pki_dir, rest
        self.fed = 0

    def tcp(self, **extra: str) -> Device:
        return Device(config(f"tcp://127.0.0.1:{self.server.tcp_port}", None, None, **extra))

    def tls(self, name: str, **extra: str) -> Device:
        return Device(config(f"tls://127.0.0.1:{self.server.tls_port}", self.pki, name, **extra))

    async def twin(self, n: int) -> None:
        """The twin goes on: its next `n` messages, from another thread (the service's loop)."""
        part = self.rest[self.fed : self.fed + n]
        self.fed += n

        async def feed() -> None:
            for k in range(0, len(part), 200):
                await self.api.service.admission.accept(part[k : k + 200], "test:twin")
                await asyncio.sleep(0.02)  # at the pace of a live feed, not one burst

        await asyncio.to_thread(self.api.call, feed)


@pytest.fixture(scope="module")
def tak(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Tak]:
    data = DataDir(tmp_path_factory.mktemp("tak-data"))
    pki.init_ca(data.pki)
    for name in (PATROL, OTHER):
        pki.issue(data.pki, name, organisational_unit="national_guard")
    pki.issue(data.pki, PARTNER_DEVICE, organisational_unit="partner:ly")
    pki.issue(data.pki, JOINT_DEVICE, organisational_unit="partner:dz")
    (data.root / "partners").mkdir(parents=True)
    (data.root / "partners" / "ly.toml").write_text(POLICY)
    (data.root / "partners" / "dz.toml").write_text(JOINT_POLICY)
    options = ServiceOptions(
        data=data,
        sectors=("N03",),
        config=EVENT_CLOCK,
        identity=IdentityPolicy(grants={"gw1": Grant(sectors=frozenset({"N03"}))}),
    )
    settings = cot.CotSettings(host="127.0.0.1", tcp_port=0, udp_port=None, tls_port=0)
    with running(options, messages[:BEFORE]) as api:
        service = api.service

        async def start() -> cot.CotServer:
            tls = pki.server_ssl_context(data.pki)
            return await cot.setup(
                settings, service.admission, service.stats, tls, None, hub=service.tak
            )

        server = api.call(start)
        try:
            yield Tak(api, server, data.pki, messages[BEFORE:])
        finally:
            api.call(server.close)


def run(coro: Any, timeout: float = 90.0) -> Any:
    async def bounded() -> Any:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def is_track(e: Received) -> bool:
    return e.uid.startswith("borderwatch.track.") and e.type.startswith("a-")


def test_a_tcp_client_gets_the_live_tracks_within_5_s(tak: Tak) -> None:
    async def main() -> None:
        async with tak.tcp() as device:
            connected = time.monotonic()
            first = await device.wait_for(is_track, timeout=5.0)
            assert first.at - connected < 5.0
            # The twin goes on: tracks of later snapshots come as they are made.
            before = tak.api.service.engine.tracks_time_ns
            feeding = asyncio.create_task(tak.twin(1500))
            live = await device.wait_for(
                lambda e: is_track(e) and _time_ns(e) > before, timeout=30.0
            )
            await feeding
            assert live.wire == "xml"
            # A track says where it is, how sure, where it goes.
            point = find(live, "point")
            assert float(point.get("ce")) < 9_999_999.0
            assert find(live, "detail/track") is not None

    run(main())


def _time_ns(e: Received) -> int:
    from borderwatch.ingest.cot._text import parse_time

    return parse_time(e.root().get("time") or e.root().get("start") or "")


def test_a_protobuf_client_gets_tak_protocol_after_it_speaks_it(tak: Tak) -> None:
    async def main() -> None:
        async with tak.tls(OTHER, TAK_PROTO="1") as device:
            # pytak speaks protobuf without negotiating: its first message (its hello)
            # switches us.
            first = await device.wait_for(lambda e: e.wire == "proto" and is_track(e), 10.0)
            assert first.type.startswith("a-")
            feeding = asyncio.create_task(tak.twin(500))
            await device.wait_for(lambda e: e.wire == "proto" and e.at > first.at, 30.0)
            await feeding

    run(main())


def test_negotiation_switches_an_xml_client_to_tak_protocol(tak: Tak) -> None:
    async def main() -> None:
        device = Device(config(f"tls://127.0.0.1:{tak.server.tls_port}", tak.pki, OTHER), True)
        async with device:
            await device.wait_for(lambda e: e.wire == "xml" and is_track(e), 10.0)
            support = await device.wait_for(lambda e: e.type == "t-x-takp-v")
            assert find(support, "detail/TakControl/TakProtocolSupport").get("version") == "1"
            request = cot_event(
                "t-x-takp-q", "request", time.time_ns(), 0.0, 0.0,
                '<TakControl><TakRequest version="1"/></TakControl>',
            )  # fmt: skip
            await device.send_raw(request)
            answer = await device.wait_for(lambda e: e.type == "t-x-takp-r")
            assert find(answer, "detail/TakControl/TakResponse").get("status") == "true"
            await device.wait_for(lambda e: e.wire == "proto" and is_track(e), 10.0)

    run(main())


def test_a_patrol_is_tasked_on_its_device_and_its_replies_reach_the_incident(tak: Tak) -> None:
    api = tak.api
    incident_id = api.incident_for("assign")
    token = api.token("op1")

    async def main() -> dict[str, Any]:
        async with tak.tls(PATROL) as patrol, tak.tls(OTHER) as other:
            await patrol.wait_for(is_track, 10.0)
            # Its own position report first (ATAK sends one every few seconds).
            engine = api.service.engine
            last = engine.patrols[PATROL]
            report = Patrol(
                callsign=PATROL, agency="national_guard", time_ns=last.time_ns + 10**9,
                lat=last.lat, lon=last.lon, seq=last.seq + 1,
            )  # fmt: skip
            # ATAK names itself by its own uid (ANDROID-<id>), not by its callsign.
            mine = f'uid="borderwatch.patrol.{PATROL}"'.encode()
            assert mine in encode_xml(report)
            atak = encode_xml(report).replace(mine, f'uid="{ATAK_UID}"'.encode())
            await patrol.send([atak])
            async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
                clicked = time.monotonic()
                r = await http.post(
                    f"/api/v1/incidents/{incident_id}/assign",
                    json={"patrol": PATROL, "why": "nearest"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert r.status_code == 200, r.text
                order = await patrol.wait_for(
                    lambda e: e.type == "b-t-f" and incident_id in e.xml, timeout=5.0
                )
                marker = await patrol.wait_for(
                    lambda e: e.uid == f"borderwatch.incident.{incident_id}" and "marti" in e.xml
                )
                assert order.at - clicked < 1.0, order.at - clicked
                assert marker.at - clicked < 1.0
                dest = find(order, "detail/marti/dest")
                assert dest is not None
                assert dest.get("callsign") == PATROL
                # The direct chat is threaded under the device's uid, as ATAK's own are.
                assert find(order, "detail/__chat/chatgrp").get("uid1") == ATAK_UID
                assert find(order, "detail/__chat").get("id") == ATAK_UID
                assert "ETA" in find(order, "detail/remarks").text
                route = await patrol.wait_for(lambda e: e.type == "b-m-r", timeout=10.0)
                assert len(route.root().findall("detail/link")) >= 2
                await asyncio.sleep(0.5)
                assert not any(incident_id in e.xml and e.type == "b-t-f" for e in other.received)

                # 200 markers, chats and other valid CoT: taken, never a reason to hang up.
                # On the twin's clock (the engine runs on event time: a sighting stamped
                # with today's date would move its picture months ahead).
                now = engine.tracks_time_ns
                events = []
                for k in range(200):
                    lat, lon = last.lat + 0.001 * (k % 7), last.lon + 0.001 * (k % 5)
                    kind = k % 5
                    if kind == 0:
                        events.append(cot_event("a-h-G", f"hostile-{k}", now, lat, lon))
                    elif kind == 1:
                        events.append(cot_event("a-u-G", f"unknown-{k}", now, lat, lon))
                    elif kind == 2:
                        events.append(chat(f"seen tracks {k}", PATROL, PATROL, now, f"m{k}"))
                    elif kind == 3:
                        events.append(cot_event("u-d-f", f"drawing-{k}", now, lat, lon))
                    else:
                        events.append(cot_event("b-m-p-s-p-i", f"spi-{k}", now, lat, lon))
                events.append(chat("on scene", PATROL, PATROL, now + 1, "arrived-1"))
                await patrol.send(events)
                # Still connected: a ping is answered.
                await patrol.send_raw(cot_event("t-x-c-t", "ping-1", time.time_ns(), 0.0, 0.0))
                await patrol.wait_for(lambda e: e.type == "t-x-c-t-r", timeout=10.0)
                assert not patrol.closed
                headers = {"Authorization": f"Bearer {api.token('cmd1')}"}
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    markers = (await http.get("/api/v1/tak/markers", headers=headers)).json()
                    detail = (
                        await http.get(f"/api/v1/incidents/{incident_id}", headers=headers)
                    ).json()
                    if any(n["why"] == "on scene" for n in detail["notes"]) and len(markers) >= 80:
                        break
                    await asyncio.sleep(0.1)
                status = (await http.get("/api/v1/tak/clients", headers=headers)).json()
                metrics = (await http.get("/api/v1/metrics", headers=headers)).json()
                return {"markers": markers, "detail": detail, "status": status, "m": metrics}

    out = run(main())
    hostile = [m for m in out["markers"] if m["uid"] == "hostile-0"]
    assert hostile, out["markers"][:3]
    assert hostile[0]["device"] == PATROL
    assert hostile[0]["type"] == "a-h-G"
    notes = [n for n in out["detail"]["notes"] if n["why"] == "on scene"]
    assert notes, out["detail"]["notes"]
    assert notes[0]["user"] == PATROL
    assert notes[0]["role"] == "patrol"
    status = out["status"]
    assert status["unused"].get("u-d-f") == 40
    assert status["unused"].get("b-m-p-s-p-i") == 40
    assert status["received"]["Detection"] >= 80
    assert status["taskings"] >= 1
    # No device was disconnected as abusive; the sightings went through the identity check.
    disconnects = out["m"]["ingest"].get("disconnects", {})
    assert "abusive" not in disconnects.get("cot.tls", {}), disconnects
    assert out["m"]["ingest"]["rejected"].get("cot.tls", {}).get("identity_mismatch") is None


def test_a_partner_device_gets_only_what_its_policy_releases_recorded(tak: Tak) -> None:
    exchange = tak.api.app.state.api.exchange

    async def main() -> list[Received]:
        async with tak.tls(PARTNER_DEVICE) as device:
            await device.wait_for(is_track, timeout=10.0)
            feeding = asyncio.create_task(tak.twin(300))
            await asyncio.sleep(2.5)  # two of its polls at least
            await feeding
            return [e for e in device.received if not e.type.startswith("t-x-takp")]

    got = run(main())
    assert got
    ledger = {(d.kind, d.item_id) for d in exchange.ledger.read("partner:ly")}
    for event in got:
        # Every event carries its handling, names only this partner, and was recorded.
        root = event.root()
        assert root.get("releasableTo") == "partner:ly"
        assert "REL TO partner:ly; NO ONWARD RELEASE" in (root.get("access") or "")
        assert is_track(event) or event.uid.startswith("borderwatch.incident.")
        kind, _, item_id = event.uid.removeprefix("borderwatch.").partition(".")
        assert (kind + "s", item_id) in ledger, event.uid
        # Tracks stripped of their sensors; positions on the policy's 1 km grid (ce of a
        # point anywhere in a 1 km cell: 1000 / sqrt(6) m).
        assert float(root.find("point").get("ce")) == pytest.approx(1000 / 6**0.5)
        assert "sensors -" in root.find("detail/remarks").text or not is_track(event)
    # Incidents only if a commander released them to it (none was): none went.
    assert not any(e.uid.startswith("borderwatch.incident.") for e in got)
    users = {d.user for d in exchange.ledger.read("partner:ly")}
    assert users == {PARTNER_DEVICE}


def test_a_partner_patrol_on_our_listener_is_proposed_to_and_answers(tak: Tak) -> None:
    """Joint patrols without a partner server between: an Algerian patrol's device connected
    to our own TLS listener (its certificate's OU `partner:dz`) reports its patrol, in
    Algeria's namespace; an operator proposes a released incident to it; the device receives
    the marker and the chat addressed to it, recorded in the ledger as released to it; its
    answers land on the incident as its notes, and its words never assign or resolve."""
    api = tak.api
    engine = api.service.engine
    exchange = api.app.state.api.exchange
    patrol = f"dz/{JOINT_DEVICE}"
    done = frozenset(i for i, inc in engine.incidents.items() if inc.state == "resolved")
    held = api.incident_for("acknowledge", done)
    chosen = api.incident_for("acknowledge", done | {held})
    api.act("release", chosen, agency="partner:dz")
    headers = {"Authorization": f"Bearer {api.token('op1')}"}

    async def main() -> dict[str, Any]:
        async with (
            tak.tls(JOINT_DEVICE) as device,
            httpx.AsyncClient(base_url=api.base_url, timeout=30) as http,
        ):
            # Not heard from yet: nothing to propose to.
            r = await http.post(
                f"/api/v1/incidents/{chosen}/propose", headers=headers, json={"patrol": patrol}
            )
            assert r.status_code == 409, r.text
            # Its position report, as ATAK sends it: claims our agency, stays Algeria's.
            inc = engine.incidents[chosen]
            report = Patrol(
                callsign=JOINT_DEVICE, agency="national_guard", time_ns=engine.tracks_time_ns,
                lat=inc.lat, lon=inc.lon, seq=1,
            )  # fmt: skip
            mine = f'uid="borderwatch.patrol.{JOINT_DEVICE}"'.encode()
            await device.send([encode_xml(report).replace(mine, b'uid="ANDROID-dz01"')])
            deadline = time.monotonic() + 10
            while patrol not in engine.patrols and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert engine.patrols[patrol].agency == "partner:dz"
            assert JOINT_DEVICE not in engine.patrols
            # Never assigned; not released by a commander: held back, the rule named.
            r = await http.post(
                f"/api/v1/incidents/{chosen}/assign", headers=headers, json={"patrol": patrol}
            )
            assert r.status_code == 409
            r = await http.post(
                f"/api/v1/incidents/{held}/propose", headers=headers, json={"patrol": patrol}
            )
            assert r.status_code == 409
            assert "not released to partner:dz by a commander" in r.json()["detail"]
            clicked = time.monotonic()
            r = await http.post(
                f"/api/v1/incidents/{chosen}/propose", headers=headers,
                json={"patrol": patrol, "why": "joint patrol"},
            )  # fmt: skip
            assert r.status_code == 200, r.text
            action = r.json()["action"]
            assert action["params"] == {
                "proposal": patrol, "partner": "partner:dz", "device": JOINT_DEVICE,
            }  # fmt: skip
            said = await device.wait_for(
                lambda e: e.type == "b-t-f" and "Proposed" in e.xml and chosen in e.xml, 5.0
            )
            assert said.at - clicked < 1.0
            assert find(said, "detail/marti/dest").get("callsign") == JOINT_DEVICE
            assert find(said, "detail/__chat/chatgrp").get("uid1") == "ANDROID-dz01"
            assert "REL TO partner:dz" in (said.root().get("access") or "")
            marker = await device.wait_for(
                lambda e: e.uid == f"borderwatch.incident.{chosen}" and "marti" in e.xml, 5.0
            )
            assert find(marker, "detail/marti/dest").get("callsign") == JOINT_DEVICE
            # Its answers, as chats: notes on the incident, attributed to the patrol. A
            # "resolved" from a partner is its words, never a resolution; the same chat twice
            # is one note.
            now = engine.tracks_time_ns
            accept = chat("accept, moving", "ANDROID-dz01", JOINT_DEVICE, now, "dz1")
            await device.send([accept, accept])
            await device.send([chat("on scene", "ANDROID-dz01", JOINT_DEVICE, now + 1, "dz2")])
            await device.send(
                [chat("resolved nuisance", "ANDROID-dz01", JOINT_DEVICE, now + 2, "dz3")]
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                got = (await http.get(f"/api/v1/incidents/{chosen}", headers=headers)).json()
                answers = [n for n in got["notes"] if "partner_reply" in n.get("params", {})]
                if len(answers) >= 3:
                    break
                await asyncio.sleep(0.1)
            status = (await http.get("/api/v1/tak/clients", headers=headers)).json()
            return {"detail": got, "answers": answers, "status": status}

    out = run(main())
    answers = out["answers"]
    assert [a["params"]["partner_reply"] for a in answers] == ["accepted", "on_scene", "note"]
    assert {(a["user"], a["agency"], a["role"]) for a in answers} == {
        (patrol, "partner:dz", "patrol")
    }
    # Still new (an incident omits its default state), assigned to no one.
    assert out["detail"]["incident"].get("state", "new") == "new"
    assert out["detail"]["incident"].get("assigned_patrol") is None
    assert out["status"]["proposals"] == 1
    assert out["status"]["replies"] == 3
    assert out["status"]["unused"].get("repeat") == 1
    ledger = [d for d in exchange.ledger.read("partner:dz") if d.item_id == chosen]
    assert ledger
    assert {d.user for d in ledger} >= {JOINT_DEVICE}


def test_an_emergency_is_a_p1_alert_every_device_hears_and_a_marker_is_shared(tak: Tak) -> None:
    api = tak.api
    headers = {"Authorization": f"Bearer {api.token('op1')}"}

    async def main() -> tuple[Received, Received, list[dict[str, Any]]]:
        async with tak.tls(PATROL) as patrol, tak.tls(OTHER) as other:
            await other.wait_for(is_track, 10.0)
            now = time.time_ns()
            detail = (
                '<contact callsign="NG-N03-1"/><emergency type="911 Alert">NG-N03-1</emergency>'
            )
            await patrol.send(
                [
                    cot_event("b-a-o-tbl", f"{PATROL}-9-1-1", now, 33.1, 11.2, detail),
                    cot_event("a-h-G-U-C", "shared-hostile", now, 33.11, 11.21),
                ]
            )
            heard = await other.wait_for(lambda e: "EMERGENCY" in e.xml, timeout=5.0)
            shared = await other.wait_for(lambda e: e.uid == "shared-hostile", timeout=5.0)
            async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
                alerts = (await http.get("/api/v1/tak/emergencies", headers=headers)).json()
                markers = (await http.get("/api/v1/tak/markers", headers=headers)).json()
                assert any(m["uid"] == "shared-hostile" for m in markers)
                # Logged for the device, so the engine raised it in the operators' queue.
                raised = (await http.get("/api/v1/alerts?limit=1000", headers=headers)).json()
                emergency = [a for a in raised if a["rule"] == "emergency"]
                assert emergency
                assert emergency[0]["priority"] == 1
                assert emergency[0]["evidence"] == [PATROL]  # the certificate speaks
                incidents = (await http.get("/api/v1/incidents?limit=1000", headers=headers)).json()
                assert any(emergency[0]["id"] in i["alert_ids"] for i in incidents)
                # The device deletes its marker: withdrawn here, and from the others' maps.
                link = '<link uid="shared-hostile" relation="p-p" type="a-h-G-U-C"/>'
                await patrol.send([cot_event("t-x-d-d", "del-1", now, 0.0, 0.0, link)])
                gone = await other.wait_for(lambda e: e.type == "t-x-d-d", timeout=5.0)
                assert find(gone, "detail/link").get("uid") == "shared-hostile"
                markers = (await http.get("/api/v1/tak/markers", headers=headers)).json()
                assert not any(m["uid"] == "shared-hostile" for m in markers)
                # A chat that moves no incident (the other device is assigned to none) is
                # logged for that device: in the audit trail, and the chat log.
                quiet = chat("all quiet at km 42", OTHER, OTHER, now, "quiet-1")
                await other.send([quiet, quiet])  # delivered twice: logged once
                trail = {"Authorization": f"Bearer {api.token('cmd1')}"}
                deadline = time.monotonic() + 10
                logged: list[dict[str, Any]] = []
                after = 0  # paged through the whole trail
                while not logged and time.monotonic() < deadline:
                    url = f"/api/v1/audit?limit=1000&after={after}"
                    page = (await http.get(url, headers=trail)).json()
                    after = page["next_after"]
                    logged = [e["action"] for e in page["entries"]]
                    logged = [a for a in logged if a["action"] == "chat"]
                    if not page["entries"]:
                        await asyncio.sleep(0.1)
                kept = (await http.get("/api/v1/tak/chat", headers=trail)).json()
            assert [(a["user"], a["role"], a["why"]) for a in logged] == [
                (OTHER, "patrol", "all quiet at km 42")
            ]
            assert any(c["text"] == "all quiet at km 42" for c in kept)
            return heard, shared, alerts

    heard, shared, alerts = run(main())
    assert shared.type == "a-h-G-U-C"
    assert find(heard, "detail/color").get("argb") == "-65536"  # P1 red
    mine = [a for a in alerts if PATROL in a["summary"]]
    assert mine
    assert mine[0]["priority"] == 1
    assert (mine[0]["lat"], mine[0]["lon"]) == (33.1, 11.2)
