"""Handover between fusion workers: which worker publishes what, under which name.

The operations room's picture can be split across worker processes, each owning a set of
sectors (`stations.workers`). Each worker reads every station's messages in the room's one
order (`stations.merge`) and takes every one into its picture: every message is checked,
moves the clock and marks its sensor heard, so the reorder window, the sensors' health and
every scene are those of one picture of the whole border. Only the detections of the
sensors that reach its own sectors or their neighbours (the *halo*) are tracked; the rest
are passed by (`Picture.take(track=False)`).

A track near a sector edge is thus tracked by both workers that own the sectors on either
side, from the same detections, so both hold the same track. Each publishes what lies in
its own sectors (a track's `sector`, an alert's, an incident's): when a track walks from
one worker's sector into another's, the first stops publishing it and the second starts,
at the same scene. Nothing is handed over at the edge because both had it all along.

Names must not depend on the worker: local ids are counters (`T000012`, `A000003`,
`I000002`) that differ from one worker to another. So
- a track is named by the detection it was first published with (the oldest detection key
  its evidence held at the first scene that showed it: `T:<sensor>/<seq>`); both workers
  see the same detections, so both give it the same name;
- an alert by a digest of what it says (rule, time, its tracks' names, its evidence,
  sector; not its position): `A-<16 hex>`;
- an incident by the alert that opened it: `I-<the same 16 hex>`.

A track born beyond a worker's tracked area (a vehicle driving along the border through a
whole sector before it reaches that worker's) is known to that worker only from where it
entered its area, so the name it would give it is another. Hence the handover of names:
each worker publishes with its own sectors' tracks their latest evidence keys (`Bw-Keys`)
and how far its picture is published (`Bw-Before`: every scene before that time); a worker
that publishes a track in its own sectors for the first time first reads its neighbours'
sectors through the scene before (`stations.neighbours`) and takes the name a neighbour
published a track with that shares evidence keys with its own (`Heard.name_for`): both
derive their keys from the same detections. A name so depends on the neighbours' outputs
of earlier scenes only, which depend in turn on theirs: the same messages give the same
names whatever the timing of the workers, and a restarted worker gives them again.

What this rests on (the condition for the same picture whatever the split): whatever a
track in a worker's own sectors associated with, or is grouped with, was tracked by that
worker too, or, for its name, by the neighbour it came from. Not bit for bit on the twin: a
tracker predicts every track to the earliest detection of each second among those it
tracks, so a worker predicts in other steps than one picture of the whole border and adds a
little other process noise (positions up to ~1 m apart on `full-border-day`; the same
tracks, alerts and incidents); a track handed over from beyond the tracked area has the
same name but its numbers (class probabilities, quality) are the receiving worker's own.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence

import msgspec
import shapely

from borderwatch.engine.config import EngineConfig
from borderwatch.engine.picture import Output, Picture
from borderwatch.geo import Border, build_sectors, load_border
from borderwatch.geo.projection import to_utm
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Incident, Track

__all__ = ["Handover", "Heard", "NamedPicture", "halo", "sensors_reaching", "track_name"]

# How many scenes between two prunings of the names of tracks gone from the tracker: a name
# is forgotten after two prunings without its track (outputs are renamed just after the
# scenes that made them, never that many scenes later).
PRUNE_SCENES = 600
# How many of an own track's latest evidence keys a worker publishes with it (of the
# tracker's 12): a neighbour's track a scene or a few later still holds some of them.
PUBLISHED_KEYS = 6
# How far back a neighbour's publication of a track may be to give it its name (ns).
HORIZON_NS = 60 * 1_000_000_000


def halo(own: Iterable[str], order: Sequence[str]) -> set[str]:
    """`own` sectors and their neighbours along the border (`order`: every sector in order)."""
    out = set(own)
    unknown = out - set(order)
    if unknown:
        raise ValueError(f"unknown sectors: {', '.join(sorted(unknown))}")
    for i, s in enumerate(order):
        if s in out:
            continue
        if (i > 0 and order[i - 1] in own) or (i + 1 < len(order) and order[i + 1] in own):
            out.add(s)
    return out


def sensors_reaching(
    registry: Registry, sectors: Iterable[str], margin: float, border: Border | None = None
) -> frozenset[str]:
    """The sensors of `registry` whose detections may fall in `sectors`: a radar or camera
    whose reach (`range_m` x `margin`) comes within their area, wherever it stands (a
    camera of N07 may see into N09), and the position sensors standing in them."""
    wanted = set(sectors)
    areas = shapely.union_all(
        [s.area for s in build_sectors(border or load_border()) if s.id in wanted]
    )
    out = set()
    for sid, place in registry.places.items():
        site = registry.radars.get(sid) or registry.cameras.get(sid)
        if site is None:
            if place.sector in wanted:
                out.add(sid)
        elif shapely.distance(shapely.Point(site.x, site.y), areas) <= site.range_m * margin:
            out.add(sid)
    return frozenset(out)


def track_name(first_key: str) -> str:
    """A track's name from the detection key it was first published with."""
    name = f"T:{first_key}"
    if len(name) <= 64:  # the wire's longest id
        return name
    return "T-" + hashlib.blake2b(first_key.encode(), digest_size=8).hexdigest()


