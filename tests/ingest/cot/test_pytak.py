"""The real path: pytak, the TAK client library, sends to our server over TCP (CoT XML and,
with TAK_PROTO=1, protobuf from the first byte) and over mutual TLS; each message arrives at
the sink as the message that was sent. ATAK's self-report arrives as a Patrol, a ping is
answered, pytak's hello is not stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytak
import pytest

from borderwatch.ingest.cot import encode_xml, ping_xml
from borderwatch.messages import Patrol
from borderwatch.pki import server_ssl_context

from .helpers import T0, fixture, pytak_config, radar, run, send_with_pytak, serving, settings

# pytak's get_ssl_ctx sets ssl.OP_NO_TLSv1 (deprecated since 3.10); the warning is pytak's.
PYTAK_TLS_WARNING = "ignore:ssl.OP_NO_SSL.*:DeprecationWarning"


@pytest.mark.parametrize("tak_proto", ["0", "1"], ids=["xml", "protobuf"])
def test_pytak_over_tcp(tak_proto: str) -> None:
    sent = [radar(seq) for seq in range(50)]

    async def main() -> None:
        async with serving() as (server, sink, stats):
            config = pytak_config(f"tcp://127.0.0.1:{server.tcp_port}", TAK_PROTO=tak_proto)
            await send_with_pytak(config, [encode_xml(m) for m in sent])
            assert await sink.wait_for(len(sent)) == sent
            assert {source.split(":")[0] for source, _ in sink.received} == {"tcp"}
            assert stats.rejected == {}

    run(main())


def test_pytak_first_byte_is_protobuf() -> None:
    # What the test above relies on: with TAK_PROTO=1 pytak sends no XML at all.
    import takproto

    data = takproto.xml2proto(encode_xml(radar(1)), takproto.TAKProtoVer.STREAM)
    assert data[0] == 0xBF


@pytest.mark.filterwarnings(PYTAK_TLS_WARNING)
def test_pytak_over_mutual_tls(pki_dir: Path) -> None:
    sent = [radar(seq) for seq in range(20)]

    async def main() -> None:
        cfg = settings(tcp_port=None, udp_port=None, tls_port=0)
        async with serving(cfg, ssl_context=server_ssl_context(pki_dir)) as (server, sink, _):
            config = pytak_config(
                f"tls://127.0.0.1:{server.tls_port}",
                PYTAK_TLS_CLIENT_CERT=str(pki_dir / "clients" / "T06-R.crt"),
                PYTAK_TLS_CLIENT_KEY=str(pki_dir / "clients" / "T06-R.key"),
                PYTAK_TLS_CLIENT_CAFILE=str(pki_dir / "ca.crt"),
                TAK_PROTO="1",
            )
            await send_with_pytak(config, [encode_xml(m) for m in sent])
            assert await sink.wait_for(len(sent)) == sent
            # The certificate's name is the source the sink sees.
            assert {source for source, _ in sink.received} == {"tls:T06-R"}

    run(main())


@pytest.mark.filterwarnings(PYTAK_TLS_WARNING)
def test_atak_self_report_over_tls_takes_the_certificates_agency(pki_dir: Path) -> None:
    async def main() -> None:
        cfg = settings(tcp_port=None, udp_port=None, tls_port=0)
        async with serving(cfg, ssl_context=server_ssl_context(pki_dir)) as (server, sink, _):
            for n, (device, agency) in enumerate(
                (("T06-R", "army"), ("atak-07", "national_guard"))
            ):
                config = pytak_config(
                    f"tls://127.0.0.1:{server.tls_port}",
                    PYTAK_TLS_CLIENT_CERT=str(pki_dir / "clients" / f"{device}.crt"),
                    PYTAK_TLS_CLIENT_KEY=str(pki_dir / "clients" / f"{device}.key"),
                    PYTAK_TLS_CLIENT_CAFILE=str(pki_dir / "ca.crt"),
                )
                await send_with_pytak(config, [fixture("atak_self_report.xml")])
                (*_, patrol) = await sink.wait_for(n + 1)
                assert isinstance(patrol, Patrol)
                assert (patrol.callsign, patrol.agency) == ("HAWK-21", agency)

    run(main())


def test_ping_is_answered_to_pytak() -> None:
    async def main() -> None:
        async with serving() as (server, sink, _):
            config = pytak_config(f"tcp://127.0.0.1:{server.tcp_port}")
            reader, writer = await pytak.protocol_factory(config)
            tx = pytak.TXWorker(asyncio.Queue(), config, writer)
            rx = pytak.RXWorker(asyncio.Queue(), config, reader)
            await tx.send_data(ping_xml("ANDROID-1", T0))
            pong = await rx.readcot()
            assert b'type="t-x-c-t-r"' in pong
            assert b'uid="takPong"' in pong
            assert sink.received == []  # a ping is not a message
            writer.close()
            await writer.wait_closed()

    run(main())
