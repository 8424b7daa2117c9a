"""Physical bounds on what a message may say: the rule is that whatever admission accepts, the
engine can process.

The wire types (`borderwatch.messages`) already refuse what no message can be (NaN and
infinities, a latitude of 91, a negative range). What is left is what is well-formed but not
physical for *this* border and *this* sensor: a radar sigma of 1e-300 m (a finite, positive
number that makes a Kalman gain of 1 and a covariance of 0, then NaN), a position 3,000 km
away, a plot twice as far as the radar reaches, class likelihoods all zero (0/0 when
normalised), a covariance that is a line. Each refusal names the field and a short code that
is counted (`Refusal`).

Admission (`service.admission`) asks `check` before it logs a message; the engine asks again
for every message it takes (`engine.picture`), so a log written by an older borderwatch, or a
run file, cannot carry a poison past it either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from borderwatch.engine.config import Bounds
from borderwatch.geo import Border, load_border, to_lonlat
from borderwatch.geo.registry import Registry
from borderwatch.messages import Detection, Patrol, SensorStatus

__all__ = ["Area", "MessageBounds", "Refusal"]

KM_PER_DEG = 111.32


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a message is refused: the field (`lat`, `sigma_range_m`, ...), a short code that
    is counted (`out_of_area`, `sigma_out_of_bounds`, ...), and the words for a person."""

    field: str
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Area:
    """The area of interest in WGS 84 degrees: the border's and the sensors' box plus a
    margin. Nothing of ours reports from outside it."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    @classmethod
    def around(cls, border: Border, registry: Registry, margin_km: float) -> Area:
        """The box of the boundary line and every sensor, widened by `margin_km`."""
        x0, y0, x1, y1 = border.boundary.bounds
        lon, lat = to_lonlat([x0, x1, x0, x1], [y0, y0, y1, y1])
        lons = [*lon.tolist(), *(s.lon for s in registry.places.values())]
        lats = [*lat.tolist(), *(s.lat for s in registry.places.values())]
        dlat = margin_km / KM_PER_DEG
        dlon = margin_km / (KM_PER_DEG * math.cos(math.radians(max(map(abs, lats)))))
        return cls(min(lons) - dlon, min(lats) - dlat, max(lons) + dlon, max(lats) + dlat)

    def contains(self, lon: float, lat: float) -> bool:
        """Whether (lon, lat) is inside."""
        return self.lon_min <= lon <= self.lon_max and self.lat_min <= lat <= self.lat_max


class MessageBounds:
    """The bounds of one layout: `check(message)` is None or the `Refusal`."""

    def __init__(self, registry: Registry, bounds: Bounds, area: Area) -> None:
        self.registry = registry
        self.bounds = bounds
        self.area = area
        # Worked out once: how far each radar's plots may lie, and the radar sigma bounds.
        self._reach = {k: r.range_m * bounds.radar_range_margin for k, r in registry.radars.items()}
        self._radar_sr = bounds.radar_sigma_range_m
        self._radar_sb = bounds.radar_sigma_bearing_deg

    @classmethod
    def of(
        cls, registry: Registry, bounds: Bounds | None = None, border: Border | None = None
    ) -> MessageBounds:
        """For `registry`'s sensors, around `border` (the default border if None)."""
        bounds = bounds or Bounds()
        return cls(
            registry, bounds, Area.around(border or load_border(), registry, bounds.margin_km)
        )

    def check(self, m: Detection | SensorStatus | Patrol) -> Refusal | None:
        """None if `m` is within bounds, else why not (the first bound it breaks)."""
        if isinstance(m, Detection):
            return self.detection(m)
        if isinstance(m, SensorStatus):
            return self._site(m.sensor_id, m.kind) or self._place(m.lon, m.lat)
        return self._place(m.lon, m.lat)

    def detection(self, d: Detection) -> Refusal | None:
        """`check` for a detection (the engine calls it directly: one per message)."""
        # Asked for every message (millions a day): the common case, a radar plot within
        # bounds, is a handful of comparisons; the words are made only for a refusal.
        b = self.bounds
        if d.kind != "patrol_report":
            site = self.registry.places.get(d.sensor_id)
            if site is None or site.kind != d.kind:
                return self._site(d.sensor_id, d.kind)
        c, least = d.classes, b.min_likelihood
        if c.person < least and c.vehicle < least and c.animal < least and c.unknown < least:
            return Refusal(
                "classes", "no_class_evidence", "every class likelihood is (nearly) zero"
            )
        if d.kind == "radar":
            reach = self._reach[d.sensor_id]
            sr, sb = d.sigma_range_m, d.sigma_bearing_deg
            if (
                (d.range_m is None or d.range_m <= reach)
                and (sr is None or self._radar_sr[0] <= sr <= self._radar_sr[1])
                and (sb is None or self._radar_sb[0] <= sb <= self._radar_sb[1])
            ):
                return None
            if d.range_m is not None and d.range_m > reach:
                return Refusal(
                    "range_m",
                    "range_beyond_radar",
                    f"{d.range_m:g} m is beyond what {d.sensor_id} reaches ({reach:g} m)",
                )
            return _within("sigma_range_m", sr, b.radar_sigma_range_m) or _within(
                "sigma_bearing_deg", sb, b.radar_sigma_bearing_deg
            )
        if d.kind == "camera":
            return _within("sigma_bearing_deg", d.sigma_bearing_deg, b.camera_sigma_bearing_deg)
        bad = self._place(d.lon, d.lat)
        if bad is not None or d.cov_m2 is None:
            return bad
        var_e, cov_en, var_n = d.cov_m2
        lo, hi = b.position_sigma_m
        for name, var in (("cov_m2[0]", var_e), ("cov_m2[2]", var_n)):
            if not lo * lo <= var <= hi * hi:
                return Refusal(
                    name,
                    "sigma_out_of_bounds",
                    f"a variance of {var:g} m^2 is outside [{lo * lo:g}, {hi * hi:g}]",
                )
        if not abs(cov_en) <= b.max_correlation * math.sqrt(var_e * var_n):
            return Refusal(
                "cov_m2[1]",
                "not_a_covariance",
                f"a correlation above {b.max_correlation} (a line, not an area)",
            )
        return None

    def _site(self, sensor_id: str, kind: str) -> Refusal | None:
        site = self.registry.places.get(sensor_id)
        if site is None:
            return Refusal("sensor_id", "unknown_sensor", f"unknown sensor {sensor_id!r}")
        if site.kind != kind:
            return Refusal("kind", "wrong_kind", f"{sensor_id} is a {site.kind}, not a {kind}")
        return None

    def _place(self, lon: float | None, lat: float | None) -> Refusal | None:
        if lon is None or lat is None or self.area.contains(lon, lat):
            return None
        a = self.area
        return Refusal(
            "lat" if not a.lat_min <= lat <= a.lat_max else "lon",
            "out_of_area",
            f"({lat:.4f}, {lon:.4f}) is outside the area watched "
            f"({a.lat_min:.2f}..{a.lat_max:.2f} N, {a.lon_min:.2f}..{a.lon_max:.2f} E)",
        )


def _within(name: str, value: float | None, bounds: tuple[float, float]) -> Refusal | None:
    lo, hi = bounds
    if value is None or lo <= value <= hi:
        return None
    return Refusal(name, "sigma_out_of_bounds", f"{value:g} is outside [{lo:g}, {hi:g}]")
