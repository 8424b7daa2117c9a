"""Sensors in the ground: the fibre along the berm and the unattended ground sensors.

Both report a coarse position and a guess at the class. The fibre locates a crossing, or
digging or crawling within `reach_m` of the berm, to about ±10 m; its stretch under each road
crossing is masked (traffic would set it off all day). A UGS reports footsteps within 15–30 m,
vehicles within 100–300 m, at most once per `hold_s`. Both have nuisance triggers (wind, small
animals) that a dust storm multiplies.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
import shapely
from shapely.geometry import LineString

from borderwatch.arrays import BoolArray, FloatArray, IntArray
from borderwatch.geo.border import Border
from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.sites import LineSensorSpec, UgsSpec
from borderwatch.messages import Detection
from borderwatch.twin.conditions import Conditions
from borderwatch.twin.sensors.base import CLASS_INDEX, Batch, Chunk, Placement, Sensor
from borderwatch.twin.sensors.classify import CLUTTER, LINE, UGS, classify, likelihoods

__all__ = ["LineSensor", "Ugs", "position_batch"]

PROXIMITY_REPEAT_S = 30.0
PROXIMITY_PD = 0.6
STORM_NUISANCE_GAIN = 10.0


def position_batch(
    sensor: Sensor, t: FloatArray, x: FloatArray, y: FloatArray, var_m2: float, lik: np.ndarray
) -> Batch:
    """A batch of position detections (line, UGS, patrol report) at UTM points."""
    lon, lat = to_lonlat(x, y)

    def build(seq: IntArray, tns: IntArray) -> list[msgspec.Struct]:
        cols = zip(
            seq.tolist(),
            tns.tolist(),
            np.round(lat, 7).tolist(),
            np.round(lon, 7).tolist(),
            likelihoods(lik),
            strict=True,
        )
        return [
            Detection(
                sensor_id=sensor.id,
                kind=sensor.kind,
                seq=q,
                time_ns=n,
                lat=la,
                lon=lo,
                cov_m2=(var_m2, 0.0, var_m2),
                classes=c,
            )
            for q, n, la, lo, c in cols
        ]

    return Batch(t, build)


class LineSensor(Sensor):
    """A fibre along one sector's berm."""

    kind = "line"

    def __init__(
        self,
        place: Placement,
        seed: int,
        start_ns: int,
        *,
        spec: LineSensorSpec,
        fibre: LineString,
        border: Border,
    ) -> None:
        super().__init__(place, seed, start_ns)
        self.spec, self.fibre = spec, fibre
        # Stretches under the road crossings are masked.
        self.mask = shapely.union_all([c.corridor.buffer(50.0) for c in border.crossings])

    def _unmasked(self, x: FloatArray, y: FloatArray) -> BoolArray:
        inside: BoolArray = shapely.contains_xy(self.mask, x, y)
        return ~inside

    def observe(self, chunk: Chunk, cond: Conditions) -> list[Batch]:
        """Crossings, near-berm activity and nuisance triggers in the chunk."""
        s = self.spec
        rng = self.rng(chunk)
        # 1. Crossings of this sector's berm.
        cr = [c for c in chunk.crossings if c.sector == s.sector]
        tc = np.array([c.t for c in cr], float)
        xc = np.array([c.x for c in cr], float)
        yc = np.array([c.y for c in cr], float)
        cls_c = np.array([CLASS_INDEX[c.cls] for c in cr], np.int64)
        works, degraded = cond.working(self.id, tc)
        pd = np.where(cls_c == 1, 0.99, s.pd) * np.where(degraded, 0.5, 1.0) * works
        hit = (rng.random(len(tc)) < pd) & self._unmasked(xc, yc)
        t1, x1, y1, c1 = tc[hit], xc[hit], yc[hit], cls_c[hit]

        # 2. Someone digging, crawling or walking right at the berm without crossing.
        rows = chunk.near_geometry(self.fibre, s.reach_m)
        tp: list[float] = []
        xp: list[float] = []
        yp: list[float] = []
        cp: list[int] = []
        crossing_times = {c.mover: c.t for c in cr}
        for row in rows:
            alive = chunk.ALIVE[row]
            pts = shapely.points(chunk.X[row, alive], chunk.Y[row, alive])
            near = shapely.distance(self.fibre, pts) <= s.reach_m
            times = chunk.grid[alive][near]
            if times.size == 0:
                continue
            crossed = crossing_times.get(chunk.movers[row].id)
            last = -np.inf
            for j, t in enumerate(times):
                if t - last < PROXIMITY_REPEAT_S:
                    continue
                last = t
                if crossed is not None and abs(t - crossed) < PROXIMITY_REPEAT_S:
                    continue
                if rng.random() < PROXIMITY_PD:
                    k = np.flatnonzero(alive)[np.flatnonzero(near)[j]]
                    tp.append(float(t))
                    xp.append(float(chunk.X[row, k]))
                    yp.append(float(chunk.Y[row, k]))
                    cp.append(int(chunk.cls[row]))
        t2, x2, y2 = np.array(tp), np.array(xp), np.array(yp)
        c2 = np.array(cp, np.int64)
        if t2.size:
            ok, _ = cond.working(self.id, t2)
            ok &= self._unmasked(x2, y2)
            t2, x2, y2, c2 = t2[ok], x2[ok], y2[ok], c2[ok]

        # 3. Nuisance: wind, burrowing animals, vibration.
        days = (chunk.t1 - chunk.t0) / 86400.0
        sev = float(cond.storm(self.sector, np.array([(chunk.t0 + chunk.t1) / 2]))[0])
        lam = s.nuisance_per_km_day * self.fibre.length / 1000.0 * days
        n3 = rng.poisson(lam * (1.0 + STORM_NUISANCE_GAIN * sev))
        t3 = np.sort(rng.uniform(chunk.t0, chunk.t1, n3))
        pts = shapely.get_coordinates(
            shapely.line_interpolate_point(self.fibre, rng.uniform(0, self.fibre.length, n3))
        )
        x3, y3 = pts[:, 0], pts[:, 1]
        ok, _ = cond.working(self.id, t3)
        ok &= self._unmasked(x3, y3)
        t3, x3, y3 = t3[ok], x3[ok], y3[ok]

        t = np.r_[t1, t2, t3]
        truth = np.r_[c1, c2, np.full(len(t3), CLUTTER)].astype(np.int64)
        x = np.r_[x1, x2, x3] + rng.normal(0.0, s.sigma_m, len(t))
        y = np.r_[y1, y2, y3] + rng.normal(0.0, s.sigma_m, len(t))
        lag = rng.uniform(0.5, 2.0, len(t))  # the interrogator needs a moment to localise
        return [position_batch(self, t + lag, x, y, s.sigma_m**2, classify(rng, truth, LINE))]


