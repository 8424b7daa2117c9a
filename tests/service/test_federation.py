"""The link out to a partner's TAK server, against small servers of our own on 127.0.0.1
(the real one, FreeTAKServer, is in tests/api/test_tak_federation.py): what the policy
releases goes, recorded first; the link comes back with back-off when the server hangs up or
is not there, and sends the picture again; the outbox is bounded and nothing is recorded that
was not queued; a server whose certificate our CA did not sign is refused; a mistake in the
file is refused at start, naming the field."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from borderwatch import pki
from borderwatch.errors import ConfigError
from borderwatch.messages import ClassLikelihood, Track
from borderwatch.service.federation import FederationLink
from borderwatch.service.partner_links import PartnerLink
from borderwatch.service.tak_filters import load_filters
from borderwatch.share import Exchange

T = 1_780_000_000 * 1_000_000_000
_S = 1_000_000_000
POLICY = """
partner = "partner:ly"
version = 2
kinds = ["tracks"]
sectors = ["N03"]
delay_s = 30
precision_m = 500
retention_days = 7
"""


def _track(tid: str, sector: str = "N03", age_s: float = 60, friendly: bool = False) -> Track:
    return Track(
        id=tid,
        sector=sector,
        time_ns=T - int(age_s * _S),
        lat=33.0,
        lon=11.3,
        state=(640_000.0, 3.0, 3_630_000.0, -4.0),
        cov=tuple(float(v) for v in (400, 0, 30, 0, 0, 1, 0, 0, 30, 0, 100, 0, 0, 0, 0, 1)),
        classes=ClassLikelihood(person=0.7, vehicle=0.1, animal=0.1, unknown=0.1),
        status="confirmed",
        friendly=friendly,
    )


def _hub(root: Path, tracks: list[Track]) -> Any:
    (root / "partners").mkdir(exist_ok=True)
    (root / "partners" / "ly.toml").write_text(POLICY)
    engine = SimpleNamespace(tracks={t.id: t for t in tracks}, incidents={}, alerts={})
    service = SimpleNamespace(engine=engine, clock=lambda: T)
    return SimpleNamespace(service=service, exchange=Exchange.open(root))


def _link(port: int, **kw: Any) -> PartnerLink:
    values: dict[str, Any] = {
        "partner": "partner:ly",
        "host": "127.0.0.1",
        "port": port,
        "tls": False,
        "every_s": 0.05,
        "backoff_min_s": 0.05,
        "backoff_max_s": 0.2,
    }
    return PartnerLink(**(values | kw))


class Server:
    """A TAK server that keeps what each connection sent, and can hang up on them."""

    def __init__(self) -> None:
        self.sessions: list[bytearray] = []
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got = bytearray()
        self.sessions.append(got)
        self.writers.append(writer)
        writer.write(b"<event/>")  # a welcome, read and counted by the link
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                got += data

    def hang_up(self) -> None:
        for w in self.writers:
            w.transport.abort()


@contextlib.asynccontextmanager
async def serving(server: Server, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    srv = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        srv.close()
        server.hang_up()


async def _until(check: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


def test_the_link_streams_the_release_comes_back_and_sends_it_again(tmp_path: Path) -> None:
    tracks = [
        _track("T1"),
        _track("T2", sector="S01"),  # not the policy's sector
        _track("T3", age_s=5),  # younger than the delay
        _track("P1", friendly=True),  # our patrol: never to a partner
    ]
    hub = _hub(tmp_path, tracks)

    async def main() -> FederationLink:
        server = Server()
        async with serving(server) as port:
            link = FederationLink(hub, "ly-tak", _link(port), tmp_path)
            task = asyncio.create_task(link.run())
            await _until(lambda: b"borderwatch.track.T1" in b"".join(server.sessions))
            assert link.state == "connected"
            assert link.counts.withheld_now == 3
            server.hang_up()  # the partner's server restarts
            await _until(lambda: len(server.sessions) == 2 and b"track.T1" in server.sessions[1])
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            first = bytes(server.sessions[0])
            assert b'uid="borderwatch.federation.ly-tak"' in first  # it said who it is
            for other in (b"track.T2", b"track.T3", b"track.P1"):
                assert other not in first
            assert b"REL TO partner:ly" in first
            assert b"caveat=" not in first  # FreeTAKServer drops events that have it
            return link

    link = asyncio.run(main())
    state = link.snapshot()
    assert state.connects == 2
    assert state.failures == {"closed_by_server": 1}
    assert state.released == 2  # once per connection
    assert state.received_bytes > 0
    ledger = hub.exchange.ledger.read("partner:ly")
    assert [(d.item_id, d.user, d.exit) for d in ledger] == [("T1", "federation:ly-tak", "cot")] * 2


def test_no_server_is_counted_and_retried_with_back_off(tmp_path: Path) -> None:
    hub = _hub(tmp_path, [_track("T1")])

    async def main() -> FederationLink:
        server = Server()
        async with serving(server) as port:
            pass  # closed: nothing listens on the port now
        link = FederationLink(hub, "ly-tak", _link(port), tmp_path)
        task = asyncio.create_task(link.run())
        await _until(lambda: link.counts.failures["refused"] >= 3)
        assert link.state in ("waiting", "connecting")
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return link

    link = asyncio.run(main())
    assert link.counts.connects == 0
    assert link.counts.released == 0
    assert hub.exchange.ledger.read() == []  # nothing recorded that did not go


def test_a_full_outbox_decides_and_records_nothing_more(tmp_path: Path) -> None:
    hub = _hub(tmp_path, [_track(f"T{k:02d}") for k in range(25)])
    link = FederationLink(hub, "ly-tak", _link(1, outbox_events=10), tmp_path)
    link.state = "connected"  # no writer runs: the outbox only fills

    async def main() -> None:
        await link.release_now()
        assert len(link._outbox) == 10
        await link.release_now()  # full: nothing decided, nothing recorded

    asyncio.run(main())
    assert link.counts.released == 10
    assert link.counts.outbox_full == 2
    assert len(hub.exchange.ledger.read()) == 10


def test_tls_with_our_certificate_and_a_server_we_do_not_trust(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "pki", tmp_path / "other-pki"
    pki.init_ca(ours)
    pki.issue(ours, "fed-ly", organisational_unit="national_guard")
    pki.init_ca(theirs)
    hub = _hub(tmp_path, [_track("T1")])

    async def main() -> tuple[FederationLink, FederationLink]:
        good, bad = Server(), Server()
        async with (
            serving(good, pki.server_ssl_context(ours)) as port,
            serving(bad, pki.server_ssl_context(theirs)) as other,
        ):
            trusted = FederationLink(hub, "a", _link(port, tls=True, identity="fed-ly"), tmp_path)
            untrusted = FederationLink(
                hub, "b", _link(other, tls=True, identity="fed-ly"), tmp_path
            )
            tasks = [asyncio.create_task(x.run()) for x in (trusted, untrusted)]
            await _until(lambda: b"track.T1" in b"".join(good.sessions))
            await _until(lambda: untrusted.counts.failures["tls_verify"] >= 1)
            for t in tasks:
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await t
        return trusted, untrusted

    trusted, untrusted = asyncio.run(main())
    assert trusted.counts.connects == 1
    assert untrusted.counts.connects == 0
    assert "certificate verify failed" in (untrusted.counts.last_error or "")


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ('partner = "partner:ly"\nhost = "h"\nport = 8089', "identity"),
        ('partner = "partner:ly"\nhost = "h"\nport = 8089\nidentity = "nope"', "cert"),
        ('partner = "ly"\nhost = "h"\nport = 8089\ntls = false', "partner"),
        ('partner = "partner:ly"\nhost = "h"\nport = 0\ntls = false', "port"),
        ('partner = "partner:ly"\nhost = "h"\nport = 1\ntls = false\nspeed = 1', "speed"),
    ],
    ids=["tls-without-certificate", "missing-file", "partner", "port", "unknown"],
)
def test_a_wrong_link_is_refused_at_start_naming_the_field(
    tmp_path: Path, table: str, field: str
) -> None:
    path = tmp_path / "tak.toml"
    path.write_text(f"[federation.ly-tak]\n{table}\n")
    with pytest.raises(ConfigError, match=field):
        load_filters(path)


def test_a_link_in_the_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "tak.toml"
    path.write_text(
        '[federation.ly-tak]\npartner = "partner:ly"\nhost = "h"\nport = 9\ntls = false\n'
    )
    links = load_filters(path).federation
    assert links["ly-tak"] == PartnerLink(partner="partner:ly", host="h", port=9, tls=False)
