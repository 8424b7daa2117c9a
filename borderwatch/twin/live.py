"""The twin live: a scenario's sensors streamed into a CoT TCP port, in real time or faster,
each fixed sensor and each patrol's TAK device on its own connection, as real ones would be.

Three parts (pytak's shape: workers joined by a bounded queue):
- the stream (`borderwatch.twin.stream`) runs in a worker thread, one 10-minute chunk ahead of
  the clock, so the sensor models never hold the event loop; the queue between it and the
  sender holds one chunk, which keeps memory flat over any length.
- the sender shifts every message's time by the same offset (the scenario starts at
  `start_ns`, default now) and sends it when the wall clock reaches its arrival time divided
  by `speed`. It wakes at most every `BATCH_S` and sends what is due as one write per
  connection, then awaits each connection's `drain()`: a slow server holds the twin back
  instead of letting it buffer without bound.
- a link per sensor: a TCP connection, opened on its first message. When the server closes it
  (an idle sensor, a restart) the next message reconnects; when the server cannot be reached,
  the link waits (exponential backoff with jitter, `BACKOFF_S`) before trying again, and what
  it could not send meanwhile is counted in `LiveSummary.unsent`, never raised.

Messages go out in our CoT encoding (`encode_xml`; a patrol's position report as the
`a-f-G-U-C` event ATAK also sends, with our detail so its agency and seq survive): what the
server decodes is exactly what `simulate` writes, times shifted. A polar detection's `<point>`
is its sensor's place. With `repeat` the scenario starts again when it ends, its times and
each sensor's sequence numbers continuing. With `from_s` the first lap starts at that second
of the scenario: what comes before is computed (the sensors' state and sequence numbers run
on) but not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import msgspec
import numpy as np

from borderwatch.errors import ConfigError
from borderwatch.ingest.base import Inbound
from borderwatch.ingest.cot import encode_xml
from borderwatch.messages import Detection
from borderwatch.messages.detection import POLAR_KINDS
from borderwatch.twin.scenario import Scenario, load_scenario
from borderwatch.twin.sensors import Sensor
from borderwatch.twin.stream import Arrivals, TwinRun, prepare

__all__ = ["BACKOFF_S", "BATCH_S", "LiveSummary", "stream_live"]

_log = logging.getLogger(__name__)

# The sender wakes at most this often (wall s): a due batch is what arrived since the last one.
# Sensors' own latencies are 0.15-5 s, so 50 ms more is noise, and 20 wakes/s cost nothing.
BATCH_S = 0.05
# Wait before the first retry and at most between retries of a connection (s).
BACKOFF_S = (0.25, 30.0)
CONNECT_TIMEOUT_S = 5.0
# How long closing waits for written data to reach the server (s).
CLOSE_TIMEOUT_S = 5.0

ProgressCallback = Callable[["LiveSummary"], Awaitable[None] | None]


@dataclass(slots=True)
class LiveSummary:
    """What a live run sent and could not send, so far (updated in place while it runs)."""

    scenario: str
    speed: float
    start_ns: int = 0  # the scenario's start, shifted: UTC ns
    sent: dict[str, int] = field(default_factory=dict)  # by wire type: detection, status, ...
    unsent: dict[str, int] = field(default_factory=dict)  # server down or connection lost
    scenario_s: float = 0.0  # scenario time sent up to (s since start, across laps)
    laps: int = 0  # complete passes through the scenario
    connections: int = 0  # successful connects, first ones and reconnects
    connect_failures: int = 0
    closed_by_server: int = 0  # connections the server ended (idle, restart)
    max_late_s: float = 0.0  # worst wall-clock lateness of a due batch

    @property
    def total_sent(self) -> int:
        """Messages handed to the server's connections."""
        return sum(self.sent.values())

    @property
    def total_unsent(self) -> int:
        """Messages that could not be sent."""
        return sum(self.unsent.values())


def _tag(message: msgspec.Struct) -> str:
    return str(type(message).__struct_config__.tag)


