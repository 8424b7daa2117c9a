"""Benchmark: the distributed mode (issue 18) on the real nats-server.

0. `station_ingest`: a station's ingest, fsync per store or not, with 20 senders each
   sending 10 messages at a time and waiting for its acknowledgement: what arrives within
   the 4 ms window is one bundle, one fsync.
1. `catch_up`: a sector station cut off from the operations room takes in `rate` messages/s
   of event time for `cut_s` seconds (radar plots, stored in bundles in its own stream,
   fsynced, and acknowledged, as fast as the station acknowledges them); then its link heals
   and the backlog flows up into the room's `BORDER` stream (3 replicas) and through the
   room (its reader, its log, its engine). Reported: the station's ingest rate (it must be
   >= `rate` to keep up with real time) and two catch-up ratios, event time of the cut /
   wall time from the heal until `BORDER` holds every bundle (`into_border`) and until the
   room's engine has taken every message in (`into_picture`, its log written too), with the
   CPU seconds the room's process and the servers spent on it. Bar (issue 18): >= 10.
2. `workers`: the room's ingest with 1, 2 and 4 fusion workers, in one run, as ratios. The
   twin's messages of a multi-sector scenario are published to a replicated stream on the
   cluster, one subject per sector; each worker is a process with its own pull consumer
   filtered to its sectors and its own engine over their sensors. Reported: messages/s
   through the engines per worker count, and its ratio to one worker.
3. `summary`: both catch-up ratios and the workers' ratios in one object, with the load.

python -m bench stations            # full: 5,000 messages/s cut for 600 s (3,000,000 messages)
python -m bench stations --quick    # 30 s of cut, a short twin run: checks it runs
"""

from __future__ import annotations

import asyncio
import json
import math
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec
import nats
from nats.js.api import StorageType, StreamConfig, StreamSource

from bench.plots import radar_plot
from borderwatch.engine.picture import Output
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, ClassLikelihood, Detection, Patrol, SensorStatus, Track
from borderwatch.stations.bundle import Inbound, pack
from borderwatch.stations.centre import Centre
from borderwatch.stations.link import Link
from borderwatch.stations.servers import start_cluster, start_station_server
from borderwatch.stations.station import Station
from borderwatch.stations.subjects import (
    ARRIVED,
    BORDER_STREAM,
    COUNT,
    FIRST,
    MSG_ID,
    STATION,
    batch_subject,
    message_id,
    station_stream,
)
from borderwatch.stations.system import link_certificates, stations_of
from borderwatch.stations.workers import read_picture

__all__ = ["run"]

RATE = 5_000
CUT_S = 600.0
BATCH = 2_000
T0 = 1_780_000_000_000_000_000
CATCH_UP_BAR = 10.0
REPO = Path(__file__).resolve().parents[1]


SENDERS = 20
PER_SEND = 10


async def _station_ingest(root: Path, n: int, fsync: bool) -> float:
    """Messages/s a station's ingest stores and has acknowledged (its link down), from
    SENDERS concurrent senders of PER_SEND messages each, each waiting for its answer."""
    server = start_station_server(
        "station-x", root, "nats-leaf://127.0.0.1:9", fsync=fsync, tls=None
    )
    station = Station("station-x", ["N02"], Registry(), server.url)
    step = 1_000_000_000 // RATE

    async def sender(k: int) -> None:
        for start in range(k * PER_SEND, n, SENDERS * PER_SEND):
            batch = [
                (radar_plot(f"N02-T{k:02d}-R", i, T0 + i * step, 3.0), T0 + i * step)
                for i in range(start, min(n, start + PER_SEND))
            ]
            await station.take_in(batch)

    try:
        await station.start()
        t0 = time.perf_counter()
        await asyncio.gather(*(sender(k) for k in range(SENDERS)))
        assert station.counts.acknowledged == n
        return n / (time.perf_counter() - t0)
    finally:
        await station.close()
        server.stop()


async def _store(station: Station, n: int) -> None:
    step = 1_000_000_000 // RATE
    for start in range(0, n, BATCH):
        batch = [
            (radar_plot("N02-T01-R", i, T0 + i * step, 3.0), T0 + i * step)
            for i in range(start, min(n, start + BATCH))
        ]
        await station.store(batch)


