"""UDP on 8087: one datagram, one message (CoT XML or TAK mesh/streaming protobuf); pings are
answered to the sender; when the queue is full the newest message is dropped and counted."""

from __future__ import annotations

import asyncio

from borderwatch.ingest.cot import decode_datagram, encode_proto, encode_xml, ping_xml, to_proto
from borderwatch.ingest.cot.decode import Ignored

from .helpers import T0, eventually, fixture, radar, run, serving, settings
from .test_backpressure import GatedSink


class _Client(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.replies: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.replies.put_nowait(data)


async def _udp_client(port: int | None) -> tuple[asyncio.DatagramTransport, _Client]:
    assert port is not None
    loop = asyncio.get_running_loop()
    return await loop.create_datagram_endpoint(_Client, remote_addr=("127.0.0.1", port))


def test_xml_mesh_and_streaming_datagrams_arrive() -> None:
    async def main() -> None:
        async with serving() as (server, sink, stats):
            transport, _ = await _udp_client(server.udp_port)
            transport.sendto(encode_xml(radar(1)))
            transport.sendto(encode_proto(radar(2), framing="mesh"))
            transport.sendto(encode_proto(radar(3), framing="stream"))
            transport.sendto(fixture("atak_self_report.xml"))
            transport.sendto(b"<event>garbage")
            messages = await sink.wait_for(4)
            assert messages[:3] == [radar(1), radar(2), radar(3)]
            assert {source for source, _ in sink.received} == {"udp:127.0.0.1"}
            await eventually(lambda: stats.rejected["cot.udp", "bad_xml"] == 1)
            transport.close()

    run(main())


def test_ping_is_answered_in_its_own_format() -> None:
    async def main() -> None:
        async with serving() as (server, sink, _):
            transport, client = await _udp_client(server.udp_port)
            transport.sendto(ping_xml("ANDROID-1", T0))
            reply = await client.replies.get()
            assert reply.startswith(b"<event")
            assert decode_datagram(reply) == Ignored("t-x-c-t-r")
            transport.sendto(to_proto(ping_xml("ANDROID-1", T0), "mesh"))
            reply = await client.replies.get()
            assert reply.startswith(b"\xbf\x01\xbf")
            assert decode_datagram(reply) == Ignored("t-x-c-t-r")
            assert sink.received == []
            transport.close()

    run(main())


def test_full_queue_drops_the_newest_and_counts_it() -> None:
    async def main() -> None:
        sink = GatedSink()
        async with serving(settings(queue_size=3, batch_max=1), sink=sink) as (server, _, stats):
            transport, _ = await _udp_client(server.udp_port)
            sent = [radar(seq, "slow") for seq in range(10)]
            for message in sent:
                transport.sendto(encode_xml(message))
            await eventually(lambda: sum(stats.dropped.values()) > 0)
            sink.gate.set()
            await eventually(lambda: len(sink.received) + sum(stats.dropped.values()) == 10)
            # The oldest got through, in order; the newest were dropped.
            assert sink.messages == sent[: len(sink.messages)]
            assert stats.dropped["cot.udp", "queue_full"] == 10 - len(sink.messages)
            transport.close()

    run(main())


def test_close_flushes_a_full_queue_promptly() -> None:
    async def main() -> None:
        sink = GatedSink()
        cfg = settings(queue_size=3, batch_max=1, shutdown_timeout_s=5.0)
        async with serving(cfg, sink=sink) as (server, _, stats):
            transport, _ = await _udp_client(server.udp_port)
            for seq in range(10):
                transport.sendto(encode_xml(radar(seq, "slow")))
            await eventually(lambda: sum(stats.dropped.values()) > 0)
            loop = asyncio.get_running_loop()
            start = loop.time()
            closing = asyncio.create_task(server.close())
            await asyncio.sleep(0.05)
            sink.gate.set()
            await closing
            assert loop.time() - start < 1.0  # not the 5 s of a drain left waiting
            assert len(sink.received) + stats.dropped["cot.udp", "queue_full"] == 10
            transport.close()

    run(main())
