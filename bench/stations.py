"""Benchmark: the distributed mode (issue 18) on the real nats-server.

1. `catch_up`: a sector station cut off from the operations room takes in `rate` messages/s
   of event time for `cut_s` seconds (radar plots, stored in its own stream and acknowledged,
   as fast as the station acknowledges them); then its link heals and the backlog flows up
   into the room's `BORDER` stream (3 replicas). Reported: the station's ingest rate (it
   must be >= `rate` to keep up with real time) and the catch-up ratio, event time of the
   cut / wall time from the heal until `BORDER` holds every message. Bar (issue 18): >= 10.
2. `workers`: the room's ingest with 1, 2 and 4 fusion workers, in one run, as ratios. The
   twin's messages of a multi-sector scenario are published to a replicated stream on the
   cluster, one subject per sector; each worker is a process with its own pull consumer
   filtered to its sectors and its own engine over their sensors. Reported: messages/s
   through the engines per worker count, and its ratio to one worker.

python -m bench stations            # full: 5,000 messages/s cut for 600 s (3,000,000 messages)
python -m bench stations --quick    # 30 s of cut, a short twin run: checks it runs
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nats
from nats.js.api import StorageType, StreamConfig

from bench.plots import radar_plot
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import encode
from borderwatch.stations.centre import border_stream_config
from borderwatch.stations.link import Link
from borderwatch.stations.servers import start_cluster, start_station_server
from borderwatch.stations.station import Station
from borderwatch.stations.subjects import BORDER_STREAM

__all__ = ["run"]

RATE = 5_000
CUT_S = 600.0
BATCH = 2_000
T0 = 1_780_000_000_000_000_000
CATCH_UP_BAR = 10.0
REPO = Path(__file__).resolve().parents[1]


async def _catch_up(root: Path, rate: int, cut_s: float, fsync: bool = True) -> dict[str, Any]:
    cluster = start_cluster(root / "cluster")
    link = Link("station-a", cluster.leaf_ports)
    await link.start()
    server = start_station_server("station-a", root / "stations", link.url, fsync=fsync)
    station = Station("station-a", ["N02"], Registry(), server.url)
    nc = await nats.connect(cluster.urls, max_reconnect_attempts=-1)
    try:
        await station.start()
        js = nc.jetstream(timeout=10.0)
        for _ in range(120):  # the cluster elects its meta leader in a few seconds
            try:
                await js.add_stream(border_stream_config(["station-a"]))
                break
            except (nats.errors.Error, nats.js.errors.Error):
                await asyncio.sleep(0.5)
        link.cut()
        n = round(rate * cut_s)
        step = 1_000_000_000 // rate
        t_ingest = time.perf_counter()
        for start in range(0, n, BATCH):
            batch = [
                (radar_plot("N02-T01-R", i, T0 + i * step, 3.0), T0 + i * step)
                for i in range(start, min(n, start + BATCH))
            ]
            await station.store(batch)
        ingest_s = time.perf_counter() - t_ingest
        info = await js.stream_info(BORDER_STREAM)
        held_back = info.state.messages
        link.heal()
        t_heal = time.perf_counter()
        while True:
            info = await js.stream_info(BORDER_STREAM)
            if info.state.messages >= n:
                break
            await asyncio.sleep(0.1)
        catch_up_s = time.perf_counter() - t_heal
    finally:
        await nc.close()
        await station.close()
        await link.close()
        server.stop()
        cluster.stop()
    ratio = cut_s / catch_up_s
    return {
        "bench": "stations_catch_up",
        "station_fsync": fsync,
        "rate_event_per_s": rate,
        "cut_event_s": cut_s,
        "messages": n,
        "in_room_during_cut": held_back,
        "station_ingest_per_s": round(n / ingest_s),
        "station_keeps_real_time": n / ingest_s >= rate,
        "catch_up_wall_s": round(catch_up_s, 2),
        "catch_up_per_s": round(n / catch_up_s),
        "catch_up_ratio": round(ratio, 2),
        "bar": CATCH_UP_BAR,
        "met": ratio >= CATCH_UP_BAR,
        "cpus": os.cpu_count(),
    }


def _sector_registry(sectors: set[str]) -> Registry:
    return Registry.from_layout(load_sites().in_sectors(sectors))


async def _publish_twin(urls: list[str], scenario: str, hours: float) -> tuple[int, list[str]]:
    """The twin's messages into stream ROOM_IN, subject per sector; returns (count, sectors)."""
    from borderwatch.twin.scenario import load_scenario
    from borderwatch.twin.stream import prepare

    sc, path = load_scenario(scenario)
    twin = prepare(sc, path, 1, hours)
    sectors = sorted({s.sector for s in twin.sensors})
    nc = await nats.connect(urls, max_reconnect_attempts=-1)
    js = nc.jetstream(timeout=10.0)
    for _ in range(120):
        try:
            await js.add_stream(
                StreamConfig(
                    name="ROOM_IN",
                    subjects=["room.in.>"],
                    storage=StorageType.FILE,
                    num_replicas=3,
                )
            )
            break
        except (nats.errors.Error, nats.js.errors.Error):
            await asyncio.sleep(0.5)
    n = 0
    futures = []
    for arrivals in twin.chunks():
        for m, arrival_s, sender in zip(
            arrivals.messages, arrivals.arrival_s.tolist(), arrivals.sender.tolist(), strict=True
        ):
            arrived = sc.start_ns + round(arrival_s * 1e9)
            sector = twin.sensors[sender].sector
            futures.append(
                await js.publish_async(
                    f"room.in.{sector}", encode(m), headers={"Bw-Arrived": str(arrived)}
                )
            )
            n += 1
            if len(futures) >= 2_000:
                await asyncio.gather(*futures)
                futures = []
    await asyncio.gather(*futures)
    await nc.close()
    return n, sectors


