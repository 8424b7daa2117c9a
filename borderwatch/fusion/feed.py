"""From wire detections to tracker batches: who each sensor is, the conversion of what it
says into grid metres, and the reorder window that puts detections in event-time order.

Radar detections arrive as geodesic range and true bearing; the tracker works in UTM 32N grid
azimuth and distance around the sensor. The conversion is exact per detection (the target's
place by the geodesic, then projected), because the grid differs from true north by the
meridian convergence (~1.4° along the berm), which also changes across a radar's 15 km.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.fusion.measurements import CameraBatch, PositionBatch, RadarBatch
from borderwatch.geo.projection import grid_factors, grid_polar, to_utm
from borderwatch.geo.sites import Layout, Site, TowerSpec
from borderwatch.messages import Detection, SensorKind

__all__ = ["CameraSite", "RadarSite", "Registry", "SensorSite", "TickFeed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorSite:
    """A fixed sensor the engine knows: its kind, sector and place (WGS 84 and UTM 32N)."""

    kind: SensorKind
    sector: str
    lon: float
    lat: float
    x: float
    y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RadarSite(SensorSite):
    """A radar: its index among the radars, what to expect of it, and the UTM grid where it
    stands (`geo.projection.grid_factors`: its plots are turned into grid range and azimuth
    with those)."""

    index: int
    convergence_rad: float
    scale: float
    clutter_per_m2: float
    pd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraSite(SensorSite):
    """A camera: its index among the cameras, how far it sees, and the UTM grid's convergence
    where it stands (true bearings to grid)."""

    index: int
    convergence_rad: float
    range_m: float


@dataclass(slots=True)
class Registry:
    """The sensors the engine accepts, from the site layout (a detection from anyone else is
    rejected and counted). Patrol devices are accepted by kind: their call signs change.
    `places` holds every fixed sensor; `radars` and `cameras` the same sites, by kind."""

    places: dict[str, SensorSite] = field(default_factory=dict)
    radars: dict[str, RadarSite] = field(default_factory=dict)
    cameras: dict[str, CameraSite] = field(default_factory=dict)

    @classmethod
    def from_layout(cls, layout: Layout) -> Registry:
        """Every radar, camera, fibre and ground sensor of the layout."""
        reg = cls()
        for site in layout.towers:
            spec = site.spec
            assert isinstance(spec, TowerSpec)
            lon, lat = site.lonlat
            x, y = (float(v) for v in to_utm(lon, lat))
            convergence, scale = grid_factors(lon, lat)
            if spec.radar is not None:
                r = spec.radar
                area = np.radians(r.az_width_deg) / 2.0 * r.range_m**2
                radar = RadarSite(
                    kind="radar",
                    index=len(reg.radars),
                    clutter_per_m2=r.clutter_per_scan / area,
                    pd=r.pd_max,
                    convergence_rad=convergence,
                    scale=scale,
                    sector=spec.sector,
                    lon=lon,
                    lat=lat,
                    x=x,
                    y=y,
                )
                reg.radars[f"{site.id}-R"] = reg.places[f"{site.id}-R"] = radar
            if spec.camera is not None:
                camera = CameraSite(
                    kind="camera",
                    index=len(reg.cameras),
                    range_m=spec.camera.range_m,
                    convergence_rad=convergence,
                    sector=spec.sector,
                    lon=lon,
                    lat=lat,
                    x=x,
                    y=y,
                )
                reg.cameras[f"{site.id}-C"] = reg.places[f"{site.id}-C"] = camera
        kinds: tuple[tuple[SensorKind, tuple[Site, ...]], ...] = (
            ("line", layout.line_sensors),
            ("ugs", layout.ugs),
        )
        for kind, sites in kinds:
            for site in sites:
                lon, lat = site.lonlat
                x, y = (float(v) for v in to_utm(lon, lat))
                sector = str(getattr(site.spec, "sector", ""))
                reg.places[site.id] = SensorSite(
                    kind=kind, sector=sector, lon=lon, lat=lat, x=x, y=y
                )
        return reg


@dataclass(slots=True)
class TickFeed:
    """Bins detections by whole seconds of event time and releases a second once the stream
    has moved `window_s` past it, so detections up to `window_s` late still count and a run is
    the same whatever their arrival order within the window. Later ones are counted, dropped.
    Times are seconds from `epoch_ns`."""

    registry: Registry
    epoch_ns: int
    window_s: float = 2.0
    # A clock gone wrong must not move the picture's "now": a time more than this ahead of
    # the newest accepted one (or an hour before the run) is rejected, not believed.
    max_ahead_s: float = 300.0
    bins: dict[int, list[Detection]] = field(default_factory=lambda: defaultdict(list))
    released_to: int = -(2**62)  # every tick below this has been released
    newest_s: float = -math.inf
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # The smallest tick held: lets `due` answer "anything to release?" without looking at
    # the bins, since it is asked once per message (millions a day).
    first_held: float = math.inf

    def add(self, det: Detection) -> bool:
        """Take one detection (already validated at the edge); whether it was accepted."""
        site = self.registry.places.get(det.sensor_id)
        if det.kind != "patrol_report" and (site is None or site.kind != det.kind):
            # A kind that is not the sensor's would reach the wrong measurement model.
            reason = "unknown sensor" if site is None else "kind is not the sensor's"
            self.counts[f"rejected: {reason}"] += 1
            return False
        t = (det.time_ns - self.epoch_ns) / 1e9
        bad = self._bad_time(t)
        if bad:
            self.counts[bad] += 1
            return False
        tick = math.floor(t)
        if tick < self.released_to:
            self.counts["late: beyond the reorder window"] += 1
            return False
        self.bins[tick].append(det)
        if tick < self.first_held:
            self.first_held = tick
        if t > self.newest_s:
            self.newest_s = t
        self.counts["accepted"] += 1
        return True

    def _bad_time(self, t: float) -> str | None:
        # math, not numpy: on one Python float numpy's call costs more than the test.
        reference = self.newest_s if math.isfinite(self.newest_s) else 0.0
        if t > reference + self.max_ahead_s:
            return "rejected: time too far ahead"
        if t < -3600.0:
            return "rejected: time before the run"
        return None

    def clock(self, time_ns: int) -> None:
        """Any other message with a sensor's time (a heartbeat, a patrol's position) moves the
        stream's "now" too, so seconds are released even where nothing is detected."""
        t = (time_ns - self.epoch_ns) / 1e9
        if self._bad_time(t) is None:
            self.newest_s = max(self.newest_s, t)

    def due(self) -> bool:
        """Whether a held second's window has passed (cheap: asked once per message)."""
        return self.first_held + 1 <= self.newest_s - self.window_s

    def ready(self, flush: bool = False) -> Iterator[tuple[float, list[Detection]]]:
        """Seconds whose window has passed, in order: (end time of the tick, its detections,
        sorted by time then sensor then sequence so arrival order does not matter)."""
        if not (flush or self.due()):
            return
        limit = math.inf if flush else self.newest_s - self.window_s
        for tick in sorted(k for k in self.bins if k + 1 <= limit):
            dets = self.bins.pop(tick)
            dets.sort(key=lambda d: (d.time_ns, d.sensor_id, d.seq))
            self.released_to = max(self.released_to, tick + 1)
            yield float(tick + 1), dets
        self.first_held = min(self.bins, default=math.inf)

    def batches(
        self, dets: list[Detection], end_s: float
    ) -> list[RadarBatch | PositionBatch | CameraBatch]:
        """A tick's detections as one batch per kind of measurement: radar, then positions,
        then camera bearings (which only update tracks the others keep)."""
        out: list[RadarBatch | PositionBatch | CameraBatch] = []
        radar = [d for d in dets if d.kind == "radar"]
        pos = [d for d in dets if d.kind in ("line", "ugs", "patrol_report")]
        cam = [d for d in dets if d.kind == "camera"]
        if radar:
            out.append(self._radar(radar, end_s))
        if pos:
            out.append(self._position(pos, end_s))
        if cam:
            out.append(self._camera(cam, end_s))
        return out

    def _radar(self, dets: list[Detection], end_s: float) -> RadarBatch:
        sites = [self.registry.radars[d.sensor_id] for d in dets]
        sx = np.array([s.x for s in sites])
        sy = np.array([s.y for s in sites])
        az, r = grid_polar(
            sx,
            np.array([s.convergence_rad for s in sites]),
            np.array([s.scale for s in sites]),
            np.array([d.bearing_deg for d in dets], float),
            np.array([d.range_m for d in dets], float),
        )
        times = self._times(dets)
        index: IntArray = np.array([s.index for s in sites], np.int64)
        return RadarBatch(
            time_s=max(end_s, float(times.max())),
            sensor_x=sx,
            sensor_y=sy,
            azimuth_rad=az,
            range_m=r,
            sigma_azimuth_rad=float(np.radians(dets[0].sigma_bearing_deg or 0.5)),
            sigma_range_m=float(dets[0].sigma_range_m or 10.0),
            keys=tuple(d.key for d in dets),
            # math.fsum, not np.mean: on a short list numpy's call costs more than the sum.
            clutter_per_m2=math.fsum(s.clutter_per_m2 for s in sites) / len(sites),
            pd=math.fsum(s.pd for s in sites) / len(sites),
            det_time_s=times,
            sensor_index=index,
            class_likelihood=_likelihoods(dets),
        )

    def _camera(self, dets: list[Detection], end_s: float) -> CameraBatch:
        sites = [self.registry.cameras[d.sensor_id] for d in dets]
        sx = np.array([s.x for s in sites])
        sy = np.array([s.y for s in sites])
        reach = np.array([s.range_m for s in sites])
        brg = np.array([d.bearing_deg for d in dets], float)
        # True bearing to grid azimuth at the camera (the convergence changes by far less
        # than the camera's 0.1 degree along its ray).
        convergence = np.array([s.convergence_rad for s in sites])
        times = self._times(dets)
        return CameraBatch(
            time_s=max(end_s, float(times.max())),
            sensor_x=sx,
            sensor_y=sy,
            azimuth_rad=np.mod(np.radians(brg) - convergence, 2 * np.pi),
            range_m=reach,
            sigma_azimuth_rad=float(np.radians(dets[0].sigma_bearing_deg or 0.1)),
            keys=tuple(d.key for d in dets),
            clutter_per_m2=1e-3,
            pd=0.5,
            det_time_s=times,
            sensor_index=np.array([s.index for s in sites], np.int64),
            class_likelihood=_likelihoods(dets),
        )

    def _position(self, dets: list[Detection], end_s: float) -> PositionBatch:
        lon = np.array([d.lon for d in dets], float)
        lat = np.array([d.lat for d in dets], float)
        x, y = to_utm(lon, lat)
        c = np.array([d.cov_m2 or (0.0, 0.0, 0.0) for d in dets], np.float64)
        cov = np.stack((c[:, [0, 1]], c[:, [1, 2]]), axis=1)  # (D, 2, 2) from the triples
        # Each position sensor is its own "sensor" for assignment: one report per track each.
        names = sorted({d.sensor_id for d in dets})
        index = np.array([names.index(d.sensor_id) for d in dets], np.int64)
        times = self._times(dets)
        return PositionBatch(
            time_s=max(end_s, float(times.max())),
            xy=np.c_[x, y],
            cov=cov,
            keys=tuple(d.key for d in dets),
            clutter_per_m2=1e-8,
            pd=0.9,
            det_time_s=times,
            sensor_index=index,
            class_likelihood=_likelihoods(dets),
        )

    def _times(self, dets: list[Detection]) -> FloatArray:
        return (np.array([d.time_ns for d in dets], np.int64) - self.epoch_ns) / 1e9


def _likelihoods(dets: list[Detection]) -> FloatArray:
    return np.array([d.classes.as_tuple() for d in dets], np.float64)
