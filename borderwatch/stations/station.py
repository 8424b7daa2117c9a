"""A sector station: its ingest, its stream, its own engine.

The station's ingest takes wire messages in (from its towers' adapters, or the twin) and
acknowledges each once the station's own JetStream, on its leaf node beside it, has stored it
(`PubAck`): from then on it is durable on the station, link or no link. Only then does the
station's engine take it in, so the station's operators and patrols are alerted from local
data alone, exactly as they are when the link to the operations room is up.

What arrives within a short window (`GROUP_WINDOW_S`, or up to `GROUP_MESSAGES` messages),
from however many senders, is stored as one JetStream message (`stations.bundle`): one
fsync and one acknowledgement for all of it, and each sender is answered once it is stored.

The station speaks with its identity (`tls`: its certificate, as `stations up` issues it):
its own server takes no client without one, and lets the station's identity publish only
its own subjects (`servers.ingest_may_send`). What the server refuses it says in a
"Permissions Violation"; the station counts each (`StationCounts.refused`) and says it in
its log, once per subject.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig

from borderwatch.engine import ChangeFeed, EngineConfig, LiveEngine
from borderwatch.errors import BorderwatchError
from borderwatch.geo.registry import Registry
from borderwatch.messages import Patrol
from borderwatch.stations.bundle import MAX_BUNDLE_MESSAGES, Bundle, Inbound, pack
from borderwatch.stations.subjects import (
    ARRIVED,
    COUNT,
    DUPLICATE_WINDOW_S,
    FIRST,
    MSG_ID,
    STATION,
    batch_subject,
    check_station_name,
    message_id,
    station_stream,
)

__all__ = ["GROUP_WINDOW_S", "Inbound", "Station", "StationError"]

log = logging.getLogger(__name__)

# How long the station's own server may take to acknowledge a bundle before it is sent again
# (same id: what was stored already comes back as a duplicate, nothing is stored twice).
ACK_TIMEOUT_S = 10.0
ATTEMPTS = 5
# What arrives within this window (or up to GROUP_MESSAGES messages) is stored together:
# a few ms of waiting buys one fsync and one acknowledgement instead of hundreds.
GROUP_WINDOW_S = 0.004
GROUP_MESSAGES = MAX_BUNDLE_MESSAGES
# How nats-server words a refusal of a publication or subscription (`-ERR`, lower-cased).
PERMISSIONS_VIOLATION = "permissions violation"


class StationError(BorderwatchError):
    """The station's own stream did not take a message in (its leaf node is down or full)."""


@dataclass
class StationCounts:
    """What the station's ingest did."""

    acknowledged: int = 0
    bundles: int = 0  # JetStream messages stored (each a bundle of messages), once each
    groups: int = 0  # windows stored together (one or more senders' batches each)
    resent: int = 0  # bundles sent again after their acknowledgement did not come
    duplicates: int = 0  # bundles the stream already held (a re-send after a lost ack)
    refused: int = 0  # publications its own server refused (a subject not the station's)
    by_sector: dict[str, int] = field(default_factory=dict)


@dataclass
class _Waiting:
    batch: Sequence[tuple[Inbound, int]]
    done: asyncio.Future[int]


def bundle_id(station: str, bundle: Bundle, ids: Sequence[str]) -> str:
    """The bundle's `Nats-Msg-Id`: the station, its first station seq and a digest of its
    messages' own ids. A bundle sent again is the same bundle under the same id (stored
    once); two different bundles never share one, even after a station lost its disk and
    numbers from 1 again."""
    digest = hashlib.blake2b("\n".join(ids).encode(), digest_size=8).hexdigest()
    return f"{station}/{bundle.first}/{digest}"


