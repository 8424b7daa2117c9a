"""Line-sensor breach: the berm's fibre reports a cut or a climb somewhere along it. Alone it
is too often the wind or a jackal; it alerts when something else agrees:

- a track that may alert (a person or a vehicle, not ours) within `confirm_radius_m` and
  `confirm_window_s` of the trigger;
- a ground sensor whose report says person or vehicle, as near and as soon;
- or a track that was heading for that very place: last seen within `expect_depth_m` of the
  line, its course meeting it within `expect_radius_m` of the trigger, at most
  `expect_window_s` before it. Walkers crawl the last stretch to the berm, too slowly for a
  Doppler radar, so their track is often gone by the time they cut the fibre; where the radar
  said they were going is the confirmation. One track's heading confirms one trigger;
- (`camera_confirms`) a camera whose line of sight passes within `bearing_tolerance_m` of
  the trigger within `confirm_window_s`, when what it has been seeing there (its sighting,
  `rules.sightings`: all its bearings of that thing) says person or vehicle on its own at
  `[rules.sightings] threat_min` and with the trigger at `[rules.classes] threat_min`
  (`rules.evidence`): one line is enough, but a far camera's guess does not make a jackal's
  trigger an intruder;
- a patrol's sighting of a person or vehicle, as near and as soon as a ground sensor's.

The fibre fires again and again while a group climbs the berm: a confirmed trigger within
`repeat_radius_m` and `repeat_window_s` of one already alerted raises no new alert.

A trigger and a ground sensor's report, a camera bearing or a patrol's sighting confirm each
other the moment the second of them is taken in (`arrived`): they need no tracker, so that
alert does not wait for the reorder window and the next scene. Confirmation by a track waits
for the scene (`check`).

Degraded mode (`degraded_mode`): where the berm's coverage (`rules.coverage`) says no working
sensor could confirm a trigger (its radars, cameras and ground sensors down, silent, or none
there at all), the fibre alerts on its own, at `degraded_priority` (below a confirmed
breach's), marked "unconfirmed: coverage degraded", as soon as its triggers within
`confirm_radius_m` and `degraded_window_s` of one another say together person or vehicle at
`threat_min`. One trigger labelled "person" is not enough (the fibre says so of a jackal
three times in ten, of the wind twice); a crossing group fires it again and again as it
climbs and crawls, and two such labels at one spot are. A trigger that has not yet made the
bar stays pending for any confirmation (a patrol's sighting) and in the event log: nothing
is dropped. Without coverage (`watch` never called) every trigger waits for a confirmation.

Our patrols (`patrols`: where their own reports put them, ours and partners' alike) climb the
berm and walk past ground sensors too: a trigger or a ground sensor's report within
`ours_radius_m` of one of them at that moment is theirs, and neither alerts nor confirms (it
stays in the event log)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from borderwatch.arrays import FloatArray
from borderwatch.geo.projection import to_utm
from borderwatch.messages import ClassName, Detection
from borderwatch.rules.config import LineBreach
from borderwatch.rules.coverage import BermCoverage
from borderwatch.rules.evidence import Likelihood, threat_probability
from borderwatch.rules.scene import Finding, Scene
from borderwatch.rules.sightings import Sighting, SightingRule

__all__ = ["LineBreachRule"]


@dataclass(frozen=True, slots=True)
class _Report:
    t_s: float
    x: float
    y: float
    key: str
    threat: bool  # the report's own class says person or vehicle
    kind: str = "line"
    cls: ClassName = "unknown"  # person or vehicle where it says so, else unknown
    lik: Likelihood = (0.25, 0.25, 0.25, 0.25)  # its class likelihoods


def _reports(dets: list[Detection], epoch_ns: int) -> list[_Report]:
    if not dets:
        return []
    # Position kinds always carry lat and lon (the Detection contract checks it).
    x, y = to_utm([d.lon or 0.0 for d in dets], [d.lat or 0.0 for d in dets])
    out = []
    for d, xi, yi in zip(dets, np.atleast_1d(x).tolist(), np.atleast_1d(y).tolist(), strict=True):
        p, v, a, u = d.classes.as_tuple()
        threat = p + v > a + u
        t_s = (d.time_ns - epoch_ns) / 1e9
        out.append(_Report(t_s, xi, yi, d.key, threat, d.kind, _cls(p, v, a, u), (p, v, a, u)))
    return out


def _cls(p: float, v: float, a: float, u: float) -> ClassName:
    """What a report says it saw, as an alert names it: person or vehicle if those two
    outweigh the rest, else unknown."""
    if p + v <= a + u:
        return "unknown"
    return "person" if p >= v else "vehicle"


class LineBreachRule:
    """Holds line triggers until something confirms them or their window passes."""

    name = "line_breach"

    def __init__(self, config: LineBreach, epoch_ns: int, threat_min: float = 0.6) -> None:
        self.config = config
        self.epoch_ns = epoch_ns
        self.threat_min = threat_min  # `[rules.classes]`: what evidence together must reach
        self.pending: list[_Report] = []
        self.blind: list[_Report] = []  # recent triggers on degraded stretches (degraded mode)
        self.ground: list[_Report] = []  # recent ground-sensor reports that could confirm
        # Track id -> (seen at, crossing x, y, class, evidence): where it was heading.
        self.expected: dict[int, tuple[float, float, float, ClassName, tuple[str, ...]]] = {}
        self.spent: set[int] = set()  # tracks whose heading has confirmed a trigger
        self.alerted: list[tuple[float, float, float]] = []  # (t, x, y) of recent breaches
        self.coverage: BermCoverage | None = None
        self.sightings: SightingRule | None = None
        self.sighted_min = 1.0  # what a camera's sighting must say on its own (`watch`)
        self.explained_m = 300.0  # a patrol this near its line of sight may be what it sees
        # Where our patrols are at a time (s), (P, 2) UTM m, by their own reports.
        self.patrols: Callable[[float], FloatArray] = lambda t: np.empty((0, 2))
        self.ours = 0  # triggers and ground reports our patrols explained

    def watch(self, coverage: BermCoverage, sightings: SightingRule) -> None:
        """Know the berm's coverage (degraded mode) and what each camera keeps seeing."""
        self.coverage, self.sightings = coverage, sightings
        self.sighted_min = sightings.config.threat_min
        self.explained_m = sightings.config.explained_m

    def arrived(self, det: Detection) -> list[Finding]:
        """A line, ground-sensor, camera or patrol detection as it is taken in; the triggers
        it confirms (a ground sensor's or a patrol's report of a person or a vehicle as near
        and as soon, or a camera bearing through one), and a trigger on a stretch no working
        sensor covers, alone (degraded mode)."""
        if det.kind not in ("line", "ugs", "patrol_report"):
            return []
        (report,) = _reports([det], self.epoch_ns)
        out: list[Finding] = []
        if det.kind != "patrol_report" and self._ours(report):
            self.ours += 1
            return []
        if det.kind == "line":
            out_now = self._out(report)
            if out_now or self._degraded(report):
                alone = self._unconfirmed(report, out_now)
                if alone is not None:
                    return [alone]
            self.pending.append(report)
        else:
            self.ground.append(report)
            if not report.threat:
                return []
        c = self.config
        keep: list[_Report] = []
        for trig in self.pending:
            by: _Report | Sighting | None = None
            if not self._repeat(trig):
                by = next(
                    (
                        g
                        for g in self.ground
                        if g.threat
                        and abs(g.t_s - trig.t_s) <= c.confirm_window_s
                        and np.hypot(g.x - trig.x, g.y - trig.y) <= c.confirm_radius_m
                    ),
                    None,
                )
                if by is None:
                    by = self._sighting_through(trig)
            if by is None:
                keep.append(trig)
                continue
            cls: ClassName = "unknown"
            if isinstance(by, Sighting):
                what, cls, key = "a camera bearing", _cls(*self._together(trig, by)), by.keys[-1]
            elif by.kind == "patrol_report":
                what, cls, key = "a patrol's sighting", by.cls, by.key
            else:
                what, key = "a ground sensor", by.key
            out.append(self._finding(trig, cls, (), (key,), what))
            self.alerted.append((trig.t_s, trig.x, trig.y))
        self.pending = keep
        return out

    def _ours(self, report: _Report) -> bool:
        """Whether one of our patrols stood within `ours_radius_m` of `report` when it came."""
        at = self.patrols(report.t_s)
        if len(at) == 0:
            return False
        d = np.hypot(at[:, 0] - report.x, at[:, 1] - report.y)
        return bool(d.min() <= self.config.ours_radius_m)

    def _degraded(self, trig: _Report) -> bool:
        c = self.config
        if not c.degraded_mode or self.coverage is None or self._repeat(trig):
            return False
        return self.coverage.degraded_at(trig.x, trig.y, trig.t_s)

    def _out(self, trig: _Report) -> bool:
        """Whether the trigger is on a stretch whose watchers (the cameras that recognise a
        person there, the ground sensors in footstep range) are all out now (`coverage`)."""
        c = self.config
        if not c.degraded_mode or self.coverage is None or self._repeat(trig):
            return False
        return self.coverage.out_at(trig.x, trig.y, trig.t_s)

    def _unconfirmed(self, trig: _Report, out_now: bool = False) -> Finding | None:
        """The fibre alone on a degraded stretch: an alert once this trigger and the others
        near it (`confirm_radius_m`, `degraded_window_s`) say person or vehicle together,
        at `threat_min`, or, where the stretch's watchers are out (`out_now`), at
        `outage_threat_min`."""
        c = self.config
        self.blind = [b for b in self.blind if trig.t_s - b.t_s <= c.degraded_window_s]
        self.blind.append(trig)
        near = [b for b in self.blind if np.hypot(b.x - trig.x, b.y - trig.y) <= c.confirm_radius_m]
        bar = c.outage_threat_min if out_now else self.threat_min
        if threat_probability(b.lik for b in near) < bar:
            return None
        self.blind = [b for b in self.blind if b not in near]
        self.alerted.append((trig.t_s, trig.x, trig.y))
        p, v = (sum(b.lik[k] for b in near) for k in (0, 1))
        return Finding(
            rule=self.name,
            priority=c.degraded_priority,
            x=trig.x,
            y=trig.y,
            cls="person" if p >= v else "vehicle",
            evidence=tuple(b.key for b in near),
            crossing=(trig.x, trig.y, trig.t_s),
            summary=(
                f"berm line sensor triggered {len(near)} times here, unconfirmed: coverage"
                " degraded (no working radar, camera or ground sensor covers this stretch)"
            ),
        )

    def seen(self, sighting: Sighting) -> list[Finding]:
        """A camera's bearing, as the sighting it continued: the pending triggers its line of
        sight now runs through, where the two say person or vehicle together."""
        if not self.config.camera_confirms:
            return []
        out: list[Finding] = []
        keep: list[_Report] = []
        for trig in self.pending:
            if not self._repeat(trig) and self._confirms(sighting, trig):
                cls = _cls(*self._together(trig, sighting))
                out.append(self._finding(trig, cls, (), (sighting.keys[-1],), "a camera bearing"))
                self.alerted.append((trig.t_s, trig.x, trig.y))
            else:
                keep.append(trig)
        self.pending = keep
        return out

    def _together(self, trig: _Report, s: Sighting) -> Likelihood:
        p, v, a, u = (x * y for x, y in zip(trig.lik, s.likelihood(), strict=True))
        return p, v, a, u

    def _confirms(self, s: Sighting, trig: _Report) -> bool:
        """Whether sighting `s`, seen soon enough, looks through `trig`, and says person or
        vehicle, on its own (at `[rules.sightings] threat_min`: one camera's word) and with the
        trigger (at `threat_min`). The sighting's evidence is all its
        bearings', so one frame's "person" of a jackal the camera has watched for minutes
        confirms nothing; and a camera that cannot tell what it sees does not make a
        jackal's trigger that the fibre (wrongly, 1 time in 20) called a vehicle one. Nor does
        a sighting of one of our patrols: one that stood on its line of sight (`Sighting.ours`)
        or stands there now, by its own reports, is what the camera may be seeing (a patrol's
        vehicle behind a jackal at the berm was 6 of 9 nuisance alarms on nuisance-mix)."""
        c = self.config
        return (
            abs(s.last_s - trig.t_s) <= c.confirm_window_s
            and s.through(trig.x, trig.y, c.bearing_tolerance_m)
            and s.threat() >= self.sighted_min
            and threat_probability((trig.lik, s.likelihood())) >= self.threat_min
            and not s.ours
            and not self._patrol_on(s, trig.t_s)
        )

    def _patrol_on(self, s: Sighting, t_s: float) -> bool:
        """Whether one of our patrols stands on `s`'s line of sight at `t_s`."""
        at = self.patrols(t_s)
        return len(at) > 0 and s.through_any(at[:, 0], at[:, 1], self.explained_m)

    def _sighting_through(self, trig: _Report) -> Sighting | None:
        c = self.config
        if not c.camera_confirms or self.sightings is None:
            return None
        near = self.sightings.through(
            trig.x, trig.y, trig.t_s, c.confirm_window_s, c.bearing_tolerance_m
        )
        return next((s for s in near if self._confirms(s, trig)), None)

    def check(self, scene: Scene) -> list[Finding]:
        """Findings for the triggers confirmed now; forget the expired ones."""
        c = self.config
        t = scene.t_s
        self.ground = [g for g in self.ground if t - g.t_s <= 2 * c.confirm_window_s]
        self._expect(scene)
        out: list[Finding] = []
        keep: list[_Report] = []
        ok = np.flatnonzero(scene.eligible)
        self.alerted = [a for a in self.alerted if t - a[0] <= c.repeat_window_s]
        for trig in self.pending:
            if self._repeat(trig):
                continue
            found = self._confirm(trig, scene, ok)
            if found is not None:
                out.append(found)
                self.alerted.append((trig.t_s, trig.x, trig.y))
            elif t - trig.t_s <= c.confirm_window_s:
                keep.append(trig)
        self.pending = keep
        return out

    def _repeat(self, trig: _Report) -> bool:
        c = self.config
        return any(
            abs(trig.t_s - t) <= c.repeat_window_s
            and np.hypot(trig.x - x, trig.y - y) <= c.repeat_radius_m
            for t, x, y in self.alerted
        )

    def _confirm(self, trig: _Report, scene: Scene, ok: np.ndarray) -> Finding | None:
        c = self.config
        d = np.hypot(scene.x[ok] - trig.x, scene.y[ok] - trig.y)
        if (
            len(d)
            and d.min() <= c.confirm_radius_m
            and abs(scene.t_s - trig.t_s) <= (c.confirm_window_s)
        ):
            k = int(ok[int(np.argmin(d))])
            tid = int(scene.ids[k])
            cls = scene.cls(k)
            return self._finding(trig, cls, (tid,), scene.evidence(tid), "a track")
        best: tuple[float, int] | None = None
        for tid, (seen, cx, cy, _, _) in self.expected.items():
            d = float(np.hypot(cx - trig.x, cy - trig.y))
            fresh = -c.confirm_window_s <= trig.t_s - seen <= c.expect_window_s
            if fresh and d <= c.expect_radius_m and (best is None or (d, tid) < best):
                best = (d, tid)
        if best is not None:
            tid = best[1]
            _, _, _, cls, evidence = self.expected.pop(tid)
            self.spent.add(tid)
            return self._finding(trig, cls, (tid,), evidence, "a track heading there")
        return None

    def _expect(self, scene: Scene) -> None:
        """Note where each alerting track on the Libyan side is heading; forget old notes."""
        c = self.config
        r = scene.reach
        heading: list[int] = []
        if scene.eligible.any():  # most scenes have no track that may alert
            heading = np.flatnonzero(
                scene.eligible
                & (r.depth_m > 0.0)
                & (r.depth_m <= c.expect_depth_m)
                & np.isfinite(r.eta_s)
            ).tolist()
        for k in heading:
            tid = int(scene.ids[k])
            if tid in self.spent:
                continue
            self.expected[tid] = (
                scene.t_s,
                float(r.cross_x[k]),
                float(r.cross_y[k]),
                scene.cls(k),
                scene.evidence(tid),
            )
        stale = [i for i, e in self.expected.items() if scene.t_s - e[0] > c.expect_window_s]
        for tid in stale:
            del self.expected[tid]
        if self.spent:
            self.spent &= set(scene.ids.tolist()) | set(self.expected)

    def _finding(
        self,
        trig: _Report,
        cls: ClassName,
        tracks: tuple[int, ...],
        more: tuple[str, ...],
        by: str,
    ) -> Finding:
        return Finding(
            rule=self.name,
            priority=self.config.priority,
            x=trig.x,
            y=trig.y,
            cls=cls,
            track_ids=tracks,
            evidence=(trig.key, *more),
            crossing=(trig.x, trig.y, trig.t_s),
            summary=f"berm line sensor triggered, confirmed by {by}",
        )