class _Link:
    """One sensor's connection, and when it may next try to connect."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.retry_at = 0.0  # loop time
        self.backoff = BACKOFF_S[0]

    def usable(self) -> bool:
        """Connected, and the server has not closed or reset the connection."""
        if self.writer is None or self.reader is None:
            return False
        return not (self.writer.transport.is_closing() or self.reader.at_eof())

    async def connect(self, host: str, port: int) -> str | None:
        """Connect; on failure back off and return the error's text."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                self.reader, self.writer = await asyncio.open_connection(host, port)
        except (OSError, TimeoutError) as exc:
            # Jitter: sensors that lost the server together must not all return together.
            self.retry_at = loop.time() + self.backoff * random.uniform(0.5, 1.0)
            self.backoff = min(self.backoff * 2.0, BACKOFF_S[1])
            return str(exc) or type(exc).__name__
        self.backoff = BACKOFF_S[0]
        return None

    def drop(self) -> None:
        """Forget a connection that failed; the next message may try again at once."""
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None

    async def close(self, graceful: bool) -> None:
        """Close, letting written data reach the server if `graceful` (bounded in time)."""
        writer, self.reader, self.writer = self.writer, None, None
        if writer is None:
            return
        if not graceful:
            writer.transport.abort()
            return
        writer.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await writer.wait_closed()
        except (OSError, TimeoutError):
            writer.transport.abort()


@dataclass(frozen=True, slots=True)
class _Lap:
    """One pass through the scenario: its sensors, and what shifts its messages."""

    run: TwinRun
    t0_s: float  # scenario time at the lap's start (s since the first lap's start)
    seq_base: dict[str, int]  # per sensor: messages it sent in earlier laps


