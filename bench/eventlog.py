"""Benchmark: the event log alone, through `LogWriter`, as the service's ingest would use it.

20 concurrent tasks each append batches of 50 radar detections (one ingest connection each)
as fast as the log acknowledges them, once with `synchronous=FULL` (the service's setting:
durable against power loss) and once with `NORMAL` (durable against a process crash only),
side by side. Bar (issue 4): the whole service must accept >= 20,000 messages/s; the log,
which shares the machine with ingest and the engine, should manage several times that alone:
>= 60,000 messages/s with FULL.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.calibration import calibrate_ms
from bench.plots import radar_plot
from borderwatch.messages import Detection
from borderwatch.store import EventLog, LogWriter, Synchronous

__all__ = ["run"]

CLIENTS = 20
BATCH = 50
RATE_BAR = 60_000.0
T0 = 1_780_000_000_000_000_000


def _batches(client: int, n: int) -> list[list[Detection]]:
    """`n` distinct batches of one client's radar detections, built before the clock starts."""
    return [
        [
            radar_plot(f"T{client:02d}-R", s, T0 + s * 20_000_000, 11.0 * client)
            for s in range(b * BATCH, (b + 1) * BATCH)
        ]
        for b in range(n)
    ]


def _filesystem(path: Path) -> str:
    """The type of the filesystem holding `path` (tmpfs would make fsync free)."""
    best, kind = "", "unknown"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    for line in mounts:
        _, point, fstype, *_ = line.split()
        if str(path).startswith(point) and len(point) > len(best):
            best, kind = point, fstype
    return kind


async def _measure(
    path: Path, synchronous: Synchronous, clients: int, per_client: int
) -> dict[str, Any]:
    """Run the clients against a fresh log; messages/s, commits/s, latencies, bytes/message."""
    pools = [_batches(c, min(per_client, 20)) for c in range(clients)]
    latencies: list[float] = []
    with EventLog(path, synchronous=synchronous) as log:

        async def client(c: int, writer: LogWriter) -> None:
            pool = pools[c]
            for k in range(per_client):
                t = time.perf_counter()
                await writer.append(pool[k % len(pool)], f"tcp:client-{c}")
                latencies.append(time.perf_counter() - t)

        async with LogWriter(log) as writer:
            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(client(c, writer) for c in range(clients)))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            stats = writer.stats()
        assert log.count() == stats["messages"] == clients * per_client * BATCH  # none lost
    size = path.stat().st_size  # the WAL is checkpointed into the file on close
    n = stats["messages"]
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "synchronous": synchronous,
        "clients": clients,
        "messages": n,
        "messages_per_s": round(n / wall),
        "commits_per_s": round(stats["commits"] / wall),
        "messages_per_commit": round(n / stats["commits"], 1),
        "append_p50_ms": round(1e3 * cuts[49], 2),
        "append_p99_ms": round(1e3 * cuts[98], 2),
        "cpu_us_per_message": round(1e6 * cpu / n, 2),
        "bytes_per_message": round(size / n, 1),
    }


def run(quick: bool = False, directory: Path | None = None) -> list[dict[str, Any]]:
    """FULL and NORMAL side by side, each on a fresh log in `directory` (default: temp).

    Twice each: 20 clients flat out (throughput: commits are shared, fsyncs amortised), and
    one client alone (every append its own commit: what one fsync costs in latency).
    """
    per_client = 10 if quick else 400  # batches per client: 10,000 or 400,000 messages
    alone = 20 if quick else 1000  # batches of the lone client
    calib = calibrate_ms()
    out = []
    with tempfile.TemporaryDirectory(prefix="bw-eventlog-", dir=directory) as tmp:
        fs = _filesystem(Path(tmp).resolve())
        for clients, batches in ((CLIENTS, per_client), (1, alone)):
            for synchronous in ("FULL", "NORMAL"):
                path = Path(tmp) / f"events-{synchronous.lower()}-{clients}.sqlite"
                r = asyncio.run(_measure(path, synchronous, clients, batches))
                judged = not quick and synchronous == "FULL" and clients == CLIENTS
                rate_ok = r["messages_per_s"] >= RATE_BAR
                bar = rate_ok if judged else None
                out.append(
                    {
                        "bench": "eventlog",
                        **r,
                        "batch": BATCH,
                        "filesystem": fs,
                        "cores": os.cpu_count(),
                        "calibration_ms": round(calib, 1),
                        "bars": {f"messages_per_s >= {RATE_BAR:g} (20 clients, FULL)": bar},
                    }
                )
    return out
