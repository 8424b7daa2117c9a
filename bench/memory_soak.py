"""Benchmark: resident memory of `borderwatch run` under a steady 3,000 messages/s (issue 15).

`borderwatch run` in a child process (no twin, a fresh data directory); in another process, 20
CoT TCP connections, one per radar of the layout, send paced radar plots (every 10 ms a burst
of 30), stamped with the wall clock, for `minutes`. The server's VmRSS is sampled every 10 s.
After a warm-up (the first sixth of the run, at least 2 min: SQLite's page cache, the change
feed's kept frames and the engine's tables fill to their working size), growth is the last
sample less the first one after warm-up, and the slope a least-squares line through them.

Bar: <= 10 MB of growth after warm-up over 1 h (`--minutes 60`).
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

import numpy as np

from bench.plots import paced_plots
from bench.service_ingest import _rss_mb, start_service, stop_service

__all__ = ["run"]

RATE = 3000
SAMPLE_S = 10.0
GROWTH_BAR_MB = 10.0


def run(minutes: float = 60.0) -> dict[str, Any]:
    """`minutes` at 3,000 messages/s; RSS samples, growth after warm-up, its slope."""
    from borderwatch.geo import load_sites
    from borderwatch.geo.registry import Registry

    sensors = sorted(Registry.from_layout(load_sites()).radars)[:20]
    warmup_s = max(120.0, minutes * 60 / 6)
    samples: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bw-soak-") as tmp:
        proc, ports = start_service(Path(tmp) / "data")
        try:
            ctx = multiprocessing.get_context("spawn")
            ready, stop = ctx.Event(), ctx.Event()
            out: Queue[Any] = ctx.Queue()
            child = ctx.Process(
                target=paced_plots, args=(ports["cot_tcp"], sensors, RATE, ready, stop, out)
            )
            child.start()
            ready.wait(60)
            t0 = time.monotonic()
            while (now := time.monotonic() - t0) < minutes * 60:
                samples.append((now, _rss_mb(proc.pid)))
                time.sleep(SAMPLE_S)
            samples.append((time.monotonic() - t0, _rss_mb(proc.pid)))
            stop.set()
            sent, elapsed = out.get(timeout=60)
            child.join(30)
        finally:
            stop_service(proc)
    after = [(t, r) for t, r in samples if t >= warmup_s] or samples[-2:]
    ts = np.array([t for t, _ in after]) / 60.0
    rss = np.array([r for _, r in after])
    slope = float(np.polyfit(ts, rss, 1)[0]) if len(after) >= 2 else 0.0
    growth = float(rss[-1] - rss[0])
    return {
        "bench": "memory_soak",
        "minutes": minutes,
        "messages_per_s": round(sent / elapsed),
        "warmup_s": warmup_s,
        "rss_start_mb": round(samples[0][1], 1),
        "rss_after_warmup_mb": round(float(rss[0]), 1),
        "rss_end_mb": round(float(rss[-1]), 1),
        "growth_after_warmup_mb": round(growth, 1),
        "slope_mb_per_min": round(slope, 3),
        "samples": [(round(t), round(r, 1)) for t, r in samples],
        "bars": {
            f"growth_after_warmup_mb <= {GROWTH_BAR_MB:g} (1 h)": (
                growth <= GROWTH_BAR_MB if minutes >= 60 else None
            )
        },
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)))
