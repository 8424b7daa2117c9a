"""Benchmark: CoT ingest over TCP, 20 concurrent clients against the real server.

The server (`borderwatch.ingest.cot`, framing, decoding, per-connection queues and drains) runs
alone in this process's event loop: one core, as in the service. The 20 clients run in a child
process on the other core, each with its own raw asyncio socket, sending pre-encoded CoT XML
radar detections (encoded before the clock starts) in writes of 100 messages, as fast as TCP
lets them. Two sinks: one that only counts (ingest alone), one that appends every message to a
list (and is checked: every client's detections, all of them, in order).

Bar (issue 4): >= 20,000 messages/s accepted from 20 concurrent CoT TCP clients on 2 cores,
none lost. The clock runs from the signal to start sending until the sink has the last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Sequence
from multiprocessing.synchronize import Event
from typing import Any

from bench.calibration import calibrate_ms
from bench.plots import radar_plot
from borderwatch.ingest import Inbound, IngestStats
from borderwatch.ingest.cot import CotSettings, encode_xml, setup
from borderwatch.messages import Detection

__all__ = ["run"]

CLIENTS = 20
PER_WRITE = 100
RATE_BAR = 20_000.0
T0 = 1_780_000_000_000_000_000


def _payload(client: int, n: int) -> list[bytes]:
    """One client's `n` detections as CoT XML, in writes of `PER_WRITE` messages."""
    events = [
        encode_xml(radar_plot(f"T{client:02d}-R", i, T0 + i * 20_000_000, 11.0 * client))
        for i in range(n)
    ]
    return [b"\n".join(events[k : k + PER_WRITE]) for k in range(0, n, PER_WRITE)]


async def _send(port: int, writes: list[bytes]) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    for data in writes:
        writer.write(data)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


def _clients(port: int, per_client: int, ready: Event, go: Event) -> None:
    """The child process: encode everything, say so, wait for the start, send."""
    payloads = [_payload(c, per_client) for c in range(CLIENTS)]
    ready.set()
    go.wait()

    async def main() -> None:
        await asyncio.gather(*(_send(port, p) for p in payloads))

    asyncio.run(main())


class CountingSink:
    """Counts what it is given; wakes the benchmark when the count reaches `expect`."""

    def __init__(self, expect: int) -> None:
        self.count = 0
        self.expect = expect
        self.done = asyncio.Event()

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        """Count the batch."""
        self.count += len(messages)
        if self.count >= self.expect:
            self.done.set()


class ListSink(CountingSink):
    """Also keeps every message, to check nothing was lost or reordered."""

    def __init__(self, expect: int) -> None:
        super().__init__(expect)
        self.messages: list[Inbound] = []

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        """Keep and count the batch."""
        self.messages.extend(messages)
        await super().accept(messages, source)


def _complete(messages: list[Inbound], per_client: int) -> bool:
    """Every client's seqs 0..n-1, each client's in order."""
    seqs: dict[str, list[int]] = {}
    for m in messages:
        assert isinstance(m, Detection)
        seqs.setdefault(m.sensor_id, []).append(m.seq)
    expected = list(range(per_client))
    return len(seqs) == CLIENTS and all(s == expected for s in seqs.values())


async def _measure(sink_kind: str, per_client: int) -> dict[str, Any]:
    total = CLIENTS * per_client
    sink = ListSink(total) if sink_kind == "list" else CountingSink(total)
    stats = IngestStats()
    settings = CotSettings(host="127.0.0.1", tcp_port=0, udp_port=None, tls_port=None)
    server = await setup(settings, sink, stats)
    assert server.tcp_port is not None
    ctx = multiprocessing.get_context("spawn")  # no fork of a process running an event loop
    ready, go = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_clients, args=(server.tcp_port, per_client, ready, go))
    child.start()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, ready.wait)
    cpu, wall = time.process_time(), time.perf_counter()
    go.set()
    with contextlib.suppress(TimeoutError):  # then some were lost: the row says how many
        await asyncio.wait_for(sink.done.wait(), timeout=max(60.0, total / 2000))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await loop.run_in_executor(None, child.join, 30)
    await server.close()
    received = sink.count
    ok = _complete(sink.messages, per_client) if isinstance(sink, ListSink) else None
    return {
        "sink": sink_kind,
        "clients": CLIENTS,
        "messages": total,
        "accepted": received,
        "lost": total - received,
        "rejected": sum(stats.rejected.values()),
        "all_in_order": ok,
        "wall_s": round(wall, 2),
        "messages_per_s": round(received / wall),
        "server_cpu_us_per_message": round(1e6 * cpu / max(received, 1), 1),
        "bytes_per_message": len(_payload(0, 1)[0]),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """A counting sink, then a list sink; 20 clients x 10,000 detections (quick: x 500)."""
    per_client = 500 if quick else 10_000
    calib = calibrate_ms()
    rows = []
    for sink_kind in ("count", "list"):
        row = asyncio.run(_measure(sink_kind, per_client))
        row["calibration_ms"] = round(calib, 1)
        row["bench"] = "ingest_cot"
        row["bars"] = {
            f"messages_per_s >= {RATE_BAR:g}": None if quick else row["messages_per_s"] >= RATE_BAR,
            "lost == 0": row["lost"] == 0 and row["all_in_order"] is not False,
        }
        rows.append(row)
    return rows


if __name__ == "__main__":
    import json

    for r in run():
        print(json.dumps(r))