def _workers(urls: list[str], sectors: list[str], count: int, n: int) -> dict[str, Any]:
    """`count` worker processes, sectors dealt round-robin; the wall time until all are done."""
    groups = [sectors[i::count] for i in range(count)]
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.stations_worker",
                ",".join(urls),
                ",".join(g),
                f"w{count}-{i}",
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
        )
        for i, g in enumerate(groups)
    ]
    outs = [json.loads(p.communicate()[0].decode().strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - t0
    taken = sum(o["taken"] for o in outs)
    return {
        "workers": count,
        "taken": taken,
        "all_taken": taken == n,
        "wall_s": round(wall, 2),
        "per_s": round(taken / wall),
        "busiest_worker_s": max(o["wall_s"] for o in outs),
    }


async def _cluster_for_workers(root: Path, scenario: str, hours: float) -> dict[str, Any]:
    cluster = start_cluster(root / "cluster")
    try:
        n, sectors = await _publish_twin(cluster.urls, scenario, hours)
        rows = [await asyncio.to_thread(_workers, cluster.urls, sectors, w, n) for w in (1, 2, 4)]
    finally:
        cluster.stop()
    one = rows[0]["per_s"]
    for r in rows:
        r["ratio_to_1"] = round(r["per_s"] / one, 2)
    return {
        "bench": "stations_workers",
        "scenario": scenario,
        "hours": hours,
        "messages": n,
        "sectors": len(sectors),
        "cpus": os.cpu_count(),
        "rows": rows,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Both parts; full size unless `quick`."""
    out = []
    with tempfile.TemporaryDirectory(prefix="bw-stations-") as tmp:
        out.append(asyncio.run(_catch_up(Path(tmp) / "a", RATE, 30.0 if quick else CUT_S)))
    with tempfile.TemporaryDirectory(prefix="bw-stations-") as tmp:
        hours = 0.1 if quick else 0.5
        out.append(asyncio.run(_cluster_for_workers(Path(tmp) / "b", "full-border-day", hours)))
    if quick:
        out[0]["met"] = None  # bars are not judged on the quick sizes
    return out
