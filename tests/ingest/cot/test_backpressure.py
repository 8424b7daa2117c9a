"""A slow sink pushes back on the sender through TCP flow control, on that connection only;
nothing is lost. A sink's refusals cost only the refused messages; a sink's failure closes
only that connection."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from borderwatch.errors import MessageError
from borderwatch.ingest import CollectingSink, Inbound
from borderwatch.ingest.cot import encode_xml

from .helpers import radar, run, sender, serving, settings


class GatedSink(CollectingSink):
    """Holds back any batch with a message from `slow` until `gate` is set; refuses batches
    with an `unknown` sensor (as the service's admission does); fails on `broken`."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.calls = 0

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        self.calls += 1
        ids = {sender(m) for m in messages}
        if "unknown" in ids:
            raise MessageError("$.sensor_id", "unknown sensor 'unknown'")
        if "broken" in ids:
            raise RuntimeError("disk full")
        if "slow" in ids:
            await self.gate.wait()
        await super().accept(messages, source)


async def _settled(writer: asyncio.StreamWriter, timeout_s: float = 20.0) -> int:
    """The sender's write buffer once it has stopped shrinking for 0.2 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last = -1
    while loop.time() < deadline:
        now = writer.transport.get_write_buffer_size()
        if now == last:
            return now
        last = now
        await asyncio.sleep(0.2)
    raise AssertionError(f"the sender's buffer kept moving for {timeout_s} s (at {last} bytes)")


def test_a_slow_sink_pushes_back_on_that_sender_only_and_loses_nothing() -> None:
    slow = [radar(seq, "slow") for seq in range(30_000)]
    fast = [radar(seq, "fast") for seq in range(200)]

    async def main() -> None:
        sink = GatedSink()
        async with serving(settings(queue_size=50, batch_max=20), sink=sink) as (server, _, _):
            assert server.tcp_port is not None
            _, slow_writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            slow_writer.write(b"".join(encode_xml(m) for m in slow))
            # The server stops reading: kernel buffers fill, then the sender's own buffer,
            # which then stays put (about 8 of the 14 MB here). Waited for, not slept on: on
            # a loaded machine the server may take a while to read up to its queue's bound.
            held = await _settled(slow_writer)
            assert held > 0
            await asyncio.sleep(0.1)
            assert slow_writer.transport.get_write_buffer_size() == held

            _, fast_writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            fast_writer.write(b"".join(encode_xml(m) for m in fast))
            assert await sink.wait_for(len(fast)) == fast  # the stalled client stalls nobody

            sink.gate.set()
            await sink.wait_for(len(fast) + len(slow), timeout=15)
            assert [m for m in sink.messages if sender(m) == "slow"] == slow
            slow_writer.close()
            fast_writer.close()

    run(main())


def test_refused_messages_cost_only_themselves() -> None:
    sent = [radar(seq, "unknown" if seq % 7 == 3 else "T06-R") for seq in range(50)]

    async def main() -> None:
        sink = GatedSink()
        async with serving(sink=sink) as (server, _, stats):
            assert server.tcp_port is not None
            _, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(b"".join(encode_xml(m) for m in sent))
            good = [m for m in sent if m.sensor_id != "unknown"]
            assert await sink.wait_for(len(good)) == good
            assert stats.rejected["cot.tcp", "refused"] == len(sent) - len(good)
            assert stats.accepted["cot.tcp"] == len(good)
            writer.close()

    run(main())


def test_a_failing_sink_closes_that_connection_and_counts_what_was_lost() -> None:
    async def main() -> None:
        sink = GatedSink()
        async with serving(sink=sink) as (server, _, stats):
            assert server.tcp_port is not None
            reader, broken = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            broken.write(encode_xml(radar(1, "broken")))
            assert await reader.read() == b""
            assert stats.disconnects["cot.tcp", "sink_error"] == 1
            assert stats.rejected["cot.tcp", "sink_error"] == 1

            _, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(encode_xml(radar(2)))
            assert await sink.wait_for(1) == [radar(2)]
            broken.close()
            writer.close()

    run(main())


def test_close_flushes_what_was_decoded_and_is_bounded() -> None:
    sent = [radar(seq, "slow") for seq in range(20)]

    async def main() -> None:
        sink = GatedSink()
        cfg = settings(batch_max=1, shutdown_timeout_s=5.0)
        async with serving(cfg, sink=sink) as (server, _, _):
            assert server.tcp_port is not None
            _, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(b"".join(encode_xml(m) for m in sent))
            await writer.drain()
            while sink.calls == 0:  # the sink holds the first ...
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # ... and the rest are read and queued
            closing = asyncio.create_task(server.close())
            await asyncio.sleep(0.05)
            sink.gate.set()
            await closing
            assert sink.messages == sent
            writer.close()

    run(main())


def test_close_gives_up_on_a_stuck_sink_in_bounded_time() -> None:
    async def main() -> None:
        sink = GatedSink()
        async with serving(settings(shutdown_timeout_s=0.2), sink=sink) as (server, _, _):
            assert server.tcp_port is not None
            _, writer = await asyncio.open_connection("127.0.0.1", server.tcp_port)
            writer.write(encode_xml(radar(1, "slow")))
            await writer.drain()
            await asyncio.sleep(0.05)
            loop = asyncio.get_running_loop()
            start = loop.time()
            await server.close()
            assert loop.time() - start < 1.0
            writer.close()

    run(main())
