"""Benchmark: the whole service ingesting CoT from 20 concurrent TCP clients (issue 4's bar).

`borderwatch run` in a child process, as a user starts it (no twin, an empty data directory):
CoT over TCP, admission, the event log (SQLite, WAL, synchronous=FULL, group commit) and the
live engine following the log, all in one process. The 20 clients, in another process, each
open one TCP connection as one of our radars and send pre-encoded CoT XML detections as fast
as TCP lets them. "Accepted" means durable: the clock stops when the log holds the last one
(read from the log file itself, read-only, as it grows). "Lost" is what was sent and is not in
the log; every (sensor, seq) is checked.

Bar: >= 20,000 messages/s accepted, 0 lost, on 2 cores.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from bench.calibration import calibrate_ms
from bench.plots import radar_plot
from borderwatch.ingest.cot import encode_xml

__all__ = ["run", "start_service", "stop_service"]

CLIENTS = 20
PER_WRITE = 100
RATE_BAR = 20_000.0


def _payload(sensor: str, n: int, t0: int) -> list[bytes]:
    """One radar's `n` detections as CoT XML, in writes of `PER_WRITE` messages."""
    events = [encode_xml(radar_plot(sensor, i, t0 + i * 20_000_000)) for i in range(n)]
    return [b"\n".join(events[k : k + PER_WRITE]) for k in range(0, n, PER_WRITE)]


def _clients(port: int, sensors: list[str], n: int, t0: int, ready: Event, go: Event) -> None:
    payloads = [_payload(s, n, t0) for s in sensors]
    ready.set()
    go.wait()

    async def send(writes: list[bytes]) -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for data in writes:
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main() -> None:
        await asyncio.gather(*(send(p) for p in payloads))

    asyncio.run(main())


def start_service(data: Path, *extra: str) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """`borderwatch run` on `data` with free ports; returns the process and its ports."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "borderwatch",
            "run",
            "--data",
            str(data),
            "--http-port",
            "0",
            "--cot-port",
            "0",
            "--udp-port",
            "0",
            "--tls-port",
            "0",
            "--ready-json",
            # The benchmarks' radars speak on the plain port, listed (docs/security.md).
            "--plain-sensors",
            "*",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("borderwatch run did not start")
    ports: dict[str, int] = json.loads(line)["ready"]
    return proc, ports


def stop_service(proc: subprocess.Popen[str], kill: bool = False) -> None:
    """End a `start_service` process (SIGTERM: an orderly stop; `kill`: SIGKILL)."""
    if kill:
        proc.kill()
    else:
        proc.terminate()
    proc.wait(30)
    if proc.stdout is not None:
        proc.stdout.close()


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _measure(per_client: int) -> dict[str, Any]:
    from borderwatch.geo import load_sites
    from borderwatch.geo.registry import Registry

    sensors = sorted(Registry.from_layout(load_sites()).radars)[:CLIENTS]
    total = len(sensors) * per_client
    t0 = time.time_ns() - 600 * 10**9  # ten minutes ago: not ahead of the server's clock
    with tempfile.TemporaryDirectory(prefix="bw-ingest-") as tmp:
        data = Path(tmp) / "data"
        proc, ports = start_service(data)
        try:
            ctx = multiprocessing.get_context("spawn")
            ready, go = ctx.Event(), ctx.Event()
            child = ctx.Process(
                target=_clients, args=(ports["cot_tcp"], sensors, per_client, t0, ready, go)
            )
            child.start()
            ready.wait()
            log = sqlite3.connect(f"file:{data / 'events.sqlite'}?mode=ro", uri=True)
            wall, cpu0 = time.perf_counter(), _cpu_s(proc.pid)
            go.set()
            deadline = wall + max(120.0, total / 2000)
            count = 0
            while time.perf_counter() < deadline:
                count = log.execute("SELECT count(*) FROM events").fetchone()[0]
                if count >= total:
                    break
                time.sleep(0.01)
            wall = time.perf_counter() - wall
            cpu = _cpu_s(proc.pid) - cpu0
            rss = _rss_mb(proc.pid)
            child.join(30)
            seen = {
                (p["sensor_id"], p["seq"])
                for (payload,) in log.execute("SELECT payload FROM events")
                for p in (json.loads(payload),)
            }
            log.close()
        finally:
            stop_service(proc)
    expected = {(s, i) for s in sensors for i in range(per_client)}
    return {
        "clients": len(sensors),
        "messages": total,
        "accepted": count,
        "lost": len(expected - seen),
        "wall_s": round(wall, 2),
        "messages_per_s": round(count / wall),
        "server_cpu_s": round(cpu, 1),
        "server_rss_mb": round(rss, 1),
    }


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(quick: bool = False) -> list[dict[str, Any]]:
    """20 clients x 10,000 detections (quick: x 500) into `borderwatch run`."""
    calib = calibrate_ms()
    row = _measure(500 if quick else 10_000)
    row["bench"] = "service_ingest"
    row["calibration_ms"] = round(calib, 1)
    row["bars"] = {
        f"messages_per_s >= {RATE_BAR:g}": None if quick else row["messages_per_s"] >= RATE_BAR,
        "lost == 0": row["lost"] == 0,
    }
    return [row]


if __name__ == "__main__":
    for r in run():
        print(json.dumps(r))
