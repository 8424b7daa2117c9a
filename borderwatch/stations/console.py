"""The operations room's console in the distributed mode (`borderwatch run --stations DIR`):
one picture to show, the fusion workers' once they publish, and one change feed for it.

`RoomConsole` follows `PICTURE` and `DESK` (`stations.picture.PictureFollower`), puts each
action the desk took in the room's audit trail (`audit`, `Service.record_desk`), and keeps
the console's own `ChangeFeed`, the one the WebSocket (`/api/v1/stream`) follows in this
mode. Into it go
- the workers' picture, once `PICTURE` has said something: a `tracks` frame whenever the
  merged tracks change, an `alert` frame per alert, an `incident` frame per incident as
  the desk shows it (`stations.desk`), an `action` frame per operator action on them;
- everything else of this process's engine, relayed as it publishes it: patrols, sensors'
  health, the actions it logs (logins, ...). Its own tracks, alerts and incidents too, but
  only until the workers' picture is there: the console shows one picture, not two.

Its frames are numbered in its own sequence (seq 1 stands for everything before it
started, so a console asking from 0 starts with a `reset`: `reset_frame`, the engine's
patrols and sensors with the picture shown). The sequence is this process's: a console
that reconnects to a restarted API gets a `reset` or only what came after.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from borderwatch.engine import ActionError, FallenBehindError, Frame, LiveEngine
from borderwatch.engine.changes import ChangeFeed, Item
from borderwatch.messages import Alert, Incident, OperatorAction, Patrol, Track
from borderwatch.stations.picture import Audit, Change, PictureFollower
from borderwatch.stations.watch import stopped

__all__ = ["PICTURE_KINDS", "RoomConsole"]

log = logging.getLogger(__name__)

# The engine's frames the workers' picture replaces once it is there.
PICTURE_KINDS = frozenset({"tracks", "alert", "incident"})
RELAY_BACKLOG = 1_000_000  # the relay is this process's: it never falls behind for long


class RoomConsole:
    """The console's picture and change feed under `run --stations DIR` (`root`)."""

    def __init__(
        self,
        root: Path,
        engine: LiveEngine,
        *,
        audit: Audit,
        engine_act: Callable[[OperatorAction], Awaitable[Incident | None]] | None = None,
    ) -> None:
        self.engine = engine
        self._engine_act = engine_act  # `Service.act`: an action on the engine's incidents
        self.feed = ChangeFeed(keep=engine.feed.keep, keep_tracks=engine.feed.keep_tracks)
        self.feed.last_seq = 1  # everything before the console started: a reset
        self.follower = PictureFollower(
            root,
            shelve_max_s=engine.config.rules.alarms.shelve_max_s,
            on_change=self._picture_changed,
            audit=audit,
        )
        self._relay_task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """Whether the workers' picture is the one shown."""
        return self.follower.active

    # What is shown, as the TAK hub reads it (`service.tak.HubPicture`; `feed` above): the
    # workers' tracks, alerts and incidents with the desk's work on them once they publish,
    # the engine's before; the patrols are the engine's (their reports come here).
    @property
    def tracks(self) -> Mapping[str, Track]:
        return self.follower.picture.tracks if self.active else self.engine.tracks

    @property
    def alerts(self) -> Mapping[str, Alert]:
        return self.follower.picture.alerts if self.active else self.engine.alerts

    @property
    def incidents(self) -> Mapping[str, Incident]:
        return self.follower.incidents if self.active else self.engine.incidents

    @property
    def patrols(self) -> Mapping[str, Patrol]:
        return self.engine.patrols

    async def act(self, action: OperatorAction) -> Incident | None:
        """An action on an incident shown (a patrol's reply from its device): the workers'
        through `DESK`, the engine's (before they publish) as the service takes any."""
        if self.active:
            return (await self.follower.act(action))[1]
        if self._engine_act is None:
            raise ActionError("the operations room's engine takes no actions here")
        return await self._engine_act(action)

    def start(self) -> None:
        """Follow the cluster's streams and relay the engine's frames (tasks of the loop)."""
        self.follower.start()
        self._relay_task = asyncio.create_task(self._relay(), name="console relay")

    async def close(self) -> None:
        """Stop both."""
        await stopped(self._relay_task)
        await self.follower.close()
        self._relay_task = None

    def reset_frame(self) -> Frame:
        """Everything shown now, as one frame numbered like the feed's last."""
        engine = self.engine
        if not self.active:
            items: tuple[Item, ...] = engine.reset_frame().items
            time_ns = engine.tracks_time_ns
        else:
            picture = self.follower.picture
            items = (
                *picture.tracks.values(),
                *picture.alerts.values(),
                *self.follower.incidents.values(),
                *engine.patrols.values(),
                *engine.sensors.values(),
            )
            time_ns = picture.tracks_time_ns
        return Frame(seq=self.feed.last_seq, kind="reset", time_ns=time_ns, items=items)

    def _picture_changed(self, change: Change) -> None:
        kind, time_ns, items = change
        self.feed.publish(kind, time_ns, items)

    async def _relay(self) -> None:
        feed = self.engine.feed
        after = feed.last_seq
        while True:
            try:
                async for frame in feed.follow(after, max_backlog=RELAY_BACKLOG):
                    after = frame.seq
                    if self._relayed(frame):
                        self.feed.publish(frame.kind, frame.time_ns, frame.items)
            except FallenBehindError:
                log.warning("the console's relay fell behind the engine's feed: from its last")
                after = feed.last_seq

    def _relayed(self, frame: Frame) -> bool:
        # superseded frames hold nothing; the engine's picture gives way to the workers'
        return frame.kind != "superseded" and not (frame.kind in PICTURE_KINDS and self.active)
