"""Camera sightings: a thermal camera that keeps seeing a person or a vehicle nobody tracks.

A walker who keeps his speed towards every radar under its Doppler floor (across the beams,
or crawling) is plotted a few times a minute: too sparsely to start a track. Where the fibre
is cut too, nothing else fires. A thermal camera sees a slow or still walker as well as a
fast one, but cannot range. So:

- each camera's bearings are followed as *sightings*, one per thing in view: a bearing within
  `gate_deg` (plus `turn_dps` for each second since) of a sighting's last joins the nearest;
  one not seen for `lost_s` is over;
- a sighting's class evidence adds up over its bearings, each counting `evidence_weight` of
  a full report (the frames of one thing are not independent looks), and no class falls more
  than `class_floor` (log) below the best, as in the tracker: a sighting follows the nearest
  bearing, so one that followed a camel herd for an hour goes on with the person who walks
  out of it, and his sharp "person" frames must be able to turn it within a minute or two;
- it is *placed* by the radar plots on its line of sight: plots within `plot_tolerance_m` of
  the line and `plot_window_s` of its latest bearing; once `min_plots` of the recent ones lie
  within `cluster_m` of each other along the line, it is where they are (their median). A
  clutter plot lands on the line by chance now and then; it does not stay at one range;
- a sighting that says person or vehicle at `threat_min`, seen for `min_seen_s` and in
  `min_bearings` bearings, placed, on the Libyan side within `depth_m` of the line or on
  ours within `inside_m`, with no track that may be it (below; ours included) within
  `explained_m` of its line of sight (the camera may be looking at it: a far walker the radar
  tracks while its plots of something else fall on the line), not on a crossing's road, and
  none of our patrols (by their own reports) that close to its line of sight at any scene
  while it was seen (a camera following our patrol car along the road is seeing the patrol,
  wherever the radar's plots place it), raises one alert. A tracked thing is the track rules'
  to judge: the camera's bearings already feed its class. While it stays in view and placed,
  it alerts again every `realert_s`, where it is then: its incident follows it (an incident
  takes alerts within 30 min of its last) as it walks in for an hour.

A sighting that says vehicle must say it still with the class reports of the plots that placed
it added (each counting `evidence_weight`): a Doppler radar sees a vehicle best of all (eight
of its plots in ten say so), and a "vehicle" on a line of sight where the radar plots grazing
camels is a far blur the camera could not tell (nuisance-mix seeds 5 and 10: P1 alarms on a
camel herd 1.5 km in). One that says person is not held to this: a smuggler among camels is
placed by the camels' plots, and a crawler's plots often say animal.

A track explains a sighting only if it could be what the camera sees: one not ours that is a
person or vehicle at most `unlike_threat_max` (camels, by every sensor's account) while the
camera keeps saying person does not. That is the herd tactic: people walk among grazing
camels, which the radar tracks (sparsely, Doppler-blind while they stand) as animals and the
camera images one by one; near enough, it images the person among them as a person.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from borderwatch.arrays import BoolArray, FloatArray
from borderwatch.messages import ClassName, Detection
from borderwatch.rules.barrier import BarrierLine
from borderwatch.rules.config import Sightings as SightingsConfig
from borderwatch.rules.evidence import Likelihood
from borderwatch.rules.scene import Finding, Scene

__all__ = ["Sighting", "SightingRule"]

NO_CLASS: Likelihood = (1.0, 1.0, 1.0, 1.0)  # a plot whose class the radar did not say
KEYS_KEPT = 12  # detection keys a sighting's alert cites: its latest bearings and plots
PLOTS_KEPT = 4  # times `min_plots`: the latest plots a sighting is placed by


@dataclass(slots=True)
class Sighting:
    """What one camera keeps seeing: its bearings' line of sight, their class evidence, and
    the radar plots that fell on it."""

    camera: str
    x: float  # the camera, UTM m
    y: float
    first_s: float
    last_s: float
    azimuth: float  # grid azimuth of the latest bearing, rad
    # Tempered log-likelihood sums (person, vehicle, animal, unknown): four Python floats, not
    # an array, as a million bearings a day each add to one (numpy's per-call cost was most
    # of a bearing's).
    log_classes: tuple[float, float, float, float]
    bearings: int = 1
    # t, along, x, y, and the plot's class likelihoods (person, vehicle, animal, unknown)
    plots: list[tuple[float, float, float, float, Likelihood]] = field(default_factory=list)
    # What its alert cites: the latest bearings (their detections, named only when cited:
    # most sightings never are) and plots (their keys).
    cited: deque[Detection | str] = field(default_factory=lambda: deque(maxlen=KEYS_KEPT))
    alerted_s: float | None = None  # when it last alerted
    ours: bool = False  # one of our patrols stood on its line of sight while it was seen

    @property
    def keys(self) -> list[str]:
        """The detection keys its alert cites, oldest first."""
        return [k if isinstance(k, str) else k.key for k in self.cited]

    def likelihood(self) -> Likelihood:
        """What its bearings say together, normalised (person, vehicle, animal, unknown)."""
        return _normalised(self.log_classes)

    def threat(self) -> float:
        """The probability that it is a person or a vehicle, by its bearings."""
        p, v, _, _ = self.likelihood()
        return p + v

    def through(self, x: float, y: float, tolerance_m: float) -> bool:
        """Whether its latest line of sight passes within `tolerance_m` of (x, y)."""
        ex, ey = math.sin(self.azimuth), math.cos(self.azimuth)
        dx, dy = x - self.x, y - self.y
        return dx * ex + dy * ey > 0.0 and abs(dx * ey - dy * ex) <= tolerance_m

    def through_any(self, x: FloatArray, y: FloatArray, tolerance_m: float) -> bool:
        """Whether its latest line of sight passes within `tolerance_m` of any of (x, y)."""
        ex, ey = math.sin(self.azimuth), math.cos(self.azimuth)
        dx, dy = x - self.x, y - self.y
        on = (dx * ex + dy * ey > 0.0) & (np.abs(dx * ey - dy * ex) <= tolerance_m)
        return bool(on.any())

    def cls(self) -> ClassName:
        """Person or vehicle, whichever its bearings say more."""
        return "person" if self.log_classes[0] >= self.log_classes[1] else "vehicle"


class SightingRule:
    """Follows each camera's bearings; alerts on a placed, untracked person or vehicle."""

    name = "camera_sighting"

    def __init__(
        self,
        config: SightingsConfig,
        barrier: BarrierLine,
        cameras: dict[str, tuple[float, float, float]],
        epoch_ns: int,
    ) -> None:
        self.config = config
        self.barrier = barrier
        self.cameras = cameras  # id -> UTM x, y and grid convergence (rad)
        self.epoch_ns = epoch_ns
        self.by_camera: dict[str, list[Sighting]] = {}
        # Sightings seen often enough to be placed: radar plots are
        # looked at only while there is one (most of a day there is none).
        self.waiting: list[Sighting] = []
        self.placing: list[Sighting] = []  # those of them that say person or vehicle

    @property
    def wants_plots(self) -> bool:
        """Whether a sighting waits for radar plots to place it."""
        return bool(self.placing)

    def arrived(self, det: Detection) -> Sighting | None:
        """A camera's bearing: joins the sighting it continues, or starts one; that sighting."""
        place = self.cameras.get(det.sensor_id)
        if place is None or det.bearing_deg is None:
            return None
        c = self.config
        t = (det.time_ns - self.epoch_ns) / 1e9
        x, y, convergence = place
        az = (math.radians(det.bearing_deg) - convergence) % math.tau
        w = c.evidence_weight
        p, v, a, u = det.classes.as_tuple()
        lik = (
            math.log(max(p, 1e-6)) * w,
            math.log(max(v, 1e-6)) * w,
            math.log(max(a, 1e-6)) * w,
            math.log(max(u, 1e-6)) * w,
        )
        best: Sighting | None = None
        best_off = math.inf
        mine = self.by_camera.setdefault(det.sensor_id, [])
        # A camera follows a few dozen things at once and sends a million bearings a day:
        # this loop is kept to plain float arithmetic.
        gate_deg, turn_dps, lost_s = c.gate_deg, c.turn_dps, c.lost_s
        widest = math.radians(gate_deg + turn_dps * lost_s)  # no gate is wider: most fail it
        pi, tau, radians = math.pi, math.tau, math.radians
        for s in mine:
            since = t - s.last_s
            if since < 0.0 or since > lost_s:
                continue
            off = abs((az - s.azimuth + pi) % tau - pi)
            if off <= widest and off <= radians(gate_deg + turn_dps * since) and off < best_off:
                best, best_off = s, off
        if best is None:
            new = Sighting(det.sensor_id, x, y, t, t, az, lik)
            new.cited.append(det)
            mine.append(new)
            return new
        s = best
        s.last_s, s.azimuth = max(s.last_s, t), az
        lc = s.log_classes
        p, v, a, u = lc[0] + lik[0], lc[1] + lik[1], lc[2] + lik[2], lc[3] + lik[3]
        low = max(p, v, a, u) - c.class_floor
        s.log_classes = (max(p, low), max(v, low), max(a, low), max(u, low))
        s.bearings += 1
        s.cited.append(det)
        if s.bearings == c.min_bearings:
            self.waiting.append(s)
        return s

    def through(
        self, x: float, y: float, t_s: float, window_s: float, tolerance_m: float
    ) -> list[Sighting]:
        """Every camera's sightings seen within `window_s` of `t_s` whose line of sight passes
        within `tolerance_m` of (x, y) (UTM m)."""
        return [
            s
            for mine in self.by_camera.values()
            for s in mine
            if abs(s.last_s - t_s) <= window_s and s.through(x, y, tolerance_m)
        ]

    def plots(
        self,
        t: FloatArray,
        x: FloatArray,
        y: FloatArray,
        keys: tuple[str, ...],
        classes: FloatArray | None = None,
    ) -> None:
        """A batch of radar plots (UTM m; `classes` their class likelihoods, (K, 4), None: not
        known): those on a waiting sighting's line of sight. Every waiting sighting against
        every plot at once (sightings x plots)."""
        c = self.config
        placing = self.placing
        along, on = _on_lines(placing, x, y, c.plot_tolerance_m)
        last = np.array([s.last_s for s in placing])
        on &= np.abs(t[None, :] - last[:, None]) <= c.plot_window_s
        rows, cols = np.nonzero(on)
        if len(rows) == 0:
            return
        kept = PLOTS_KEPT * c.min_plots
        # The class likelihoods of the plots on a line only (a few of the batch's).
        liks: list[Likelihood] = (
            [NO_CLASS] * len(cols)
            if classes is None
            else [(p, v, a_, u) for p, v, a_, u in classes[cols].tolist()]
        )
        for k, j, a, lik in zip(
            rows.tolist(), cols.tolist(), along[rows, cols].tolist(), liks, strict=True
        ):
            s = placing[k]
            s.plots.append((float(t[j]), a, float(x[j]), float(y[j]), lik))
            s.cited.append(keys[j])
            # Only the latest are ever placed (`_place`); a sighting watched for hours
            # would otherwise carry thousands, filtered at every scene.
            if len(s.plots) > kept:
                del s.plots[:-kept]

    def check(self, scene: Scene) -> list[Finding]:
        """Alerts for the sightings that are ready; forget those lost."""
        c = self.config
        now = scene.t_s
        for cam, mine in self.by_camera.items():
            self.by_camera[cam] = [s for s in mine if now - s.last_s <= c.lost_s]
        self.waiting = [s for s in self.waiting if now - s.last_s <= c.lost_s]
        todo = [s for s in self.waiting if not s.ours]
        if todo:
            patrols = scene.patrols()
            if len(patrols):
                _, on = _on_lines(todo, patrols[:, 0], patrols[:, 1], c.explained_m)
                seen: list[bool] = np.asarray(on.any(axis=1), bool).tolist()
                for s, ours in zip(todo, seen, strict=True):
                    s.ours = ours
        self.placing = [s for s in self.waiting if not s.ours and s.threat() >= c.threat_min]
        # The tracks that may be what a sighting sees (every one of ours; see the docstring).
        like = scene.friendly | (scene.threat > c.unlike_threat_max)
        out: list[Finding] = []
        for s in self.placing:
            s.plots = [p for p in s.plots if now - p[0] <= c.plots_kept_s]
            if s.alerted_s is not None and now - s.alerted_s < c.realert_s:
                continue
            if s.last_s - s.first_s < c.min_seen_s or len(s.plots) < c.min_plots:
                continue
            if now - min(s.last_s, s.plots[-1][0]) > c.plot_window_s:
                continue  # judged only while seen and plotted: the scene's tracks are of now
            if s.through_any(scene.x[like], scene.y[like], c.explained_m):
                continue  # a track on its line of sight: the camera may be looking at it
            where = self._place(s)
            if where is None:
                continue
            px, py, placed_by = where
            cls = s.cls()
            if cls == "vehicle" and not self._still_vehicle(s, placed_by):
                continue  # the radar's plots there say otherwise (see the module doc)
            if scene.on_legal_road(np.array([px]), np.array([py]))[0]:
                continue  # traffic on a crossing's road
            depth = float(self.barrier.depth(np.array([px]), np.array([py]))[0])
            if not -c.inside_m <= depth <= c.depth_m:
                continue
            again = " still" if s.alerted_s is not None else ""
            s.alerted_s = now
            side = "out" if depth >= 0.0 else "in"
            out.append(
                Finding(
                    rule=self.name,
                    priority=c.priority_vehicle if cls == "vehicle" else c.priority_person,
                    x=px,
                    y=py,
                    cls=cls,
                    evidence=tuple(s.keys),
                    summary=(
                        f"thermal camera {s.camera} has{again} seen a {cls} for"
                        f" {s.last_s - s.first_s:.0f} s, {abs(depth):.0f} m {side} from the"
                        " line, placed by radar plots on its bearing; no track there"
                    ),
                )
            )
        return out

    def _place(self, s: Sighting) -> tuple[float, float, list[Likelihood]] | None:
        """The median of the latest plots that lie together along the line of sight, and
        those plots' class likelihoods."""
        c = self.config
        recent = s.plots[-PLOTS_KEPT * c.min_plots :]
        along = np.array([p[1] for p in recent])
        for a in along[::-1]:
            near = np.flatnonzero(np.abs(along - a) <= c.cluster_m / 2.0)
            if len(near) >= c.min_plots:
                xs = np.array([recent[k][2] for k in near])
                ys = np.array([recent[k][3] for k in near])
                liks = [recent[k][4] for k in near.tolist()]
                return float(np.median(xs)), float(np.median(ys)), liks
        return None

    def _still_vehicle(self, s: Sighting, placed_by: list[Likelihood]) -> bool:
        """Whether a sighting that says vehicle says so still, at `threat_min`, with the
        class reports of the plots that placed it added (each `evidence_weight` of one)."""
        c = self.config
        w = c.evidence_weight
        lp, lv, la, lu = s.log_classes
        for p, v, a, u in placed_by:
            lp += w * math.log(max(p, 1e-6))
            lv += w * math.log(max(v, 1e-6))
            la += w * math.log(max(a, 1e-6))
            lu += w * math.log(max(u, 1e-6))
        p, v, _, _ = _normalised((lp, lv, la, lu))
        return v >= p and p + v >= c.threat_min  # the bar `Sighting.threat` is held to


def _normalised(log_classes: Likelihood) -> Likelihood:
    """Log class evidence (person, vehicle, animal, unknown) as probabilities."""
    top = max(log_classes)
    a, b, c, d = (math.exp(v - top) for v in log_classes)
    total = a + b + c + d
    return a / total, b / total, c / total, d / total


def _on_lines(
    sightings: list[Sighting], x: FloatArray, y: FloatArray, tolerance_m: float
) -> tuple[FloatArray, BoolArray]:
    """Each point's distance along each sighting's latest line of sight, and whether it lies
    within `tolerance_m` of the line ahead of the camera: (sightings, points) arrays, each row
    the numbers `Sighting.through_any` finds for that sighting."""
    az = [s.azimuth for s in sightings]
    ex = np.array([math.sin(a) for a in az])[:, None]
    ey = np.array([math.cos(a) for a in az])[:, None]
    dx = x[None, :] - np.array([s.x for s in sightings])[:, None]
    dy = y[None, :] - np.array([s.y for s in sightings])[:, None]
    along: FloatArray = dx * ex + dy * ey
    on: BoolArray = (along > 0.0) & (np.abs(dx * ey - dy * ex) <= tolerance_m)
    return along, on
