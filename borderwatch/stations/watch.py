"""The operations room's watch over its stations: `BORDER`, which sources every station's
stream through its link; each link probed; each source's backlog; what the room knows of
each station (`StationHealth`), which `borderwatch stations list`, `GET /api/v1/stations` and
the console show.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ExternalStream, StorageType, StreamConfig, StreamSource

from borderwatch.errors import BorderwatchError
from borderwatch.stations.subjects import BORDER_STREAM, DUPLICATE_WINDOW_S, station_stream

__all__ = [
    "CentreError",
    "LinkWatch",
    "StationHealth",
    "border_stream_config",
    "retrying",
]

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
PROBE_S = 1.0  # how often each link is probed while all are up
PROBE_DOWN_S = 0.25  # ... and while one is down
FLOWING_S = 2.0  # a source that moved this recently is carrying data: its link is up
CUT_S = 5.0  # a link down this long (wall) was cut: its source is restarted when it is back
PROBES_TO_DOWN = 3
# A cluster being formed, or electing a new leader after a node died, answers nothing for a
# few seconds: the room's set-up retries that long.
SETUP_TIMEOUT_S = 60.0


class CentreError(BorderwatchError):
    """The operations room could not set up its stream or consumer on the cluster."""


@dataclass
class StationHealth:
    """What the room knows of a station and its link."""

    station: str
    received: int = 0  # messages (not ticks) the room took from this station
    bundles: int = 0  # JetStream messages (bundles, single messages, ticks) read from it
    last_heard_wall: float | None = None  # time.time() of the latest message from it
    clock_ns: int = 0  # the station's arrival clock at its latest message or tick
    backlog: int | None = None  # JetStream messages on the station not yet in BORDER
    in_border: int | None = None  # JetStream messages of this station BORDER holds
    source_active_s: float | None = None  # the server's "active" for the source (s)
    moved_at: float | None = None  # time.monotonic() when BORDER last held more of it
    link_up: bool | None = None  # the station's JetStream answers through its link
    link_changes: int = 0
    failed_probes: int = 0
    down_since: float | None = None  # time.monotonic() when the link was last seen to go down

    def as_dict(self, room_clock_ns: int) -> dict[str, object]:
        """For the console and `borderwatch stations`: lag is the room's clock minus the
        station's (s): how far behind its data is."""
        lag = (room_clock_ns - self.clock_ns) / 1e9 if self.clock_ns else None
        pending = None if self.in_border is None else max(0, self.in_border - self.bundles)
        return {
            "station": self.station,
            "received": self.received,
            "last_heard_s_ago": (
                None
                if self.last_heard_wall is None
                else round(time.time() - self.last_heard_wall, 1)
            ),
            "last_heard_wall": self.last_heard_wall,
            "last_heard_event_ns": self.clock_ns or None,
            "link": None if self.link_up is None else ("up" if self.link_up else "down"),
            # JetStream messages (bundles): still on the station (the source's lag), and in
            # BORDER but not yet read by the room's consumer
            "backlog": self.backlog,
            "pending": pending,
            "lag_s": None if lag is None else round(lag, 3),
        }


def border_stream_config(stations: Sequence[str], replicas: int = 3) -> StreamConfig:
    """`BORDER`: every station's stream sourced through its own JetStream domain."""
    return StreamConfig(
        name=BORDER_STREAM,
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_S,
        sources=[
            StreamSource(name=station_stream(s), external=ExternalStream(api=f"$JS.{s}.API"))
            for s in sorted(stations)
        ],
    )


T = TypeVar("T")


async def retrying(what: str, make: Callable[[], Awaitable[T]]) -> T:
    """Await `make()` until it succeeds or SETUP_TIMEOUT_S passes (a cluster electing)."""
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while True:
        try:
            return await make()
        except (nats.errors.TimeoutError, nats.js.errors.ServiceUnavailableError) as exc:
            if time.monotonic() > deadline:
                raise CentreError(f"{what}: the cluster did not answer ({exc!r})") from exc
        except nats.js.errors.APIError as exc:
            if time.monotonic() > deadline or exc.code not in (None, 500, 503):
                raise CentreError(f"{what}: {exc}") from exc
        await asyncio.sleep(0.5)


