"""The track picture: wire messages in, in arrival order; tracks out, as snapshots.

It is the same code live and in replay: messages go through the reorder window (`feed`),
each released second of event time becomes batches, the tracker takes them, and every
`snapshot_s` of event time the confirmed tracks are published as `Track` messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from borderwatch.errors import MessageError
from borderwatch.fusion.feed import Registry, TickFeed
from borderwatch.fusion.tracker import Tracker, TrackerConfig
from borderwatch.fusion.tracks import CONFIRMED
from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.sectors import Sector, sector_index
from borderwatch.messages import Detection, Patrol, SensorStatus, Track, WireMessage

__all__ = ["Picture"]

COASTING_AFTER_S = 1.5


class Picture:
    """Tracks for a set of sectors, from one stream of wire messages."""

    def __init__(
        self,
        registry: Registry,
        sectors: tuple[Sector, ...],
        epoch_ns: int,
        config: TrackerConfig | None = None,
        snapshot_s: float = 5.0,
        window_s: float = 2.0,
    ) -> None:
        self.feed = TickFeed(registry, epoch_ns, window_s)
        self.tracker = Tracker(config)
        self.sectors = sectors
        self.epoch_ns = epoch_ns
        self.snapshot_s = snapshot_s
        self.next_snapshot = snapshot_s

    @property
    def counts(self) -> dict[str, int]:
        """What happened to the input: accepted, rejected (by reason), late, not fused yet."""
        return dict(sorted(self.feed.counts.items()))

    def take(self, message: WireMessage | MessageError) -> Iterator[Track]:
        """One message (or the error its line decoded to); yields any snapshots it releases."""
        if isinstance(message, MessageError):
            self.feed.counts[f"rejected: {message.field}"] += 1
            return
        if isinstance(message, Detection):
            self.feed.add(message)
            yield from self._advance(flush=False)
        elif isinstance(message, SensorStatus | Patrol):
            self.feed.clock(message.time_ns)
            yield from self._advance(flush=False)

    def take_all(self, messages: Iterable[WireMessage | MessageError]) -> Iterator[Track]:
        """A whole stream, then the rest of the window."""
        for m in messages:
            yield from self.take(m)
        yield from self._advance(flush=True)

    def _advance(self, flush: bool) -> Iterator[Track]:
        for end_s, dets in self.feed.ready(flush):
            while self.next_snapshot <= end_s - 1.0:
                yield from self.snapshot(self.next_snapshot)
                self.next_snapshot += self.snapshot_s
            for batch in self.feed.batches(dets, end_s):
                self.tracker.process(batch)

    def snapshot(self, t_s: float) -> Iterator[Track]:
        """The confirmed tracks at event time `t_s` (s from the epoch)."""
        tr = self.tracker.tracks
        ids, xy = self.tracker.estimates(t_s)
        if len(ids) == 0:
            return
        ok = tr.status == CONFIRMED
        x, P, last = tr.x[ok], tr.P[ok], tr.last_hit[ok]
        lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
        sec = sector_index(self.sectors, xy[:, 0], xy[:, 1]) if self.sectors else None
        time_ns = self.epoch_ns + round(t_s * 1e9)
        for k, tid in enumerate(ids.tolist()):
            state = (float(xy[k, 0]), float(x[k, 1]), float(xy[k, 1]), float(x[k, 3]))
            yield Track(
                id=f"T{tid:06d}",
                sector=self.sectors[int(sec[k])].id if sec is not None else "-",
                time_ns=time_ns,
                lat=round(float(lat[k]), 7),
                lon=round(float(lon[k]), 7),
                state=tuple(round(v, 2) for v in state),  # type: ignore[arg-type]
                cov=tuple(np.round(P[k].ravel(), 3).tolist()),
                status="coasting" if t_s - last[k] > COASTING_AFTER_S else "confirmed",
                quality=round(float(min(1.0, tr.hits[ok][k] / 20.0)), 3),
            )
