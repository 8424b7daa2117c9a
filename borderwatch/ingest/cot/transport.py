"""The CoT/TAK servers: TCP and UDP on 8087, mutual TLS on 8089.

Per TCP or TLS connection, a reader and a drain (pytak's worker shape, under a TaskGroup):
- the reader reads a chunk, frames and decodes it, answers pings, and puts messages in the
  connection's bounded queue (`queue_size`). When that queue is full the reader waits and reads
  nothing more: the socket's buffers fill and TCP flow control slows the sender down. Nothing a
  connection sent is dropped for being fast; the event log sets the pace.
- the drain hands the sink batches of up to `batch_max` messages (waiting `batch_linger_ms`
  after the first for more) and awaits each; if the sink refuses a batch (`MessageError`) it
  retries the messages one by one, so only the refused ones are lost, each counted.

We disconnect, and count by reason: an oversized message (`oversized`: the stream cannot be
resynced), `max_consecutive_bad` bad messages in a row (`abusive`), an incomplete message held
past `partial_timeout_s` (`slow_partial`, slowloris), nothing received for `idle_timeout_s`
(`idle`), a pong the client does not read (`write_stalled`), a sink failure (`sink_error`).
Messages decoded before a disconnect still reach the sink. A connection over one of the limits
of `limits.py` (per listener, per source, TLS handshakes, per certificate) is refused at once
and counted under the limit's name, and one slow or abusive client only ever stalls itself.
The idle timer restarts only on a whole message: whitespace padding cannot keep a slot. A
message that fails to decode, for whatever reason, costs that message only.

A well-formed event of a type ingest does not take (ATAK's hostile and unknown markers, its
chat, its emergencies, anything else valid) is counted (`unsupported_type`) but never towards
`max_consecutive_bad`: a client is not cut off for speaking valid CoT. With a `PeerHub` (the
service's TAK clients, `peers.py`), each TCP and TLS connection is also a way back: once it
shows it is a TAK client (pytak's hello, ATAK's ping or position report, a negotiation, a
marker: never a sensor's detections and heartbeats, which would not read), the hub gets a
`Peer` for it (its identity, its wire, a bounded outbox written by a third task beside
the reader and the drain), the events ingest does not take, and the switch to TAK protocol v1
(`t-x-takp-q`, or a client sending protobuf); pongs then go through the outbox, in order
with the rest. A peer dropped for reading too slowly ends its connection (`slow_reader`).

UDP is lossy by nature: every datagram is one message, queued in one bounded queue shared by all
senders; when it is full the newest message is dropped and counted (`dropped/queue_full`).

TLS: the handshake runs in our task (not inside `start_server`), so a client without a valid
certificate from our CA is refused and counted (`tls_refused`); the certificate's subject CN is
the source the sink sees (`tls:<CN>`), to tie a sensor to its certificate, and its OU, when it
has one, is the agency of the patrols that connection reports (else `default_agency`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import ssl
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Literal, TypeVar, cast

import msgspec

from borderwatch.errors import MessageError
from borderwatch.ingest.base import REFUSED, Inbound, IngestStats, RejectedError, Sink
from borderwatch.ingest.cot.config import CotSettings
from borderwatch.ingest.cot.const import ABUSIVE, DOMAIN, OVERSIZED, UNSUPPORTED_TYPE
from borderwatch.ingest.cot.decode import (
    Decoded,
    Ignored,
    Ping,
    decode_datagram,
    decode_frame,
    event_uid,
)
from borderwatch.ingest.cot.encode import pong_xml, to_proto
from borderwatch.ingest.cot.framing import Frame, Framer
from borderwatch.ingest.cot.limits import ByteRate, ConnectionGate, Networks
from borderwatch.ingest.cot.peers import (
    DEVICE_CONTROL,
    NEGOTIATE_REQUEST,
    Peer,
    PeerHub,
    protocol_response_xml,
)
from borderwatch.ingest.identity import device_patrol
from borderwatch.messages import Patrol
from borderwatch.pki import CertificateError, peer_identity
from borderwatch.revocation import Revocations, peer_serial

__all__ = ["CotServer"]

_log = logging.getLogger(__name__)
T = TypeVar("T")
_CHUNK = 64 * 1024
# A timer that fires this much after its deadline means the process was stalled: then one
# last look, this long, for bytes already waiting in the socket (one turn of the loop).
_LAST_LOOK_S = 0.05
TRUNCATED = "truncated"  # the peer closed in the middle of a message
SINK_ERROR = "sink_error"
UNDECODABLE = "undecodable"  # the decoder failed in a way it did not name


class _SinkFailedError(Exception):
    """The sink raised something other than a refusal: close this connection."""


class _PausedAtStart(asyncio.StreamReaderProtocol):
    """Reads nothing until the TLS handshake takes over: a ClientHello must not land in the
    plain-text reader (where `start_tls` could never see it)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()
        super().connection_made(transport)


