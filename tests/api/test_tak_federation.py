"""A partner's feed out to its own TAK server, through the real path: FreeTAKServer 2.2.1 (its
own virtual environment, `make fts`) runs on 127.0.0.1 as Libya's TAK server; a pytak client
connected to it with the certificate it issued stands for a Libyan operator's ATAK. A service
fed the twin's run has `[federation.ly-tak]` in `DATA/tak.toml`: it connects out to the
server over TLS with the certificate the partner issued us, and streams what `partner:ly`'s
policy releases. The pytak client receives, through FreeTAKServer, the released items and
nothing else: no alert (not in the policy's kinds), no incident a commander did not release,
no friendly patrol, nothing before its delay, every position on the policy's 1 km grid;
each one recorded in the disclosure ledger under the link's name. The link's state is in
the API and the metrics.

The service's clock is the twin's (its run is from March 2026), so the policy's delay can be
watched: first "now" is just after the last message fed, then 62 s later."""

from __future__ import annotations

import asyncio
import math
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from borderwatch.accounts import DataDir
from borderwatch.engine import LiveEngine
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest.cot._text import parse_time
from borderwatch.ingest.identity import Grant, IdentityPolicy
from borderwatch.messages import OperatorAction, Patrol, Track
from borderwatch.service import ServiceOptions
from borderwatch.share.releasability import coarsen
from borderwatch.store import EventLog
from tests.api.conftest import Api, running
from tests.api.fts import Fts, running_fts
from tests.api.takclient import Device, Received, chat, config
from tests.api.takclient import cot as cot_event
from tests.ingest.cot.test_pytak import PYTAK_TLS_WARNING

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings(PYTAK_TLS_WARNING),
    # pytak says so when told not to check the server's name (FreeTAKServer's has none).
    pytest.mark.filterwarnings("ignore:Disabled TLS Server Common Name Verification"),
]

FEED = 6_000
LINK = "ly-tak"
DELAY_S = 60
PRECISION_M = 1000.0
POLICY = f"""
partner = "partner:ly"
version = 7
kinds = ["tracks", "incidents"]
sectors = ["N03"]
delay_s = {DELAY_S}
precision_m = {PRECISION_M}
strip = ["track.sensors", "incident.assigned_patrol"]
retention_days = 7
"""
_S = 1_000_000_000


class TwinClock:
    """The service's clock, set by the test (the twin's time), instead of the wall's."""

    def __init__(self, now_ns: int) -> None:
        self.now_ns = now_ns

    def __call__(self) -> int:
        return self.now_ns


class Listener:
    """A pytak client of the partner's server, in a thread of its own from before the
    service starts to the end of the module: everything the server relays is seen."""

    def __init__(self, fts: Fts) -> None:
        certs = fts.certs
        self.device = Device(
            config(
                f"tls://127.0.0.1:{fts.tls_port}",
                PYTAK_TLS_CLIENT_CERT=str(certs / "Client.pem"),
                PYTAK_TLS_CLIENT_KEY=str(certs / "Client.key"),
                PYTAK_TLS_CLIENT_CAFILE=str(certs / "ca.pem"),
                PYTAK_TLS_DONT_CHECK_HOSTNAME="1",  # FreeTAKServer's certificate: CN=server
            )
        )
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            async with self.device as device:
                # A TAK server routes to clients that said who they are.
                now = time.time_ns()
                contact = '<contact callsign="LY-OPS-1" endpoint="*:-1:stcp"/>'
                await device.send_raw(cot_event("a-f-G-U-C", "LY-OPS-1", now, 32.0, 11.0, contact))
                self.ready.set()
                while not self.stop.is_set() and not device.closed:
                    await asyncio.sleep(0.05)

        try:
            asyncio.run(main())
        except BaseException as exc:  # the test reports it
            self.error = exc
            self.ready.set()

    def ours(self) -> list[Received]:
        """What came from borderwatch (the server's welcome and others left out)."""
        return [e for e in list(self.device.received) if e.uid.startswith("borderwatch.")]


@dataclass
class Federated:
    api: Api
    fts: Fts
    listener: Listener
    clock: TwinClock
    last_ns: int  # the last message fed: "now" for the twin


