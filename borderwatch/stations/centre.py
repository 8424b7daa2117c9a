"""The operations room: every station's stream in, one whole-border picture out.

The cluster's `BORDER` stream (3 replicas: a node may die and nothing is lost) sources each
station's stream across its link; JetStream keeps the place in each source, so a link that
comes back after hours carries on from the first message the room did not get, in the
station's order. The room reads `BORDER` through a durable pull consumer with explicit
acknowledgements, from `BORDER`'s first message whenever it starts (a room that restarts
rebuilds its picture, then follows on), drops what it has seen already by message id, and
merges the stations by their arrival clocks
(`stations.merge`) into one engine: its tracks, alerts and incidents are those of a run that
was never cut.

`BORDER` keeps everything (limits retention): it is the room's event log. A message is
acknowledged once the room holds it; the stream, not the consumer, is what is durable. The
links, their probes and each station's health are `stations.watch`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import groupby
from pathlib import Path
from typing import Any

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
)

from borderwatch.engine import EngineConfig, LiveEngine
from borderwatch.errors import MessageError
from borderwatch.geo.registry import Registry
from borderwatch.messages import Detection, Patrol, SensorStatus, decode
from borderwatch.stations.bundle import Inbound, decode_bundle
from borderwatch.stations.digest import DigestFeed
from borderwatch.stations.merge import StationMerge
from borderwatch.stations.subjects import (
    ARRIVED,
    BORDER_STREAM,
    MSG_ID,
    STATION,
    source_stream,
    station_stream,
)
from borderwatch.stations.watch import (
    CentreError,
    LinkWatch,
    StationHealth,
    border_stream_config,
    disconnected,
    retrying,
    stopped,
)
from borderwatch.store import KINDS, EncodedBatch, EventLog

__all__ = ["Centre", "CentreError", "StationHealth", "border_stream_config"]

log = logging.getLogger(__name__)

_encoder = msgspec.json.Encoder()

DURABLE = "operations-room"
# The room remembers a message id this long (station clock): longer than any cut it must
# ride out plus JetStream's own duplicate window (1 h), which catches quick re-sends first.
DEDUP_HORIZON_NS = 48 * 3600 * 1_000_000_000
PRUNE_EVERY = 100_000
STREAM_NAME_IN_USE = 10058  # JetStream's error code: BORDER exists already (a restart)
# JetStream messages per fetch: bundles of up to 2,000 wire messages each (single messages of
# the first version's stations are small), so a fetch is up to ~30,000 messages.
FETCH = 16


class Centre:
    """The operations room on the cluster at `urls`, for `stations` (`registry`: every
    sector's sensors)."""

    def __init__(
        self,
        urls: list[str],
        stations: Sequence[str],
        registry: Registry,
        config: EngineConfig | None = None,
        replicas: int = 3,
        log_path: Path | None = None,
    ) -> None:
        self.urls = urls
        self.stations = sorted(stations)
        self.replicas = replicas
        # The room's merged order as an event log (SQLite, like `borderwatch run`'s), so that
        # `borderwatch replay --data` gives the room's very tracks, alerts and incidents, ids
        # and all. NORMAL, not FULL: BORDER, 3 replicas, is what is durable; this is its order.
        self.events = None if log_path is None else EventLog(log_path, synchronous="NORMAL")
        # The log is written on its own thread while the engine takes the same messages in
        # (SQLite lets go of the GIL while it writes: the room's two halves share two cores);
        # each write is waited for before the next is started, so the log's order is the
        # engine's and a failed write stops the room at the next batch.
        self._log_writer = (
            None
            if self.events is None
            else ThreadPoolExecutor(1, thread_name_prefix="operations-room-log")
        )
        self._logging: Future[list[range]] | None = None
        # What a room that ran before logged: the first this many it takes in again (the same
        # messages in the same order) are not logged twice.
        self._already_logged = 0 if self.events is None else self.events.last_seq()
        self.feed = DigestFeed()
        self.engine = LiveEngine(registry, self.feed, config)
        self.merge: StationMerge[Inbound] = StationMerge(self.stations)
        self.health = {s: StationHealth(s) for s in self.stations}
        # Ids seen, with the arrival time of their message: forgotten once the room's clock is
        # `dedup_horizon_ns` past them (a day of a border is millions of ids).
        self.seen: dict[str, int] = {}
        self.dedup_horizon_ns = DEDUP_HORIZON_NS
        self._next_prune = PRUNE_EVERY
        self.received = 0
        # messages delivered again (a bundle JetStream re-delivered after a lost ack, a
        # message re-sent) and dropped by their id, never taken in
        self.duplicates = 0
        self.undecodable = 0
        # Messages refused because a station spoke as another: "station-a as station-b".
        self.impersonations: dict[str, int] = {}
        self.read_failures = 0
        self.engine_faults = 0
        self.connection_errors = 0
        self.taken = 0  # messages the engine took in
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._task: asyncio.Task[None] | None = None
        self._watch: asyncio.Task[None] | None = None
        self.watch: LinkWatch | None = None

    async def start(self) -> None:
        """Connect (failing over between the nodes), make `BORDER` and the durable consumer,
        and start reading."""
        self._nc = await nats.connect(
            self.urls,
            name="operations-room",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            error_cb=self._connection_error,
        )
        js = self._js = self._nc.jetstream(timeout=5.0)
        config = border_stream_config(self.stations, self.replicas)

        async def stream() -> Any:
            try:
                return await js.add_stream(config)
            except nats.js.errors.BadRequestError as exc:
                if exc.err_code != STREAM_NAME_IN_USE:
                    log.warning("operations room: BORDER refused (%s); retrying", exc)
                    raise nats.js.errors.ServiceUnavailableError from exc
                return await js.update_stream(config)

        await retrying("stream BORDER", stream)

        # A room that starts has an empty picture: it reads BORDER from its first message
        # (limits retention: BORDER keeps everything), so a restarted room rebuilds the very
        # picture it had (the merge's order depends on the stations' streams alone) and
        # then follows on. Its consumer is made anew from the start; what its log holds
        # already is not written again (`_already_logged`).
        async def fresh_consumer() -> None:
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_consumer(BORDER_STREAM, DURABLE)

        await retrying("consumer from the start", fresh_consumer)
        consumer = ConsumerConfig(
            durable_name=DURABLE,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
        )
        sub = await retrying(
            "consumer",
            lambda: js.pull_subscribe("", durable=DURABLE, stream=BORDER_STREAM, config=consumer),
        )
        self._task = asyncio.create_task(self._run(sub), name="operations-room")
        self.watch = LinkWatch(self._nc, js, self.stations, self.health, self.replicas)
        self._watch = asyncio.create_task(self.watch.run(), name="operations-room links")

    async def _connection_error(self, exc: Exception) -> None:
        # A node that dies drops its clients: the client reconnects to another by itself.
        self.connection_errors += 1
        log.info("operations room: connection: %r", exc)

    async def close(self) -> None:
        """Stop reading and disconnect."""
        await stopped(self._watch)
        await stopped(self._task)
        await disconnected(self._nc)
        self._watch, self._task, self._nc = None, None, None
        if self._log_writer is not None:
            with contextlib.suppress(Exception):  # closing: what failed was said already
                self.logged()
            self._log_writer.shutdown()
            self._log_writer = None
        if self.events is not None:
            self.events.close()
            self.events = None

    async def _run(self, sub: JetStreamContext.PullSubscription) -> None:
        """Read BORDER: the next fetch is on its way while a batch is taken in (a fetch is
        a round trip to the cluster; waiting for it between batches halved the room's pace)."""
        fetched: asyncio.Queue[list[Msg] | BaseException] = asyncio.Queue(maxsize=2)
        reader = asyncio.create_task(self._fetch(sub, fetched), name="operations-room fetch")
        try:
            while True:
                msgs = await fetched.get()
                if isinstance(msgs, BaseException):
                    raise msgs
                for m in msgs:
                    self._hold(m)
                for m in msgs:
                    with contextlib.suppress(nats.errors.Error):
                        await m.ack()
                if self._logging is not None and not self._logging.done():
                    await asyncio.wrap_future(self._logging)
                self._release(flush=False)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _fetch(
        self, sub: JetStreamContext.PullSubscription, out: asyncio.Queue[list[Msg] | BaseException]
    ) -> None:
        fetch = sub.fetch
        failing = False  # logged once when reading fails, once when it works again
        while True:
            try:
                msgs: list[Msg] = await fetch(FETCH, timeout=1.0)
            except (nats.errors.TimeoutError, TimeoutError):  # nats-py raises either
                continue
            except (nats.errors.Error, nats.js.errors.Error) as exc:
                # a node gone, a leader being elected: the consumer is durable, read on
                if not failing:
                    log.warning("operations room: reading BORDER failed (%r); retrying", exc)
                    failing = True
                self.read_failures += 1
                await asyncio.sleep(0.5)
                continue
            except Exception as exc:  # a bug: the room's reader stops and says why
                await out.put(exc)
                raise
            if failing:
                log.warning("operations room: reading BORDER again")
                failing = False
            await out.put(msgs)

    def _hold(self, m: Msg) -> None:
        headers = m.headers or {}
        mid, station = headers.get(MSG_ID), headers.get(STATION)
        if mid is None or station not in self.health or ARRIVED not in headers:
            self.undecodable += 1
            return
        source = source_stream(headers)
        if source != station_stream(station):
            self._refuse_impersonation(source, station)
            return
        health = self.health[station]
        health.bundles += 1
        if m.subject.endswith(".batch"):
            self._hold_bundle(station, m.data)
            return
        if mid in self.seen:
            self.duplicates += 1
            return
        try:
            arrived = int(headers[ARRIVED])
        except ValueError:
            self.undecodable += 1
            return
        self.seen[mid] = arrived
        health.clock_ns = max(health.clock_ns, arrived)
        if len(self.seen) >= self._next_prune:
            self._prune_seen()
        health.last_heard_wall = time.time()
        if m.subject.endswith(".clock"):
            self.merge.tick(station, arrived)
            return
        try:
            message = decode(m.data)
        except MessageError as exc:
            # a station on another version, a corrupted disk: counted, never in the engine
            self.undecodable += 1
            log.info("operations room: %s sent what cannot be decoded (%s)", station, exc)
            return
        if not isinstance(message, Detection | SensorStatus | Patrol):
            self.undecodable += 1
            log.info("operations room: %s sent a %s", station, type(message).__name__)
            return
        self.received += 1
        health.received += 1
        self.merge.add(station, arrived, message)

    def _refuse_impersonation(self, source: str | None, station: str) -> None:
        """A message of `BORDER` that claims `station` but came from another station's stream
        (or from none): refused, counted by who spoke as whom, said once per pair."""
        key = f"{(source or 'no source').lower().replace('_', '-')} as {station}"
        n = self.impersonations.get(key, 0)
        self.impersonations[key] = n + 1
        if n == 0:
            log.warning("operations room: refused a message of %s (and any more like it)", key)

    def _hold_bundle(self, station: str, data: bytes) -> None:
        """Each message of a station's bundle: dropped if its own id was seen (whichever
        bundle brought it), counted if it does not decode, else into the merge."""
        try:
            bundle = decode_bundle(data)
        except MessageError as exc:
            self.undecodable += 1
            log.info("operations room: %s sent a bundle that cannot be decoded (%s)", station, exc)
            return
        health = self.health[station]
        seen, add = self.seen, self.merge.add
        received = bad = 0
        for mid, arrived, message in zip(bundle.ids, bundle.arrived, bundle.messages, strict=True):
            if mid in seen:
                self.duplicates += 1
                continue
            seen[mid] = arrived
            if isinstance(message, MessageError):
                bad += 1
                continue
            add(station, arrived, message)
            received += 1
        if bad:
            self.undecodable += bad
            log.info("operations room: %s sent %d messages that cannot be decoded", station, bad)
        self.received += received
        health.received += received
        if bundle.arrived:
            health.clock_ns = max(health.clock_ns, bundle.arrived[-1])
        health.last_heard_wall = time.time()
        if len(seen) >= self._next_prune:
            self._prune_seen()

    def _prune_seen(self) -> None:
        """Forget ids older than the horizon. Amortised: the next scan comes after
        PRUNE_EVERY new ids, or after as many as are kept, whichever is more (a backlog of
        millions within the horizon, where a scan forgets nothing, was scanned every 100,000
        ids: 30 scans of 1.5 million ids on average for a 10 min cut at 5,000/s)."""
        oldest = self.clock_ns - self.dedup_horizon_ns
        self.seen = {k: t for k, t in self.seen.items() if t >= oldest}
        self._next_prune = len(self.seen) + max(PRUNE_EVERY, len(self.seen))

    def _release(self, flush: bool) -> None:
        released = list(self.merge.release(flush))
        if not released:
            return
        if self.events is not None and self._log_writer is not None:
            # Logged in the order taken in: the log's seqs are the engine's. The rows are
            # made here, not by `EncodedBatch.of`, whose check (encode, decode again) is for
            # messages built in Python: these were decoded and checked on the way in, and at
            # tens of thousands a second the check was a third of the room's time.
            # One batch per run of messages from one station that arrived together (a
            # bundle's): the same rows as a batch per message, at a fraction of the objects.
            enc = _encoder.encode
            logged = min(len(released), max(0, self._already_logged - self.taken))
            batches = [
                EncodedBatch(
                    tuple((KINDS[type(m)], m.time_ns, None, enc(m).decode()) for _, _, m in run),
                    st,
                    arrived,
                )
                for (st, arrived), run in groupby(released[logged:], key=_bundle_of)
            ]
            self.logged()
            if batches:
                self._logging = self._log_writer.submit(self.events.append_encoded, batches)
        take = self.engine.take
        for station, arrived, message in released:
            self.taken += 1
            try:
                take(self.taken, message, arrived)
            except Exception as exc:  # one event must not stop the room's picture
                self.engine_faults += 1
                log.warning("operations room: the engine failed on %s's message: %r", station, exc)

    def logged(self) -> None:
        """Wait until the room's log holds everything the engine took in (raises the
        log's `StoreError` if a write failed)."""
        if self._logging is not None:
            self._logging.result()

    def finish(self) -> None:
        """Take in whatever the merge still holds (the run is over: nothing more comes)."""
        self.check()
        self._release(flush=True)
        self.logged()

    def check(self) -> None:
        """Raise what stopped the room's reader, if anything did."""
        task = self._task
        if task is not None and task.done():
            exc = task.exception() if not task.cancelled() else None
            raise CentreError(f"the operations room stopped reading: {exc!r}") from exc

    @property
    def clock_ns(self) -> int:
        """The room's clock: the latest arrival time heard from any station."""
        return max((h.clock_ns for h in self.health.values()), default=0)

    async def refresh_backlog(self) -> None:
        """Ask the cluster how far behind each station's source is (`LinkWatch`)."""
        if self.watch is not None:
            await self.watch.refresh_backlog()

    @property
    def source_restarts(self) -> int:
        """How often a station's source in BORDER was set up again after its link came back."""
        return 0 if self.watch is None else self.watch.source_restarts

    async def border_messages(self) -> int | None:
        """How many messages BORDER holds (None if the cluster does not answer)."""
        if self._js is None:
            return None
        try:
            info = await self._js.stream_info(BORDER_STREAM)
        except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
            return None
        return info.state.messages

    def status(self) -> list[dict[str, object]]:
        """Each station's health, as the console and `borderwatch stations` show it."""
        return [self.health[s].as_dict(self.clock_ns) for s in self.stations]

    def summary(self) -> dict[str, object]:
        """What the room took in and the picture it made."""
        return {
            "received": self.received,
            # messages JetStream delivered again, dropped by id before the merge
            "redelivered_dropped": self.duplicates,
            "undecodable": self.undecodable,
            "impersonations": dict(sorted(self.impersonations.items())),
            "read_failures": self.read_failures,
            "engine_faults": self.engine_faults,
            "source_restarts": self.source_restarts,
            "taken": self.taken,
            "picture": self.feed.summary(),
        }


def _bundle_of(released: tuple[str, int, Any]) -> tuple[str, int]:
    """A released message's station and arrival time: what its log row is stamped with."""
    return released[0], released[1]
