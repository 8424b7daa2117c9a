"""Fusion workers per sector on the real servers, with handover: four movers seen by the
radars of N02-N07 through two stations (a vehicle and a person on foot crossing from N03
into N04, a vehicle in N02, one in N07); the room's picture made once by one worker owning
all six sectors and once by two workers (N02-N03 in this process, N04-N07 as `borderwatch
stations worker`) reading the same `BORDER`. Both publish the very same outputs, names and
all, each once; a track that crosses the workers' edge keeps its name; and the picture is
that of one engine given the same messages (modulo names, which are the workers' own)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import nats
import numpy as np
import shapely

from borderwatch.cli import main
from borderwatch.engine import load_config
from borderwatch.engine.live import MINUTE_NS
from borderwatch.engine.picture import Output, Picture
from borderwatch.geo.projection import polar, to_lonlat
from borderwatch.geo.registry import RadarSite, Registry
from borderwatch.messages import Alert, ClassLikelihood, Detection, Incident, Track
from borderwatch.stations.station import Inbound
from borderwatch.stations.system import sector_registry, start_system
from borderwatch.stations.workers import SectorWorker, read_picture

T0 = 1_773_000_000_000_000_000
SECTORS = ["N02", "N03", "N04", "N05", "N06", "N07"]
PERSON = ClassLikelihood(person=0.8, vehicle=0.05, animal=0.05, unknown=0.1)
VEHICLE = ClassLikelihood(person=0.05, vehicle=0.8, animal=0.05, unknown=0.1)
# (start, end) in UTM 32N m, seconds walking, class, first second. The N03/N04 edge is at
# (731157, 3625913) on the berm; Libya is to the east.
MOVERS = [
    ((729_000.0, 3_633_000.0), (727_000.0, 3_618_000.0), 1500, VEHICLE, 0),  # N03 -> N04
    ((732_800.0, 3_627_000.0), (730_000.0, 3_625_000.0), 1700, PERSON, 100),  # over the berm
    ((706_000.0, 3_583_000.0), (703_000.0, 3_580_500.0), 1100, VEHICLE, 200),  # N07 only
    ((733_000.0, 3_650_000.0), (732_000.0, 3_646_000.0), 1200, VEHICLE, 300),  # N02 only
]


def _messages(registry: Registry) -> list[tuple[Inbound, int]]:
    """Radar plots of the movers, second by second, with arrival times 0.3 s later."""
    paths = []
    for a, b, n, cls, first in MOVERS:
        s = np.arange(n)[:, None] / (n - 1)
        xy = np.array(a) + (np.array(b) - np.array(a)) * s
        lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
        paths.append((lon, lat, cls, first))
    out: list[tuple[Inbound, int]] = []
    seq = dict.fromkeys(registry.radars, 0)
    for t in range(1900):
        for sid, site in sorted(registry.radars.items()):
            for lon, lat, cls, first in paths:
                k = t - first
                if not 0 <= k < len(lon):
                    continue
                _plot(out, seq, sid, site, t, lon[k], lat[k], cls)
    return out


def _plot(
    out: list[tuple[Inbound, int]],
    seq: dict[str, int],
    sid: str,
    site: RadarSite,
    t: int,
    lon: float,
    lat: float,
    cls: ClassLikelihood,
) -> None:
    """Radar `sid`'s plot of (lon, lat) at second `t`, arriving 0.3 s later, if within 8 km."""
    brg, rng = polar(site.lon, site.lat, lon, lat)
    if rng > 8000.0:
        return
    seq[sid] += 1
    time_ns = T0 + t * 1_000_000_000 + 1000 * site.index
    det = Detection(
        sensor_id=sid,
        kind="radar",
        seq=seq[sid],
        time_ns=time_ns,
        range_m=float(rng),
        bearing_deg=float(brg),
        sigma_range_m=10.0,
        sigma_bearing_deg=0.5,
        classes=cls,
    )
    out.append((det, time_ns + 300_000_000))