def _cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes `pids` have used so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _relay(conn: Connection, upstreams: list[int]) -> None:
    """The station's link in a process of its own (a network is not on the room's CPU):
    answers "cut", "heal" and "close" sent on `conn`."""

    async def main() -> None:
        link = Link("station-a", upstreams)
        await link.start()
        conn.send(link.port)
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, conn.recv)
            if command == "cut":
                link.cut()
            elif command == "heal":
                link.heal()
            else:
                await link.close()
                conn.send("closed")
                return
            conn.send(command)

    asyncio.run(main())


class _LinkProcess:
    """A `Link` in a child process, cut and healed from here."""

    def __init__(self, upstreams: list[int]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_relay, args=(child, upstreams), daemon=True)
        self._proc.start()
        self.url = f"nats-leaf://127.0.0.1:{self._conn.recv()}"

    def _say(self, command: str) -> None:
        self._conn.send(command)
        self._conn.recv()

    def cut(self) -> None:
        """Take the link down."""
        self._say("cut")

    def heal(self) -> None:
        """Bring it back."""
        self._say("heal")

    def close(self) -> None:
        """Close it and end the process."""
        if self._proc.is_alive():
            self._say("close")
        self._proc.join(10)


async def _catch_up(root: Path, rate: int, cut_s: float, fsync: bool) -> dict[str, Any]:
    """A station cut for `cut_s` of event time at `rate`, then healed: the room's catch-up."""
    tls = link_certificates(root, ["station-a"])  # the link is mutual TLS, as in service
    cluster = start_cluster(root / "cluster", tls=tls)
    link = _LinkProcess(cluster.leaf_ports)
    server = start_station_server("station-a", root / "stations", link.url, fsync=fsync, tls=tls)
    station = Station(
        "station-a", ["N02"], Registry(), server.url, tls=tls.client_context("station-a")
    )
    # The real operations room: its link watcher, its reader, its event log, its engine (which
    # refuses these plots of an unknown radar at once: what is measured is the flow, not
    # fusion; the engine's own pace is `engine_replay`'s and the workers' below).
    (root / "room").mkdir(parents=True, exist_ok=True)
    centre = Centre(
        cluster.urls, ["station-a"], Registry(), log_path=root / "room" / "events.sqlite"
    )
    servers = [n.process.pid for n in [*cluster.nodes, server] if n.process is not None]
    try:
        await station.start()
        await centre.start()
        link.cut()
        n = round(rate * cut_s)
        t_ingest = time.perf_counter()
        await _store(station, n)
        ingest_s = time.perf_counter() - t_ingest
        held_back = await centre.border_messages()
        bundles = station.counts.bundles
        load = os.getloadavg()[0]
        cpu0, servers0 = time.process_time(), _cpu_s(servers)
        link.heal()
        t_heal = time.perf_counter()
        in_border_s = None
        while centre.taken < n:
            centre.check()
            if in_border_s is None and (await centre.border_messages() or 0) >= bundles:
                in_border_s = time.perf_counter() - t_heal
            await asyncio.sleep(0.1)
        centre.logged()
        room_s = time.perf_counter() - t_heal
        room_cpu = time.process_time() - cpu0
        servers_cpu = _cpu_s(servers) - servers0
        in_border_s = in_border_s or room_s
        restarts = centre.source_restarts
        load = max(load, os.getloadavg()[0])
    finally:
        await centre.close()
        await station.close()
        link.close()
        server.stop()
        cluster.stop()
    ratio = cut_s / room_s
    return {
        "bench": "stations_catch_up",
        "station_fsync": fsync,
        "rate_event_per_s": rate,
        "cut_event_s": cut_s,
        "messages": n,
        "bundles": bundles,
        "in_room_during_cut": held_back,
        "station_ingest_per_s": round(n / ingest_s),
        "station_keeps_real_time": n / ingest_s >= rate,
        "into_border": {"wall_s": round(in_border_s, 2), "ratio": round(cut_s / in_border_s, 2)},
        "into_picture": {
            "wall_s": round(room_s, 2),
            "ratio": round(ratio, 2),
            "per_s": round(n / room_s),
        },
        # The room's process (reader, merge, log thread, engine) and the five nats-servers,
        # from the heal to the end: what the catch-up costs, whatever else the machine is
        # doing. (The link is a relay in a process of its own, not counted.)
        "cpu_s": {"room_process": round(room_cpu, 2), "servers": round(servers_cpu, 2)},
        "room_per_cpu_s": round(n / room_cpu) if room_cpu else None,
        "source_restarts": restarts,
        "load_average": round(load, 1),
        "bars": {
            "into_picture ratio >= 10": ratio >= CATCH_UP_BAR,
            "into_border ratio >= 10": cut_s / in_border_s >= CATCH_UP_BAR,
        },
        "cpus": os.cpu_count(),
    }


