"""The picture: wire messages in, in arrival order; tracks, alerts and incidents out.

It is the same code live, after a restart and in replay: each message is checked against the
physical bounds (`bounds`), its sender's clock against the service's (`clocks`), then
detections go through the reorder window (`window`); each released second of event time
becomes batches (`batches`) the tracker takes, our patrols' reports mark the tracks they
explain as friendly, and every `scene_s` of event time the confirmed tracks make a scene:
published as `Track` messages, then judged by the rules (`Alert`s), whose alerts are filed
into incidents (`Incident`s). Two alerts need no tracker and do not wait for a scene: a fault
a sensor reports itself (tampered, down, degraded), and a fibre trigger on the berm that a
ground sensor's report confirms.

After a gap in the input (a cut link, a quiet night, a restart after maintenance), the tracks
coast out at the scenes that follow (`Tracker.age_out`); once none is left, the scenes of the
empty stretch are skipped to the first one before the new input, so a gap of a day costs one
scene, not seventeen thousand.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator

import msgspec
import numpy as np
import shapely

from borderwatch.arrays import FloatArray
from borderwatch.engine.batches import Batcher, split
from borderwatch.engine.bounds import MessageBounds
from borderwatch.engine.clocks import SourceClocks
from borderwatch.engine.config import EngineConfig
from borderwatch.engine.window import ReorderWindow
from borderwatch.errors import MessageError
from borderwatch.fusion.friendly import FriendlyForces
from borderwatch.fusion.measurements import RadarBatch
from borderwatch.fusion.tracker import Tracker
from borderwatch.fusion.tracks import CONFIRMED
from borderwatch.geo import Border, load_border
from borderwatch.geo.groups import group_sizes
from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.registry import Registry
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
from borderwatch.rules import Alerter, BarrierLine, IncidentBook, Scene
from borderwatch.rules.coverage import BermCoverage

__all__ = ["Picture"]

COASTING_AFTER_S = 1.5
# Detections the rules judge as they are taken in (the berm's fibre and the ground sensors).
BY_ARRIVAL = frozenset({"line", "ugs", "camera", "patrol_report"})
Output = Track | Alert | Incident


class Picture:
    """Tracks, alerts and incidents from one stream of wire messages, for the sensors of
    `registry` (a run's sectors are those of its sensors; each track is labelled with the
    sector whose stretch of the line is nearest). Times are float seconds from `epoch_ns`."""

    def __init__(
        self,
        registry: Registry,
        epoch_ns: int,
        config: EngineConfig | None = None,
        border: Border | None = None,
    ) -> None:
        border = border or load_border()
        self.config = config = config or EngineConfig()
        self.rules = config.rules
        self.bounds = MessageBounds.of(registry, config.bounds, border)
        self.clocks = SourceClocks(config.time.skew_s, config.time.skew_policy)
        self.window = ReorderWindow(config.picture.window_s, config.time.max_before_log_s)
        self.batcher = Batcher(registry, epoch_ns)
        self.tracker = Tracker(config.tracker)
        self.friendly = FriendlyForces(epoch_ns)
        self.barrier = BarrierLine(border)
        # The crossings' road corridors, widened by the rules' margin: legal traffic.
        self.corridors = shapely.union_all([c.corridor for c in border.crossings]).buffer(
            self.rules.tracks.corridor_margin_m
        )
        shapely.prepare(self.corridors)
        self.alerter = Alerter(self.rules, self.barrier, registry.places, epoch_ns)
        # The berm's coverage, stretch by stretch, and which of its sensors work: a fibre
        # trigger where none does alerts alone (degraded mode).
        self.coverage: BermCoverage | None = None
        if registry.layout is not None:
            equipment = self.alerter.equipment
            self.coverage = BermCoverage(
                registry.layout,
                border,
                self.rules.sensors,
                self.rules.line_breach.stretch_m,
                heard=equipment.heard,
                health=equipment.health,
            )
            cameras = {
                sid: (site.x, site.y, site.convergence_rad)
                for sid, site in registry.cameras.items()
            }
            self.alerter.sightings.cameras = cameras
            self.alerter.line.watch(self.coverage, self.alerter.sightings)
        self.alerter.line.patrols = self.friendly.positions
        self.incidents = IncidentBook(
            self.rules.incidents, {sid: p.site or sid for sid, p in registry.places.items()}
        )
        self.epoch_ns = epoch_ns
        self.snapshot_s = config.picture.scene_s
        self.next_snapshot = self.snapshot_s
        self.rejected: dict[str, int] = {}
        self.faults: deque[str] = deque(maxlen=20)  # the latest detections the tracker failed on
        self.event_clock = config.time.clock == "event"

    @property
    def counts(self) -> dict[str, int]:
        """What happened to the input: accepted, rejected (by reason), late, corrected."""
        out = {**self.window.counts, **self.clocks.counts}
        for reason, n in self.rejected.items():
            out[reason] = out.get(reason, 0) + n
        if self.tracker.non_finite_dropped:
            out["tracks dropped: not finite"] = self.tracker.non_finite_dropped
        return dict(sorted(out.items()))

    def _t(self, time_ns: int) -> float:
        return (time_ns - self.epoch_ns) / 1e9

    def _reject(self, reason: str) -> tuple[()]:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1
        return ()

    def take(
        self,
        message: WireMessage | MessageError,
        arrived_ns: int | None = None,
        track: bool = True,
    ) -> tuple[Output, ...]:
        """One message (or the error its line decoded to) and when it arrived (None for a run
        file: then its own time is the clock); returns what it releases (a tuple, not a
        generator: it is called for every message, millions a day, and most release
        nothing).

        `track=False`: a detection another fusion worker tracks (`stations.workers`): it is
        checked, its sender's clock judged, its sensor noted as heard and its time moves the
        clock (so what is released when is what one picture of the whole border would
        release), but it is neither tracked nor judged on arrival."""
        if type(message) is Detection:  # the common case first: one check, no dispatch
            refusal = self.bounds.detection(message)
        elif isinstance(message, SensorStatus | Patrol):
            refusal = self.bounds.check(message)
        elif isinstance(message, MessageError):
            return self._reject(f"rejected: {message.field}")
        else:
            return ()
        if refusal is not None:
            return self._reject(f"rejected: {refusal.code}")
        t = (message.time_ns - self.epoch_ns) / 1e9
        window = self.window
        if arrived_ns is None or self.event_clock:
            if t > window.now_s:  # `window.clock(t)`, inlined: once per message
                window.now_s = t
        else:
            arrived = self._t(arrived_ns)
            source = message.callsign if isinstance(message, Patrol) else message.sensor_id
            judged = self.clocks.judge(source, t, arrived)
            if judged is None:
                return ()
            if judged != t:
                t = judged
                message = msgspec.structs.replace(message, time_ns=arrived_ns)
            window.clock(arrived)
        equipment = self.alerter.equipment
        coverage = self.coverage  # reads what the equipment rules note of each sensor
        if coverage is not None and coverage.started is None and not isinstance(message, Patrol):
            coverage.started = t
        if isinstance(message, Detection):
            equipment.heard_from(message.sensor_id, t, True)
            if track and window.add(message, t) and message.kind in BY_ARRIVAL:
                alerts = self.alerter.arrived(message)
                if alerts:
                    return (*alerts, *self.incidents.take(alerts), *self._advance(False))
            if window.first_held + 1 > window.now_s - window.window_s:  # not `window.due()`
                return ()  # the common case, kept cheap: nothing to release yet
        elif isinstance(message, SensorStatus):
            equipment.heard_from(message.sensor_id, t, False)
            equipment.status(message.sensor_id, message.health, t, message.detail)
            if equipment.pending:
                # A fault the sensor reports itself needs no other evidence: out now, stamped
                # with the report's time, ahead of what the window releases (it is newer).
                alerts = self.alerter.reported(t)
                return (*alerts, *self.incidents.take(alerts), *self._advance(flush=False))
        else:
            self.friendly.report(message)
        return tuple(self._advance(flush=False))

    def take_all(self, messages: Iterable[WireMessage | MessageError]) -> Iterator[Output]:
        """A whole stream (a run file: its own times are the clock), then the rest of the
        window."""
        take = self.take
        for m in messages:
            out = take(m)
            if out:
                yield from out
        yield from self._advance(flush=True)

    def _advance(self, flush: bool) -> Iterator[Output]:
        for end_s, dets in self.window.ready(flush):
            yield from self._scenes_until(end_s - 1.0)
            for same in split(dets):
                self._track(same, end_s)

    def _track(self, dets: list[Detection], end_s: float) -> None:
        """The tracker takes one kind's detections of a second. Should it fail (bounds keep
        out every input known to make it), it goes back to where it was and takes them in
        halves, down to the one detection that fails, which is refused and counted: the same
        in every replay, so a poison detection costs itself, not the picture."""
        saved = self.tracker.saved()
        try:
            batch = self.batcher.batch(dets, end_s)
            self.tracker.process(batch)
            if isinstance(batch, RadarBatch) and self.alerter.sightings.wants_plots:
                # A camera sighting waits to be placed: the plots on its line of sight.
                a, r = batch.azimuth_rad, batch.range_m
                x = batch.sensor_x + r * np.sin(a)
                y = batch.sensor_y + r * np.cos(a)
                self.alerter.sightings.plots(batch.times(), x, y, batch.keys, batch.likelihoods())
            return
        except Exception as exc:  # isolate the culprit; see the docstring
            self.tracker.restore(saved)
            if len(dets) == 1:
                self.rejected["rejected: tracker fault"] = (
                    self.rejected.get("rejected: tracker fault", 0) + 1
                )
                self.faults.append(f"{dets[0].key}: {type(exc).__name__}: {exc}"[:300])
                return
        half = len(dets) // 2
        self._track(dets[:half], end_s)
        self._track(dets[half:], end_s)

    def _scenes_until(self, limit_s: float) -> Iterator[Output]:
        """Every scene due up to `limit_s`; across an empty stretch, only its last."""
        step = self.snapshot_s
        while self.next_snapshot <= limit_s:
            if limit_s - self.next_snapshot >= step and len(self.tracker.tracks) == 0:
                # Nothing to judge until the new input: straight to the last scene before it.
                self.next_snapshot += math.floor((limit_s - self.next_snapshot) / step) * step
            try:
                out = list(self.snapshot(self.next_snapshot))
            except Exception as exc:  # a scene the rules fail on is skipped, not fatal
                self._reject("scenes failed")
                self.faults.append(f"scene at {self.next_snapshot:.0f} s: {exc}"[:300])
                out = []
            self.next_snapshot += step
            yield from out

    def scene(self, t_s: float) -> Scene:
        """The confirmed tracks at event time `t_s` (s from the epoch), judged for the rules."""
        tracker = self.tracker
        tracker.age_out(t_s)
        tr = tracker.tracks
        ok = np.flatnonzero(tr.status == CONFIRMED)
        ids, xy = tracker.estimates(t_s)
        vx, vy = tr.x[ok, 1], tr.x[ok, 3]
        classes = tracker.class_probabilities(ok)
        self.friendly.vouch(tr, t_s)
        friendly = tr.friendly_until[ok] >= t_s
        in_corridor = shapely.contains_xy(self.corridors, xy[:, 0], xy[:, 1])
        threat = classes[:, 0] + classes[:, 1]
        age, hits = t_s - tr.born[ok], tr.hits[ok]
        established = (age >= self.rules.tracks.min_age_s) & (hits >= self.rules.tracks.min_hits)
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
            age_s=age,
            fix_age_s=t_s - tr.last_fix[ok],
            hits=hits,
            group_size=group_sizes(xy[:, 0], xy[:, 1], vx, vy),
            friendly=friendly,
            in_corridor=in_corridor,
            sector=self.barrier.sector_ids(along),
            # Only tracks that may alert are measured against the line (the rules need no
            # more, and it is the scene's dearest step).
            reach=self.barrier.reach(
                xy[:, 0],
                xy[:, 1],
                vx,
                vy,
                horizon_s=self.rules.approach.horizon_s,
                which=eligible,
                along=along,
            ),
            threat=threat,
            eligible=eligible,
            evidence=lambda tid: tuple(evidence.get(tid, ())),
            on_legal_road=lambda x, y: shapely.contains_xy(self.corridors, x, y),
            patrols=lambda: self.friendly.positions(t_s),
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
        evidence = self.tracker.evidence
        n = len(scene)
        # Columns to Python lists once per scene, not element by element per track.
        latlon = _rounded(np.concatenate((lat, lon)), 7)
        state = _rounded(np.concatenate((scene.x, scene.vx, scene.y, scene.vy)), 2)
        cols = zip(
            scene.ids.tolist(),
            scene.sector,
            latlon[:n],
            latlon[n:],
            zip(state[:n], state[n : 2 * n], state[2 * n : 3 * n], state[3 * n :], strict=True),
            np.round(tr.P[ok].reshape(-1, 16), 3).tolist(),
            np.round(scene.classes, 4).tolist(),
            (scene.t_s - tr.last_hit[ok] > COASTING_AFTER_S).tolist(),
            _rounded(np.minimum(1.0, tr.hits[ok] / 20.0), 3),
            scene.friendly.tolist(),
            scene.group_size.tolist(),
            strict=True,
        )
        for tid, sector, la, lo, xv, cov, (p, v, a, u), coasting, quality, ours, group in cols:
            yield Track(
                id=f"T{tid:06d}",
                sector=sector,
                time_ns=time_ns,
                lat=la,
                lon=lo,
                state=xv,
                cov=tuple(cov),
                classes=ClassLikelihood(person=p, vehicle=v, animal=a, unknown=u),
                sensors=self._sensors(evidence.get(tid, ())),
                status="coasting" if coasting else "confirmed",
                quality=quality,
                friendly=ours,
                group_size=group,
            )

    @staticmethod
    def _sensors(keys: Iterable[str]) -> tuple[str, ...]:
        """The sensors behind a track, from its evidence keys (`sensor_id/seq`)."""
        return tuple(sorted({key.rsplit("/", 1)[0] for key in keys}))


def _rounded(a: FloatArray, digits: int) -> list[float]:
    """`[round(v, digits) for v in a]`, the very same floats, in a few numpy calls.

    Python rounds the exact value of v to `digits` decimals, then takes the float nearest
    that decimal. Scaled by 10**digits, rounded to an integer and scaled back, numpy gives
    the same float (an integer over a power of ten, divided exactly rounded) unless the
    scaling itself rounded across a half: only when the scaled value lies within a hair
    of one (or is too big for that hair to exceed its rounding), and those few are left to
    Python. A scene rounds 7 numbers per track: one by one, that was a quarter of `_tracks`.
    """
    f = 10.0**digits
    with np.errstate(over="ignore", invalid="ignore"):  # not finite once scaled: doubted
        scaled = a * f
        whole = np.rint(scaled)
        doubt = ~(np.abs(scaled - whole) <= 0.5 - 1e-6) | ~(np.abs(scaled) < 2.0**32)
    out: list[float] = (whole / f).tolist()
    for k in np.flatnonzero(doubt).tolist():
        out[k] = round(float(a[k]), digits)
    return out