async def _until(what: str, done: Callable[[], bool], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def _workers(
    root: Path,
    urls: list[str],
    stations: list[str],
    registry: Registry,
    groups: list[list[str]],
    sent: int,
) -> tuple[dict[str, list[Output]], list[dict[str, Any]]]:
    """A worker per group, all in this process but the last of two or more, which runs as a
    user runs it: `borderwatch stations worker` (until BORDER has been idle for 2 s)."""
    stream = f"PICTURE_W{len(groups)}"
    here = groups if len(groups) == 1 else groups[:-1]
    workers = [
        SectorWorker(urls, stations, registry, g, load_config(), picture_stream=stream)
        for g in here
    ]
    command = None
    if len(groups) > 1:
        command = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "borderwatch.cli", "stations", "worker"),
            *("--data", str(root), "--sectors", ",".join(groups[-1])),
            *("--stream", stream, "--until-idle", "2"),
            stdout=asyncio.subprocess.PIPE,
        )
    try:
        for w in workers:
            await w.start()
        await _until(f"{stream} read BORDER", lambda: all(w.received >= sent for w in workers))
        await asyncio.gather(*(w.finish() for w in workers))
        summaries = [w.summary() for w in workers]
        if command is not None:
            out, _ = await asyncio.wait_for(command.communicate(), 120)
            assert command.returncode == 0
            summaries.append(json.loads(out.decode().strip().splitlines()[-1]))
        nc = await nats.connect(urls)
        try:
            picture = await read_picture(nc, stream)
        finally:
            await nc.close()
        return picture, summaries
    finally:
        for w in workers:
            await w.close()
        if command is not None and command.returncode is None:
            command.kill()
            await command.wait()


async def _scenario(root: Path) -> dict[str, Any]:
    config = load_config()
    registry = sector_registry(set(SECTORS))
    messages = _messages(registry)
    system = await start_system(root, SECTORS, config)
    try:
        batches: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in system.stations}
        station_of = {}
        for m, arrived in messages:
            assert isinstance(m, Detection)
            station = system.station_of[registry.places[m.sensor_id].sector]
            station_of[m.sensor_id] = station
            batches[station].append((m, arrived))
        sent = 0
        for name, msgs in batches.items():
            for k in range(0, len(msgs), 500):
                sent += await system.stations[name].take_in(msgs[k : k + 500])
        stations = sorted(system.stations)
        urls = system.cluster.urls
        one, one_summary = await _workers(root, urls, stations, registry, [SECTORS], sent)
        two, two_summary = await _workers(
            root, urls, stations, registry, [SECTORS[:2], SECTORS[2:]], sent
        )
    finally:
        await system.close()
    # One engine, the same messages in the room's order (arrival time, station).
    ordered = sorted(messages, key=lambda p: (p[1], station_of[p[0].sensor_id]))  # type: ignore[union-attr]
    first = ordered[0][0].time_ns
    picture = Picture(registry, first - first % MINUTE_NS, config)
    reference: list[Output] = []
    for m, arrived in ordered:
        reference.extend(picture.take(m, arrived))
    reference.extend(picture.take_all(()))
    return {
        "sent": sent,
        "one": one,
        "two": two,
        "one_summary": one_summary,
        "two_summary": two_summary,
        "reference": reference,
    }


def _unnamed(items: list[Output]) -> Counter[bytes]:
    """The outputs with every id blanked: what the picture says, whoever named it."""
    out: Counter[bytes] = Counter()
    for m in items:
        if isinstance(m, Track):
            m = msgspec.structs.replace(m, id="x")
        elif isinstance(m, Alert):
            m = msgspec.structs.replace(m, id="x", track_ids=())
        else:
            m = msgspec.structs.replace(m, id="x", alert_ids=(), track_ids=())
        out[msgspec.json.encode(m)] += 1
    return out