class Ugs(Sensor):
    """One unattended ground sensor (seismic + passive infrared)."""

    kind = "ugs"
    heartbeat_s = 300.0  # battery: a heartbeat every five minutes

    def __init__(self, place: Placement, seed: int, start_ns: int, *, spec: UgsSpec) -> None:
        super().__init__(place, seed, start_ns)
        self.spec = spec

    def observe(self, chunk: Chunk, cond: Conditions) -> list[Batch]:
        """Activity events in the chunk."""
        s = self.spec
        rng = self.rng(chunk)
        reach = max(s.vehicle_radius_m[1], s.person_radius_m[1], s.animal_radius_m[1])
        rows = chunk.near(self.x, self.y, reach)
        events_t: list[FloatArray] = []
        events_c: list[IntArray] = []
        radii: Sequence[tuple[float, float]] = (
            s.person_radius_m,
            s.vehicle_radius_m,
            s.animal_radius_m,
        )
        for row in rows:
            lo, hi = radii[int(chunk.cls[row])]
            radius = rng.uniform(lo, hi)
            d = np.hypot(chunk.X[row] - self.x, chunk.Y[row] - self.y)
            inside = chunk.ALIVE[row] & (d <= radius)
            if inside.any():
                events_t.append(chunk.grid[inside])
                events_c.append(np.full(int(inside.sum()), chunk.cls[row], np.int64))
        days = (chunk.t1 - chunk.t0) / 86400.0
        sev = float(cond.storm(self.sector, np.array([(chunk.t0 + chunk.t1) / 2]))[0])
        n = rng.poisson(s.nuisance_per_day * days * (1.0 + STORM_NUISANCE_GAIN * sev))
        events_t.append(rng.uniform(chunk.t0, chunk.t1, n))
        events_c.append(np.full(n, CLUTTER, np.int64))
        t = np.concatenate(events_t)
        c = np.concatenate(events_c)
        order = np.argsort(t, kind="stable")
        t, c = t[order], c[order]
        ok, _ = cond.working(self.id, t)
        t, c = t[ok], c[ok]
        # One report per hold period: the first event after the last report.
        keep = np.zeros(len(t), bool)
        last = -np.inf
        for j, tj in enumerate(t):
            if tj - last >= s.hold_s:
                keep[j] = True
                last = tj
        t, c = t[keep], c[keep]
        var = ((s.person_radius_m[0] + s.person_radius_m[1]) / 2.0) ** 2
        x = np.full(len(t), self.x)
        y = np.full(len(t), self.y)
        return [position_batch(self, t, x, y, var, classify(rng, c, UGS))]
