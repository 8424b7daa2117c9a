"""The picture: wire messages in, in arrival order; tracks, alerts and incidents out.

It is the same code live and in replay: detections go through the reorder window (`feed`),
each released second of event time becomes batches the tracker takes, our patrols' reports
mark the tracks they explain as friendly, and every `snapshot_s` of event time the confirmed
tracks make a scene: published as `Track` messages, then judged by the rules (`Alert`s), whose
alerts are filed into incidents (`Incident`s). Two alerts need no tracker and do not
wait for a scene: a fault a sensor reports itself (tampered, down, degraded), and a fibre
trigger on the berm that a ground sensor's report confirms.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import shapely

from borderwatch.errors import MessageError
from borderwatch.fusion.feed import Registry, TickFeed
from borderwatch.fusion.friendly import FriendlyForces
from borderwatch.fusion.groups import group_sizes
from borderwatch.fusion.tracker import Tracker, TrackerConfig
from borderwatch.fusion.tracks import CONFIRMED
from borderwatch.geo import Border, load_border
from borderwatch.geo.projection import to_lonlat
from borderwatch.messages import (
    Alert,
    ClassLikelihood,
    Detection,
    Incident,
    Patrol,
    SensorStatus,
    Track,
    WireMessage,
)
from borderwatch.rules import Alerter, BarrierLine, IncidentBook, RulesConfig, Scene

__all__ = ["Picture"]

COASTING_AFTER_S = 1.5
# Detections the rules judge as they are taken in (the berm's fibre and the ground sensors).
BY_ARRIVAL = frozenset({"line", "ugs"})
Output = Track | Alert | Incident


class Picture:
    """Tracks, alerts and incidents from one stream of wire messages, for the sensors of
    `registry` (a run's sectors are those of its sensors; each track is labelled with the
    sector whose stretch of the line is nearest)."""

    def __init__(
        self,
        registry: Registry,
        epoch_ns: int,
        config: TrackerConfig | None = None,
        rules: RulesConfig | None = None,
        border: Border | None = None,
        snapshot_s: float = 5.0,
        window_s: float = 2.0,
    ) -> None:
        border = border or load_border()
        self.rules = rules or RulesConfig()
        self.feed = TickFeed(registry, epoch_ns, window_s)
        self.tracker = Tracker(config)
        self.friendly = FriendlyForces(epoch_ns)
        self.barrier = BarrierLine(border)
        # The crossings' road corridors, widened by the rules' margin: legal traffic.
        self.corridors = shapely.union_all([c.corridor for c in border.crossings]).buffer(
            self.rules.tracks.corridor_margin_m
        )
        shapely.prepare(self.corridors)
        self.alerter = Alerter(self.rules, self.barrier, registry.places, epoch_ns)
        self.incidents = IncidentBook(self.rules.incidents)
        self.epoch_ns = epoch_ns
        self.snapshot_s = snapshot_s
        self.next_snapshot = snapshot_s

    @property
    def counts(self) -> dict[str, int]:
        """What happened to the input: accepted, rejected (by reason), late."""
        return dict(sorted(self.feed.counts.items()))

    def _t(self, time_ns: int) -> float:
        return (time_ns - self.epoch_ns) / 1e9

    def take(self, message: WireMessage | MessageError) -> tuple[Output, ...]:
        """One message (or the error its line decoded to); returns what it releases (a
        tuple, not a generator: it is called for every message, millions a day, and most
        release nothing)."""
        if isinstance(message, MessageError):
            self.feed.counts[f"rejected: {message.field}"] += 1
            return ()
        equipment = self.alerter.equipment
        if isinstance(message, Detection):
            if self.feed.add(message):
                equipment.heard_from(message.sensor_id, self._t(message.time_ns), True)
                if message.kind in BY_ARRIVAL:
                    alerts = self.alerter.arrived(message)
                    if alerts:
                        return (*alerts, *self.incidents.take(alerts), *self._advance(False))
            if not self.feed.due():
                return ()  # the common case, kept cheap: nothing to release yet
        elif isinstance(message, SensorStatus):
            self.feed.clock(message.time_ns)
            t = self._t(message.time_ns)
            equipment.heard_from(message.sensor_id, t, False)
            equipment.status(message.sensor_id, message.health, t, message.detail)
            if equipment.pending:
                # A fault the sensor reports itself needs no other evidence: out now, stamped
                # with the report's time, ahead of what the window releases (it is newer).
                alerts = self.alerter.reported(t)
                return (*alerts, *self.incidents.take(alerts), *self._advance(flush=False))
        elif isinstance(message, Patrol):
            self.feed.clock(message.time_ns)
            self.friendly.report(message)
        else:
            return ()
        return tuple(self._advance(flush=False))

    def take_all(self, messages: Iterable[WireMessage | MessageError]) -> Iterator[Output]:
        """A whole stream, then the rest of the window."""
        take = self.take
        for m in messages:
            out = take(m)
            if out:
                yield from out
        yield from self._advance(flush=True)

    def _advance(self, flush: bool) -> Iterator[Output]:
        for end_s, dets in self.feed.ready(flush):
            while self.next_snapshot <= end_s - 1.0:
                yield from self.snapshot(self.next_snapshot)
                self.next_snapshot += self.snapshot_s
            for batch in self.feed.batches(dets, end_s):
                self.tracker.process(batch)

    def scene(self, t_s: float) -> Scene:
        """The confirmed tracks at event time `t_s` (s from the epoch), judged for the rules."""
        tr, tracker = self.tracker.tracks, self.tracker
        ok = np.flatnonzero(tr.status == CONFIRMED)
        ids, xy = tracker.estimates(t_s)
        vx, vy = tr.x[ok, 1], tr.x[ok, 3]
        classes = tracker.class_probabilities(ok)
        self.friendly.vouch(tr, t_s)
        friendly = tr.friendly_until[ok] >= t_s
        in_corridor = shapely.contains_xy(self.corridors, xy[:, 0], xy[:, 1])
        threat = classes[:, 0] + classes[:, 1]
        established = (t_s - tr.born[ok] >= self.rules.tracks.min_age_s) & (
            tr.hits[ok] >= self.rules.tracks.min_hits
        )
        eligible = (
            ~friendly & ~in_corridor & established & (threat >= self.rules.classes.threat_min)
        )
        evidence = tracker.evidence
        along = self.barrier.locate(xy[:, 0], xy[:, 1])
        return Scene(
            t_s=t_s,
            ids=ids,
            x=xy[:, 0],
            y=xy[:, 1],
            vx=vx,
            vy=vy,
            classes=classes,
            age_s=t_s - tr.born[ok],
            fix_age_s=t_s - tr.last_fix[ok],
            hits=tr.hits[ok],
            group_size=group_sizes(xy[:, 0], xy[:, 1], vx, vy),
            friendly=friendly,
            in_corridor=in_corridor,
            sector=self.barrier.sector_ids(along),
            # Only tracks that may alert are measured against the line (the rules need no
            # more, and it is the scene's dearest step).
            reach=self.barrier.reach(xy[:, 0], xy[:, 1], vx, vy, which=eligible, along=along),
            threat=threat,
            eligible=eligible,
            evidence=lambda tid: tuple(evidence.get(tid, ())),
            on_legal_road=lambda x, y: shapely.contains_xy(self.corridors, x, y),
        )

    def snapshot(self, t_s: float) -> Iterator[Output]:
        """At event time `t_s`: the confirmed tracks, then the alerts they raise, then the
        incidents those open or change."""
        scene = self.scene(t_s)
        yield from self._tracks(scene)
        alerts = self.alerter.check(scene)
        yield from alerts
        yield from self.incidents.take(alerts)

    def _tracks(self, scene: Scene) -> Iterator[Track]:
        if len(scene) == 0:
            return
        tr = self.tracker.tracks
        ok = tr.status == CONFIRMED
        lon, lat = to_lonlat(scene.x, scene.y)
        time_ns = self.epoch_ns + round(scene.t_s * 1e9)
        # Columns to Python lists once per scene, not element by element per track.
        cols = zip(
            scene.ids.tolist(),
            scene.sector,
            np.c_[lat, lon].tolist(),
            np.c_[scene.x, scene.vx, scene.y, scene.vy].tolist(),
            np.round(tr.P[ok].reshape(-1, 16), 3).tolist(),
            np.round(scene.classes, 4).tolist(),
            (scene.t_s - tr.last_hit[ok] > COASTING_AFTER_S).tolist(),
            np.minimum(1.0, tr.hits[ok] / 20.0).tolist(),
            scene.friendly.tolist(),
            scene.group_size.tolist(),
            strict=True,
        )
        for tid, sector, (la, lo), (x, vx, y, vy), cov, (
            p,
            v,
            a,
            u,
        ), coasting, quality, ours, group in cols:
            yield Track(
                id=f"T{tid:06d}",
                sector=sector,
                time_ns=time_ns,
                lat=round(la, 7),
                lon=round(lo, 7),
                state=(round(x, 2), round(vx, 2), round(y, 2), round(vy, 2)),
                cov=tuple(cov),
                classes=ClassLikelihood(person=p, vehicle=v, animal=a, unknown=u),
                sensors=self._sensors(scene.evidence(tid)),
                status="coasting" if coasting else "confirmed",
                quality=round(quality, 3),
                friendly=ours,
                group_size=group,
            )

    @staticmethod
    def _sensors(keys: tuple[str, ...]) -> tuple[str, ...]:
        """The sensors behind a track, from its evidence keys (`sensor_id/seq`)."""
        return tuple(sorted({key.rsplit("/", 1)[0] for key in keys}))