class Station:
    """One sector station: `sectors`' sensors (`registry`), its leaf node at `url`."""

    def __init__(
        self,
        name: str,
        sectors: Sequence[str],
        registry: Registry,
        url: str,
        config: EngineConfig | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.name = check_station_name(name)
        self.tls = tls
        self.sectors = tuple(sectors)
        self.registry = registry
        self.url = url
        self.stream = station_stream(name)
        self.engine = LiveEngine(registry, ChangeFeed(keep=200, keep_tracks=10), config)
        self.counts = StationCounts()
        self.clock_ns = 0  # the latest arrival time taken in
        self.next_seq = 1  # the station seq of the next message stored
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._waiting: list[_Waiting] = []
        self._waiting_n = 0
        self._timer: asyncio.TimerHandle | None = None
        self._groups: set[asyncio.Task[None]] = set()
        self._order = asyncio.Lock()  # groups are stored and taken in, in the order formed
        self._refused_subjects: set[str] = set()

    async def start(self) -> None:
        """Connect to the station's own server and make its stream (kept on file)."""
        self._nc = await nats.connect(
            self.url,
            name=f"{self.name}-ingest",
            tls=self.tls,
            max_reconnect_attempts=-1,
            error_cb=self._connection_error,
        )
        self._js = self._nc.jetstream()
        config = StreamConfig(
            name=self.stream,
            subjects=[f"bw.{self.name}.>"],
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_S,
        )
        try:
            await self._js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await self._js.update_stream(config)  # already there (a restart): keep its data
        self.next_seq = await self._resume_seq()

    async def _resume_seq(self) -> int:
        """After a restart, number on from the last bundle the stream holds."""
        assert self._js is not None
        try:
            last = await self._js.get_last_msg(self.stream, batch_subject(self.name))
        except nats.js.errors.NotFoundError:
            return 1
        headers = last.headers or {}
        try:
            return int(headers[FIRST]) + int(headers[COUNT])
        except (KeyError, ValueError):
            log.warning("%s: its last bundle has no numbers; numbering from 1", self.name)
            return 1

    async def _connection_error(self, exc: Exception) -> None:
        text = str(exc)
        if PERMISSIONS_VIOLATION in text.lower():
            # the server refused one publication and keeps the connection: counted, and
            # said once per subject
            self.counts.refused += 1
            if text not in self._refused_subjects:
                self._refused_subjects.add(text)
                log.warning("%s: its own server refused: %s", self.name, text)
            return
        log.warning("%s: connection to its own server: %r", self.name, exc)

    async def close(self) -> None:
        """Store what is waiting, then disconnect (what is stored stays on the server)."""
        self._form_group()
        if self._groups:
            await asyncio.gather(*self._groups, return_exceptions=True)
        if self._nc is not None:
            await self._nc.close()  # every publish was acknowledged: nothing left to drain
            self._nc = None

    def _sector(self, message: Inbound) -> str:
        if isinstance(message, Patrol):
            return "patrol"
        place = self.registry.places.get(message.sensor_id)
        return place.sector if place is not None and place.sector else "unknown"

    async def take_in(self, batch: Sequence[tuple[Inbound, int]]) -> int:
        """Messages and their arrival times (ns, non-decreasing), in order; returns how many
        were acknowledged (all, or StationError). They are stored with whatever else
        arrives within `GROUP_WINDOW_S`; each is in the station's stream before the
        station's engine takes it in, and before this returns."""
        if not batch:
            return 0
        loop = asyncio.get_running_loop()
        waiting = _Waiting(batch, loop.create_future())
        self._waiting.append(waiting)
        self._waiting_n += len(batch)
        if self._waiting_n >= GROUP_MESSAGES:
            self._form_group()
        elif self._timer is None:
            self._timer = loop.call_later(GROUP_WINDOW_S, self._form_group)
        return await waiting.done

    def _form_group(self) -> None:
        """What waits now is one group: stored, then taken in, after the groups before it."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._waiting:
            return
        group, self._waiting, self._waiting_n = self._waiting, [], 0
        task = asyncio.get_running_loop().create_task(self._store_group(group))
        self._groups.add(task)
        task.add_done_callback(self._groups.discard)

    async def _store_group(self, group: list[_Waiting]) -> None:
        async with self._order:
            batch = [item for w in group for item in w.batch]
            try:
                await self.store(batch)
            except Exception as exc:  # every sender of the group hears why
                for w in group:
                    if not w.done.done():
                        w.done.set_exception(exc)
                return
            self.counts.groups += 1
            self.counts.acknowledged += len(batch)
            take = self.engine.take
            by_sector = self.counts.by_sector
            for m, arrived in batch:
                take(self.engine.seq + 1, m, arrived)
                sector = self._sector(m)
                by_sector[sector] = by_sector.get(sector, 0) + 1
            self.clock_ns = max(self.clock_ns, batch[-1][1])
            for w in group:
                if not w.done.done():
                    w.done.set_result(len(w.batch))

    async def store(self, batch: Sequence[tuple[Inbound, int]]) -> None:
        """Store messages in the station's stream as bundles, in order, and wait for every
        acknowledgement (the durable half of `take_in`, without the window or the engine)."""
        if self._js is None:
            raise StationError(f"{self.name}: not started")
        if not batch:
            return
        ids = [message_id(m) for m, _ in batch]
        first = self.next_seq
        # Numbers are used up even if the store fails: a batch sent again is new bundles
        # under new ids (the room drops what it holds already by the messages' own ids),
        # never different contents under an id the stream may have stored.
        self.next_seq += len(batch)
        bundles = pack(first, batch, ids)
        subject = batch_subject(self.name)
        await self._publish(
            [
                (
                    subject,
                    b.payload,
                    {
                        MSG_ID: bundle_id(
                            self.name, b, ids[b.first - first : b.first - first + b.count]
                        ),
                        STATION: self.name,
                        ARRIVED: str(b.last_arrived_ns),
                        FIRST: str(b.first),
                        COUNT: str(b.count),
                    },
                )
                for b in bundles
            ]
        )

    async def _publish(self, sent: list[tuple[str, bytes, dict[str, str]]]) -> None:
        """Publish in order and wait for every acknowledgement; on a timeout or a refusal,
        send again from the first unacknowledged one on (the stream drops what it holds)."""
        js = self._js
        assert js is not None
        start = 0
        for attempt in range(ATTEMPTS):
            futures = [
                await js.publish_async(subject, payload, headers=dict(headers))
                for subject, payload, headers in sent[start:]
            ]
            # asyncio.wait, not wait_for: a late acknowledgement is not cancelled, only waited
            # for no longer (it still frees its slot in the client).
            await asyncio.wait(futures, timeout=ACK_TIMEOUT_S)
            done: list[object] = [
                f.result() if f.done() and not f.cancelled() and f.exception() is None else None
                for f in futures
            ]
            failed = next((i for i, a in enumerate(done) if a is None), None)
            for a in done[: len(done) if failed is None else failed]:
                if not getattr(a, "duplicate", False):
                    self.counts.bundles += 1
                elif attempt == 0:  # (on a later attempt, the first one's stored copy)
                    self.counts.duplicates += 1
            if failed is None:
                return
            f = futures[failed]
            why = f.exception() if f.done() and not f.cancelled() else "no answer"
            log.warning("%s: acknowledgement missing (%r); sending again", self.name, why)
            self.counts.resent += len(sent) - start - failed
            start += failed
        raise StationError(f"{self.name}: its stream did not acknowledge after {ATTEMPTS} tries")
