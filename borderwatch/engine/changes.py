"""The change feed: what the engine publishes, numbered, kept for a while, and followed.

Every change of the picture is a `Frame` with a running `seq`: one per snapshot of the tracks
(all confirmed tracks at that event time, one frame rather than a message per track), one per
alert, per incident change, per operator action, and per batch of patrol positions or sensor
health changes. The engine is deterministic and rebuilt from the event log on start, so the
same log gives the same frames with the same seqs: a console that reconnects after a restart
asks for `seq > N` and gets exactly what it missed.

The feed keeps the last `keep` frames, and of the snapshot frames (`tracks`, `patrols`: each
holds every track, every patrol) only the last `keep_tracks` of each kind: an older one is
`superseded` (kept as an empty frame with its seq, so seqs stay gap-free), since a newer
snapshot holds everything it did; that bounds the memory the feed holds. A
follower that asks for frames older than the kept ones gets a `reset` first (the whole
current picture, from the caller), then everything after it. A
follower that falls more than `max_backlog` frames behind is dropped (its queue is bounded; a
slow WebSocket client must not hold memory without bound), and reconnects with its last seq.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Literal

import msgspec

from borderwatch.messages import Alert, Incident, OperatorAction, Patrol, Track

__all__ = ["ChangeFeed", "FallenBehindError", "Frame", "FrameKind", "Item", "SensorState"]

FrameKind = Literal[
    "tracks", "alert", "incident", "action", "patrols", "sensors", "reset", "superseded"
]


class SensorState(msgspec.Struct, frozen=True, kw_only=True, tag="sensor"):
    """A fixed sensor's health as the engine sees it: its own report and its heartbeats."""

    sensor_id: str
    kind: str
    sector: str
    lat: float
    lon: float
    health: str  # unknown (never heard), ok, degraded, down, tampered
    last_heard_ns: int | None = None
    last_detection_ns: int | None = None


Item = Track | Alert | Incident | OperatorAction | Patrol | SensorState

# Frames that hold the whole of something (every track, every patrol): a newer one
# supersedes an older one.
SNAPSHOT_KINDS = frozenset({"tracks", "patrols"})


class Frame(msgspec.Struct, frozen=True, kw_only=True):
    """One change of the picture. `time_ns` is event time (the sensors' clock); a `reset`
    carries the whole picture and the seq of the last frame it includes."""

    seq: int
    kind: FrameKind
    time_ns: int
    items: tuple[Item, ...] = ()


class FallenBehindError(Exception):
    """A follower was more than `max_backlog` frames behind and was let go."""


class _Follower:
    def __init__(self, max_backlog: int) -> None:
        self.queue: asyncio.Queue[Frame | None] = asyncio.Queue()
        self.max_backlog = max_backlog
        self.dropped = False


class ChangeFeed:
    """Numbered frames, the last `keep` of them, and the followers waiting for more."""

    def __init__(self, keep: int = 2_000, max_backlog: int = 5_000, keep_tracks: int = 60) -> None:
        self.keep = keep
        self.max_backlog = max_backlog
        self.keep_tracks = keep_tracks
        self.frames: deque[Frame] = deque(maxlen=keep)
        self._snapshots: dict[str, deque[int]] = {kind: deque() for kind in SNAPSHOT_KINDS}
        self.last_seq = 0
        self._followers: set[_Follower] = set()
        self.dropped_followers = 0

    def publish(self, kind: FrameKind, time_ns: int, items: tuple[Item, ...]) -> Frame:
        """Number a change, keep it, and hand it to every follower."""
        self.last_seq += 1
        frame = Frame(seq=self.last_seq, kind=kind, time_ns=time_ns, items=items)
        self.frames.append(frame)
        if kind in SNAPSHOT_KINDS:
            self._supersede(self._snapshots[kind], frame.seq)
        for f in list(self._followers):
            if f.queue.qsize() >= f.max_backlog:
                f.dropped = True
                f.queue.put_nowait(None)
                self._followers.discard(f)
                self.dropped_followers += 1
            else:
                f.queue.put_nowait(frame)
        return frame

    def _supersede(self, seqs: deque[int], seq: int) -> None:
        seqs.append(seq)
        while len(seqs) > self.keep_tracks:
            old = seqs.popleft()
            i = old - self.frames[0].seq
            if i >= 0:  # else it has left the ring already
                was = self.frames[i]
                self.frames[i] = Frame(seq=old, kind="superseded", time_ns=was.time_ns)

    def since(self, seq: int) -> list[Frame] | None:
        """The kept frames after `seq`, or None if some of them are no longer kept."""
        if seq >= self.last_seq:
            return []
        if not self.frames or self.frames[0].seq > seq + 1:
            return None
        start = seq + 1 - self.frames[0].seq
        return [self.frames[i] for i in range(start, len(self.frames))]

    async def follow(
        self,
        after: int,
        reset: Callable[[], Frame] | None = None,
        max_backlog: int | None = None,
    ) -> AsyncIterator[Frame]:
        """Every frame with seq > `after`, then each new one as it is published. If some are
        no longer kept, `reset()` (the whole picture now, with seq = the feed's last) comes
        first. Raises `FallenBehindError` if the consumer falls too far behind."""
        follower = _Follower(max_backlog or self.max_backlog)
        # Register before reading the kept frames: nothing published between is missed,
        # and nothing is seen twice (the seq check below).
        self._followers.add(follower)
        try:
            past = self.since(after)
            if past is None:
                if reset is None:
                    raise FallenBehindError(f"frames after {after} are no longer kept")
                # Made now, with nothing awaited since registering: it is the picture as of
                # `last_seq`, and the queue holds whatever comes after.
                frame = reset()
                yield frame
                last = frame.seq
            else:
                last = after
                for frame in past:
                    yield frame
                    last = frame.seq
            while True:
                item = await follower.queue.get()
                if item is None:
                    raise FallenBehindError(
                        f"more than {follower.max_backlog} frames behind: reconnect from {last}"
                    )
                if item.seq > last:
                    yield item
                    last = item.seq
        finally:
            self._followers.discard(follower)

    @property
    def followers(self) -> int:
        """How many are following now."""
        return len(self._followers)
