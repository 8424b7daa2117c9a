"""The CoT listeners as an attacker on the network meets them (issue 15): the plain ports on
loopback by default and only for listed networks, limits one address cannot exhaust, an idle
timer padding cannot reset, a byte rate per connection, and one malformed message costing
only itself. Each attack goes through the real listeners into the real service."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from pathlib import Path

from borderwatch.ingest.cot import CotSettings
from borderwatch.ingest.identity import IdentityPolicy, PlainPolicy
from borderwatch.pki import client_ssl_context
from tests.security.stack import RADAR, Stack, detection, run, running, xml

EVERY_SENSOR = IdentityPolicy(plain=PlainPolicy(sensors=frozenset({"*"})))
ATTACKER, OTHER_ATTACKER = "127.0.0.2", "127.0.0.3"  # loopback has all of 127/8 on Linux


async def _hung_up(reader: asyncio.StreamReader, within: float = 5.0) -> bool:
    """Whether the server closes the connection within `within` s."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


async def _open(port: int | None, local: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    assert port is not None
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0))


def _limits(stack: Stack, adapter: str) -> dict[str, int]:
    return dict(stack.service.stats.snapshot()["limits"].get(adapter, {}))


def test_the_plain_ports_listen_on_loopback_unless_opened(tmp_path: Path, pki_dir: Path) -> None:
    assert CotSettings().plain_host == "127.0.0.1"

    async def attack() -> None:
        # The stack asks for nothing but free ports: the defaults decide where they listen.
        async with running(tmp_path, pki_dir, cot_settings={"host": "0.0.0.0"}) as stack:
            tcp = stack.server._servers["tcp"].sockets[0].getsockname()[0]
            assert tcp == "127.0.0.1"
            assert stack.server._udp is not None
            assert stack.server._udp.get_extra_info("sockname")[0] == "127.0.0.1"

    run(attack())


def test_opened_plain_ports_take_only_the_listed_networks(tmp_path: Path, pki_dir: Path) -> None:
    limits = {"plain_networks": ("127.0.0.1/32",)}

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=EVERY_SENSOR, cot_settings=limits) as stack:
            reader, writer = await _open(stack.server.tcp_port, ATTACKER)
            writer.write(xml(detection(1))[0])
            assert await _hung_up(reader)
            writer.close()
            udp = stack.server.udp_port
            assert udp is not None
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((ATTACKER, 0))
                s.sendto(xml(detection(2))[0], ("127.0.0.1", udp))
            await stack.settle(lambda: _limits(stack, "cot.udp") == {"plain_networks": 1})
            assert _limits(stack, "cot.tcp") == {"plain_networks": 1}
            await stack.send_tcp(xml(detection(3)))  # from 127.0.0.1: listed
            await stack.settle(lambda: stack.logged == 1)

    run(attack())


def test_idle_connections_cannot_lock_the_sensors_out(tmp_path: Path, pki_dir: Path) -> None:
    limits = {
        "max_connections": 20,
        "max_connections_per_source": 12,
        "max_tls_handshakes": 8,
        "max_tls_handshakes_per_source": 4,
    }

    async def attack() -> None:
        async with running(tmp_path, pki_dir, cot_settings=limits) as stack:
            held = []
            # Forty idle plain connections from one address, twenty from another, and ten
            # TLS connections that never say hello: more than the whole old shared limit.
            for port, local, n in (
                (stack.server.tcp_port, ATTACKER, 40),
                (stack.server.tcp_port, OTHER_ATTACKER, 20),
                (stack.server.tls_port, ATTACKER, 10),
            ):
                for _ in range(n):
                    held.append(await _open(port, local))
            await stack.settle(
                lambda: (
                    sum(_limits(stack, "cot.tcp").values()) == 40
                    and sum(_limits(stack, "cot.tls").values()) == 6
                )
            )
            # 12 of the first address's 40 get in, then 8 of the second's: the listener is full.
            assert _limits(stack, "cot.tcp") == {
                "max_connections_per_source": 28,
                "max_connections": 12,
            }
            assert _limits(stack, "cot.tls") == {"max_tls_handshakes_per_source": 6}
            # The radar, with its certificate, still gets in and is heard.
            await stack.send_tcp(xml(detection(1)), tls_name=RADAR)
            await stack.settle(lambda: stack.logged == 1)
            for _, writer in held:
                writer.close()

    run(attack())


