"""Each station speaks with its own identity (its certificate, `pki.issue`, OU station), on
the real servers, attacked through them:

- on its own server: no client without one of our certificates naming a station user;
  another station's identity is refused; the station's identity publishes its own
  detections (the room receives them) and nothing else: a bundle on another station's
  subject, or a picture on `PICTURE`'s, is refused by the server ("Permissions Violation"),
  and the station counts each refusal;
- on its link (an attacker who owns station-a's machine runs a server of its own with
  station-a's link certificate): nothing the room reads comes down to it (station-b's
  bundles as the room's consumer fetches them, `PICTURE`, the room's answers and acks),
  and nothing it sends as another station, to `PICTURE` or to the room's JetStream reaches
  the room.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
import urllib.request
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from nats.aio.msg import Msg

from borderwatch import pki
from borderwatch.engine import load_config
from borderwatch.messages import Detection, encode_lines
from borderwatch.stations.bundle import pack
from borderwatch.stations.servers import (
    HUB_DOMAIN,
    LinkTls,
    NatsServer,
    find_nats_server,
    free_port,
)
from borderwatch.stations.station import Station
from borderwatch.stations.subjects import (
    ARRIVED,
    BORDER_STREAM,
    FIRST,
    MSG_ID,
    STATION,
    batch_subject,
    message_id,
)
from borderwatch.stations.system import System, start_system
from borderwatch.stations.workers import PICTURE_STREAM, picture_stream_config, read_picture

T0 = 1_773_522_000_000_000_000
S = 1_000_000_000


def _detection(station: Station, seq: int) -> Detection:
    sensor = next(s for s, p in sorted(station.registry.places.items()) if p.kind == "radar")
    return Detection(
        sensor_id=sensor,
        kind="radar",
        seq=seq,
        time_ns=T0 + seq * S,
        range_m=1_500.0,
        bearing_deg=90.0,
        sigma_range_m=10.0,
        sigma_bearing_deg=1.0,
    )


def _forged_bundle(as_station: Station, seq: int) -> tuple[bytes, dict[str, str]]:
    """A bundle of `as_station`'s sensor, with its headers: what an impersonator sends."""
    d = _detection(as_station, seq)
    (bundle,) = pack(900 + seq, [(d, T0 + seq * S)], [message_id(d)])
    headers = {
        STATION: as_station.name,
        ARRIVED: str(T0 + seq * S),
        FIRST: str(900 + seq),
        MSG_ID: f"forged-{seq}",
    }
    return bundle.payload, headers


async def _refused_at_connect(url: str, **options: Any) -> str:
    """Connect once, no retries: what the server (or the handshake) said, '' if it took us."""
    try:
        nc = await nats.connect(
            url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=3, **options
        )
    except Exception as exc:  # what a refused client sees differs by the way it is refused
        return repr(exc)
    await nc.close()
    return ""