def test_workers_per_sector_hand_tracks_over_and_make_one_picture(tmp_path: Path) -> None:
    out = asyncio.run(asyncio.wait_for(_scenario(tmp_path), 300))
    one, two, reference = out["one"], out["two"], out["reference"]
    # the same messages, the same picture with 1 or 2 workers: every output, names and all
    assert one == two
    everything = [m for items in two.values() for m in items]
    assert _unnamed(everything) == _unnamed(reference)  # one engine's picture, modulo names
    tracks = [m for m in everything if isinstance(m, Track)]
    alerts = [m for m in everything if isinstance(m, Alert)]
    incidents = [m for m in everything if isinstance(m, Incident)]
    assert {m.sector for m in tracks} == {"N02", "N03", "N04", "N07"}
    # one name per track, across the edge between the workers: as many as one engine's ids
    assert len({t.id for t in tracks}) == len({m.id for m in reference if isinstance(m, Track)})
    crossing = {t.id for t in tracks if t.sector == "N03"} & {
        t.id for t in tracks if t.sector == "N04"
    }
    assert len(crossing) == 2  # the vehicle and the person, each one track on both sides
    # alerts and incidents each published once, by one worker
    assert len({a.id for a in alerts}) == len(alerts) >= 2
    assert {a.rule for a in alerts} >= {"approach", "crossing"}
    by_incident: dict[str, set[str]] = {}
    for i in incidents:
        by_incident.setdefault(i.id, set()).add(i.sector)
    assert all(len(s) == 1 for s in by_incident.values())
    person = next(a for a in alerts if a.rule == "crossing")
    assert set(person.track_ids) <= crossing
    # the person's incident, opened by its approach in N03, took its crossing in N04
    assert any(person.id in i.alert_ids and len(i.alert_ids) >= 2 for i in incidents)
    # the split is real: N02-N03's worker tracked only the sensors that reach its sectors and
    # their neighbours (not N07's radars, 18 km of reach x 1.5 of margin); N04-N07's reach
    # N03, so it tracked all of these
    w1, w2 = out["two_summary"]
    assert w1["tracked_sectors"] == ["N01", "N02", "N03", "N04"]
    assert w2["tracked_sectors"] == ["N03", "N04", "N05", "N06", "N07", "N08"]
    assert 0 < w1["tracked"] < w1["taken"] == out["sent"]
    assert w2["tracked"] == w2["taken"] == out["sent"]
    for s in (*out["one_summary"], w1, w2):
        assert s["duplicates"] == s["undecodable"] == s["engine_faults"] == s["unnamed"] == 0


def test_a_worker_refuses_what_it_cannot_run(tmp_path: Path, capsys: Any) -> None:
    assert main(["stations", "worker", "--data", str(tmp_path), "--sectors", "N02"]) == 2
    assert "stations.json: no running system described there" in capsys.readouterr().out
    (tmp_path / "stations.json").write_text(
        json.dumps(
            {
                "cluster": [{"url": "nats://127.0.0.1:9"}],
                "stations": [{"name": "station-a", "sectors": ["N02", "N03"]}],
            }
        )
    )
    assert main(["stations", "worker", "--data", str(tmp_path), "--sectors", "N02,S09"]) == 2
    assert "sectors S09: the system runs N02, N03" in capsys.readouterr().out


# A vehicle driving north along the border on our side (0.7-3.5 km from the berm) from
# N07, where T13-R and T14-R see it first (the N02-N03 worker does not track them: their
# reach stops short of N01-N04), through N06, N05 and N04 into N03: 56 km at 20 m/s, one
# track all the way for one engine. UTM 32N m.
ALONG_SECTORS = ["N02", "N03", "N04", "N05", "N06", "N07"]
ALONG = [(706_040.0, 3_583_959.0), (722_919.0, 3_600_147.0), (728_085.0, 3_632_081.0)]
ALONG_MPS = 20.0


def _along_border(registry: Registry) -> list[tuple[Inbound, int]]:
    """Radar plots of the vehicle, second by second, arriving 0.3 s later."""
    path = shapely.LineString(ALONG)
    out: list[tuple[Inbound, int]] = []
    seq = dict.fromkeys(registry.radars, 0)
    for t in range(int(path.length / ALONG_MPS)):
        p = path.interpolate(ALONG_MPS * t)
        lon, lat = to_lonlat(np.array([p.x]), np.array([p.y]))
        for sid, site in sorted(registry.radars.items()):
            _plot(out, seq, sid, site, t, float(lon[0]), float(lat[0]), VEHICLE)
    return out