def test_one_certificate_holds_only_a_few_connections(tmp_path: Path, pki_dir: Path) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir) as stack:
            context = client_ssl_context(pki_dir, RADAR)
            held = [
                await asyncio.open_connection("127.0.0.1", stack.server.tls_port, ssl=context)
                for _ in range(5)
            ]
            await stack.settle(
                lambda: _limits(stack, "cot.tls") == {"max_connections_per_identity": 1}
            )
            for _, writer in held:
                writer.close()
                with contextlib.suppress(ConnectionError, OSError):
                    await writer.wait_closed()

    run(attack())


def test_padding_does_not_keep_an_idle_connection(tmp_path: Path, pki_dir: Path) -> None:
    async def attack() -> None:
        async with running(tmp_path, pki_dir, cot_settings={"idle_timeout_s": 1.0}) as stack:
            reader, writer = await _open(stack.server.tcp_port, ATTACKER)

            async def pad() -> None:
                while True:
                    writer.write(b" ")  # whitespace between messages: framing skips it
                    await asyncio.sleep(0.2)

            padding = asyncio.create_task(pad())
            try:
                assert await _hung_up(reader, within=4.0)
            finally:
                padding.cancel()
                writer.close()
            stats = stack.service.stats
            assert stats.disconnects["cot.tcp", "idle"] == 1

    run(attack())


def test_a_stalled_service_does_not_cut_a_sender_mid_message(tmp_path: Path, pki_dir: Path) -> None:
    """The partial-message timer (slowloris) runs out while the service itself is stalled (a
    long synchronous step) and the rest of the message already waits in the socket: it is
    read, not held against the sender. A busy moment must not disconnect an honest sensor."""

    async def scene() -> None:
        settings = {"partial_timeout_s": 0.3}
        async with running(tmp_path, pki_dir, identity=EVERY_SENSOR, cot_settings=settings) as s:
            message = b"".join(xml(detection(1)))
            half = len(message) // 2
            assert s.server.tcp_port is not None
            sender = socket.create_connection(("127.0.0.1", s.server.tcp_port))
            try:
                sender.sendall(message[:half])
                await asyncio.sleep(0.2)  # the service holds half a message
                rest = threading.Timer(0.1, sender.sendall, (message[half:],))
                rest.start()
                time.sleep(0.8)  # the service's event loop stalls past the timer
                rest.join()
                await s.settle(lambda: s.logged == 1)
                assert s.service.stats.disconnects.get(("cot.tcp", "slow_partial"), 0) == 0
            finally:
                sender.close()

    run(scene())


def test_a_fast_sender_is_slowed_to_the_byte_rate(tmp_path: Path, pki_dir: Path) -> None:
    settings = {"max_bytes_per_s": 8192}

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=EVERY_SENSOR, cot_settings=settings) as s:
            messages = xml(*(detection(k) for k in range(1, 41)))
            assert 16_000 < sum(map(len, messages)) < 30_000
            await s.send_tcp(messages)
            await s.settle(lambda: s.logged == 40, timeout=10)
            assert _limits(s, "cot.tcp")["max_bytes_per_s"] >= 1

    run(attack())


def test_an_unknown_xml_encoding_costs_that_message_only(tmp_path: Path, pki_dir: Path) -> None:
    bad = b'<?xml version="1.0" encoding="x-klingon"?>' + xml(detection(1))[0]

    async def attack() -> None:
        async with running(tmp_path, pki_dir, identity=EVERY_SENSOR) as stack:
            await stack.send_tcp([bad, *xml(detection(2), detection(3))])
            await stack.settle(lambda: stack.logged == 2)
            assert stack.rejected("cot.tcp") == {"bad_xml": 1}
            stats = stack.service.stats.snapshot()
            assert stats["disconnects"]["cot.tcp"] == {"closed_by_peer": 1}
            udp = stack.server.udp_port
            assert udp is not None
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(bad, ("127.0.0.1", udp))
            await stack.settle(lambda: stack.rejected("cot.udp") == {"bad_xml": 1})

    run(attack())
