"""The way back to TAK clients: a client that stops reading is dropped (`slow_reader`)
without slowing the others; valid CoT of types ingest does not take never gets a client
cut off; pongs go through the outbox in order; a client speaking protobuf is switched."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from typing import Any

from borderwatch.ingest import IngestStats
from borderwatch.ingest.base import Inbound
from borderwatch.ingest.cot import Frame, Peer, encode_proto, ping_xml
from borderwatch.ingest.cot.transport import CotServer

from .helpers import T0, eventually, radar, run, settings

EVENT = b'<event version="2.0" uid="x" type="a-u-G"><point lat="1" lon="2"/></event>' * 10


class Hub:
    """Remembers who came, went and switched; `flood` sends every client `EVENT` as fast
    as it can."""

    def __init__(self) -> None:
        self.peers: list[Peer] = []
        self.gone: list[Peer] = []
        self.speaks: list[Peer] = []
        self.frames: list[Frame] = []
        self.stop = False

    def opened(self, peer: Peer) -> None:
        self.peers.append(peer)

    def closed(self, peer: Peer) -> None:
        self.gone.append(peer)

    def switched(self, peer: Peer) -> None:
        self.speaks.append(peer)

    async def received(self, peer: Peer, frame: Frame) -> Sequence[Inbound]:
        self.frames.append(frame)
        return []

    async def flood(self) -> None:
        while not self.stop:
            for peer in self.peers:
                if peer not in self.gone:
                    peer.send([EVENT])
            await asyncio.sleep(0)


async def _serve(hub: Hub, **overrides: Any) -> CotServer:
    server = CotServer(
        settings(udp_port=None, out_queue_bytes=64 * 1024, **overrides),
        _NullSink(),
        _stats(),
        hub=hub,
    )
    await server.start()
    return server


class _NullSink:
    async def accept(self, batch: Sequence[Inbound], source: str) -> None:
        pass


def _stats() -> IngestStats:
    return IngestStats()


def test_a_client_that_stops_reading_is_dropped_and_slows_nobody() -> None:
    async def main() -> None:
        hub = Hub()
        server = await _serve(hub)
        try:
            # The stalled client: a tiny receive buffer, and it never reads.
            stalled = socket.socket()
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stalled.setblocking(False)
            loop = asyncio.get_running_loop()
            await loop.sock_connect(stalled, ("127.0.0.1", server.tcp_port or 0))
            await loop.sock_sendall(stalled, ping_xml("stalled", T0))  # a TAK client ...
            reader, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(ping_xml("reader", T0))
            await eventually(lambda: len(hub.peers) == 2)
            flood = asyncio.create_task(hub.flood())
            got = 0
            async with asyncio.timeout(20):
                while got < 5_000_000:  # the reader keeps getting everything, fast
                    got += len(await reader.read(65536))
            await eventually(lambda: any(p.reason == "slow_reader" for p in hub.gone), 10)
            hub.stop = True
            await flood
            assert [p.reason for p in hub.gone] == ["slow_reader"]
            assert server.stats.disconnects["cot.tcp", "slow_reader"] == 1
            writer.close()
            await writer.wait_closed()
            stalled.close()
        finally:
            await server.close()

    run(main(), timeout=60)


def test_valid_cot_of_unused_types_never_gets_a_client_cut_off() -> None:
    async def main() -> None:
        for hub in (Hub(), None):
            server = CotServer(
                settings(udp_port=None, max_consecutive_bad=5), _NullSink(), _stats(), hub=hub
            )
            await server.start()
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
                unused = (
                    b'<event version="2.0" uid="d" type="u-d-f" time="2026-03-01T00:00:00Z">'
                    b'<point lat="33.0" lon="11.0"/></event>'
                )
                writer.write(unused * 50 + ping_xml("p1", T0))
                await writer.drain()
                async with asyncio.timeout(5):
                    answer = await reader.readuntil(b"</event>")
                    while b"t-x-c-t-r" not in answer:  # past the hub's hello, to the pong
                        answer = await reader.readuntil(b"</event>")
                assert server.stats.disconnects.get(("cot.tcp", "abusive")) is None
                if hub is not None:
                    assert len(hub.frames) == 50  # the hub had them all
                else:
                    assert server.stats.rejected["cot.tcp", "unsupported_type"] == 50
                writer.close()
                await writer.wait_closed()
            finally:
                await server.close()

    run(main())


def test_a_client_sending_protobuf_is_switched_to_it() -> None:
    async def main() -> None:
        hub = Hub()
        server = await _serve(hub)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(ping_xml("hello", T0))  # a TAK client (a sensor is never served)
            await eventually(lambda: len(hub.peers) == 1)
            assert [p.wire for p in hub.peers] == ["xml"]
            writer.write(encode_proto(radar(1)))
            await writer.drain()
            await eventually(lambda: hub.speaks == hub.peers)
            assert [p.wire for p in hub.peers] == ["proto"]
            writer.close()
            await writer.wait_closed()
        finally:
            await server.close()

    run(main())


def test_a_sensor_that_only_sends_is_never_served() -> None:
    async def main() -> None:
        hub = Hub()
        server = await _serve(hub)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(b"".join(encode_proto(radar(seq)) for seq in range(20)))
            await writer.drain()
            await asyncio.sleep(0.2)
            assert hub.peers == []
            writer.close()
            await writer.wait_closed()
        finally:
            await server.close()

    run(main())
