"""Cursor on Target and TAK: CoT XML and TAK protocol v1 over TCP, UDP and mutual TLS.

`setup` binds the listeners and returns the running `CotServer`; `close` ends it in bounded
time. Sensors send Detection and SensorStatus events in our encoding (docs/formats.md); ATAK
devices' own position reports (`a-f-G-...`) become Patrol messages; TAK pings are answered.
"""

from __future__ import annotations

import ssl

from borderwatch.ingest.base import IngestStats, Sink
from borderwatch.ingest.cot.config import CotSettings, check, parse_settings
from borderwatch.ingest.cot.decode import (
    Decoded,
    Ignored,
    Ping,
    decode_datagram,
    decode_frame,
    decode_proto,
    decode_xml,
)
from borderwatch.ingest.cot.encode import encode_proto, encode_xml, ping_xml, pong_xml, to_proto
from borderwatch.ingest.cot.framing import Frame, Framer
from borderwatch.ingest.cot.peers import Peer, PeerHub
from borderwatch.ingest.cot.transport import CotServer
from borderwatch.revocation import Revocations

__all__ = [
    "CotServer",
    "CotSettings",
    "Decoded",
    "Frame",
    "Framer",
    "Ignored",
    "Peer",
    "PeerHub",
    "Ping",
    "check",
    "close",
    "decode_datagram",
    "decode_frame",
    "decode_proto",
    "decode_xml",
    "encode_proto",
    "encode_xml",
    "parse_settings",
    "ping_xml",
    "pong_xml",
    "setup",
    "to_proto",
]


async def setup(
    settings: CotSettings,
    sink: Sink,
    stats: IngestStats,
    ssl_context: ssl.SSLContext | None = None,
    revocations: Revocations | None = None,
    hub: PeerHub | None = None,
) -> CotServer:
    """Start the CoT listeners `settings` asks for; TLS needs `ssl_context` (client certs),
    and refuses the certificates `revocations` lists (borderwatch.revocation); `hub` talks
    back to TAK clients on their connections (`peers.py`)."""
    server = CotServer(settings, sink, stats, ssl_context, revocations=revocations, hub=hub)
    try:
        await server.start()
    except BaseException:
        await server.close()
        raise
    return server


async def close(server: CotServer) -> None:
    """Stop `server`: no new data, queued messages flushed to the sink, all tasks ended."""
    await server.close()
