"""Mutual TLS on 8089: only a certificate from our CA gets in. Every refusal is counted, never
crashes the server, and a good client connecting afterwards is served."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from borderwatch.ingest import IngestStats
from borderwatch.ingest.cot import CotServer, encode_xml
from borderwatch.pki import client_ssl_context, server_ssl_context

from .helpers import eventually, radar, run, serving, settings

Attempt = Callable[[CotServer, Path, Path], Awaitable[None]]


async def _tls_client(port: int, context: ssl.SSLContext) -> None:
    """Connect, send a detection, and wait for the server to hang up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
    try:
        writer.write(encode_xml(radar(1)))
        await writer.drain()
        await reader.read()  # refused: the server resets or closes
    except (ssl.SSLError, ConnectionError):
        pass
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


async def no_certificate(server: CotServer, pki: Path, _: Path) -> None:
    context = ssl.create_default_context(cafile=pki / "ca.crt")  # trusts us, shows nothing
    assert server.tls_port is not None
    await _tls_client(server.tls_port, context)


async def certificate_from_another_ca(server: CotServer, pki: Path, other: Path) -> None:
    context = client_ssl_context(other, "intruder")
    context.load_verify_locations(cafile=pki / "ca.crt")  # it trusts us; we do not trust it
    assert server.tls_port is not None
    await _tls_client(server.tls_port, context)


async def plain_text(server: CotServer, _: Path, __: Path) -> None:
    assert server.tls_port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", server.tls_port)
    writer.write(encode_xml(radar(1)))
    await writer.drain()
    await reader.read()
    writer.close()
    await writer.wait_closed()


async def silent(server: CotServer, _: Path, __: Path) -> None:
    assert server.tls_port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", server.tls_port)
    await reader.read()  # the handshake times out and the server hangs up
    writer.close()
    await writer.wait_closed()


@pytest.mark.parametrize(
    "attempt", [no_certificate, certificate_from_another_ca, plain_text, silent]
)
def test_refused_and_counted_then_a_good_client_gets_in(
    attempt: Attempt, pki_dir: Path, other_pki_dir: Path
) -> None:
    async def main() -> IngestStats:
        cfg = settings(tcp_port=None, udp_port=None, tls_port=0, tls_handshake_timeout_s=0.3)
        async with serving(cfg, ssl_context=server_ssl_context(pki_dir)) as (server, sink, stats):
            await attempt(server, pki_dir, other_pki_dir)
            await eventually(lambda: stats.disconnects["cot.tls", "tls_refused"] == 1)
            assert sink.received == []
            assert stats.connections_total["cot.tls"] == 0  # never counted as connected

            _reader, writer = await asyncio.open_connection(
                "127.0.0.1", server.tls_port, ssl=client_ssl_context(pki_dir, "T06-R")
            )
            writer.write(encode_xml(radar(2)))
            await writer.drain()
            assert await sink.wait_for(1) == [radar(2)]
            assert sink.received[0][0] == "tls:T06-R"
            writer.close()
            await writer.wait_closed()
            return stats

    stats = run(main())
    assert stats.snapshot()["disconnects"]["cot.tls"]["tls_refused"] == 1
