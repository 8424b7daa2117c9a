"""The way back on a TCP or TLS connection: what the server sends to a TAK client.

A TAK client (ATAK, pytak) sends and receives on one connection. The listener knows the
connection (its socket, who it is); what to send it (the picture it is cleared for, its
tasking) is decided above ingest, by a `PeerHub` the service gives the listener. The hub
sees each client as a `Peer`: its identity (a TLS certificate's CN, the agency from its OU),
the wire it speaks, and an outbox.

The outbox is bounded in bytes (`out_queue_bytes`): `send` never waits. A client that
reads slower than the picture changes fills it, and is then dropped (`slow_reader`) rather
than held in memory or allowed to slow the hub, the engine or the other clients; it
reconnects and starts again from the whole picture, as a console that fell behind does.
A write the client does not take within `write_timeout_s` drops it too (`write_stalled`).

Wire: XML until the client asks for TAK protocol v1, by the TAK server's negotiation
(`t-x-takp-q`, answered `t-x-takp-r`) or by sending protobuf itself (pytak's `TAK_PROTO=1`
does so without asking); from then on the hub sends it TAK protocol v1 streaming frames.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Literal, Protocol

from borderwatch.ingest.base import Inbound
from borderwatch.ingest.cot._text import format_time
from borderwatch.ingest.cot.framing import Frame

__all__ = [
    "DEVICE_CONTROL",
    "NEGOTIATE_REQUEST",
    "SLOW_READER",
    "WRITE_STALLED",
    "Peer",
    "PeerHub",
    "protocol_response_xml",
    "protocol_support_xml",
]

SLOW_READER = "slow_reader"  # its outbox overflowed: it reads slower than we send
WRITE_STALLED = "write_stalled"  # a write not taken within write_timeout_s
NEGOTIATE_REQUEST = "t-x-takp-q"  # a client asking to switch to TAK protocol v1
# TAK control ingest ignores but the hub takes: a device deleting a marker it dropped.
DEVICE_CONTROL = frozenset({"t-x-d-d"})
Wire = Literal["xml", "proto"]
_S = 1_000_000_000


def _control(cot_type: str, now_ns: int, inner: str) -> bytes:
    t = format_time(now_ns)
    return (
        f'<event version="2.0" uid="protouid" type="{cot_type}" time="{t}" start="{t}" '
        f'stale="{format_time(now_ns + 60 * _S)}" how="m-g"><point lat="0.0" lon="0.0" '
        f'hae="0.0" ce="999999" le="999999"/><detail><TakControl>{inner}</TakControl>'
        "</detail></event>"
    ).encode()


def protocol_support_xml(now_ns: int) -> bytes:
    """What a TAK server says on connect: it speaks TAK protocol v1 (`t-x-takp-v`)."""
    return _control("t-x-takp-v", now_ns, '<TakProtocolSupport version="1"/>')


def protocol_response_xml(now_ns: int) -> bytes:
    """The answer to a client's `t-x-takp-q`: yes, TAK protocol v1 from now on."""
    return _control("t-x-takp-r", now_ns, '<TakResponse status="true"/>')


class Peer:
    """One connected TAK client as the sending side sees it: who, which wire, an outbox."""

    def __init__(
        self,
        writer: asyncio.StreamWriter,
        *,
        source: str,
        identity: str | None,
        agency: str,
        kind: str,
        max_bytes: int,
        write_timeout_s: float,
    ) -> None:
        self.source = source  # `tls:<CN>` or `tcp:<ip>:<port>`, as the sink sees it
        self.identity = identity  # the certificate's CN (a patrol's callsign); None on TCP
        # Its ATAK uid, from its own position report: a GeoChat to it is threaded by it.
        self.device_uid: str | None = None
        self.agency = agency
        self.kind = kind  # "tcp" or "tls"
        self.wire: Wire = "xml"
        self.reason: str | None = None  # why it was dropped, once it is
        self.sent_events = 0
        self.sent_bytes = 0
        self._writer = writer
        self._max_bytes = max_bytes
        self._write_timeout_s = write_timeout_s
        self._outbox: deque[bytes] = deque()
        self._queued = 0
        self._ready = asyncio.Event()
        self._closed = False

    @property
    def queued_bytes(self) -> int:
        """Bytes waiting in the outbox."""
        return self._queued

    def send(self, events: Sequence[bytes]) -> bool:
        """Queue `events` (already in this peer's wire) without waiting; False if the peer is
        gone or was dropped now because its outbox would overflow."""
        if self.reason is not None or self._closed:
            return False
        size = sum(len(e) for e in events)
        if self._queued + size > self._max_bytes:
            self.drop(SLOW_READER)
            return False
        self._outbox.extend(events)
        self._queued += size
        self._ready.set()
        return True

    def drop(self, reason: str) -> None:
        """End this client's connection now, for `reason` (its reader sees the end)."""
        if self.reason is None:
            self.reason = reason
        self._outbox.clear()
        self._queued = 0
        self._ready.set()
        self._writer.transport.abort()

    def close(self) -> None:
        """The connection ended: stop the writer."""
        self._closed = True
        self._ready.set()

    async def run(self) -> None:
        """Write what is queued, in order, until the connection ends."""
        while True:
            await self._ready.wait()
            self._ready.clear()
            if self._closed or self.reason is not None:
                return
            chunk = b"".join(self._outbox)
            count = len(self._outbox)
            self._outbox.clear()
            self._queued = 0
            self._writer.write(chunk)
            try:
                async with asyncio.timeout(self._write_timeout_s):
                    await self._writer.drain()
            except TimeoutError:
                self.drop(WRITE_STALLED)
                return
            except OSError:
                return  # the connection is gone; its reader says why
            self.sent_events += count
            self.sent_bytes += len(chunk)


class PeerHub(Protocol):
    """What the service gives the listeners to talk back to TAK clients."""

    def opened(self, peer: Peer) -> None:
        """A connection (after TLS, with its identity) showed it is a TAK client: pytak's
        hello, ATAK's ping or position report, a negotiation, a marker. Send it what it
        should have."""

    def closed(self, peer: Peer) -> None:
        """A client's connection ended (only for one `opened` was told of)."""

    def switched(self, peer: Peer) -> None:
        """A client now speaks TAK protocol v1 (`peer.wire`): what it has, again, in it."""

    async def received(self, peer: Peer, frame: Frame) -> Sequence[Inbound]:
        """A well-formed event of a type ingest does not take (ATAK's markers, chat,
        emergencies): handle it; return the messages it makes for the event log (a marker's
        sighting), which go through this connection's queue and identity checks. Raises
        `RejectedError` if the event is malformed for its type."""
        ...