@pytest.fixture(scope="module")
def federated(tmp_path_factory: pytest.TempPathFactory, messages: list[Any]) -> Iterator[Federated]:
    with running_fts(tmp_path_factory.mktemp("fts")) as fts:
        listener = Listener(fts)
        listener.thread.start()
        assert listener.ready.wait(30), "the pytak client did not connect to FreeTAKServer"
        assert listener.error is None, listener.error
        data = DataDir(tmp_path_factory.mktemp("federation-data"))
        # What the partner handed us: its CA and a certificate its CA issued us.
        given = data.root / "partners" / "ly"
        given.mkdir(parents=True)
        for name in ("ca.pem", "Client.pem", "Client.key"):
            shutil.copy(fts.certs / name, given / name)
        (data.root / "partners" / "ly.toml").write_text(POLICY)
        (data.root / "tak.toml").write_text(
            f"""
[federation.{LINK}]
partner = "partner:ly"
host = "127.0.0.1"
port = {fts.tls_port}
cert = "partners/ly/Client.pem"
key = "partners/ly/Client.key"
ca = "partners/ly/ca.pem"
check_hostname = false
every_s = 0.25
"""
        )
        fed = messages[:FEED]
        last_ns = max(int(getattr(m, "time_ns", 0)) for m in fed)
        clock = TwinClock(last_ns + _S)
        options = ServiceOptions(
            data=data,
            sectors=("N03",),
            config=EVENT_CLOCK,
            identity=IdentityPolicy(grants={"gw1": Grant(sectors=frozenset({"N03"}))}),
        )
        try:
            with running(options, fed, clock=clock) as api:
                yield Federated(api, fts, listener, clock, last_ns)
        finally:
            listener.stop.set()
            listener.thread.join(10)


def _time_ns(e: Received) -> int:
    return parse_time(e.root().get("time") or "")


