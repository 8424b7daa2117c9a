"""Helpers for the CoT adapter's tests: fixtures on disk, a running server, sample messages."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable, Coroutine
from configparser import ConfigParser, SectionProxy
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytak

from borderwatch.ingest import CollectingSink, Inbound, IngestStats, Sink
from borderwatch.ingest.cot import CotServer, CotSettings, setup
from borderwatch.messages import ClassLikelihood, Detection, Patrol, decode

T = TypeVar("T")
FIXTURES = Path(__file__).parent / "fixtures"
T0 = 1_772_331_204_771_123_456  # 2026-03-01T02:13:24.771123456Z


def fixture(name: str) -> bytes:
    """A captured payload from `fixtures/`."""
    return (FIXTURES / name).read_bytes()


def fixture_message(name: str) -> Any:
    """The wire message a fixture's `.json` holds."""
    return decode(fixture(f"{name}.json"))


def run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    """Run `coro` in a fresh event loop, failing (not hanging) after `timeout` s."""

    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


def settings(**overrides: Any) -> CotSettings:
    """Loopback, free ports, TLS off unless asked for."""
    base: dict[str, Any] = {"host": "127.0.0.1", "tcp_port": 0, "udp_port": 0, "tls_port": None}
    return CotSettings(**(base | overrides))


@asynccontextmanager
async def serving(
    cfg: CotSettings | None = None,
    sink: Sink | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[tuple[CotServer, CollectingSink, IngestStats]]:
    """A running server with a collecting sink (or `sink`) and fresh stats; closed after."""
    collecting = CollectingSink()
    stats = IngestStats()
    server = await setup(cfg or settings(), sink or collecting, stats, ssl_context)
    try:
        yield server, collecting, stats
    finally:
        await server.close()


def radar(seq: int, sensor_id: str = "T06-R") -> Detection:
    """A radar detection: range and bearing, no position of its own."""
    return Detection(
        sensor_id=sensor_id,
        kind="radar",
        seq=seq,
        time_ns=T0 + seq * 1_000_000,
        range_m=2000.0 + seq,
        bearing_deg=118.25,
        sigma_range_m=15.0,
        sigma_bearing_deg=0.6,
        classes=ClassLikelihood(person=0.7, vehicle=0.2),
    )


def sender(message: Inbound) -> str:
    """Who sent it: a sensor's id, a patrol's callsign."""
    return message.callsign if isinstance(message, Patrol) else message.sensor_id


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `check()` holds (polling), or fail after `timeout` s."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.005)


def pytak_config(url: str, **extra: str) -> SectionProxy:
    """pytak's settings section for `url` (COT_URL) and any other keys."""
    parser = ConfigParser()
    parser["borderwatch-test"] = {"COT_URL": url, **extra}
    return parser["borderwatch-test"]


async def send_with_pytak(config: SectionProxy, events: list[bytes]) -> None:
    """pytak's own connection and TX worker (protobuf conversion included), as a gateway."""
    _reader, writer = await pytak.protocol_factory(config)
    tx = pytak.TXWorker(asyncio.Queue(), config, writer)
    await tx.send_data(pytak.hello_event("borderwatch-test"))
    for event in events:
        await tx.send_data(event)
    writer.close()
    # Over TLS, a record of the server's crossing our close_notify makes the shutdown raise
    # (APPLICATION_DATA_AFTER_CLOSE_NOTIFY, seen once in a fresh-clone CI run): everything
    # was sent by then, and the tests check what arrived, not how the socket closed.
    with contextlib.suppress(ssl.SSLError):
        await writer.wait_closed()