async def _until(what: str, ok: Any, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not ok():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


def _identity(system: System, station: str) -> ssl.SSLContext:
    """TLS with `station`'s certificate, as `stations up` issued it."""
    return pki.client_ssl_context(system.root / "pki", station)


async def _own_server(system: System) -> dict[str, Any]:
    room = system.centre
    assert room is not None
    a, b = system.stations["station-a"], system.stations["station-b"]
    url_a = system.servers["station-a"].url
    out: dict[str, Any] = {
        "anonymous": await _refused_at_connect(url_a),
        "as_station_b": await _refused_at_connect(url_a, tls=_identity(system, "station-b")),
        "as_station_a": await _refused_at_connect(url_a, tls=_identity(system, "station-a")),
    }
    # the room hears anything that reaches it on the stations' and the picture's subjects
    hub = await nats.connect(system.cluster.urls)
    heard: list[str] = []

    async def note(m: Msg) -> None:
        heard.append(m.subject)

    await hub.subscribe("bw.>", cb=note)
    await hub.flush()
    # station-a's identity publishes its own detections: the room receives them
    assert await a.take_in([(_detection(a, i), T0 + i * S) for i in (1, 2, 3)]) == 3
    await _until("the room never received station-a's detections", lambda: room.received >= 3)
    out["received"] = room.received
    out["received_from_a"] = room.health["station-a"].received
    # ... and may publish nothing else: as station-b, or a picture of station-b's sector
    payload, headers = _forged_bundle(b, 1)
    nc = a._nc  # the station's own connection: what a compromised ingest would use
    assert nc is not None
    await nc.publish(batch_subject("station-b"), payload, headers=headers)
    await nc.publish("bw.picture.N03", encode_lines([]), headers={FIRST: "0"})
    await nc.flush()
    await _until("the station never heard its refusals", lambda: a.counts.refused >= 2, 10)
    # a client with station-a's identity sees the same refusals, subscriptions too
    errors: list[str] = []

    async def error(exc: Exception) -> None:
        errors.append(str(exc))

    spy = await nats.connect(url_a, tls=_identity(system, "station-a"), error_cb=error)
    await spy.subscribe("bw.>")
    await spy.publish(batch_subject("station-b"), payload, headers=headers)
    await spy.flush()
    await _until("the spy never heard its refusals", lambda: len(errors) >= 2, 10)
    await spy.close()
    await asyncio.sleep(1.0)  # anything that got through would have reached the room by now
    out["refused_counted"] = a.counts.refused
    out["spy_errors"] = sorted(errors)
    out["heard_at_the_room"] = sorted(set(heard))
    out["impersonations"] = dict(room.impersonations)
    out["received_after"] = room.received
    await hub.close()
    log = (system.servers["station-a"].root / "nats.log").read_text()
    out["violations_logged"] = log.count("Publish Violation")
    return out


def test_a_station_speaks_only_as_itself_on_its_own_server(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        system = await start_system(tmp_path, ["N02", "N03"], load_config())
        try:
            return await _own_server(system)
        finally:
            await system.close()

    out = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert out["anonymous"] != ""  # no client without one of our certificates
    assert out["as_station_b"] != ""  # station-b's identity is not a user of station-a's
    assert out["as_station_a"] == ""
    assert out["received"] == out["received_from_a"] == 3
    # each refusal seen and counted: the station's two, the spy's subscription and bundle
    assert out["refused_counted"] == 2
    assert len(out["spy_errors"]) == 2
    # (nats-py gives the server's words lower-cased)
    assert all("permissions violation" in e for e in out["spy_errors"])
    assert any('subscription to "bw.>"' in e for e in out["spy_errors"])
    assert out["violations_logged"] == 3  # the server says so too, naming the user
    # nothing of it reached the room
    assert out["heard_at_the_room"] == ["bw.station-a.batch"]
    assert out["impersonations"] == {}
    assert out["received_after"] == 3


def _leaf_names(monitor_url: str) -> list[str]:
    with urllib.request.urlopen(f"{monitor_url}/leafz", timeout=5) as r:
        return sorted(leaf["name"] for leaf in json.loads(r.read()).get("leafs") or [])


def _rogue_server(system: System, root: Path) -> NatsServer:
    """A server of the attacker's on station-a's machine: no rule of ours on it, only
    station-a's link certificate to join the room with."""
    port, monitor = free_port(), free_port()
    config = f"""server_name: rogue
listen: 127.0.0.1:{port}
http: 127.0.0.1:{monitor}
leafnodes {{
  remotes: [{{
    url: "nats-leaf://127.0.0.1:{system.cluster.leaf_ports[0]}"
    {LinkTls(system.root / "pki").remote_block("station-a")}
  }}]
}}
"""
    server = NatsServer("rogue", root / "rogue", config, port, monitor, find_nats_server())
    server.start()
    return server


# What the attacker listens to: the room's answers (where its consumers' fetches of BORDER
# and its reads of PICTURE arrive), acks, flow control, deliveries, station-b's subjects,
# the picture, and the room's and station-b's JetStream API.
SPIED = [
    "_INBOX.>",
    "$JS.ACK.>",
    "$JS.FC.>",
    "$JS.S.>",
    "$JSC.R.>",
    "bw.station-b.>",
    "bw.picture.>",
    f"$JS.{HUB_DOMAIN}.API.>",
    "$JS.station-b.API.>",
]


async def _link(system: System, root: Path) -> dict[str, Any]:
    room = system.centre
    assert room is not None
    b = system.stations["station-b"]
    hub_node = system.cluster.nodes[0]
    rogue = _rogue_server(system, root)
    try:
        await _until(
            "the rogue server never joined as station-a",
            lambda: _leaf_names(hub_node.monitor_url).count("rogue") == 1,
        )
        spy = await nats.connect(rogue.url, no_echo=True)  # not its own messages back
        got: list[tuple[str, str]] = []

        async def keep(m: Msg) -> None:
            got.append((m.subject, (m.headers or {}).get(STATION, "")))

        for subject in SPIED:
            await spy.subscribe(subject, cb=keep)
        await spy.flush()
        await asyncio.sleep(1.0)  # its interest has reached the hub, as far as it may
        # station-b's detections flow to the room, which fetches them from BORDER
        assert await b.take_in([(_detection(b, i), T0 + i * S) for i in (1, 2, 3)]) == 3
        await _until("the room never received station-b's", lambda: room.received >= 3)
        # the room's picture: written to PICTURE and read back (answers to the room's inbox)
        hub = await nats.connect(system.cluster.urls)
        js = hub.jetstream(timeout=5)
        await js.add_stream(picture_stream_config())
        await js.publish("bw.picture.N03", encode_lines([]), headers={FIRST: "0", MSG_ID: "p0"})
        picture = await read_picture(hub)
        heard: list[str] = []

        async def note(m: Msg) -> None:
            heard.append(m.subject)

        await hub.subscribe("bw.>", cb=note)
        await hub.flush()
        await asyncio.sleep(1.0)
        leaked = list(got)  # (what follows it hears of its own: "no responders")
        # the attacker sends as station-b, to PICTURE, and asks the room's and station-b's
        # JetStream to delete their streams
        payload, headers = _forged_bundle(b, 7)
        await spy.publish(batch_subject("station-b"), payload, headers=headers)
        await spy.publish("bw.picture.N03", encode_lines([]), headers={FIRST: "1"})
        asked = []
        for subject in (
            f"$JS.{HUB_DOMAIN}.API.STREAM.DELETE.{BORDER_STREAM}",
            f"$JS.{HUB_DOMAIN}.API.STREAM.DELETE.{PICTURE_STREAM}",
            "$JS.station-b.API.STREAM.DELETE.STATION_B",
        ):
            try:
                await spy.request(subject, b"", timeout=1)
                asked.append(f"{subject}: answered")
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                pass
        await spy.flush()
        await asyncio.sleep(1.5)
        border = await js.stream_info(BORDER_STREAM)
        pictures = await js.stream_info(PICTURE_STREAM)
        await spy.close()
        await hub.close()
        return {
            "got": leaked,
            "asked": asked,
            "heard_at_the_room": sorted(set(heard)),
            "picture_sectors": sorted(picture),
            "border_messages": border.state.messages,
            "picture_messages": pictures.state.messages,
            "received": room.received,
            "impersonations": dict(room.impersonations),
        }
    finally:
        rogue.stop()


def test_a_station_link_carries_nothing_of_the_others(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        system = await start_system(tmp_path, ["N02", "N03"], load_config())
        try:
            return await _link(system, tmp_path)
        finally:
            await system.close()

    out = asyncio.run(asyncio.wait_for(scenario(), 120))
    assert out["picture_sectors"] == ["N03"]
    assert out["received"] == 3
    # nothing the room read, answered or acknowledged came down station-a's link
    assert out["got"] == []
    # nothing the attacker sent reached the room: no bundle, no picture, no deletion
    assert out["asked"] == []
    assert out["heard_at_the_room"] == []
    assert out["border_messages"] == 1  # station-b's one bundle
    assert out["picture_messages"] == 1
    assert out["impersonations"] == {}


@pytest.mark.parametrize("station", ["station-a", "station-b"])
def test_each_station_is_its_own_user_in_the_room(tmp_path: Path, station: str) -> None:
    """The room's account names one user per station, each allowed only its own."""
    from borderwatch.stations.servers import ingest_may_send, station_may_send, station_may_take
    from borderwatch.stations.system import link_certificates

    tls = link_certificates(tmp_path, ["station-a", "station-b"])
    block = tls.accounts_block()
    assert f'user: "CN={station},OU=station"' in block
    other = "station-b" if station == "station-a" else "station-a"
    for subjects in (station_may_send(station), station_may_take(station)):
        assert not any(other in s or other.upper().replace("-", "_") in s for s in subjects)
        assert "_INBOX.>" not in station_may_take(station)
    assert all(s.startswith((f"bw.{station}.", "$JS.API.")) for s in ingest_may_send(station))
