"""The radar plots the ingest and log benchmarks send: clutter spread over a radar's reach,
and the paced sender that streams them to a service's CoT port from a child process.

One definition, so every benchmark measures messages of the same size and content.
"""

from __future__ import annotations

import asyncio
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

from borderwatch.ingest.cot import encode_xml
from borderwatch.messages import Detection

__all__ = ["paced_plots", "radar_plot"]

BURST_S = 0.010  # a burst every 10 ms


def radar_plot(sensor: str, seq: int, time_ns: int, turn_deg: float = 0.0) -> Detection:
    """Plot `seq` of radar `sensor`: a new place each time (range and bearing step on),
    so the tracker takes each for clutter; `turn_deg` rotates one client's plots."""
    return Detection(
        sensor_id=sensor,
        kind="radar",
        seq=seq,
        time_ns=time_ns,
        range_m=2000.0 + 7.5 * (seq % 1000),
        bearing_deg=(turn_deg + 0.3 * seq) % 360.0,
        sigma_range_m=15.0,
        sigma_bearing_deg=0.5,
        radial_speed_mps=1.2,
        snr_db=14.0,
    )


def paced_plots(
    port: int, sensors: list[str], rate: float, ready: Event, stop: Event, out: Queue[Any]
) -> None:
    """Radar plots at `rate` messages/s (all connections together, a burst every 10 ms,
    stamped with the wall clock), one connection per sensor, until `stop`; then puts
    (sent, seconds) on `out`. Run it as a child process's target."""
    burst = round(rate * BURST_S)

    async def main() -> tuple[int, float]:
        conns = [await asyncio.open_connection("127.0.0.1", port) for _ in sensors]
        writers = [w for _, w in conns]
        seqs = [0] * len(sensors)
        ready.set()
        sent, k = 0, 0
        start = time.perf_counter()
        due = start
        while not stop.is_set():
            chunks: list[list[bytes]] = [[] for _ in sensors]
            for _ in range(burst):
                c = k % len(sensors)
                # A new place each time: clutter (the tracker starts a tentative track on
                # each and lets it go).
                chunks[c].append(encode_xml(radar_plot(sensors[c], seqs[c], time.time_ns())))
                seqs[c] += 1
                k += 1
            for w, chunk in zip(writers, chunks, strict=True):
                if chunk:
                    w.write(b"\n".join(chunk) + b"\n")
            await asyncio.gather(*(w.drain() for w in writers))
            sent += burst
            due += BURST_S
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        elapsed = time.perf_counter() - start
        for w in writers:
            w.close()
        await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)
        return sent, elapsed

    out.put(asyncio.run(main()))