class _Streamer:
    def __init__(
        self,
        scenario: Scenario,
        path: Path | None,
        *,
        host: str,
        port: int,
        speed: float,
        seed: int,
        hours: float | None,
        start_ns: int | None,
        repeat: bool,
        on_progress: ProgressCallback | None,
        from_s: float = 0.0,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.scenario, self.path = scenario, path
        self.host, self.port, self.speed, self.seed = host, port, speed, seed
        self.hours, self.start_ns, self.repeat = hours, start_ns, repeat
        self.on_progress = on_progress
        self.from_s, self.clock = from_s, clock
        self.summary = LiveSummary(scenario.name, speed)
        self.links: dict[str, _Link] = {}
        self.down: set[str] = set()
        # One chunk waits here while the next is computed: at most three chunks in memory.
        self.queue: asyncio.Queue[tuple[_Lap, Arrivals] | None] = asyncio.Queue(1)
        self.mono0 = 0.0  # loop time of the scenario's start
        self.shift_ns = 0  # added to the first lap's times
        self.last_wake = -np.inf
        self.lap: _Lap | None = None  # the lap being sent

    # --- the stream, in a worker thread ---

    async def produce(self) -> None:
        """Put the scenario's chunks in the queue, lap after lap if repeating; then None."""
        t0, seq_base = 0.0, dict[str, int]()
        while True:
            run = await asyncio.to_thread(prepare, self.scenario, self.path, self.seed, self.hours)
            lap = _Lap(run, t0, dict(seq_base))
            chunks: Iterator[Arrivals] = run.chunks()
            while (arrivals := await asyncio.to_thread(next, chunks, None)) is not None:
                await self.queue.put((lap, arrivals))
            if not self.repeat:
                break
            for sensor in run.sensors:
                seq_base[sensor.id] = seq_base.get(sensor.id, 0) + sensor.next_seq
            t0 += run.duration_s
        await self.queue.put(None)

    # --- the sender, on the loop ---

    async def run(self) -> None:
        """Send every chunk as it falls due; return when the stream ends."""
        producer = asyncio.create_task(self.produce(), name="twin-stream")
        try:
            first = await self.queue.get()
            # Skip the chunks wholly before `from_s` (computed, so the sensors' state runs on).
            while first is not None and first[0].t0_s + first[1].t1 <= self.from_s:
                first = await self.queue.get()
            loop = asyncio.get_running_loop()
            if self.start_ns is None:
                # Now, once the first chunk is ready to go (preparing and skipping take
                # seconds): `from_s` lands on the clock's reading, due at once.
                at_ns = (self.clock or time.time_ns)()
                self.mono0 = loop.time() - self.from_s / self.speed
            else:
                at_ns = self.start_ns
                self.mono0 = loop.time() - (time.time_ns() - at_ns) / 1e9 - self.from_s / self.speed
            start_ns = at_ns - round(self.from_s * 1e9)  # where the scenario's start lands
            self.summary.start_ns = start_ns
            self.shift_ns = start_ns - self.scenario.start_ns
            _log.info(
                "twin %s at %gx into %s:%d, starting at %d",
                self.scenario.name,
                self.speed,
                self.host,
                self.port,
                start_ns,
            )
            item = first
            while item is not None:
                lap, arrivals = item
                if lap is not self.lap:
                    self.summary.laps += self.lap is not None
                    self.lap = lap
                await self._send_chunk(lap, arrivals)
                item = await self.queue.get()
            self.summary.laps += self.lap is not None
            await producer  # raises what the stream raised, if it did
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def _send_chunk(self, lap: _Lap, arrivals: Arrivals) -> None:
        loop = asyncio.get_running_loop()
        t = lap.t0_s + arrivals.arrival_s  # s since the first lap's start
        # What arrives before `from_s` is skipped (only the first lap has any).
        i, n = int(np.searchsorted(t, self.from_s, side="left")), len(t)
        while i < n:
            due = self.mono0 + float(t[i]) / self.speed
            delay = max(due, self.last_wake + BATCH_S) - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = self.last_wake = loop.time()
            reached = (now - self.mono0) * self.speed
            j = max(int(np.searchsorted(t, reached, side="right")), i + 1)
            self.summary.max_late_s = max(self.summary.max_late_s, now - due)
            await self._send(lap, arrivals, i, j)
            self.summary.scenario_s = max(self.summary.scenario_s, float(t[j - 1]))
            i = j
            await self._progress()
        self.summary.scenario_s = max(
            self.summary.scenario_s, lap.t0_s + min(arrivals.t1, lap.run.duration_s)
        )

    async def _progress(self) -> None:
        if self.on_progress is not None:
            result = self.on_progress(self.summary)
            if inspect.isawaitable(result):
                await result

    async def _send(self, lap: _Lap, arrivals: Arrivals, i: int, j: int) -> None:
        """Messages i..j-1 of the chunk: one write per sensor's connection, then drain all."""
        shift_ns = self.shift_ns + round(lap.t0_s * 1e9)
        sensors = lap.run.sensors
        payloads: dict[int, list[bytes]] = {}
        kinds: dict[int, Counter[str]] = {}
        for k in range(i, j):
            s = int(arrivals.sender[k])
            sensor = sensors[s]
            m = arrivals.messages[k]
            assert isinstance(m, Inbound)
            base = lap.seq_base.get(sensor.id, 0)
            m = msgspec.structs.replace(m, time_ns=m.time_ns + shift_ns, seq=m.seq + base)
            payloads.setdefault(s, []).append(encode_xml(m, origin=_origin(sensor, m)))
            kinds.setdefault(s, Counter())[_tag(m)] += 1
        links = [self._link(sensors[s].id) for s in payloads]
        await self._connect(links)
        written: list[tuple[_Link, Counter[str]]] = []
        for link, s in zip(links, payloads, strict=True):
            if link.writer is not None and link.usable():
                link.writer.write(b"".join(payloads[s]))
                written.append((link, kinds[s]))
            else:
                self._count(self.summary.unsent, kinds[s])
        for link, counts in written:
            try:
                assert link.writer is not None
                await link.writer.drain()  # the server's pace is ours
            except OSError as exc:  # reset while we wrote: this batch did not make it
                link.drop()
                self._down(link, str(exc) or type(exc).__name__)
                self._count(self.summary.unsent, counts)
            else:
                self._count(self.summary.sent, counts)

    def _link(self, name: str) -> _Link:
        link = self.links.get(name)
        if link is None:
            link = self.links[name] = _Link(name)
        return link

    async def _connect(self, links: list[_Link]) -> None:
        """(Re)connect the links that need it and may try now, all at once."""
        now = asyncio.get_running_loop().time()
        for link in links:
            if link.writer is not None and not link.usable():
                # The server hung up (an idle sensor, a restart): try again now, quietly; only
                # a failed connect means the server is gone.
                link.drop()
                self.summary.closed_by_server += 1
        need = [link for link in links if link.writer is None and now >= link.retry_at]
        if not need:
            return
        errors = await asyncio.gather(*(link.connect(self.host, self.port) for link in need))
        for link, error in zip(need, errors, strict=True):
            if error is None:
                self.summary.connections += 1
                if link.name in self.down:
                    self.down.discard(link.name)
                    if not self.down:
                        _log.info("twin: every sensor is connected again")
            else:
                self.summary.connect_failures += 1
                self._down(link, error)

    def _down(self, link: _Link, why: str) -> None:
        # Log the transition only: the first link down, not every one of them.
        if not self.down:
            _log.warning(
                "twin: %s cannot reach the CoT server at %s:%d (%s); retrying, counting losses",
                link.name,
                self.host,
                self.port,
                why,
            )
        self.down.add(link.name)

    @staticmethod
    def _count(into: dict[str, int], counts: Counter[str]) -> None:
        for kind, n in counts.items():
            into[kind] = into.get(kind, 0) + n

    async def close(self, graceful: bool) -> None:
        """Close every connection (bounded in time)."""
        await asyncio.gather(*(link.close(graceful) for link in self.links.values()))


def _origin(sensor: Sensor, message: Inbound) -> tuple[float, float] | None:
    """A polar detection's `<point>`: its sensor's place."""
    if isinstance(message, Detection) and message.kind in POLAR_KINDS:
        return (sensor.lat, sensor.lon)
    return None


async def stream_live(
    scenario: str | Path,
    *,
    host: str,
    port: int,
    speed: float = 1.0,
    seed: int = 1,
    start_ns: int | None = None,
    stop: asyncio.Event | None = None,
    on_progress: ProgressCallback | None = None,
    hours: float | None = None,
    repeat: bool = False,
    from_s: float = 0.0,
    clock: Callable[[], int] | None = None,
) -> LiveSummary:
    """Run the twin on `scenario` (a library name or a file) and stream its sensors into the
    CoT TCP port at `host:port`, `speed` times real time, until it ends or `stop` is set.

    `start_ns`: where the scenario's start lands (UTC ns; default: now, once the first chunk
    is ready); one in the past sends what is already due at once, as fast as the server
    takes it. `on_progress` is called with the summary after every due batch (awaited if it
    returns an awaitable: a test can act between batches).
    `hours`: only the first hours of the scenario; `repeat`: start again when it ends.
    `from_s`: start at this second of the scenario instead of its start; what arrives before
    it is computed (the sensors' state runs on) but never sent, and `start_ns` is where this
    second lands. `clock`: with `start_ns` None, the service's clock (UTC ns), whose reading
    once the first chunk to send is ready is where `from_s` lands (default: the wall clock);
    a clock running `speed` times the wall clock keeps the messages on its time.
    """
    if not speed > 0 or not np.isfinite(speed):
        raise ConfigError("twin.speed", f"must be a positive number, not {speed!r}")
    loaded, path = load_scenario(scenario)
    if not 0.0 <= from_s < loaded.hours * 3600.0:
        raise ConfigError(
            "twin.from_s",
            f"must be a second of the scenario's {loaded.hours:g} h, not {from_s!r}",
        )
    streamer = _Streamer(
        loaded,
        path,
        host=host,
        port=port,
        speed=speed,
        seed=seed,
        hours=hours,
        start_ns=start_ns,
        repeat=repeat,
        on_progress=on_progress,
        from_s=from_s,
        clock=clock,
    )
    sender = asyncio.create_task(streamer.run(), name="twin-sender")
    stopper = None if stop is None else asyncio.create_task(stop.wait(), name="twin-stop")
    graceful = False
    try:
        await asyncio.wait(
            [sender] if stopper is None else [sender, stopper], return_when=asyncio.FIRST_COMPLETED
        )
        graceful = True  # ended or stopped, not cancelled: let written data reach the server
    finally:
        if stopper is not None:
            stopper.cancel()
        sender.cancel()  # nothing if it ended
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await sender  # raises the stream's own failure (a bug), never a connection's
        finally:
            await streamer.close(graceful)
    _log.info("twin %s ended: %s", loaded.name, asdict(streamer.summary))
    return streamer.summary
