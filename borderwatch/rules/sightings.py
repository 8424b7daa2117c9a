"""Camera sightings: a thermal camera that keeps seeing a person or a vehicle nobody tracks.

A walker who keeps his speed towards every radar under its Doppler floor (across the beams,
or crawling) is plotted a few times a minute: too sparsely to start a track. Where the fibre
is cut too, nothing else fires. A thermal camera sees a slow or still walker as well as a
fast one, but cannot range. So:

- each camera's bearings are followed as *sightings*, one per thing in view: a bearing within
  `gate_deg` (plus `turn_dps` for each second since) of a sighting's last joins the nearest;
  one not seen for `lost_s` is over;
- a sighting's class evidence adds up over its bearings, each counting `evidence_weight` of
  a full report (the frames of one thing are not independent looks);
- it is *placed* by the radar plots on its line of sight: plots within `plot_tolerance_m` of
  the line and `plot_window_s` of its latest bearing; once `min_plots` of the recent ones lie
  within `cluster_m` of each other along the line, it is where they are (their median). A
  clutter plot lands on the line by chance now and then; it does not stay at one range;
- a sighting that says person or vehicle at `threat_min`, seen for `min_seen_s` and in
  `min_bearings` bearings, placed, on the Libyan side within `depth_m` of the line or on
  ours within `inside_m`, with no track of any kind (ours included) within `explained_m` of
  its line of sight (the camera may be looking at it: a far walker the radar tracks while
  its plots of something else fall on the line), not on a crossing's road, and none of our
  patrols (by their own reports) that close to its line of sight at any scene while it was
  seen (a camera following our patrol car along the road is seeing the patrol, wherever the
  radar's plots place it), raises one alert. A tracked thing is the track rules' to judge:
  the camera's bearings already feed its class. While it stays in view and placed, it alerts
  again every `realert_s`, where it is then: its incident follows it (an incident takes
  alerts within 30 min of its last) as it walks in for an hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from borderwatch.arrays import FloatArray
from borderwatch.messages import ClassName, Detection
from borderwatch.rules.barrier import BarrierLine
from borderwatch.rules.config import Sightings as SightingsConfig
from borderwatch.rules.scene import Finding, Scene

__all__ = ["Sighting", "SightingRule"]

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
    log_classes: FloatArray  # (4,) tempered log-likelihood sum
    bearings: int = 1
    plots: list[tuple[float, float, float, float]] = field(default_factory=list)  # t, along, x, y
    keys: list[str] = field(default_factory=list)
    alerted_s: float | None = None  # when it last alerted
    ours: bool = False  # one of our patrols stood on its line of sight while it was seen

    def likelihood(self) -> tuple[float, float, float, float]:
        """What its bearings say together, normalised (person, vehicle, animal, unknown)."""
        p = np.exp(self.log_classes - self.log_classes.max())
        a, b, c, d = (p / p.sum()).tolist()
        return a, b, c, d

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
        lik = np.log(np.maximum(np.array(det.classes.as_tuple()), 1e-6)) * c.evidence_weight
        best: tuple[float, Sighting] | None = None
        mine = self.by_camera.setdefault(det.sensor_id, [])
        for s in mine:
            if not 0.0 <= t - s.last_s <= c.lost_s:
                continue
            off = abs((az - s.azimuth + math.pi) % math.tau - math.pi)
            gate = math.radians(c.gate_deg + c.turn_dps * (t - s.last_s))
            if off <= gate and (best is None or off < best[0]):
                best = (off, s)
        if best is None:
            new = Sighting(det.sensor_id, x, y, t, t, az, lik, keys=[det.key])
            mine.append(new)
            return new
        s = best[1]
        s.last_s, s.azimuth = max(s.last_s, t), az
        s.log_classes = s.log_classes + lik
        s.bearings += 1
        s.keys = [*s.keys, det.key][-KEYS_KEPT:]
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

    def plots(self, t: FloatArray, x: FloatArray, y: FloatArray, keys: tuple[str, ...]) -> None:
        """A batch of radar plots (UTM m): those on a waiting sighting's line of sight."""
        c = self.config
        for s in self.placing:
            ex, ey = math.sin(s.azimuth), math.cos(s.azimuth)
            dx, dy = x - s.x, y - s.y
            along = dx * ex + dy * ey
            on = (
                (along > 0.0)
                & (np.abs(dx * ey - dy * ex) <= c.plot_tolerance_m)
                & (np.abs(t - s.last_s) <= c.plot_window_s)
            )
            for j in np.flatnonzero(on).tolist():
                s.plots.append((float(t[j]), float(along[j]), float(x[j]), float(y[j])))
                s.keys = [*s.keys, keys[j]][-KEYS_KEPT:]
            # Only the latest are ever placed (`_place`); a sighting watched for hours
            # would otherwise carry thousands, filtered at every scene.
            del s.plots[: -PLOTS_KEPT * c.min_plots]

    def check(self, scene: Scene) -> list[Finding]:
        """Alerts for the sightings that are ready; forget those lost."""
        c = self.config
        now = scene.t_s
        for cam, mine in self.by_camera.items():
            self.by_camera[cam] = [s for s in mine if now - s.last_s <= c.lost_s]
        self.waiting = [s for s in self.waiting if now - s.last_s <= c.lost_s]
        if self.waiting:
            patrols = scene.patrols()
            if len(patrols):
                for s in self.waiting:
                    s.ours = s.ours or s.through_any(patrols[:, 0], patrols[:, 1], c.explained_m)
        self.placing = [s for s in self.waiting if not s.ours and s.threat() >= c.threat_min]
        out: list[Finding] = []
        for s in self.placing:
            s.plots = [p for p in s.plots if now - p[0] <= c.plots_kept_s]
            if s.alerted_s is not None and now - s.alerted_s < c.realert_s:
                continue
            if s.last_s - s.first_s < c.min_seen_s or len(s.plots) < c.min_plots:
                continue
            if now - min(s.last_s, s.plots[-1][0]) > c.plot_window_s:
                continue  # judged only while seen and plotted: the scene's tracks are of now
            if s.through_any(scene.x, scene.y, c.explained_m):
                continue  # a track on its line of sight: the camera may be looking at it
            where = self._place(s)
            if where is None:
                continue
            px, py = where
            if scene.on_legal_road(np.array([px]), np.array([py]))[0]:
                continue  # traffic on a crossing's road
            depth = float(self.barrier.depth(np.array([px]), np.array([py]))[0])
            if not -c.inside_m <= depth <= c.depth_m:
                continue
            again = " still" if s.alerted_s is not None else ""
            s.alerted_s = now
            cls = s.cls()
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

    def _place(self, s: Sighting) -> tuple[float, float] | None:
        """The median of the latest plots that lie together along the line of sight."""
        c = self.config
        recent = s.plots[-PLOTS_KEPT * c.min_plots :]
        along = np.array([p[1] for p in recent])
        for a in along[::-1]:
            near = np.flatnonzero(np.abs(along - a) <= c.cluster_m / 2.0)
            if len(near) >= c.min_plots:
                xs = np.array([recent[k][2] for k in near])
                ys = np.array([recent[k][3] for k in near])
                return float(np.median(xs)), float(np.median(ys))
        return None
