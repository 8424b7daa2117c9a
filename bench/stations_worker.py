"""One fusion worker of `bench stations`: reads its sectors' subjects of ROOM_IN from the
cluster (its own pull consumer) into its own engine over those sectors' sensors, until the
stream has nothing more for it; prints one JSON line (taken, wall_s).

python -m bench.stations_worker URLS SECTORS NAME   (comma-separated lists)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import nats
import nats.errors
from nats.js.api import AckPolicy, ConsumerConfig

from borderwatch.engine import LiveEngine
from borderwatch.engine.changes import ChangeFeed
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import decode
from borderwatch.stations.merge import StationMerge

FETCH = 1_000


async def main(urls: list[str], sectors: list[str], name: str) -> dict[str, object]:
    """Read and take in everything of `sectors`; the count and the wall time."""
    registry = Registry.from_layout(load_sites().in_sectors(set(sectors)))
    engine = LiveEngine(registry, ChangeFeed(keep=10, keep_tracks=2))
    nc = await nats.connect(urls)
    js = nc.jetstream(timeout=10.0)
    subs = []
    for s in sectors:
        config = ConsumerConfig(ack_policy=AckPolicy.NONE, filter_subject=f"room.in.{s}")
        subs.append(await js.pull_subscribe(f"room.in.{s}", durable=f"{name}-{s}", config=config))
    # One engine over several sectors takes them in arrival order, as the room does.
    merge: StationMerge[object] = StationMerge(sectors)
    t0 = time.perf_counter()
    taken = 0
    open_subs = dict(zip(sectors, subs, strict=True))
    while open_subs:
        for s, sub in list(open_subs.items()):
            try:
                msgs = await sub.fetch(FETCH, timeout=5.0)
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            for m in msgs:
                headers = m.headers or {}
                if "Bw-End" in headers:  # the sector's last message: it sends nothing more
                    del open_subs[s]
                    merge.tick(s, 2**62)
                    break
                merge.add(s, int(headers["Bw-Arrived"]), decode(m.data))
        for _, arrived, message in merge.release():
            taken += 1
            engine.take(taken, message, arrived)
    for _, arrived, message in merge.release(flush=True):
        taken += 1
        engine.take(taken, message, arrived)
    wall = time.perf_counter() - t0
    await nc.close()
    return {"worker": name, "sectors": sectors, "taken": taken, "wall_s": round(wall, 2)}


if __name__ == "__main__":
    out = asyncio.run(main(sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3]))
    print(json.dumps(out))