class CotServer:
    """The listeners of one `setup`, their connections, and a `close` that ends them all."""

    def __init__(
        self,
        settings: CotSettings,
        sink: Sink,
        stats: IngestStats,
        ssl_context: ssl.SSLContext | None = None,
        *,
        revocations: Revocations | None = None,
        clock: Callable[[], int] = time.time_ns,
        hub: PeerHub | None = None,
    ) -> None:
        self.settings = settings
        self.hub = hub  # the way back to TAK clients (None: ingest only)
        self.stats = stats
        self.clock = clock  # for pong timestamps only
        self.closing = False
        self._sink = sink
        self._ssl = ssl_context
        self._servers: dict[str, asyncio.Server] = {}
        self._udp: asyncio.DatagramTransport | None = None
        self._udp_queue: asyncio.Queue[tuple[str, Inbound] | None] = asyncio.Queue(
            settings.queue_size
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._revocations = revocations
        self._serials: dict[asyncio.StreamWriter, int] = {}  # open TLS connections' certificates
        self._revoked: set[asyncio.StreamWriter] = set()  # dropped for it
        self._plain_networks = Networks(settings.plain_networks)
        self._gates = {
            "tcp": ConnectionGate(settings.max_connections, settings.max_connections_per_source),
            "tls": ConnectionGate(
                settings.max_connections,
                settings.max_connections_per_source,
                settings.max_tls_handshakes,
                settings.max_tls_handshakes_per_source,
                settings.max_connections_per_identity,
            ),
        }

    def _port(self, name: str) -> int | None:
        server = self._servers.get(name)
        return None if server is None else int(server.sockets[0].getsockname()[1])

    @property
    def tcp_port(self) -> int | None:
        """The bound TCP port (None: off)."""
        return self._port("tcp")

    @property
    def tls_port(self) -> int | None:
        """The bound TLS port (None: off)."""
        return self._port("tls")

    @property
    def udp_port(self) -> int | None:
        """The bound UDP port (None: off)."""
        return None if self._udp is None else int(self._udp.get_extra_info("sockname")[1])

    async def start(self) -> None:
        """Bind every configured listener."""
        s, loop = self.settings, asyncio.get_running_loop()
        if s.tcp_port is not None:
            self._servers["tcp"] = await asyncio.start_server(
                lambda r, w: self._serve(r, w, "tcp"), s.plain_host, s.tcp_port, limit=_CHUNK
            )
        if s.tls_port is not None:
            if self._ssl is None:
                raise ValueError("tls_port is set but no ssl_context was given")

            def tls_protocol() -> asyncio.StreamReaderProtocol:
                reader = asyncio.StreamReader(limit=_CHUNK)
                return _PausedAtStart(reader, lambda r, w: self._serve(r, w, "tls"))

            self._servers["tls"] = await loop.create_server(tls_protocol, s.host, s.tls_port)
            if self._revocations is not None:
                self._spawn(self._watch_revocations())
        if s.udp_port is not None:
            self._udp, _ = await loop.create_datagram_endpoint(
                lambda: _Datagrams(self), local_addr=(s.plain_host, s.udp_port)
            )
            self._spawn(self._drain_udp())
        _log.info(
            "CoT ingest: tcp %s:%s, udp %s:%s, tls %s:%s; %s",
            s.plain_host,
            self.tcp_port,
            s.plain_host,
            self.udp_port,
            s.host,
            self.tls_port,
            msgspec.json.encode(s).decode(),
        )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self._track(asyncio.create_task(coro))

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop listening, let connections hand what they decoded to the sink, end them.

        Bounded by `shutdown_timeout_s`; anything still running then is cancelled.
        """
        if self.closing:
            return
        self.closing = True
        for server in self._servers.values():
            server.close()
        if self._udp is not None:
            self._udp.close()
        try:
            self._udp_queue.put_nowait(None)  # the UDP drain flushes what is queued, then ends
        except asyncio.QueueFull:
            self._spawn(self._udp_queue.put(None))
        for writer in list(self._writers):
            writer.transport.abort()  # the reader sees the end; its drain flushes
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=self.settings.shutdown_timeout_s)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for server in self._servers.values():
            await server.wait_closed()

    async def __aenter__(self) -> CotServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- streams (TCP, TLS) ---

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, kind: str
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._track(task)
        adapter = f"{DOMAIN}.{kind}"
        host, port = (writer.get_extra_info("peername") or ("?", 0))[:2]
        source = f"{kind}:{host}:{port}"
        agency = self.settings.default_agency
        gate = self._gates[kind]
        if self.closing:
            writer.transport.abort()
            return
        limit = None
        if kind == "tcp" and not self._plain_networks.allows(host):
            limit = "plain_networks"
        limit = limit or gate.enter(host)
        if limit is not None:
            self.stats.count_limit(adapter, limit, source)
            writer.transport.abort()
            return
        identity: str | None = None
        try:
            if kind == "tls":
                limit = gate.start_handshake(host)
                if limit is not None:
                    self.stats.count_limit(adapter, limit, source)
                    return
                try:
                    peer = await self._handshake(writer, adapter, source)
                finally:
                    gate.end_handshake(host)
                if peer is None:
                    return
                name, unit = peer
                serial = peer_serial(writer.get_extra_info("ssl_object"))
                if serial is not None and self._is_revoked(serial):
                    self.stats.count_disconnect(adapter, "revoked", f"tls:{name}")
                    return
                limit = gate.claim(name)
                if limit is not None:
                    self.stats.count_limit(adapter, limit, f"tls:{name}")
                    return
                identity, source, agency = name, f"tls:{name}", unit or agency
                if serial is not None:
                    self._serials[writer] = serial
            self._writers.add(writer)
            self.stats.connection_opened(adapter)
            try:
                connection = _Connection(self, reader, writer, adapter, source, agency)
                if self.hub is not None:
                    connection.peer = Peer(
                        writer,
                        source=source,
                        identity=identity,
                        agency=agency,
                        kind=kind,
                        max_bytes=self.settings.out_queue_bytes,
                        write_timeout_s=self.settings.write_timeout_s,
                    )
                reason = await connection.run()
            finally:
                self.stats.connection_closed(adapter)
                self._writers.discard(writer)
                self._serials.pop(writer, None)
            if writer in self._revoked:
                self._revoked.discard(writer)
                reason = "revoked"
            self.stats.count_disconnect(adapter, reason, source)
        finally:
            gate.leave(host)
            if identity is not None:
                gate.release(identity)
            writer.transport.abort()

    def _is_revoked(self, serial: int) -> bool:
        return self._revocations is not None and serial in self._revocations.serials()

    async def _watch_revocations(self) -> None:
        """Drop the open connections of certificates revoked since they connected."""
        assert self._revocations is not None
        while not self.closing:
            await asyncio.sleep(self.settings.revocation_check_s)
            try:
                revoked = self._revocations.serials()
            except CertificateError as exc:  # a bad list: keep the last good one, say so
                _log.warning("revocation list not read: %s", exc)
                continue
            for writer, serial in list(self._serials.items()):
                if serial in revoked:
                    self._revoked.add(writer)
                    writer.transport.abort()

    async def _handshake(
        self, writer: asyncio.StreamWriter, adapter: str, source: str
    ) -> tuple[str, str | None] | None:
        """The client's (CN, OU) once TLS is up with its valid certificate; None if refused."""
        assert self._ssl is not None
        try:
            await writer.start_tls(
                self._ssl, ssl_handshake_timeout=self.settings.tls_handshake_timeout_s
            )
        except OSError as exc:  # ssl.SSLError, a reset, the handshake timeout
            self.stats.count_disconnect(adapter, "tls_refused", f"{source} ({exc})")
            return None
        try:
            return peer_identity(writer.get_extra_info("ssl_object"))
        except CertificateError as exc:  # no certificate (a context not requiring one), no CN
            self.stats.count_disconnect(adapter, "tls_refused", f"{source} ({exc.reason})")
            return None

    # --- shared by streams and datagrams ---

    async def deliver(self, batch: Sequence[Inbound], source: str, adapter: str) -> None:
        """Hand `batch` to the sink; on a refusal find the refused messages one by one."""
        try:
            await self._accept(batch, source, adapter)
        except MessageError as exc:
            if len(batch) == 1:
                self._refused(exc, source, adapter)
                return
            for message in batch:
                try:
                    await self._accept([message], source, adapter)
                except MessageError as one:
                    self._refused(one, source, adapter)

    async def _accept(self, batch: Sequence[Inbound], source: str, adapter: str) -> None:
        try:
            await self._sink.accept(batch, source)
        except MessageError:
            raise
        except Exception as exc:  # the sink's own failure, not the client's fault
            error = RejectedError(SINK_ERROR, "$", f"the sink failed: {exc!r}")
            self.stats.count_rejected(adapter, error, source, len(batch))
            raise _SinkFailedError from exc
        self.stats.count_accepted(adapter, len(batch))

    def _refused(self, exc: MessageError, source: str, adapter: str) -> None:
        error = (
            exc if isinstance(exc, RejectedError) else RejectedError(REFUSED, exc.field, exc.reason)
        )
        self.stats.count_rejected(adapter, error, source)

    # --- datagrams (UDP) ---

    def on_datagram(
        self, data: bytes, addr: tuple[str, int], reply: Callable[[bytes], None]
    ) -> None:
        """Decode one datagram; queue its message or drop it (newest) if the queue is full."""
        adapter, source = f"{DOMAIN}.udp", f"udp:{addr[0]}"
        if not self._plain_networks.allows(addr[0]):
            self.stats.count_limit(adapter, "plain_networks", source)
            return
        if len(data) > self.settings.max_message_bytes:
            error = RejectedError(OVERSIZED, "$", f"datagram of {len(data)} bytes")
            self.stats.count_rejected(adapter, error, source)
            return
        try:
            item = decode_datagram(data, agency=self.settings.default_agency)
        except RejectedError as exc:
            self.stats.count_rejected(adapter, exc, source)
            return
        except Exception as exc:  # a decoder bug: this datagram, never the listener
            self.stats.count_rejected(adapter, _undecodable(exc), source)
            return
        if isinstance(item, Ping):
            pong = pong_xml(self.clock())
            reply(pong if data[:1] == b"<" else to_proto(pong, "mesh"))
        elif not isinstance(item, Ignored):
            try:
                self._udp_queue.put_nowait((source, item))
            except asyncio.QueueFull:
                self.stats.count_dropped(adapter, "queue_full", source)

    async def _drain_udp(self) -> None:
        adapter, queue = f"{DOMAIN}.udp", self._udp_queue
        while True:
            batch = await _take_batch(queue, self.settings)
            items = [item for item in batch if item is not None]
            for source, group in itertools.groupby(items, key=lambda item: item[0]):
                with contextlib.suppress(_SinkFailedError):  # counted; UDP has no one to hang up on
                    await self.deliver([m for _, m in group], source, adapter)
            if len(items) < len(batch):
                return


def _undecodable(exc: Exception) -> RejectedError:
    """A decoder failure that is no `RejectedError` (a bug, or a library's surprise)."""
    _log.warning("CoT decoder failed on a message", exc_info=exc)
    return RejectedError(UNDECODABLE, "$", f"could not be decoded: {exc!r}")


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, server: CotServer) -> None:
        self._server = server
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: Python 3.11's selector datagram transport is no subclass.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        transport = self._transport
        assert transport is not None
        self._server.on_datagram(data, addr, lambda pong: transport.sendto(pong, addr))