class NamedPicture(Picture):
    """A `Picture` that names each track, at the first scene that publishes it, by the
    detection it was first published with (`names`: local id -> name), and keeps, for the
    tracks of the sectors `own`, their evidence keys at each scene (`keys`: (local id, scene
    time) -> keys, taken by `Handover.owned`); `scene_times`: the scenes made (ns), for
    the worker to take."""

    def __init__(
        self,
        registry: Registry,
        epoch_ns: int,
        config: EngineConfig | None = None,
        border: Border | None = None,
        own: Iterable[str] = (),
    ) -> None:
        super().__init__(registry, epoch_ns, config, border)
        self.names: dict[str, str] = {}
        self.own = frozenset(own)
        self.keys: dict[tuple[str, int], tuple[str, ...]] = {}
        self.scene_times: list[int] = []
        self._scenes = 0
        self._dying: set[str] = set()

    def snapshot(self, t_s: float) -> Iterator[Output]:
        """The scene at `t_s`, as `Picture.snapshot`, naming its new tracks."""
        names, evidence, own, keys = self.names, self.tracker.evidence, self.own, self.keys
        self.scene_times.append(self.epoch_ns + round(t_s * 1e9))
        for out in super().snapshot(t_s):
            if type(out) is Track:
                held = evidence.get(int(out.id[1:]))
                if out.id not in names:
                    # Every confirmed track holds the keys that made it; should one not, its
                    # sector and time still name it the same in every worker.
                    first = held[0] if held else f"{out.sector}/{out.time_ns}"
                    names[out.id] = track_name(first)
                if out.sector in own:
                    keys[(out.id, out.time_ns)] = tuple(held or ())
            yield out
        self._scenes += 1
        if self._scenes % PRUNE_SCENES == 0:
            alive = {f"T{i:06d}" for i in self.tracker.tracks.id.tolist()}
            gone = {k for k in names if k not in alive}
            for k in gone & self._dying:
                del names[k]
            self._dying = gone


class Heard:
    """The tracks the workers of the neighbouring sectors published, by their evidence keys:
    the name a track handed over to this worker had there."""

    def __init__(self, horizon_ns: int = HORIZON_NS) -> None:
        self.horizon_ns = horizon_ns
        self.by_key: dict[str, list[tuple[int, str]]] = {}  # key -> (scene time, name)
        self._order: deque[tuple[int, tuple[str, ...]]] = deque()

    def add(self, time_ns: int, name: str, keys: Iterable[str]) -> None:
        """A neighbour published track `name` at the scene `time_ns` holding `keys`."""
        keys = tuple(keys)
        by_key = self.by_key
        for k in keys:
            by_key.setdefault(k, []).append((time_ns, name))
        self._order.append((time_ns, keys))

    def forget_before(self, time_ns: int) -> None:
        """Drop what was published before `time_ns` (no longer asked about)."""
        order, by_key = self._order, self.by_key
        while order and order[0][0] < time_ns:
            _, keys = order.popleft()
            for k in keys:
                kept = [e for e in by_key.get(k, ()) if e[0] >= time_ns]
                if kept:
                    by_key[k] = kept
                else:
                    by_key.pop(k, None)

    def name_for(
        self, keys: Iterable[str], before_ns: int, taken: Iterable[str] = ()
    ) -> str | None:
        """The name of the neighbour's track, published within the horizon before
        `before_ns` (never at or after it: what has been read of a neighbour beyond that
        depends on timing), that shares the most of `keys`; of equals the one published
        latest, then the least name; None if none shares any (names in `taken` skipped)."""
        lo, skip = before_ns - self.horizon_ns, set(taken)
        shared: dict[str, set[str]] = {}
        latest: dict[str, int] = {}
        for k in keys:
            for t, name in self.by_key.get(k, ()):
                if lo <= t < before_ns and name not in skip:
                    shared.setdefault(name, set()).add(k)
                    latest[name] = max(latest.get(name, t), t)
        if not shared:
            return None
        return min(shared, key=lambda n: (-len(shared[n]), -latest[n], n))


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


