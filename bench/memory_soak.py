"""Benchmark: resident memory of `borderwatch run` under a steady 3,000 messages/s (issue 15).

Two `borderwatch run` in child processes, side by side on the same machine (no twin, fresh
data directories): as a user starts it, and with `--heap-trim-s 0` (the C heap's free pages
never given back: `borderwatch.service.heap`), so the ratio says what the trim does under
the same load. Each is fed by its own sender process: 20 CoT TCP connections, one per radar
of the layout, sending paced radar plots (every 10 ms a burst of 30), stamped with the wall
clock, for `minutes`. Each server's VmRSS is sampled every 10 s. After a warm-up (the first
sixth of the run, at least 2 min: SQLite's page cache, the change feed's kept frames and the
engine's tables fill to their working size), growth is the last sample less the first one
after warm-up, and the slope a least-squares line through them.

Bar: <= 10 MB of growth after warm-up over 1 h (`--minutes 60`), as a user starts it.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from multiprocessing.process import BaseProcess
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
# Each run's name and the extra arguments of its `borderwatch run`.
RUNS = {"default": (), "no_trim": ("--heap-trim-s", "0")}


def _growth(samples: list[tuple[float, float]], warmup_s: float) -> dict[str, Any]:
    after = [(t, r) for t, r in samples if t >= warmup_s] or samples[-2:]
    ts = np.array([t for t, _ in after]) / 60.0
    rss = np.array([r for _, r in after])
    slope = float(np.polyfit(ts, rss, 1)[0]) if len(after) >= 2 else 0.0
    return {
        "rss_start_mb": round(samples[0][1], 1),
        "rss_after_warmup_mb": round(float(rss[0]), 1),
        "rss_end_mb": round(float(rss[-1]), 1),
        "growth_after_warmup_mb": round(float(rss[-1] - rss[0]), 1),
        "slope_mb_per_min": round(slope, 3),
        "samples": [(round(t), round(r, 1)) for t, r in samples],
    }


def run(minutes: float = 60.0) -> dict[str, Any]:
    """`minutes` at 3,000 messages/s into each run; RSS samples, growth after warm-up."""
    from borderwatch.geo import load_sites
    from borderwatch.geo.registry import Registry

    sensors = sorted(Registry.from_layout(load_sites()).radars)[:20]
    warmup_s = max(120.0, minutes * 60 / 6)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in RUNS}
    rates: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bw-soak-") as tmp:
        procs = {name: start_service(Path(tmp) / name, *extra) for name, extra in RUNS.items()}
        try:
            ctx = multiprocessing.get_context("spawn")
            stop = ctx.Event()
            senders: dict[str, tuple[BaseProcess, Queue[Any]]] = {}
            for name, (_, ports) in procs.items():
                ready, out = ctx.Event(), ctx.Queue()
                child = ctx.Process(
                    target=paced_plots, args=(ports["cot_tcp"], sensors, RATE, ready, stop, out)
                )
                child.start()
                ready.wait(60)
                senders[name] = (child, out)
            t0 = time.monotonic()
            while (now := time.monotonic() - t0) < minutes * 60:
                for name, (proc, _) in procs.items():
                    samples[name].append((now, _rss_mb(proc.pid)))
                time.sleep(SAMPLE_S)
            for name, (proc, _) in procs.items():
                samples[name].append((time.monotonic() - t0, _rss_mb(proc.pid)))
            stop.set()
            for name, (sender, out) in senders.items():
                sent, elapsed = out.get(timeout=60)
                rates[name] = round(sent / elapsed)
                sender.join(30)
        finally:
            for proc, _ in procs.values():
                stop_service(proc)
    runs = {
        name: {"messages_per_s": rates[name], **_growth(samples[name], warmup_s)} for name in RUNS
    }
    growth = runs["default"]["growth_after_warmup_mb"]
    return {
        "bench": "memory_soak",
        "minutes": minutes,
        "warmup_s": warmup_s,
        **runs,
        "end_rss_default_over_no_trim": round(
            runs["default"]["rss_end_mb"] / runs["no_trim"]["rss_end_mb"], 3
        ),
        "bars": {
            f"growth_after_warmup_mb <= {GROWTH_BAR_MB:g} (1 h)": (
                growth <= GROWTH_BAR_MB if minutes >= 60 else None
            )
        },
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)))