def _wait(check: Any, timeout: float, what: str, link: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, (what, link and link.snapshot())
        time.sleep(0.05)


def test_a_partner_tak_server_receives_only_what_the_policy_releases(
    federated: Federated,
) -> None:
    api, listener, clock = federated.api, federated.listener, federated.clock
    service = api.service
    engine = service.engine
    link = service.tak.federation.links[0]
    exchange = api.app.state.api.exchange
    # Connected to FreeTAKServer with the certificate its CA issued, and looking: the policy
    # holds the picture back (the delay; incidents no commander released).
    looked = lambda: link.state == "connected" and link.counts.withheld_now > 0  # noqa: E731
    _wait(looked, 30, "the link did not connect and look", link)
    first_now = clock.now_ns
    # The tracks updated in the last minute are younger than the delay: not yet.
    young = {
        t.id for t in engine.tracks.values() if not t.friendly and t.time_ns > first_now - 60 * _S
    }
    assert young, "the twin has no live track to hold back"
    time.sleep(1.5)  # several looks (every 0.25 s)
    early = listener.ours()
    assert not any(e.uid.removeprefix("borderwatch.track.") in young for e in early)
    for e in early:
        assert _time_ns(e) <= first_now - DELAY_S * _S, e.uid

    # A commander releases one incident to Libya (on the twin's clock); a minute passes.
    incidents = sorted(engine.incidents)
    assert len(incidents) >= 2, "the run has too few incidents"
    chosen = incidents[0]
    action = OperatorAction(
        id=service.new_action_id(), user="cmd1", agency="national_guard", role="commander",
        time_ns=first_now, action="release", target=chosen, params={"agency": "partner:ly"},
    )  # fmt: skip
    assert api.call(service.act, action) is not None
    later = first_now + (DELAY_S + 2) * _S
    clock.now_ns = later
    live = {t.id for t in engine.tracks.values() if not t.friendly and t.sector == "N03"}

    def arrived() -> bool:
        got = {e.uid for e in listener.ours()}
        tracks = {f"borderwatch.track.{tid}" for tid in live if tid in engine.tracks}
        return f"borderwatch.incident.{chosen}" in got and tracks <= got

    _wait(arrived, 30, "the incident and the live tracks did not reach FreeTAKServer", link)
    time.sleep(1.0)  # anything that should not go has had its chance
    got = listener.ours()
    ledger = exchange.ledger.read("partner:ly")
    recorded = {(d.kind, d.item_id) for d in ledger if d.user == f"federation:{LINK}"}
    friendly = {t.id for t in engine.tracks.values() if t.friendly}
    for e in got:
        root = e.root()
        kind, _, item_id = e.uid.removeprefix("borderwatch.").partition(".")
        # Kinds and incidents: tracks, and the one incident released; no alert, no patrol.
        assert kind in ("track", "incident"), e.uid
        assert kind != "incident" or item_id == chosen, e.uid
        assert item_id not in friendly
        # Recorded in the ledger before it went, under the link's name.
        assert (kind + "s", item_id) in recorded, e.uid
        # Its handling came through the partner's server.
        assert "REL TO partner:ly; NO ONWARD RELEASE; RETAIN UNTIL" in (root.get("access") or "")
        # Nothing younger than the delay at the time it was released.
        assert _time_ns(e) <= later - DELAY_S * _S, e.uid
        # Positions: the centre of their 1 km cell, with the cell's circular error.
        point = root.find("point")
        assert point is not None
        lat, lon = float(point.get("lat") or "nan"), float(point.get("lon") or "nan")
        c_lat, c_lon = coarsen(lat, lon, PRECISION_M)
        assert math.isclose(c_lat, lat, abs_tol=1e-7)
        assert math.isclose(c_lon, lon, abs_tol=1e-7)
        assert float(point.get("ce") or "0") == pytest.approx(PRECISION_M / math.sqrt(6))
    assert all(d.policy_version == 7 for d in ledger)
    # Every released track was really one of the picture's, in the policy's sector.
    for d in ledger:
        if isinstance(d.released.item, Track):
            assert d.released.item.sector == "N03"
            assert d.released.item.sensors == ()

    # The link's state, in the API and the metrics.
    headers = api.auth("cmd1")
    with httpx.Client(base_url=api.base_url, timeout=30) as http:
        links = http.get("/api/v1/tak/federation", headers=headers).json()
        metrics = http.get("/api/v1/metrics", headers=headers).json()
    (state,) = links
    assert state["name"] == LINK
    assert state["state"] == "connected"
    assert state["connects"] >= 1
    assert state["released"] == len([d for d in ledger if d.user == f"federation:{LINK}"])
    assert state["sent_events"] >= state["released"]
    assert state["received_bytes"] > 0  # the server's welcome, the listener's position
    assert metrics["federation"][LINK]["partner"] == "partner:ly"


class PatrolDevice:
    """A Libyan patrol's ATAK, as a pytak client of the partner's server with the certificate
    its CA issued, on an event loop in a thread of its own (the test calls into it)."""

    def __init__(self, fts: Fts, callsign: str) -> None:
        certs = fts.certs
        self.callsign = callsign
        self.uid = f"ANDROID-{callsign}"
        self.device = Device(
            config(
                f"tls://127.0.0.1:{fts.tls_port}",
                PYTAK_TLS_CLIENT_CERT=str(certs / "Client.pem"),
                PYTAK_TLS_CLIENT_KEY=str(certs / "Client.key"),
                PYTAK_TLS_CLIENT_CAFILE=str(certs / "ca.pem"),
                PYTAK_TLS_DONT_CHECK_HOSTNAME="1",
            ),
            hello_uid=self.uid,
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.run(self.device.__aenter__())

    def run(self, coro: Any) -> Any:
        """`coro` on the device's loop; its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    def report(self, time_ns: int, lat: float, lon: float) -> None:
        """Its position report, as ATAK sends it (callsign in `contact`)."""
        detail = f'<contact callsign="{self.callsign}" endpoint="*:-1:stcp"/>'
        event = cot_event("a-f-G-U-C", self.uid, time_ns, lat, lon, detail)
        self.run(self.device.send_raw(event))

    def wait(self, check: Any, link: Any) -> Received:
        """The first event received within 15 s for which `check` holds."""
        try:
            found: Received = self.run(self.device.wait_for(check, 15))
        except (TimeoutError, ConnectionError) as exc:
            seen = [(e.uid, e.type) for e in self.device.received]
            raise AssertionError((exc, seen, link.snapshot())) from exc
        return found

    def say(self, text: str, time_ns: int, message_id: str) -> None:
        """A GeoChat from the patrol."""
        self.run(self.device.send_raw(chat(text, self.uid, self.callsign, time_ns, message_id)))

    def close(self) -> None:
        self.run(self.device.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_a_partner_patrol_comes_in_over_the_link_and_answers_a_proposal(
    federated: Federated,
) -> None:
    """Joint patrols through FreeTAKServer: the Libyan patrol's position reports come in as a
    patrol of `partner:ly` (its call sign in Libya's namespace, whatever its event claims);
    an operator proposes an incident to it, which it receives, released by Libya's policy and
    recorded; its answers land on the incident."""
    api, clock, fts = federated.api, federated.clock, federated.fts
    service, engine = api.service, api.service.engine
    link = service.tak.federation.links[0]
    _wait(lambda: link.state == "connected", 30, "the link did not connect", link)
    incidents = sorted(engine.incidents.values(), key=lambda i: i.id)
    # Not the first test's incident (the lowest id, released then, its marker already sent);
    # held back until a commander releases it below.
    assert len(incidents) >= 2, [i.id for i in incidents]
    held = chosen = incidents[-1]
    device = PatrolDevice(fts, "LY-P1")
    try:
        now = clock.now_ns
        device.report(now, chosen.lat, chosen.lon)
        # A second device of theirs claims to be our patrol, of our agency: it stays Libya's,
        # in Libya's namespace (sent on the same connection: FreeTAKServer knows a client by
        # the uid of its first event, pytak's hello).
        spoof = '<_borderwatch_ agency="national_guard" status="available" seq="1"/>'
        detail = f'<contact callsign="NG-N03-1" endpoint="*:-1:stcp"/>{spoof}'
        event = cot_event("a-f-G-U-C", "ANDROID-NG-N03-1", now, chosen.lat, chosen.lon, detail)
        device.run(device.device.send_raw(event))
        ours_before = engine.patrols.get("NG-N03-1")
        _wait(
            lambda: "ly/LY-P1" in engine.patrols and "ly/NG-N03-1" in engine.patrols,
            30, "the partner's patrols did not reach the engine", link,
        )  # fmt: skip
        assert engine.patrols["ly/LY-P1"].agency == "partner:ly"
        assert engine.patrols["ly/NG-N03-1"].agency == "partner:ly"
        assert engine.patrols.get("NG-N03-1") == ours_before  # ours untouched
        headers = api.auth("op1")
        with httpx.Client(base_url=api.base_url, timeout=30) as http:
            listed = http.get("/api/v1/patrols", headers=headers).json()
            assert {"callsign": "ly/LY-P1", "agency": "partner:ly"}.items() <= next(
                p for p in listed if p["callsign"] == "ly/LY-P1"
            ).items()
            one = http.get("/api/v1/patrols/ly/LY-P1", headers=headers).json()
            assert (one["callsign"], one["agency"]) == ("ly/LY-P1", "partner:ly")
            # A partner's patrol is proposed to, never assigned; dispatch never ranks it.
            r = http.post(f"/api/v1/incidents/{chosen.id}/assign", headers=headers,
                          json={"patrol": "ly/LY-P1"})  # fmt: skip
            assert r.status_code == 409
            assert "propose" in r.json()["detail"]
            ranked = http.get(f"/api/v1/incidents/{chosen.id}/patrols", headers=headers).json()
            assert ranked
            assert not [p for p in ranked if p["agency"] == "partner:ly"]
            # Not released by a commander: the policy holds it back, and says which rule.
            r = http.post(f"/api/v1/incidents/{held.id}/propose", headers=headers,
                          json={"patrol": "ly/LY-P1"})  # fmt: skip
            assert r.status_code == 409, r.text
            assert "not released to partner:ly by a commander" in r.json()["detail"]
            # Not a partner's patrol: refused.
            r = http.post(f"/api/v1/incidents/{chosen.id}/propose", headers=headers,
                          json={"patrol": "NG-N03-1"})  # fmt: skip
            assert r.status_code == 409
            # An analyst may not propose.
            r = http.post(f"/api/v1/incidents/{chosen.id}/propose", headers=api.auth("an1"),
                          json={"patrol": "ly/LY-P1"})  # fmt: skip
            assert r.status_code == 403
            # A commander releases it; once the policy's delay has passed, it may go.
            release = OperatorAction(
                id=service.new_action_id(), user="cmd1", agency="national_guard",
                role="commander", time_ns=clock.now_ns, action="release", target=chosen.id,
                params={"agency": "partner:ly"},
            )  # fmt: skip
            assert api.call(service.act, release) is not None
            clock.now_ns += (DELAY_S + 2) * _S
            r = http.post(f"/api/v1/incidents/{chosen.id}/propose", headers=headers,
                          json={"patrol": "ly/LY-P1", "why": "joint patrol"})  # fmt: skip
            assert r.status_code == 200, r.text
            proposal = r.json()["action"]
            assert proposal["params"]["proposal"] == "ly/LY-P1"
            assert proposal["user"] == "op1"
            # The patrol's device receives the incident, as released, and the chat.
            marker = device.wait(lambda e: e.uid == f"borderwatch.incident.{chosen.id}", link)
            said = device.wait(
                lambda e: e.type == "b-t-f" and "Proposed" in e.xml and chosen.id in e.xml, link
            )
            root = marker.root()
            assert "REL TO partner:ly" in (root.get("access") or "")
            point = root.find("point")
            assert point is not None
            lat, lon = float(point.get("lat") or "nan"), float(point.get("lon") or "nan")
            assert (lat, lon) == pytest.approx(coarsen(chosen.lat, chosen.lon, PRECISION_M))
            assert "REL TO partner:ly" in (said.root().get("access") or "")
            recorded = [
                d for d in api.app.state.api.exchange.ledger.read("partner:ly")
                if d.item_id == chosen.id and d.user == f"federation:{LINK}"
            ]  # fmt: skip
            assert recorded, "the proposal was not recorded in the ledger"
            # Its answers come back over the link, onto the incident, attributed to it.
            device.say("Accept, moving", clock.now_ns, "m1")
            device.say("on scene", clock.now_ns + _S, "m2")

            def answers() -> list[dict[str, Any]]:
                got = http.get(f"/api/v1/incidents/{chosen.id}", headers=headers).json()
                return [n for n in got["notes"] if "partner_reply" in n.get("params", {})]

            _wait(lambda: len(answers()) >= 2, 30, "the patrol's answers were not recorded", link)
            device.say("on scene", clock.now_ns + _S, "m2")  # the same chat again: one note
            _wait(lambda: link.joint.unused.get("repeat", 0) >= 1, 30, "no repeat seen", link)
            assert len(answers()) == 2
            first, second = answers()
            assert first["params"]["partner_reply"] == "accepted"
            assert second["params"]["partner_reply"] == "on_scene"
            assert {first["user"], first["agency"], first["role"]} == {
                "ly/LY-P1", "partner:ly", "patrol",
            }  # fmt: skip
            state = http.get("/api/v1/tak/federation", headers=headers).json()[0]
        assert state["patrols_taken"] >= 2
        assert state["proposals"] == 1
        assert state["replies"] == 2
        # In the event log: the reports, as the link's source; replayed, the log gives the
        # same partner patrols and the same proposal and answers on the incident.
        with EventLog(service.options.data.root / "events.sqlite") as log:
            events = list(log.read())
        sources = {e.source for e in events if isinstance(e.message, Patrol)}
        assert f"federation:{LINK}" in sources
        again = LiveEngine(engine.registry, config=EVENT_CLOCK)
        for e in events:
            again.take(e.seq, e.message, e.arrived_ns)
        theirs = {k: p for k, p in engine.patrols.items() if p.agency == "partner:ly"}
        assert theirs
        assert {k: p for k, p in again.patrols.items() if p.agency == "partner:ly"} == theirs
        assert again.notes[chosen.id] == engine.notes[chosen.id]
    finally:
        device.close()