class Handover:
    """Renames a worker's outputs by worker-independent names and keeps those of its `own`
    sectors (`picture`: the worker's picture, for its track names and its barrier line)."""

    def __init__(self, own: Iterable[str], picture: NamedPicture) -> None:
        self.own = frozenset(own)
        self.picture = picture
        # Alerts and incidents are hundreds a day: their names are kept for the run (an
        # incident cites all its alerts and tracks, however old).
        self.alerts: dict[str, str] = {}
        self.incidents: dict[str, str] = {}
        self.tracks: dict[str, str] = {}  # names of the tracks alerts cited
        self.unnamed = 0  # a track met without a name (should not happen; counted if it does)
        self.decided: set[str] = set()  # tracks published here, their names settled
        self.adopted = 0  # tracks that took a neighbour's name other than their own
        self._scene = 0  # the scene of the latest decision, and the names it gave
        self._given: set[str] = set()

    def undecided(self, out: Output) -> bool:
        """Whether `out` is a track of an own sector whose name is not settled yet (the
        first scene that publishes it here)."""
        return type(out) is Track and out.sector in self.own and out.id not in self.decided

    def decide(self, track: Track, heard: Heard) -> None:
        """Settle the name of `track` (local, of an own sector, published here for the first
        time): the name a neighbour published it with (`heard` through the scene before),
        if any shares its evidence at this scene, else its own. Two tracks of one scene do
        not take one name."""
        decided, names = self.decided, self.picture.names
        decided.add(track.id)
        if len(decided) > 2 * len(names) + 1000:  # tracks long gone from the picture
            self.decided = {k for k in decided if k in names}
        if track.time_ns != self._scene:
            self._scene, self._given = track.time_ns, set()
        keys = self.picture.keys.get((track.id, track.time_ns), ())
        name = heard.name_for(keys, track.time_ns, self._given)
        if name is None:
            return
        self._given.add(name)
        if names.get(track.id) != name:
            self.adopted += 1
            names[track.id] = name

    def _track(self, local: str) -> str:
        name = self.picture.names.get(local) or self.tracks.get(local)
        if name is None:
            self.unnamed += 1
            return local
        return name

    def _sector_at(self, lon: float, lat: float) -> str:
        barrier = self.picture.barrier
        x, y = to_utm([lon], [lat])
        return barrier.sector_ids(barrier.locate(x, y))[0]

    def owned(self, outputs: Iterable[Output]) -> Iterator[tuple[str, Output, tuple[str, ...]]]:
        """(sector, renamed output, its latest evidence keys if a track) for each output
        this worker publishes, in order."""
        replace = msgspec.structs.replace
        own, keys = self.own, self.picture.keys
        for out in outputs:
            if type(out) is Track:
                if out.sector in own:
                    held = keys.pop((out.id, out.time_ns), ())
                    yield (
                        out.sector,
                        replace(out, id=self._track(out.id)),
                        held[-PUBLISHED_KEYS:],
                    )
            elif type(out) is Alert:
                tracks = tuple(self._track(t) for t in out.track_ids)
                for local, name in zip(out.track_ids, tracks, strict=True):
                    self.tracks[local] = name
                # Not its position: two workers may place a track a few mm apart (their
                # trackers predict in different steps: docs/architecture.md).
                name = "A-" + _digest(out.rule, out.time_ns, tracks, out.evidence, out.sector)
                # Named whether or not it is published here: an incident of this worker's
                # may cite an alert of a neighbour's sector.
                self.alerts[out.id] = name
                sector = out.sector or self._sector_at(out.lon, out.lat)
                if sector in own:
                    yield sector, replace(out, id=name, track_ids=tracks), ()
            elif type(out) is Incident:
                alerts = tuple(self.alerts.get(a, a) for a in out.alert_ids)
                known = self.incidents.get(out.id)
                if known is None:
                    # Named by the alert that opened it (its first).
                    known = self.incidents[out.id] = "I-" + (alerts[0][2:] if alerts else out.id)
                sector = out.sector if out.sector != "-" else self._sector_at(out.lon, out.lat)
                if sector in own:
                    yield (
                        sector,
                        replace(
                            out,
                            id=known,
                            alert_ids=alerts,
                            track_ids=tuple(self.tracks.get(t, t) for t in out.track_ids),
                        ),
                        (),
                    )