async def _take_batch(queue: asyncio.Queue[T], settings: CotSettings) -> list[T]:
    """Up to `batch_max` items: those waiting, then what comes within the linger; a None
    (the end) is kept as the last item."""
    batch = [await queue.get()]
    deadline = asyncio.get_running_loop().time() + settings.batch_linger_ms / 1000.0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout_at(deadline):
            while batch[-1] is not None and len(batch) < settings.batch_max:
                batch.append(queue.get_nowait() if not queue.empty() else await queue.get())
    return batch


class _Connection:
    """One TCP or TLS client: its reader, its queue, its drain."""

    def __init__(
        self,
        server: CotServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        adapter: str,
        source: str,
        agency: str,
    ) -> None:
        self.server, self.settings = server, server.settings
        self.reader, self.writer = reader, writer
        self.adapter, self.source, self.agency = adapter, source, agency
        self.queue: asyncio.Queue[Inbound | None] = asyncio.Queue(self.settings.queue_size)
        self.peer: Peer | None = None  # the way back, when the server has a hub
        self.announced = False  # the hub was told: this connection is a TAK client

    def _announce(self) -> None:
        """The connection showed it is a TAK client (pytak's hello, a ping, a negotiation, a
        marker, or a device's position report over TLS): from now on the hub serves it. A
        sensor, which sends detections and heartbeats only, is never sent the picture (it
        may never read it, and would be cut off for not reading); nor is the embedded twin's
        patrol on the plain port, which sends its positions and reads nothing."""
        if not self.announced and self.peer is not None and self.server.hub is not None:
            self.announced = True
            self.server.hub.opened(self.peer)

    async def run(self) -> str:
        """Read until the connection ends; return why it ended."""
        reason = SINK_ERROR
        hub, peer = self.server.hub, self.peer
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._drain())
                if hub is not None and peer is not None:
                    tasks.create_task(peer.run())
                try:
                    reason = await self._read()
                finally:
                    if hub is not None and peer is not None:
                        peer.close()
                        if self.announced:
                            hub.closed(peer)
                await self.queue.put(None)  # the drain flushes what is queued, then ends
        except* _SinkFailedError:
            pass  # counted where it failed; the reader was cancelled
        if peer is not None and peer.reason is not None:
            return peer.reason  # we dropped it (slow reader, stalled write)
        return reason

    def _speaks(self, frame: Frame) -> None:
        """A client sending TAK protocol v1 is sent it from now on."""
        peer, hub = self.peer, self.server.hub
        if frame.kind == "proto" and peer is not None and hub is not None and peer.wire == "xml":
            peer.wire = "proto"
            if self.announced:
                hub.switched(peer)

    def _for_hub(self, item: Decoded) -> bool:
        """TAK control that means something to the hub: a device deleting its marker."""
        return self.peer is not None and isinstance(item, Ignored) and item.type in DEVICE_CONTROL

    async def _unused(self, frame: Frame, error: RejectedError | None) -> list[Inbound]:
        """An event of a type ingest does not take: the hub's, if there is one (it may make
        messages of it, or refuse it as malformed), else counted and ignored."""
        hub, peer = self.server.hub, self.peer
        if hub is None or peer is None:
            if error is not None:
                self.server.stats.count_rejected(self.adapter, error, self.source)
            return []
        self._announce()
        return list(await hub.received(peer, frame))

    def _negotiate(self) -> bool:
        """A client asked for TAK protocol v1: say yes (in XML), then speak it."""
        peer, hub = self.peer, self.server.hub
        if peer is None or hub is None:
            return False
        self._announce()
        peer.send([protocol_response_xml(self.server.clock())])
        if peer.wire == "xml":
            peer.wire = "proto"
            hub.switched(peer)
        return True

    async def _drain(self) -> None:
        while True:
            batch = await _take_batch(self.queue, self.settings)
            messages = [m for m in batch if m is not None]
            if messages:
                await self.server.deliver(messages, self.source, self.adapter)
            if len(messages) < len(batch):
                return

    async def _read(self) -> str:
        s, loop, stats = self.settings, asyncio.get_running_loop(), self.server.stats
        framer = Framer(s.max_message_bytes)
        rate = ByteRate(s.max_bytes_per_s, loop.time)
        bad = 0
        partial_since: float | None = None  # when the incomplete message held began
        last_message = loop.time()  # bytes alone (padding) do not keep a connection alive
        while True:
            timeout = last_message + s.idle_timeout_s - loop.time()
            if partial_since is not None:
                timeout = min(timeout, partial_since + s.partial_timeout_s - loop.time())
            deadline = loop.time() + max(timeout, 0.0)
            try:
                async with asyncio.timeout_at(deadline):
                    chunk = await self.reader.read(_CHUNK)
            except TimeoutError:
                if loop.time() - deadline < _LAST_LOOK_S:  # on time: the sender is slow
                    return "slow_partial" if partial_since is not None else "idle"
                # The timer fired late: this process itself was stalled (a long engine
                # step, a pause of the machine), and bytes already waiting in the socket are
                # the sender's answer, not its slowness. One short look more (only after a
                # stall, so a sender cannot buy time by trickling bytes).
                try:
                    async with asyncio.timeout(_LAST_LOOK_S):
                        chunk = await self.reader.read(_CHUNK)
                except TimeoutError:
                    return "slow_partial" if partial_since is not None else "idle"
                except OSError:
                    chunk = b""
            except OSError:
                chunk = b""
            if not chunk:
                if framer.pending:
                    error = RejectedError(TRUNCATED, "$", f"closed after {framer.pending} bytes")
                    stats.count_rejected(self.adapter, error, self.source)
                return "shutdown" if self.server.closing else "closed_by_peer"
            wait = rate.spend(len(chunk))
            if wait > 0:  # faster than max_bytes_per_s: read it later (TCP slows the sender)
                stats.count_limit(self.adapter, "max_bytes_per_s", self.source)
                await asyncio.sleep(wait)
            frames = framer.feed(chunk)
            for frame in frames:
                self._speaks(frame)
                try:
                    try:
                        items: list[Decoded] = [decode_frame(frame, agency=self.agency)]
                        if isinstance(items[0], Patrol):  # a partner's, only as a partner's
                            items = [device_patrol(items[0], self.agency)]
                        if self._for_hub(items[0]):
                            items = [*await self._unused(frame, None)]
                    except RejectedError as exc:
                        if exc.code != UNSUPPORTED_TYPE:
                            raise
                        # Valid CoT we do not take: never a step towards `abusive`.
                        items = [*await self._unused(frame, exc)]
                except Exception as exc:  # RejectedError, or a decoder bug: this message only
                    error = exc if isinstance(exc, RejectedError) else _undecodable(exc)
                    stats.count_rejected(self.adapter, error, self.source)
                    bad += 1
                    if bad >= s.max_consecutive_bad:
                        return ABUSIVE
                    continue
                bad = 0
                for item in items:
                    if isinstance(item, Ping | Ignored) or (
                        isinstance(item, Patrol) and self.adapter.endswith("tls")
                    ):
                        self._announce()
                        if isinstance(item, Patrol) and self.peer is not None:
                            self.peer.device_uid = event_uid(frame) or self.peer.device_uid
                    if isinstance(item, Ping):
                        if not await self._reply(frame.kind):
                            return "write_stalled"
                    elif isinstance(item, Ignored):
                        if item.type == NEGOTIATE_REQUEST:
                            self._negotiate()
                    else:
                        await self.queue.put(item)  # blocks when full: backpressure
            if frames:
                # After the queue took them: time held back by our own backpressure is not
                # the sender's idleness.
                last_message = loop.time()
            if framer.broken is not None:
                stats.count_rejected(self.adapter, framer.broken, self.source)
                return OVERSIZED
            if not framer.pending:
                partial_since = None
            elif frames or partial_since is None:
                partial_since = loop.time()

    async def _reply(self, kind: Literal["xml", "proto"]) -> bool:
        pong = pong_xml(self.server.clock())
        if self.peer is not None:  # in order with what the hub sends, through its outbox
            return self.peer.send([pong if kind == "xml" else to_proto(pong, "stream")])
        self.writer.write(pong if kind == "xml" else to_proto(pong, "stream"))
        try:
            async with asyncio.timeout(self.settings.write_timeout_s):
                await self.writer.drain()
        except (TimeoutError, OSError):
            return False
        return True