async def _ingest_compare(root: Path, n: int) -> dict[str, Any]:
    """The station's ingest with and without an fsync per message, taking turns."""
    rates: dict[str, list[float]] = {"fsync": [], "no_fsync": []}
    for r in range(2):
        for fsync in (True, False):
            key = "fsync" if fsync else "no_fsync"
            rates[key].append(await _station_ingest(root / f"{key}-{r}", n, fsync))
    best = {k: max(v) for k, v in rates.items()}
    return {
        "bench": "stations_station_ingest",
        "messages": n,
        "fsync_per_s": round(best["fsync"]),
        "no_fsync_per_s": round(best["no_fsync"]),
        "ratio_fsync_to_no_fsync": round(best["fsync"] / best["no_fsync"], 3),
        "fsync_keeps_5000_per_s": best["fsync"] >= RATE,
        "senders": SENDERS,
        "per_send": PER_SEND,
        "bars": {},
    }


async def _publish_twin(
    urls: list[str], scenario: str, hours: float
) -> tuple[int, list[str], list[str]]:
    """The twin's messages into a `BORDER` stream on the cluster as its stations would have
    stored them (bundles of up to 2,000 in arrival order, each station its sectors, with the
    stations' headers); returns (messages, sectors, stations)."""
    from borderwatch.twin.scenario import load_scenario
    from borderwatch.twin.stream import prepare

    sc, path = load_scenario(scenario)
    twin = prepare(sc, path, 1, hours)
    sectors = sorted({s.sector for s in twin.sensors})
    station_of = stations_of(sectors)
    stations = sorted(set(station_of.values()))
    nc = await nats.connect(urls, max_reconnect_attempts=-1)
    js = nc.jetstream(timeout=10.0)
    # Each station's stream (here on the cluster, one replica: a station is one machine) and
    # BORDER sourcing them, as in service: JetStream writes on each message which stream it
    # came from, which the workers check (a client may not write that header itself).
    configs = [
        StreamConfig(
            name=station_stream(st),
            subjects=[batch_subject(st)],
            storage=StorageType.FILE,
            num_replicas=1,
        )
        for st in stations
    ]
    configs.append(
        StreamConfig(
            name=BORDER_STREAM,
            storage=StorageType.FILE,
            num_replicas=3,
            sources=[StreamSource(name=station_stream(st)) for st in stations],
        )
    )
    for config in configs:
        for _ in range(120):
            try:
                await js.add_stream(config)
                break
            except (nats.errors.Error, nats.js.errors.Error):
                await asyncio.sleep(0.5)
    held: dict[str, list[tuple[Inbound, int]]] = {st: [] for st in stations}
    numbered = dict.fromkeys(stations, 1)
    n = 0
    futures = []

    async def store(station: str) -> None:
        batch = held[station]
        ids = [message_id(m) for m, _ in batch]
        for b in pack(numbered[station], batch, ids):
            headers = {
                MSG_ID: f"{station}/{b.first}",
                STATION: station,
                ARRIVED: str(b.last_arrived_ns),
                FIRST: str(b.first),
                COUNT: str(b.count),
            }
            futures.append(
                await js.publish_async(batch_subject(station), b.payload, headers=headers)
            )
        numbered[station] += len(batch)
        batch.clear()

    for arrivals in twin.chunks():
        for m, arrival_s, sender in zip(
            arrivals.messages, arrivals.arrival_s.tolist(), arrivals.sender.tolist(), strict=True
        ):
            if not isinstance(m, Detection | SensorStatus | Patrol):
                continue
            station = station_of[twin.sensors[sender].sector]
            held[station].append((m, sc.start_ns + round(arrival_s * 1e9)))
            n += 1
            if len(held[station]) >= 2_000:
                await store(station)
        if len(futures) >= 200:
            await asyncio.gather(*futures)
            futures = []
    for station in stations:
        await store(station)
    await asyncio.gather(*futures)
    stored = 0
    for st in stations:
        stored += (await js.stream_info(station_stream(st))).state.messages
    for _ in range(600):  # BORDER has sourced every bundle: the workers start on all of it
        if (await js.stream_info(BORDER_STREAM)).state.messages >= stored:
            break
        await asyncio.sleep(0.1)
    await nc.close()
    return n, sectors, stations


