"""The real system for attacks: a `Service` on a temporary data directory, the CoT listeners
(plain TCP and UDP, mutual TLS) and the HTTP API behind uvicorn, all on 127.0.0.1 and one
event loop, as `borderwatch run` wires them. Tests are coroutines that attack it from outside
(sockets, HTTP) and then look at what the log, the engine and the counters hold."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec
import uvicorn

from borderwatch import pki
from borderwatch.accounts import DataDir, Passwords
from borderwatch.api import create_app
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest import cot
from borderwatch.ingest.cot import CotServer, CotSettings, encode_xml
from borderwatch.ingest.identity import IdentityPolicy
from borderwatch.messages import Detection, Patrol, SensorStatus
from borderwatch.revocation import Revocations
from borderwatch.service import Service, ServiceOptions
from tests.accounts.helpers import PASSWORD, cheap_hasher

SECTOR = "N03"
RADAR = "T05-R"  # has a certificate of its own
OTHER_RADAR = "T06-R"  # has one too
PATROL = "NG-N03-1"  # an ATAK phone's callsign, and its certificate's CN
GATEWAY_CERT = "gw-north"  # a certificate with a grant for the sector
USERS = {"op1": "operator", "cmd1": "commander", "gw1": "gateway", "adm1": "admin"}
PARTNERS = {"ly1": "partner:ly", "dz1": "partner:dz"}  # user -> agency (role partner)
CERTS = (RADAR, OTHER_RADAR, PATROL, GATEWAY_CERT)


@dataclass
class Stack:
    """The running system and the ways an attacker (or a sensor) reaches it."""

    service: Service
    server: CotServer
    http: httpx.AsyncClient
    base_url: str
    pki: Path

    @property
    def logged(self) -> int:
        """Events in the log so far."""
        return self.service.writer.last_seq

    def rejected(self, adapter: str) -> dict[str, int]:
        """The ingest rejection counters of `adapter` (`cot.tcp`, `http`, ...)."""
        return dict(self.service.stats.snapshot()["rejected"].get(adapter, {}))

    async def token(self, user: str) -> str:
        """Log `user` in through the API."""
        r = await self.http.post("/api/v1/token", data={"username": user, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    async def send_tcp(self, messages: list[bytes], tls_name: str | None = None) -> None:
        """One connection (plain TCP, or TLS with `tls_name`'s certificate): send, close."""
        if tls_name is None:
            port, context = self.server.tcp_port, None
        else:
            port, context = self.server.tls_port, pki.client_ssl_context(self.pki, tls_name)
        assert port is not None
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
        writer.write(b"".join(messages))
        await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError):
            await writer.wait_closed()

    async def settle(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `check()` holds (the listeners and the engine work asynchronously)."""
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0.01)


def make_pki(directory: Path) -> Path:
    """Our CA with a certificate for each of `CERTS`."""
    pki.init_ca(directory)
    for name in CERTS:
        pki.issue(directory, name, organisational_unit="national_guard")
    return directory


@contextlib.asynccontextmanager
async def running(
    data: Path,
    pki_dir: Path,
    *,
    identity: IdentityPolicy | None = None,
    cot_settings: dict[str, Any] | None = None,
) -> AsyncIterator[Stack]:
    """The whole system on 127.0.0.1 until the block ends."""
    options = ServiceOptions(
        data=DataDir(data), sectors=(SECTOR,), config=EVENT_CLOCK, identity=identity
    )
    wanted: dict[str, Any] = {"host": "127.0.0.1", "tcp_port": 0, "udp_port": 0, "tls_port": 0}
    settings = msgspec.convert(wanted | (cot_settings or {}), CotSettings)
    async with Service.start(options) as service:
        service.users.passwords = Passwords(cheap_hasher())
        for name, role in USERS.items():
            service.users.add(name, "national_guard", role, PASSWORD)
        for name, agency in PARTNERS.items():
            service.users.add(name, agency, "partner", PASSWORD)
        server = await cot.setup(
            settings,
            service.admission,
            service.stats,
            pki.server_ssl_context(pki_dir),
            Revocations(pki_dir),
        )
        app = create_app(service)
        http = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
        )
        task = asyncio.create_task(http.serve())
        try:
            async with asyncio.timeout(10):
                while not http.started:
                    assert not task.done(), "uvicorn stopped before it started"
                    await asyncio.sleep(0.01)
            port = http.servers[0].sockets[0].getsockname()[1]
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                yield Stack(service, server, client, base, pki_dir)
        finally:
            await cot.close(server)
            http.should_exit = True
            await asyncio.wait_for(task, 10)


def run(coro: Any, timeout: float = 30.0) -> Any:
    """Run one attack in a fresh event loop, failing (not hanging) after `timeout` s."""

    async def bounded() -> Any:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


T_BASE = time.time_ns() - 3600 * 10**9  # an hour ago: never ahead of the server's clock


def detection(seq: int, sensor_id: str = RADAR) -> Detection:
    """A radar plot of `sensor_id`."""
    return Detection(
        sensor_id=sensor_id,
        kind="radar",
        seq=seq,
        time_ns=T_BASE + seq * 10**9,
        range_m=3000.0,
        bearing_deg=120.0,
        sigma_range_m=15.0,
        sigma_bearing_deg=0.5,
    )


def tamper(seq: int, sensor_id: str = RADAR) -> SensorStatus:
    """A tamper report: a P1 alert wherever the sensor is."""
    return SensorStatus(
        sensor_id=sensor_id, kind="radar", seq=seq, time_ns=T_BASE + seq * 10**9, health="tampered"
    )


def patrol(seq: int, callsign: str = PATROL) -> Patrol:
    """A patrol's position report (near T05, where the sector's intruders come)."""
    return Patrol(
        callsign=callsign,
        agency="national_guard",
        time_ns=T_BASE + seq * 10**9,
        lat=32.95,
        lon=11.45,
        seq=seq,
    )


def xml(*messages: Detection | SensorStatus | Patrol) -> list[bytes]:
    """Our CoT encoding of each."""
    return [encode_xml(m) for m in messages]