async def _along_scenario(root: Path) -> dict[str, Any]:
    registry = sector_registry(set(ALONG_SECTORS))
    messages = _along_border(registry)
    system = await start_system(root, ALONG_SECTORS, load_config())
    try:
        batches: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in system.stations}
        for m, arrived in messages:
            assert isinstance(m, Detection)
            batches[system.station_of[registry.places[m.sensor_id].sector]].append((m, arrived))
        sent = 0
        for name, msgs in batches.items():
            for k in range(0, len(msgs), 500):
                sent += await system.stations[name].take_in(msgs[k : k + 500])
        stations, urls = sorted(system.stations), system.cluster.urls
        groups = [ALONG_SECTORS[:2], ALONG_SECTORS[2:]]
        one, _ = await _workers(root, urls, stations, registry, [ALONG_SECTORS], sent)
        two, summaries = await _workers(root, urls, stations, registry, groups, sent)
        again = await _restarted(urls, stations, registry, groups[0], sent)
    finally:
        await system.close()
    return {"one": one, "two": two, "summaries": summaries, "again": again}


async def _restarted(
    urls: list[str], stations: list[str], registry: Registry, own: list[str], sent: int
) -> dict[str, list[Output]]:
    """The first of the two workers once more, from the start, its neighbour long done
    (the timing of a restart): what it publishes, by sector, as it publishes it."""
    worker = SectorWorker(urls, stations, registry, own, load_config(), picture_stream="PICTURE_W2")
    made: dict[str, list[Output]] = {}
    publish = worker._publish

    async def spy(
        owned: list[tuple[str, Output, tuple[str, ...]]], scene_ns: int, before_ns: int
    ) -> None:
        for sector, item, _ in owned:
            made.setdefault(sector, []).append(item)
        await publish(owned, scene_ns, before_ns)

    worker._publish = spy  # type: ignore[method-assign]
    await worker.start()
    try:
        await _until("the restarted worker read BORDER", lambda: worker.received >= sent)
        await worker.finish()
    finally:
        await worker.close()
    return made


def test_a_track_born_beyond_the_receiving_worker_keeps_its_name(tmp_path: Path) -> None:
    out = asyncio.run(asyncio.wait_for(_along_scenario(tmp_path), 300))
    one, two = out["one"], out["two"]
    tracks = [m for items in two.values() for m in items if isinstance(m, Track)]
    by_sector: dict[str, set[str]] = {}
    for t in tracks:
        by_sector.setdefault(t.sector, set()).add(t.id)
    # the vehicle went through every sector from N07 to N03, and was published in each
    assert set(by_sector) >= {"N03", "N04", "N05", "N06", "N07"}
    # the room's picture shows one name for it, on the N04-N07 worker's side (where it was
    # born) and on the N02-N03 worker's (which knew it only from where T12-R saw it)
    assert by_sector["N03"] == by_sector["N04"]
    assert len({t.id for t in tracks}) == 1
    # the name one worker of the whole border gives it, and the same tracks sector by sector
    assert {t.id for items in one.values() for t in items if isinstance(t, Track)} == {
        t.id for t in tracks
    }
    # and every output, sector by sector, under the same names (alerts name their tracks)
    assert {s: [(m.id, type(m)) for m in items] for s, items in one.items()} == {
        s: [(m.id, type(m)) for m in items] for s, items in two.items()
    }
    # a restart (the neighbour's picture all there at once) gives the same, names and all
    assert out["again"] == {s: items for s, items in two.items() if s in ("N02", "N03") and items}
    receiver, giver = out["summaries"]
    assert (receiver["neighbours"], giver["neighbours"]) == (["N04"], ["N03"])
    assert (receiver["names_taken"], giver["names_taken"]) == (1, 0)
