"""One fusion worker of `bench stations`: a `SectorWorker` (the room's picture for its own
sectors, handover and all) reading `BORDER` from the start until it has every message,
publishing its sectors' outputs to the stream PICTURE_W<count>; prints one JSON line.

python -m bench.stations_worker URLS STATIONS SECTORS OWN COUNT MESSAGES
(URLS, STATIONS, SECTORS, OWN comma-separated; SECTORS: every sector of the run)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from borderwatch.engine import load_config
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.stations.workers import SectorWorker


async def main(
    urls: list[str], stations: list[str], sectors: list[str], own: list[str], count: int, n: int
) -> dict[str, object]:
    """Read and take in all `n` messages; publish; the worker's summary, wall and CPU time."""
    registry = Registry.from_layout(load_sites().in_sectors(set(sectors)))
    worker = SectorWorker(
        urls,
        stations,
        registry,
        own,
        load_config(),
        picture_stream=f"PICTURE_W{count}",
    )
    t0, cpu0 = time.perf_counter(), time.process_time()
    await worker.start()
    try:
        while worker.received < n:
            worker.check()
            await asyncio.sleep(0.05)
        await worker.finish()
    finally:
        await worker.close()
    return {
        **worker.summary(),
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - cpu0, 2),
    }


if __name__ == "__main__":
    a = sys.argv
    out = asyncio.run(
        main(
            a[1].split(","), a[2].split(","), a[3].split(","), a[4].split(","), int(a[5]), int(a[6])
        )
    )
    print(json.dumps(out))
