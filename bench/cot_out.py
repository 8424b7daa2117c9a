"""Benchmark: the live picture out to 50 TAK clients at `full-border-day` x 10 (issue 16,
bar 2), side by side with and without a client that stops reading.

One service in this process, as `borderwatch run` has it (event log, live engine, change
feed, the CoT listeners with the TAK hub, one asyncio loop), fed the twin's recorded run at
10 times its pace (each batch when its event time is due, every 50 ms). 50 TAK clients in a
child process, each its own TCP connection, read everything they are sent. Latency is
engine -> client: from the moment the engine publishes a tracks frame (the change feed's
`publish`, wrapped here) to the moment a client has read the first track event of that
snapshot (both `time.time_ns()` on this machine), over every snapshot and every client.

Rounds on fresh data directories, the same run, taking turns (without, with, with, without):
with, one more client connects with a 4 KiB receive buffer and never reads. It must be
dropped (`slow_reader` when its outbox overflows, or `write_stalled` when a write is not
taken within `write_timeout_s`, whichever comes first at its rate) and change nothing for the
others: p99 side by side (each kind's rounds pooled), as a ratio, and the engine's pace (how
far behind the log it ended up).

Bars: p99 engine -> client <= 1 s with 50 clients; the stalled client dropped; p99 with it
<= 1.5 x p99 without (the machine is shared: the ratio is noisy, not a bar on its own).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import tempfile
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import numpy as np
import pytak

from bench.calibration import calibrate_ms
from bench.child import run_cli
from borderwatch.accounts import DataDir
from borderwatch.api.visibility import sees
from borderwatch.engine.config import EVENT_CLOCK
from borderwatch.ingest import cot
from borderwatch.ingest.cot._text import format_time
from borderwatch.messages import Detection, Patrol, SensorStatus, decode_lines
from borderwatch.service import Service, ServiceOptions

__all__ = ["run"]

CLIENTS = 50
SPEED = 10.0
P99_BAR_S = 1.0
STALL_RATIO_BAR = 1.5
TICK_S = 0.05
_TRACK = b'uid="borderwatch.track.'
_HELLO = bytes(pytak.hello_event("bench-cot-out"))


# -- the clients, in a child process ----------------------------------------------------------
def _clients(port: int, n: int, stall: bool, ready: Event, stop: Event, out: Queue[Any]) -> None:
    """`n` reading clients (and a stalled one); puts, per client, {snapshot time: first
    arrival ns} and the bytes it read."""

    async def reader(r: asyncio.StreamReader, seen: dict[str, int], size: list[int]) -> None:
        rest = b""
        while chunk := await r.read(262_144):
            now = time.time_ns()
            size[0] += len(chunk)
            data = rest + chunk
            end = data.rfind(b"</event>")
            if end < 0:
                rest = data
                continue
            rest = data[end + 8 :]
            pos = 0
            while (pos := data.find(_TRACK, pos, end)) >= 0:
                t0 = data.find(b' time="', pos) + 7
                stamp = data[t0 : data.find(b'"', t0)].decode()
                seen.setdefault(stamp, now)
                pos = t0

    async def main() -> list[tuple[dict[str, int], int]]:
        stalled = None
        if stall:
            stalled = socket.socket()
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stalled.connect(("127.0.0.1", port))
            stalled.sendall(_HELLO)  # a TAK client, which then never reads
        conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(n)]
        for _, w in conns:
            w.write(_HELLO)  # as pytak's CLITool does first: a TAK client is here
        seen: list[dict[str, int]] = [{} for _ in conns]
        sizes = [[0] for _ in conns]
        tasks = [
            asyncio.create_task(reader(r, s, z))
            for (r, _), s, z in zip(conns, seen, sizes, strict=True)
        ]
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for t in tasks:
            t.cancel()
        for _, w in conns:
            w.close()
        if stalled is not None:
            stalled.close()
        return [(s, z[0]) for s, z in zip(seen, sizes, strict=True)]

    out.put(asyncio.run(main()))


def _window(path: Path, start_ns: int | None, start_h: float, minutes: float) -> list[Any]:
    """The messages of `minutes` from `start_h` hours into the run, in log order."""
    out = []
    with path.open("rb") as f:
        for m in decode_lines(f):
            if not isinstance(m, Detection | SensorStatus | Patrol):
                continue  # a twin's run holds nothing else
            if start_ns is None:
                start_ns = m.time_ns
            offset_h = (m.time_ns - start_ns) / 3600e9
            if start_h <= offset_h < start_h + minutes / 60:
                out.append(m)
    return out


# -- one round --------------------------------------------------------------------------------
async def _round(messages: list[Any], stall: bool, data: Path) -> dict[str, Any]:
    options = ServiceOptions(data=DataDir(data), config=EVENT_CLOCK)
    async with Service.start(options) as service:
        published: dict[str, int] = {}  # a snapshot's time as CoT writes it -> published
        publish = service.feed.publish

        def timed(kind: Any, time_ns: int, items: Any) -> Any:
            frame = publish(kind, time_ns, items)
            if kind == "tracks" and frame.items:
                published.setdefault(format_time(time_ns), time.time_ns())
            return frame

        service.feed.publish = timed  # type: ignore[method-assign]
        hub = service.tak
        hub.sees = sees  # the API's rule, as its app binds it (no app here)
        settings = cot.CotSettings(tcp_port=0, udp_port=None, tls_port=None)
        server = await cot.setup(settings, service.admission, service.stats, hub=hub)
        ctx = multiprocessing.get_context("spawn")
        ready, stop, out = ctx.Event(), ctx.Event(), ctx.Queue()
        child = ctx.Process(
            target=_clients, args=(server.tcp_port, CLIENTS, stall, ready, stop, out)
        )
        child.start()
        await asyncio.to_thread(ready.wait, 60)
        t0_event = messages[0].time_ns
        start = time.perf_counter()
        fed = 0
        while fed < len(messages):
            due = t0_event + (time.perf_counter() - start) * SPEED * 1e9
            batch = []
            while fed < len(messages) and messages[fed].time_ns <= due:
                batch.append(messages[fed])
                fed += 1
            if batch:
                await service.admission.accept(batch, "bench:twin")
            await asyncio.sleep(TICK_S)
        wall = time.perf_counter() - start
        lag = service.writer.last_seq - service.engine.seq
        await asyncio.sleep(2.0)  # the last snapshots reach the clients
        stop.set()
        clients = await asyncio.to_thread(out.get, True, 60)
        child.join(10)
        dropped = dict(hub.stats.dropped)
        sent = hub.stats.events_sent
        await server.close()
    latencies = [
        (arrived - published[stamp]) / 1e9
        for seen, _ in clients
        for stamp, arrived in seen.items()
        if stamp in published
    ]
    lat = np.array(latencies) if latencies else np.array([np.nan])
    return {
        "stalled_client": stall,
        "clients": CLIENTS,
        "snapshots": len(published),
        "latencies": len(latencies),
        "p50_s": round(float(np.percentile(lat, 50)), 4),
        "p99_s": round(float(np.percentile(lat, 99)), 4),
        "max_s": round(float(np.max(lat)), 4),
        "fed_messages": fed,
        "fed_per_s": round(fed / wall, 1),
        "feed_wall_s": round(wall, 1),
        "engine_lag_events_at_end": lag,
        "events_sent": sent,
        "bytes_per_client_min": min(z for _, z in clients),
        "dropped_clients": dropped,
        "_latencies": latencies,
    }


def run(
    quick: bool = False,
    minutes: float | None = None,
    start_h: float | None = None,
    simulated: Path | None = None,
) -> list[dict[str, Any]]:
    """Simulate, then the two rounds (without and with the stalled client) over `minutes`
    of the run from `start_h` hours in (by default 20 min from 14 h in, among the busiest
    hours: ~356,000 messages an hour, ~1,000 a second at x 10; quick: its first 1.5 min).
    `simulated`: a full-border-day run directory made before (seed 1), not simulated again."""
    minutes = minutes or (1.5 if quick else 20.0)
    start_h = (0.0 if quick else 14.0) if start_h is None else start_h
    with tempfile.TemporaryDirectory(prefix="bw-cot-out-") as tmp:
        run_dir = simulated or Path(tmp) / "run"
        if simulated is None:
            hours = start_h + minutes / 60 + 0.01
            run_cli(
                "simulate", "full-border-day", "--seed", "1", "--hours", str(hours),
                "--out", str(run_dir),
            )  # fmt: skip
        first = json.loads((run_dir / "scenario.json").read_text()).get("start_ns")
        messages = _window(run_dir / "messages.jsonl", first, start_h, minutes)
        calib = calibrate_ms()
        # Taking turns, ABBA (quick: AB), so a drift of the shared machine's load falls on
        # both alike.
        order = (False, True) if quick else (False, True, True, False)
        rounds = [
            asyncio.run(_round(messages, stall, Path(tmp) / f"data-{k}"))
            for k, stall in enumerate(order)
        ]
    pooled = {
        stall: np.array(
            [x for r in rounds if r["stalled_client"] == stall for x in r.pop("_latencies")]
        )
        for stall in (False, True)
    }
    p99 = {stall: round(float(np.percentile(lat, 99)), 4) for stall, lat in pooled.items()}
    ratio = p99[True] / p99[False] if p99[False] > 0 else float("nan")
    stalled_dropped = all(
        sum(r["dropped_clients"].get(why, 0) for why in ("slow_reader", "write_stalled")) == 1
        for r in rounds
        if r["stalled_client"]
    )
    return [
        {"bench": "cot_out", **r, "speed": SPEED, "twin_minutes": minutes, "bars": {}}
        for r in rounds
    ] + [
        {
            "bench": "cot_out",
            "summary": "side by side, latencies of the rounds of each kind pooled",
            "p50_without_s": round(float(np.percentile(pooled[False], 50)), 4),
            "p50_with_stalled_s": round(float(np.percentile(pooled[True], 50)), 4),
            "p99_without_s": p99[False],
            "p99_with_stalled_s": p99[True],
            "ratio_with_to_without": round(ratio, 3),
            "calibration_ms": round(calib, 1),
            # Quick: 1.5 min of the quiet start of the day, one round each: checks it runs
            # (too little for a slow client to be cut off, too few samples for a ratio).
            "bars": {
                f"p99 <= {P99_BAR_S:g} s (50 clients)": None
                if quick
                else max(p99.values()) <= P99_BAR_S,
                "stalled client dropped (slow_reader or write_stalled)": None
                if quick
                else stalled_dropped,
                f"p99 with stalled <= {STALL_RATIO_BAR:g} x without": None
                if quick
                else ratio <= STALL_RATIO_BAR,
            },
        }
    ]


if __name__ == "__main__":
    for line in run(quick=True):
        print(json.dumps(line))