def _workers(
    urls: list[str], stations: list[str], sectors: list[str], count: int, n: int
) -> dict[str, Any]:
    """`count` worker processes, each a block of neighbouring sectors; the busiest's time."""
    size = -(-len(sectors) // count)
    groups = [sectors[i : i + size] for i in range(0, len(sectors), size)]
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.stations_worker",
                ",".join(urls),
                ",".join(stations),
                ",".join(sectors),
                ",".join(g),
                str(count),
                str(n),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
        )
        for g in groups
    ]
    outs = [json.loads(p.communicate()[0].decode().strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - t0
    busiest = max(o["wall_s"] for o in outs)
    most_cpu = max(o["cpu_s"] for o in outs)
    return {
        "workers": len(groups),
        "own": [o["own"] for o in outs],
        "all_taken": all(o["taken"] == n for o in outs),
        "tracked_share": [round(o["tracked"] / max(1, o["taken"]), 3) for o in outs],
        "published": sum(sum(o["published"].values()) for o in outs),
        "wall_s": round(wall, 2),  # with each process's start (imports, sites)
        "busiest_worker_s": busiest,  # from its start to its last output published
        "per_s": round(n / busiest),
        "cpu_s": [o["cpu_s"] for o in outs],
        # With a free core per worker the busiest worker's CPU time is the wall time: what a
        # machine with `workers` idle cores would give.
        "per_s_free_cores": round(n / most_cpu),
        "faults": sum(o["engine_faults"] + o["undecodable"] + o["duplicates"] for o in outs),
    }


def _numbers_free(m: Output) -> Output:
    """An output without the numbers two workers' trackers may compute a little apart (see
    `_compare`): positions, velocities, covariances, class probabilities."""
    replace = msgspec.structs.replace
    if isinstance(m, Track):
        return replace(
            m, lat=0.0, lon=0.0, state=(0.0, 0.0, 0.0, 0.0), cov=(), classes=ClassLikelihood()
        )
    if isinstance(m, Alert):
        return replace(m, lat=0.0, lon=0.0, predicted_crossing=None, summary="")
    return replace(m, lat=0.0, lon=0.0)


async def _compare(urls: list[str], counts: list[int]) -> dict[str, Any]:
    """Each run's published picture against the one worker's, output by output, sector by
    sector: bit for bit, and without the numbers (with the largest differences in a track's
    position, m, and class probability).

    Not bit for bit on the twin: a worker's tracker predicts its tracks to the earliest
    detection of each second among those it tracks, one picture of the whole border to the
    earliest anywhere; the steps differ, so does the process noise added (docs/architecture)."""
    nc = await nats.connect(urls)
    try:
        pictures = [await read_picture(nc, f"PICTURE_W{c}", timeout_s=30.0) for c in counts]
    finally:
        await nc.close()
    base = pictures[0]
    out: dict[str, Any] = {"outputs": sum(len(v) for v in base.values())}
    for c, pic in zip(counts[1:], pictures[1:], strict=True):
        same = set(pic) == set(base) and all(len(pic[s]) == len(base[s]) for s in base)
        shift = p_diff = 0.0
        differ = 0
        if same:
            for s, items in base.items():
                for a, b in zip(items, pic[s], strict=True):
                    differ += a != b
                    same = same and _numbers_free(a) == _numbers_free(b)
                    if isinstance(a, Track) and isinstance(b, Track):
                        dx, dy = a.state[0] - b.state[0], a.state[2] - b.state[2]
                        shift = max(shift, math.hypot(dx, dy))
                        pa, pb = a.classes.as_tuple(), b.classes.as_tuple()
                        p_diff = max(p_diff, *(abs(x - y) for x, y in zip(pa, pb, strict=True)))
        out[str(c)] = {
            "exact": pic == base,
            "outputs_differing_in_numbers": differ,
            "same_but_numbers": same,
            "largest_shift_m": round(shift, 3),
            "largest_class_difference": round(p_diff, 4),
        }
    return out


async def _cluster_for_workers(root: Path, scenario: str, hours: float) -> dict[str, Any]:
    cluster = start_cluster(root / "cluster", tls=None)
    try:
        n, sectors, stations = await _publish_twin(cluster.urls, scenario, hours)
        counts = [1, 2, 4]
        load = os.getloadavg()[0]
        rows = [
            await asyncio.to_thread(_workers, cluster.urls, stations, sectors, w, n) for w in counts
        ]
        load = max(load, os.getloadavg()[0])
        compared = await _compare(cluster.urls, counts)
    finally:
        cluster.stop()
    one, one_free = rows[0]["per_s"], rows[0]["per_s_free_cores"]
    for r in rows:
        r["ratio_to_1"] = round(r["per_s"] / one, 2)
        r["ratio_to_1_free_cores"] = round(r["per_s_free_cores"] / one_free, 2)
    return {
        "bench": "stations_workers",
        "scenario": scenario,
        "hours": hours,
        "messages": n,
        "sectors": len(sectors),
        "stations": len(stations),
        "cpus": os.cpu_count(),
        "load_average": round(load, 1),
        "rows": rows,
        "against_one_worker": compared,
        "bars": {
            "the same tracks, alerts and incidents with 1, 2 and 4 workers": all(
                compared[str(c)]["same_but_numbers"] for c in counts[1:]
            )
        },
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Every part; full size unless `quick`. The station fsyncs every bundle, as it does in
    service (`sync_interval: always`); the ingest comparison says what the fsync costs."""
    out = []
    with tempfile.TemporaryDirectory(prefix="bw-stations-") as tmp:
        out.append(asyncio.run(_ingest_compare(Path(tmp), 5_000 if quick else 20_000)))
    with tempfile.TemporaryDirectory(prefix="bw-stations-") as tmp:
        cut = 30.0 if quick else CUT_S
        out.append(asyncio.run(_catch_up(Path(tmp) / "a", RATE, cut, fsync=True)))
    with tempfile.TemporaryDirectory(prefix="bw-stations-") as tmp:
        hours = 0.1 if quick else 0.5
        out.append(asyncio.run(_cluster_for_workers(Path(tmp) / "b", "full-border-day", hours)))
    catch_up, workers = out[1], out[2]
    out.append(
        {
            "bench": "stations_summary",
            "catch_up_into_border": catch_up["into_border"]["ratio"],
            "catch_up_into_picture": catch_up["into_picture"]["ratio"],
            "room_messages_per_cpu_s": catch_up["room_per_cpu_s"],
            "workers_ratio_to_1": {str(r["workers"]): r["ratio_to_1"] for r in workers["rows"]},
            "workers_ratio_to_1_free_cores": {
                str(r["workers"]): r["ratio_to_1_free_cores"] for r in workers["rows"]
            },
            "workers_against_one": workers["against_one_worker"],
            "cpus": os.cpu_count(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "bars": {**catch_up["bars"], **workers["bars"]},
        }
    )
    if quick:
        for o in out:  # not judged on the quick sizes
            o["bars"] = dict.fromkeys(o["bars"])
    return out
