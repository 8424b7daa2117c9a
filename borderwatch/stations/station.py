"""A sector station: its ingest, its stream, its own engine.

The station's ingest takes wire messages in (from its towers' adapters, or the twin) and
acknowledges each once the station's own JetStream, on its leaf node beside it, has stored it
(`PubAck`): from then on it is durable on the station, link or no link. Only then does the
station's engine take it in, so the station's operators and patrols are alerted from local
data alone, exactly as they are when the link to the operations room is up.
"""

from __future__ import annotations

import asyncio
import logging
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
from borderwatch.messages import Detection, Patrol, SensorStatus, encode
from borderwatch.stations.subjects import (
    ARRIVED,
    DUPLICATE_WINDOW_S,
    MSG_ID,
    STATION,
    check_station_name,
    clock_subject,
    in_subject,
    message_id,
    station_stream,
)

__all__ = ["Station", "StationError"]

log = logging.getLogger(__name__)

Inbound = Detection | SensorStatus | Patrol
# How long the station's own server may take to acknowledge a batch before it is sent again
# (same ids: what was stored already comes back as a duplicate, nothing is stored twice).
ACK_TIMEOUT_S = 10.0
ATTEMPTS = 5


class StationError(BorderwatchError):
    """The station's own stream did not take a message in (its leaf node is down or full)."""


@dataclass
class StationCounts:
    """What the station's ingest did."""

    acknowledged: int = 0
    resent: int = 0  # messages sent again after a batch's acknowledgement did not come
    duplicates: int = 0  # messages the stream already held (a sender's re-send)
    ticks: int = 0
    by_sector: dict[str, int] = field(default_factory=dict)


class Station:
    """One sector station: `sectors`' sensors (`registry`), its leaf node at `url`."""

    def __init__(
        self,
        name: str,
        sectors: Sequence[str],
        registry: Registry,
        url: str,
        config: EngineConfig | None = None,
    ) -> None:
        self.name = check_station_name(name)
        self.sectors = tuple(sectors)
        self.registry = registry
        self.url = url
        self.stream = station_stream(name)
        self.engine = LiveEngine(registry, ChangeFeed(keep=200, keep_tracks=10), config)
        self.counts = StationCounts()
        self.clock_ns = 0  # the latest arrival time taken in
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._ticks = 0

    async def start(self) -> None:
        """Connect to the station's own server and make its stream (kept on file)."""
        self._nc = await nats.connect(
            self.url,
            name=f"{self.name}-ingest",
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

    async def _connection_error(self, exc: Exception) -> None:
        log.warning("%s: connection to its own server: %r", self.name, exc)

    async def close(self) -> None:
        """Disconnect (what is stored stays on the station's server)."""
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
        were acknowledged (all, or StationError). Each is in the station's stream before the
        station's engine takes it in."""
        if not batch:
            return 0
        await self.store(batch)
        self.counts.acknowledged += len(batch)
        take = self.engine.take
        for m, arrived in batch:
            take(self.engine.seq + 1, m, arrived)
            sector = self._sector(m)
            self.counts.by_sector[sector] = self.counts.by_sector.get(sector, 0) + 1
        self.clock_ns = max(self.clock_ns, batch[-1][1])
        # The station's clock has reached the last arrival: the operations room may go on
        # with the other stations up to it, whether or not more comes.
        self._ticks += 1
        tick = (
            clock_subject(self.name),
            b"",
            {
                MSG_ID: f"clock:{self.name}/{self._ticks}",
                STATION: self.name,
                ARRIVED: str(self.clock_ns),
            },
        )
        await self._publish([tick])
        self.counts.ticks += 1
        return len(batch)

    async def store(self, batch: Sequence[tuple[Inbound, int]]) -> None:
        """Store messages in the station's stream, in order, and wait for every
        acknowledgement (the durable half of `take_in`, without the engine)."""
        if self._js is None:
            raise StationError(f"{self.name}: not started")
        await self._publish(
            [
                (
                    in_subject(self.name, self._sector(m)),
                    encode(m),
                    {MSG_ID: message_id(m), STATION: self.name, ARRIVED: str(arrived)},
                )
                for m, arrived in batch
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
                if attempt == 0 and getattr(a, "duplicate", False):
                    self.counts.duplicates += 1
            if failed is None:
                return
            f = futures[failed]
            why = f.exception() if f.done() and not f.cancelled() else "no answer"
            log.warning("%s: acknowledgement missing (%r); sending again", self.name, why)
            self.counts.resent += len(sent) - start - failed
            start += failed
        raise StationError(f"{self.name}: its stream did not acknowledge after {ATTEMPTS} tries")
