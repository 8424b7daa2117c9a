"""Slow or abusive clients are disconnected and counted by reason; what they sent before
still reaches the sink, and the other clients never notice."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from borderwatch.ingest.cot import encode_proto, encode_xml, ping_xml

from .helpers import T0, eventually, radar, run, sender, serving, settings


async def _connect(port: int | None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    assert port is not None
    return await asyncio.open_connection("127.0.0.1", port)


async def _hung_up(reader: asyncio.StreamReader) -> bool:
    """The server closed (or reset) this connection."""
    try:
        return await reader.read() == b""
    except ConnectionError:
        return True


def test_garbage_client_is_cut_off_while_a_good_one_is_served() -> None:
    good = [radar(seq, "T01-R") for seq in range(300)]

    async def main() -> None:
        async with serving(settings(max_consecutive_bad=5)) as (server, sink, stats):
            bad_reader, bad = await _connect(server.tcp_port)
            _, writer = await _connect(server.tcp_port)
            before = [radar(seq, "T09-R") for seq in range(3)]
            bad.write(b"".join(encode_xml(m) for m in before))  # accepted, then garbage
            for i, message in enumerate(good):
                writer.write(encode_xml(message) if i % 2 else encode_proto(message))
                if i % 50 == 0:
                    bad.write(b"<event>nonsense</event>\xbf\x03abc" * 10)
                    await asyncio.sleep(0)
            await writer.drain()
            assert await _hung_up(bad_reader)
            await sink.wait_for(len(good) + len(before))
            assert [m for source, m in sink.received if sender(m) == "T01-R"] == good
            assert [m for m in sink.messages if sender(m) == "T09-R"] == before
            assert stats.disconnects["cot.tcp", "abusive"] == 1
            rejected = (
                stats.rejected["cot.tcp", "invalid"] + stats.rejected["cot.tcp", "bad_protobuf"]
            )
            assert rejected == 5  # counted up to the limit, then cut off
            writer.close()

    run(main())


def test_oversized_message_closes_the_connection_after_what_came_before() -> None:
    async def main() -> None:
        async with serving(settings(max_message_bytes=4096)) as (server, sink, stats):
            reader, writer = await _connect(server.tcp_port)
            writer.write(b"".join(encode_xml(radar(seq)) for seq in range(3)))
            writer.write(b"<event>" + b"A" * 10_000)
            assert await _hung_up(reader)
            assert await sink.wait_for(3) == [radar(0), radar(1), radar(2)]
            assert stats.disconnects["cot.tcp", "oversized"] == 1
            assert stats.rejected["cot.tcp", "oversized"] == 1
            writer.close()

    run(main())


def test_slowloris_is_cut_off() -> None:
    async def main() -> None:
        cfg = settings(partial_timeout_s=0.2)
        async with serving(cfg) as (server, sink, stats):
            reader, writer = await _connect(server.tcp_port)
            message = encode_xml(radar(1))
            for byte in message[:40]:  # one byte every 20 ms: never a whole message
                writer.write(bytes([byte]))
                await asyncio.sleep(0.02)
                if reader.at_eof():
                    break
            assert await _hung_up(reader)
            assert stats.disconnects["cot.tcp", "slow_partial"] == 1
            assert sink.received == []
            writer.close()

    run(main())


def test_a_fast_stream_cut_mid_message_is_not_slowloris() -> None:
    messages = [radar(seq) for seq in range(400)]
    data = b"".join(encode_xml(m) for m in messages)

    async def main() -> None:
        async with serving(settings(partial_timeout_s=0.1)) as (server, sink, stats):
            _, writer = await _connect(server.tcp_port)
            step = 997  # every write ends inside a message; the stream lasts > 0.1 s
            for start in range(0, len(data), step):
                writer.write(data[start : start + step])
                await writer.drain()
                await asyncio.sleep(0.002)
            assert await sink.wait_for(len(messages)) == messages
            assert stats.disconnects == {}
            writer.close()

    run(main())


def test_idle_connection_is_closed() -> None:
    async def main() -> None:
        async with serving(settings(idle_timeout_s=0.1)) as (server, _, stats):
            reader, writer = await _connect(server.tcp_port)
            assert await _hung_up(reader)
            assert stats.disconnects["cot.tcp", "idle"] == 1
            writer.close()

    run(main())


def test_connections_beyond_the_limit_are_refused() -> None:
    async def main() -> None:
        async with serving(settings(max_connections=1)) as (server, sink, stats):
            _, first = await _connect(server.tcp_port)
            first.write(encode_xml(radar(1)))
            await sink.wait_for(1)
            reader, second = await _connect(server.tcp_port)
            assert await _hung_up(reader)
            assert stats.limits["cot.tcp", "max_connections"] == 1
            first.write(encode_xml(radar(2)))
            assert await sink.wait_for(2) == [radar(1), radar(2)]
            first.close()
            second.close()

    run(main())


def test_peer_closing_mid_message_is_counted_as_truncated() -> None:
    async def main() -> None:
        async with serving() as (server, sink, stats):
            _, writer = await _connect(server.tcp_port)
            writer.write(encode_xml(radar(1)) + encode_xml(radar(2))[:50])
            writer.close()
            await writer.wait_closed()
            await eventually(lambda: stats.disconnects["cot.tcp", "closed_by_peer"] == 1)
            assert sink.messages == [radar(1)]
            assert stats.rejected["cot.tcp", "truncated"] == 1

    run(main())


def test_a_client_that_never_reads_its_pongs_is_cut_off() -> None:
    async def main() -> None:
        async with serving(settings(write_timeout_s=0.2)) as (server, sink, stats):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", server.tcp_port or 0))
            sock.setblocking(False)
            _, writer = await asyncio.open_connection(sock=sock)
            pings = ping_xml("ANDROID-1", T0) * 1000
            with contextlib.suppress(ConnectionError):  # the server hangs up on us
                for _ in range(40):  # about 10 MB of pongs owed, none read
                    writer.write(pings)
                    await writer.drain()
            await eventually(lambda: stats.disconnects["cot.tcp", "write_stalled"] == 1)
            assert sink.received == []
            writer.close()

    run(main())
