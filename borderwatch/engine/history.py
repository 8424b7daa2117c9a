"""Each track's path: where it was at every snapshot, for the incident panel's evidence.

The engine hands every tracks snapshot (5 s of event time) to `TrackHistory.add`, which
appends each track's time, position and coasting flag to that track's `TrackPath`: four
typed arrays, so a point costs 25 bytes and no object. Two bounds keep a 24 h run flat:

- a path holds the last `keep_s` of its track (2 h by default: longer than any crossing
  the incident panel shows, and 1,440 points at 5 s, 36 kB);
- a track that has left the picture keeps its path for `linger_s` (1 h by default, so an
  incident opened or reviewed after its track ended still has it), then it is dropped,
  unless an open incident names the track: then it stays until that incident is resolved.

The engine is rebuilt from the event log on start, so the history is too: nothing is saved.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import NamedTuple

from borderwatch.messages import Incident, Track

__all__ = ["PathPoint", "TrackHistory", "TrackPath", "named_by_open"]

NS = 1_000_000_000


class PathPoint(NamedTuple):
    """One snapshot of a track: event time (UTC ns), WGS84 position, coasting or not."""

    time_ns: int
    lat: float
    lon: float
    coasting: bool


class TrackPath:
    """One track's points, oldest first, as columns; the oldest trimmed from the front."""

    __slots__ = ("_start", "coasting", "lats", "lons", "times")

    def __init__(self) -> None:
        self.times = array("q")
        self.lats = array("d")
        self.lons = array("d")
        self.coasting = bytearray()
        self._start = 0  # points before it are trimmed, awaiting compaction

    def append(self, track: Track, keep_ns: int) -> None:
        """Add the track's snapshot and trim points older than `keep_ns` before it."""
        times = self.times
        times.append(track.time_ns)
        self.lats.append(track.lat)
        self.lons.append(track.lon)
        self.coasting.append(track.status == "coasting")
        oldest = track.time_ns - keep_ns
        start = self._start
        while times[start] < oldest:
            start += 1
        # Trimming moves the start; the arrays are shifted only when half of them is dead
        # space, so each point is copied at most once on average.
        if start > 64 and 2 * start > len(times):
            del times[:start], self.lats[:start], self.lons[:start], self.coasting[:start]
            start = 0
        self._start = start

    @property
    def last_ns(self) -> int:
        """The event time of the newest point."""
        return self.times[-1]

    def __len__(self) -> int:
        return len(self.times) - self._start

    def __iter__(self) -> Iterator[PathPoint]:
        s = self._start
        for t, lat, lon, c in zip(
            self.times[s:], self.lats[s:], self.lons[s:], self.coasting[s:], strict=True
        ):
            yield PathPoint(t, lat, lon, bool(c))


class TrackHistory:
    """Every track's path, by track id, bounded in time per track and after it ends."""

    def __init__(
        self, keep_s: float = 7_200.0, linger_s: float = 3_600.0, prune_every_s: float = 60.0
    ) -> None:
        self.keep_ns = round(keep_s * NS)
        self.linger_ns = round(linger_s * NS)
        self.prune_every_ns = round(prune_every_s * NS)
        self.paths: dict[str, TrackPath] = {}
        self.dropped = 0  # paths dropped after their track ended (a counter, for metrics)
        self._next_prune_ns: int | None = None

    def add(
        self, time_ns: int, tracks: Sequence[Track], named: Callable[[], Collection[str]]
    ) -> None:
        """Take one snapshot's tracks at `time_ns`; `named()` gives the track ids that open
        incidents name (asked only when ended paths are looked at, once a minute)."""
        paths, keep_ns = self.paths, self.keep_ns
        for track in tracks:
            path = paths.get(track.id)
            if path is None:
                path = paths[track.id] = TrackPath()
            path.append(track, keep_ns)
        if self._next_prune_ns is None:
            self._next_prune_ns = time_ns + self.prune_every_ns
        elif time_ns >= self._next_prune_ns:
            self._next_prune_ns = time_ns + self.prune_every_ns
            self._prune(time_ns - self.linger_ns, named)

    def _prune(self, ended_before: int, named: Callable[[], Collection[str]]) -> None:
        gone = [tid for tid, p in self.paths.items() if p.last_ns < ended_before]
        if not gone:
            return
        keep = named()
        for tid in gone:
            if tid not in keep:
                del self.paths[tid]
                self.dropped += 1

    def get(self, track_id: str) -> TrackPath | None:
        """The track's path, or None (never seen, or dropped)."""
        return self.paths.get(track_id)

    def __len__(self) -> int:
        return len(self.paths)

    def points(self) -> int:
        """How many points all paths hold (for tests and metrics)."""
        return sum(len(p) for p in self.paths.values())


def named_by_open(incidents: Iterable[Incident]) -> set[str]:
    """The track ids an incident not yet resolved names: their paths outlive the tracks (the
    engine's incidents, or the room desk's view of the fusion workers')."""
    return {tid for inc in incidents if inc.state != "resolved" for tid in inc.track_ids}
