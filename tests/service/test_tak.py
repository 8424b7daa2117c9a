"""The TAK hub alone (no sockets): each client gets the changes its clearance and its filter
let it have, a track that leaves the picture is deleted from the maps, a client cleared for
nothing gets nothing, and the clients' filters are read from the admin's file."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from borderwatch.accounts import Claims
from borderwatch.engine import ChangeFeed, Frame
from borderwatch.errors import ConfigError
from borderwatch.ingest.cot import Framer, Peer
from borderwatch.messages import ClassLikelihood, Track
from borderwatch.service.tak import TakClients
from borderwatch.service.tak_filters import TakFilters, load_filters
from borderwatch.share.cot import ClientFilter
from borderwatch.share.cot.outbound import PictureItem

T = 1_780_000_000 * 1_000_000_000


def _track(tid: str, sector: str, lat: float, t: int = T) -> Track:
    return Track(
        id=tid,
        sector=sector,
        time_ns=t,
        lat=lat,
        lon=11.3,
        state=(640_000.0, 3.0, 3_630_000.0, -4.0),
        cov=tuple(float(v) for v in (400, 0, 30, 0, 0, 1, 0, 0, 30, 0, 100, 0, 0, 0, 0, 1)),
        classes=ClassLikelihood(person=0.7, vehicle=0.1, animal=0.1, unknown=0.1),
        status="confirmed",
    )


class _Writer:
    """What a StreamWriter is to a Peer: writes kept, an abort remembered."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.transport = SimpleNamespace(abort=lambda: None)

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        pass


def _hub(**kw: Any) -> TakClients:
    engine = SimpleNamespace(tracks={}, incidents={}, alerts={}, patrols={})
    service = SimpleNamespace(
        engine=engine, clock=lambda: T, feed=ChangeFeed(), options=SimpleNamespace(sectors=None)
    )
    return TakClients(service, **kw)  # type: ignore[arg-type]


def _peer(identity: str, agency: str = "national_guard") -> tuple[Peer, _Writer]:
    writer = _Writer()
    peer = Peer(
        writer,  # type: ignore[arg-type]
        source=f"tls:{identity}",
        identity=identity,
        agency=agency,
        kind="tls",
        max_bytes=1 << 20,
        write_timeout_s=1.0,
    )
    return peer, writer


def _sent(
    peers: list[tuple[Peer, _Writer]], hub: TakClients, frames: list[Frame]
) -> list[list[str]]:
    """Open the peers, feed the frames, return each peer's (uid, type) events in order."""

    async def main() -> None:
        tasks = [asyncio.create_task(p.run()) for p, _ in peers]
        for p, _ in peers:
            hub.opened(p)
        for frame in frames:
            hub.on_frame(frame)
        await asyncio.sleep(0.01)
        for p, _ in peers:
            p.close()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    out = []
    for _, w in peers:
        events = [ET.fromstring(f.data) for f in Framer().feed(bytes(w.data))]
        out.append([f"{e.get('type')} {e.get('uid')}" for e in events])
    return out


def _sees_all(claims: Claims, item: PictureItem) -> bool:
    return True


def test_each_client_gets_what_it_asked_for_and_tracks_that_end_are_deleted() -> None:
    hub = _hub(filters=TakFilters(clients={"N03-ONLY": ClientFilter(sectors=("N03",))}))
    hub.sees = _sees_all
    a, b = _track("T1", "N03", 32.8), _track("T2", "N04", 32.7)
    frames = [
        Frame(seq=1, kind="tracks", time_ns=T, items=(a, b)),
        Frame(seq=2, kind="tracks", time_ns=T + 10**9, items=(_track("T1", "N03", 32.81),)),
    ]
    everything, n03 = _sent([_peer("ALL"), _peer("N03-ONLY")], hub, frames)
    tak = "t-x-takp-v protouid"  # the server says it speaks TAK protocol v1
    assert everything == [
        tak,
        "a-s-G-U-C-I borderwatch.track.T1",
        "a-s-G-U-C-I borderwatch.track.T2",
        "a-s-G-U-C-I borderwatch.track.T1",
        "t-x-d-d borderwatch.track.T2.delete",
    ]
    assert n03 == [
        tak,
        "a-s-G-U-C-I borderwatch.track.T1",
        "a-s-G-U-C-I borderwatch.track.T1",
        "t-x-d-d borderwatch.track.T2.delete",
    ]


def test_a_client_cleared_for_nothing_gets_nothing() -> None:
    hub = _hub()  # the API's rule not bound: no one is cleared for anything
    frames = [Frame(seq=1, kind="tracks", time_ns=T, items=(_track("T1", "N03", 32.8),))]
    (got,) = _sent([_peer("ALL")], hub, frames)
    assert got == ["t-x-takp-v protouid"]


def test_a_partner_device_gets_nothing_of_the_national_picture() -> None:
    hub = _hub()
    hub.sees = _sees_all  # even so: a partner is served by its policy alone
    frames = [Frame(seq=1, kind="tracks", time_ns=T, items=(_track("T1", "N03", 32.8),))]
    (got,) = _sent([_peer("LY-1", "partner:ly")], hub, frames)
    assert got == ["t-x-takp-v protouid"]


def test_the_filters_file_is_read_and_its_mistakes_named(tmp_path: Path) -> None:
    path = tmp_path / "tak.toml"
    path.write_text(
        '[default]\nkinds = ["tracks"]\n'
        '[clients.NG-N03-1]\nsectors = ["N03"]\nbbox = [32.9, 11.0, 33.2, 11.6]\n'
    )
    assert load_filters(tmp_path / "none.toml") == TakFilters()  # no file: everything
    filters = load_filters(path)
    assert filters.of(None).kinds == ("tracks",)
    assert filters.of("NG-N03-1").bbox == (32.9, 11.0, 33.2, 11.6)
    assert filters.of("someone-else") == filters.default
    path.write_text("[clients.X]\nbbox = [33.2, 11.0, 32.9, 11.6]\n")
    with pytest.raises(ConfigError, match="south <= north"):
        load_filters(path)
    path.write_text('[clients.X]\nkinds = ["everything"]\n')
    with pytest.raises(ConfigError, match=r"kinds"):
        load_filters(path)