async def stopped(task: asyncio.Task[None] | None) -> None:
    """Cancel `task`, if there is one, and wait for it to end."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def disconnected(nc: Client | None) -> None:
    """Close the connection `nc`, if there is one; closing, a failure has nothing to add."""
    if nc is not None:
        with contextlib.suppress(Exception):
            await nc.close()


class LinkWatch:
    """Every station's link and source, for the room connected by `nc` (`js`: the hub's
    JetStream), writing what it finds into `health`."""

    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        stations: Sequence[str],
        health: dict[str, StationHealth],
        replicas: int,
    ) -> None:
        self._nc = nc
        self._js = js
        self.stations = sorted(stations)
        self.health = health
        self.replicas = replicas
        self.source_restarts = 0
        self._refreshed = -1e9  # time.monotonic() of the last answer to refresh_backlog

    async def _flowing(self, station: str) -> bool:
        """Whether `station`'s source in BORDER is moving now (as of an answer of the last
        FLOWING_S seconds)."""
        await self.refresh_backlog()
        return self._moved_lately(self.health[station])

    def _moved_lately(self, health: StationHealth) -> bool:
        # BORDER holding more of the station's messages is what moving is: the server's own
        # "active" of a source is recent even while it waits out its back-off.
        now = time.monotonic()
        fresh = now - self._refreshed < FLOWING_S
        return fresh and health.moved_at is not None and now - health.moved_at < FLOWING_S

    async def run(self) -> None:
        """Each station's link, every second: up if its JetStream answers through it. When a
        link comes back, that station's source in BORDER is set up again at once.

        Why: after a cut the server retries a source with a growing back-off; measured here,
        a link cut for 30 s came back and BORDER's source stayed idle 18 s longer (the backlog
        itself then flowed at ~37,000 messages/s). Taking the source out of BORDER's config and
        putting it back starts it now; the server resumes it after the last message of that
        source in BORDER (kept in the messages' own headers), so nothing is skipped or
        copied twice (the demo checks BORDER's count against what the stations hold)."""
        while True:
            for s in self.stations:
                health = self.health[s]
                station_js = self._nc.jetstream(domain=s, timeout=PROBE_TIMEOUT_S)
                try:
                    await station_js.stream_info(station_stream(s))
                    health.failed_probes = 0
                    up = True
                except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                    # A loaded machine answers late now and then: down after a few misses.
                    # A link carrying a backlog answers a probe late too (it waits behind
                    # the bundles): while BORDER's source from the station moves, it is up.
                    # (Taken for down under load, it was set up again three times in one
                    # catch-up, each time restarting the flow.)
                    health.failed_probes += 1
                    flowing = self._moved_lately(health)
                    up = health.link_up is True and (
                        flowing or health.failed_probes < PROBES_TO_DOWN
                    )
                if up != health.link_up:
                    was = health.link_up
                    health.link_up = up
                    health.link_changes += 1
                    log.warning("operations room: link to %s %s", s, "up" if up else "down")
                    now = time.monotonic()
                    if not up:
                        health.down_since = now
                    elif was is False:
                        down_for = now - (health.down_since or now)
                        # After a cut, the server's back-off leaves the source idle: restart it
                        # now. A short "down" while the source still moved was probes answered
                        # late behind the backlog: restarting it would only interrupt it
                        # (measured: a 10 min backlog into BORDER in 3.2 s with the restart at
                        # the heal; 43 s with a second one in the middle of the flow).
                        if down_for >= CUT_S or not await self._flowing(s):
                            await self.restart_source(s)
            await self.refresh_backlog()
            # a link that is down is probed more often: its backlog waits on the probe
            down = any(h.link_up is False for h in self.health.values())
            await asyncio.sleep(PROBE_DOWN_S if down else PROBE_S)

    async def restart_source(self, station: str) -> None:
        """Take `station`'s source out of BORDER and put it back: it starts now."""
        js = self._js
        config = border_stream_config(self.stations, self.replicas)
        without = border_stream_config([s for s in self.stations if s != station], self.replicas)
        try:
            # a cluster still electing after a node died answers late: wait it out
            await retrying("BORDER without the source", lambda: js.update_stream(without))
            await retrying("BORDER with the source", lambda: js.update_stream(config))
            self.source_restarts += 1
        except CentreError as exc:
            # the server's own retry will still bring it back, later
            log.warning("operations room: could not restart %s's source: %s", station, exc)
            with contextlib.suppress(nats.errors.Error, nats.js.errors.Error, TimeoutError):
                await js.update_stream(config)

    async def refresh_backlog(self) -> None:
        """Ask the cluster how far behind each station's source is, and how many of each
        station's JetStream messages BORDER holds (what the room has not read of them is
        the difference)."""
        js = self._js
        with contextlib.suppress(nats.errors.Error, nats.js.errors.Error, TimeoutError):
            info = await js.stream_info(BORDER_STREAM, subjects_filter="bw.>")
            for src in info.sources or []:
                for s in self.stations:
                    if station_stream(s) == src.name:
                        self.health[s].backlog = src.lag
                        self.health[s].source_active_s = (
                            None if src.active is None else src.active / 1e9
                        )
            self._refreshed = time.monotonic()
            held = dict.fromkeys(self.stations, 0)
            for subject, count in (info.state.subjects or {}).items():
                parts = subject.split(".")
                if len(parts) > 1 and parts[1] in held:
                    held[parts[1]] += count
            for s, count in held.items():
                health = self.health[s]
                if health.in_border is not None and count > health.in_border:
                    health.moved_at = time.monotonic()
                health.in_border = count
