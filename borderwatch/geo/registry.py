"""The sensor registry: every fixed sensor of a site layout, as the engine, the rules, the
service and the API know it: its kind, sector and place (WGS 84 and UTM 32N), and its
measurement record, what to expect of it (accuracy when a message does not say, probability
of detection, clutter density). A detection from a sensor not in the registry is refused at
admission; patrol devices are accepted by kind (their call signs change).

The records come from the layout's equipment (`sites.RadarSpec`, `CameraSpec`,
`LineSensorSpec`, `UgsSpec`), so a site file that says a radar is less accurate or more
cluttered changes how the tracker weighs its plots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypedDict

from borderwatch.geo.projection import grid_factors, to_utm
from borderwatch.geo.sites import Layout, LineSensorSpec, Site, TowerSpec, UgsSpec
from borderwatch.messages import SensorKind

__all__ = [
    "PATROL_REPORT",
    "CameraSite",
    "PositionSite",
    "RadarSite",
    "Registry",
    "SensorSite",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SensorSite:
    """A fixed sensor the engine knows: its kind, sector and place (WGS 84 and UTM 32N), and
    the site it stands on (a tower's radar and camera share one: one power supply, one link,
    so one fault takes both; "" for a sensor that is its own site)."""

    kind: SensorKind
    sector: str
    lon: float
    lat: float
    x: float
    y: float
    site: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RadarSite(SensorSite):
    """A radar: its index among the radars, its accuracy (used when a plot gives no sigma),
    what to expect of it, how far it reports, and the UTM grid where it stands
    (`geo.projection.grid_factors`: its plots are turned into grid range and azimuth with
    those)."""

    index: int
    convergence_rad: float
    scale: float
    range_m: float
    sigma_range_m: float
    sigma_bearing_deg: float
    clutter_per_m2: float
    pd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraSite(SensorSite):
    """A camera: its index among the cameras, how far it sees, its bearing accuracy, its
    false detections per radian of bearing per frame, how often it sees what is in its field,
    and the UTM grid's convergence where it stands (true bearings to grid)."""

    index: int
    convergence_rad: float
    range_m: float
    sigma_bearing_deg: float
    clutter_per_rad: float
    pd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionSite(SensorSite):
    """A sensor that reports a position (a ground sensor, a fibre along the berm, a patrol's
    sighting): its false reports per square metre per report and its probability of
    reporting what passes within its reach."""

    clutter_per_m2: float
    pd: float


# A patrol's sighting has no fixed site; what to expect of one. The false-report density is
# that of the fixed position sensors: a patrol reports what it sees, rarely what is not there.
PATROL_REPORT = PositionSite(
    kind="patrol_report", sector="", lon=0.0, lat=0.0, x=0.0, y=0.0, clutter_per_m2=1e-8, pd=0.9
)

# A thermal camera's step-stare images a target in its field about every other frame, and a
# false hot spot a frame is spread over its ~1 rad field (the tracker's density per rad).
CAMERA_PD = 0.5
CAMERA_CLUTTER_PER_RAD = 1e-3
# A fixed position sensor's false reports, per m^2 of the sector per report: a handful a day
# over hundreds of km^2 (`UgsSpec.nuisance_per_day`, `LineSensorSpec.nuisance_per_km_day`
# are per sensor, but what the tracker needs is a density where a report lands).
POSITION_CLUTTER_PER_M2 = 1e-8
UGS_PD = 0.9


@dataclass(slots=True)
class Registry:
    """The sensors the engine accepts, from the site layout. `places` holds every fixed
    sensor; `radars`, `cameras` and `positions` the same sites, by kind; `layout` the site
    layout they came from (what each covers), None for a registry built by hand."""

    places: dict[str, SensorSite] = field(default_factory=dict)
    radars: dict[str, RadarSite] = field(default_factory=dict)
    cameras: dict[str, CameraSite] = field(default_factory=dict)
    positions: dict[str, PositionSite] = field(default_factory=dict)
    layout: Layout | None = None

    @classmethod
    def from_layout(cls, layout: Layout) -> Registry:
        """Every radar, camera, fibre and ground sensor of the layout."""
        reg = cls(layout=layout)
        for site in layout.towers:
            spec = site.spec
            assert isinstance(spec, TowerSpec)
            where = _where(site)
            convergence, scale = grid_factors(where["lon"], where["lat"])
            if spec.radar is not None:
                r = spec.radar
                area = math.radians(r.az_width_deg) / 2.0 * r.range_m**2
                radar = RadarSite(
                    kind="radar",
                    index=len(reg.radars),
                    range_m=r.range_m,
                    sigma_range_m=r.sigma_range_m,
                    sigma_bearing_deg=r.sigma_bearing_deg,
                    clutter_per_m2=r.clutter_per_scan / area,
                    pd=r.pd_max,
                    convergence_rad=convergence,
                    scale=scale,
                    sector=spec.sector,
                    site=site.id,
                    **where,
                )
                reg.radars[f"{site.id}-R"] = reg.places[f"{site.id}-R"] = radar
            if spec.camera is not None:
                camera = CameraSite(
                    kind="camera",
                    index=len(reg.cameras),
                    range_m=spec.camera.range_m,
                    sigma_bearing_deg=spec.camera.sigma_bearing_deg,
                    clutter_per_rad=CAMERA_CLUTTER_PER_RAD,
                    pd=CAMERA_PD,
                    convergence_rad=convergence,
                    sector=spec.sector,
                    site=site.id,
                    **where,
                )
                reg.cameras[f"{site.id}-C"] = reg.places[f"{site.id}-C"] = camera
        for site in (*layout.line_sensors, *layout.ugs):
            spec = site.spec
            assert isinstance(spec, LineSensorSpec | UgsSpec)
            pos = PositionSite(
                kind="line" if isinstance(spec, LineSensorSpec) else "ugs",
                sector=spec.sector,
                clutter_per_m2=POSITION_CLUTTER_PER_M2,
                pd=spec.pd if isinstance(spec, LineSensorSpec) else UGS_PD,
                **_where(site),
            )
            reg.positions[site.id] = reg.places[site.id] = pos
        return reg

    def position_site(self, sensor_id: str) -> PositionSite:
        """The record of a position sensor, or of a patrol's sighting."""
        return self.positions.get(sensor_id, PATROL_REPORT)


class _Place(TypedDict):
    lon: float
    lat: float
    x: float
    y: float


def _where(site: Site) -> _Place:
    """A site's place: WGS 84 degrees and UTM 32N metres."""
    lon, lat = site.lonlat
    x, y = (float(v) for v in to_utm(lon, lat))
    return {"lon": lon, "lat": lat, "x": x, "y": y}
