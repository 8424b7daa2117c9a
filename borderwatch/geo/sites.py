"""Sites: where the sensors and patrol bases are. A site layout is a GeoJSON file a user can
edit (in QGIS, or by hand): one feature per tower, mobile radar kit, ground sensor, line-sensor
fibre, radar shadow or patrol base, with the equipment's settings in `properties`.

`properties.kind` picks the schema; an error names the feature and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Point, Polygon

from borderwatch.arrays import BoolArray, FloatArray
from borderwatch.errors import ConfigError
from borderwatch.geo.projection import grid_azimuth, in_field, to_utm

__all__ = [
    "DEFAULT_SITES",
    "RADAR_MIN_RANGE_M",
    "CameraSpec",
    "Layout",
    "LineSensorSpec",
    "PatrolBaseSpec",
    "RadarShadowSpec",
    "RadarSpec",
    "RadarTarget",
    "Site",
    "TowerSpec",
    "UgsSpec",
    "load_sites",
]

DEFAULT_SITES = Path(__file__).parent / "data" / "sites-default.geojson"

Pos = Annotated[float, msgspec.Meta(gt=0.0)]
Frac = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Az = Annotated[float, msgspec.Meta(ge=0.0, lt=360.0)]
SiteId = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]

# Closer than this a radar sees nothing: its receiver is still blanked while it transmits.
RADAR_MIN_RANGE_M = 50.0
# Whose reach a coverage question is about: the instrumented range, or a class's detection range.
RadarTarget = Literal["any", "person", "vehicle"]


class RadarSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A ground-surveillance radar: pulse-Doppler, scanning a sector about `az_center_deg`.

    Pd falls off around the class's 50 % range; a target whose radial speed is below
    `min_radial_speed_mps` is lost in the ground clutter (Doppler blind)."""

    range_m: Pos = 18_000.0
    person_range_m: Pos = 8_000.0
    vehicle_range_m: Pos = 15_000.0
    az_center_deg: Az = 90.0
    az_width_deg: Annotated[float, msgspec.Meta(gt=0.0, le=360.0)] = 200.0
    period_s: Pos = 1.0
    sigma_range_m: Pos = 10.0
    sigma_bearing_deg: Pos = 0.5
    min_radial_speed_mps: Annotated[float, msgspec.Meta(ge=0.0)] = 0.35
    pd_max: Frac = 0.95
    clutter_per_scan: Annotated[float, msgspec.Meta(ge=0.0)] = 0.5

    def reach_m(self, target: RadarTarget = "any") -> float:
        """How far the radar covers: `range_m` for "any" (what it reports and scans), else the
        class's detection range (capped by `range_m`), where Pd per scan is still ~0.84."""
        if target == "person":
            return min(self.person_range_m, self.range_m)
        if target == "vehicle":
            return min(self.vehicle_range_m, self.range_m)
        return self.range_m

    def covers(self, r: FloatArray, az: FloatArray, target: RadarTarget = "any") -> BoolArray:
        """True where a point at grid range `r` (m) and grid azimuth `az` (deg) from the radar
        is in its field: beyond the blind range, within reach, inside the azimuth sector.
        The twin's radar and `Layout.radar_covers` both ask this, so they cannot disagree."""
        inside: BoolArray = (
            (r >= RADAR_MIN_RANGE_M)
            & (r <= self.reach_m(target))
            & in_field(az, self.az_center_deg, self.az_width_deg)
        )
        return inside


class CameraSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A cooled thermal camera; `ifov_mrad` sets pixels on target, hence the Johnson ranges."""

    ifov_mrad: Pos = 0.04
    range_m: Pos = 15_000.0
    period_s: Pos = 5.0  # step-stare across the sector: a target is imaged every few seconds
    sigma_bearing_deg: Pos = 0.1
    false_per_hour: Annotated[float, msgspec.Meta(ge=0.0)] = 0.5


class TowerSpec(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="tower",
    tag_field="kind",
    forbid_unknown_fields=True,
):
    """A fixed tower (or, `mobile`, a radar kit on a vehicle mast) with radar and camera."""

    id: SiteId
    sector: SiteId
    name: str = ""
    mast_m: Pos = 20.0
    mobile: bool = False
    radar: RadarSpec | None = RadarSpec()
    camera: CameraSpec | None = CameraSpec()


class UgsSpec(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="ugs",
    tag_field="kind",
    forbid_unknown_fields=True,
):
    """An unattended ground sensor (seismic + PIR): footsteps at 15–30 m, vehicles 100–300 m."""

    id: SiteId
    sector: SiteId
    person_radius_m: tuple[Pos, Pos] = (15.0, 30.0)
    vehicle_radius_m: tuple[Pos, Pos] = (100.0, 300.0)
    animal_radius_m: tuple[Pos, Pos] = (10.0, 40.0)
    nuisance_per_day: Annotated[float, msgspec.Meta(ge=0.0)] = 2.0
    hold_s: Pos = 10.0


class LineSensorSpec(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="line_sensor",
    tag_field="kind",
    forbid_unknown_fields=True,
):
    """A buried fibre along the berm: locates a crossing or digging within `reach_m` to ±10 m."""

    id: SiteId
    sector: SiteId
    reach_m: Pos = 10.0
    sigma_m: Pos = 10.0
    pd: Frac = 0.95
    nuisance_per_km_day: Annotated[float, msgspec.Meta(ge=0.0)] = 0.2


class RadarShadowSpec(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="radar_shadow",
    tag_field="kind",
    forbid_unknown_fields=True,
):
    """Ground the radars and cameras cannot see (a wadi, a dune line); ground sensors cover it."""

    id: SiteId
    sector: SiteId
    name: str = ""


class PatrolBaseSpec(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="patrol_base",
    tag_field="kind",
    forbid_unknown_fields=True,
):
    """Where patrols start from and return to."""

    id: SiteId
    name: str
    agency: str = "national_guard"


SiteProps = TowerSpec | UgsSpec | LineSensorSpec | RadarShadowSpec | PatrolBaseSpec
GEOMETRY: dict[type[msgspec.Struct], str] = {
    TowerSpec: "Point",
    UgsSpec: "Point",
    PatrolBaseSpec: "Point",
    LineSensorSpec: "LineString",
    RadarShadowSpec: "Polygon",
}


@dataclass(frozen=True, slots=True)
class Site:
    """One site: its settings, its place in degrees and its geometry in UTM metres."""

    spec: SiteProps
    lonlat: tuple[float, float]
    geometry: Point | LineString | Polygon

    @property
    def id(self) -> str:
        """The site's id."""
        return self.spec.id


@dataclass(frozen=True, slots=True)
class Layout:
    """A whole site layout, grouped by kind."""

    source: str
    towers: tuple[Site, ...]
    ugs: tuple[Site, ...]
    line_sensors: tuple[Site, ...]
    shadows: tuple[Site, ...]
    patrol_bases: tuple[Site, ...]

    def shadowed(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where (x, y) is in any radar shadow; vectorised."""
        out = np.zeros(np.shape(x), bool)
        for s in self.shadows:
            out |= shapely.contains_xy(s.geometry, x, y)
        return out

    def radar_covers(
        self, x: npt.ArrayLike, y: npt.ArrayLike, target: RadarTarget = "any"
    ) -> BoolArray:
        """True where UTM 32N point (x, y) is in some radar's field and not in a radar shadow;
        vectorised, the shape of x and y broadcast. `target` picks the reach (`RadarSpec.reach_m`).

        This is the layout's coverage, as designed: a radar that is down or blinded by dust at
        some moment still counts, since that is what the system must ride out."""
        xs, ys = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        out = np.zeros(xs.shape, bool)
        for site in self.towers:
            spec, g = site.spec, site.geometry
            if not isinstance(spec, TowerSpec) or spec.radar is None or not isinstance(g, Point):
                continue
            dx, dy = xs - g.x, ys - g.y
            out |= spec.radar.covers(np.hypot(dx, dy), grid_azimuth(dx, dy), target)
        if self.shadows and out.any():
            out &= ~self.shadowed(xs, ys)
        return out

    def in_sectors(self, sector_ids: set[str]) -> Layout:
        """Only the sites of these sectors (patrol bases are shared, so all kept)."""

        def keep(sites: tuple[Site, ...]) -> tuple[Site, ...]:
            return tuple(s for s in sites if getattr(s.spec, "sector", None) in sector_ids)

        return Layout(
            self.source,
            keep(self.towers),
            keep(self.ugs),
            keep(self.line_sensors),
            keep(self.shadows),
            self.patrol_bases,
        )


def _utm_geometry(geometry: dict[str, Any]) -> Point | LineString | Polygon:
    kind = geometry["type"]
    coords = geometry["coordinates"]
    if kind == "Point":
        x, y = to_utm(coords[0], coords[1])
        return Point(float(x), float(y))
    ring = np.asarray(coords[0] if kind == "Polygon" else coords, float)
    x, y = to_utm(ring[:, 0], ring[:, 1])
    return Polygon(np.c_[x, y]) if kind == "Polygon" else LineString(np.c_[x, y])


def _representative_lonlat(geometry: dict[str, Any]) -> tuple[float, float]:
    c = np.asarray(geometry["coordinates"], float).reshape(-1, 2)
    return float(c[0, 0]), float(c[0, 1])


def parse_sites(doc: Any, source: str) -> Layout:
    """Build a Layout from a decoded GeoJSON document; ConfigError names what is wrong."""
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise ConfigError(source, "not a GeoJSON FeatureCollection")
    features = doc.get("features", [])
    if not isinstance(features, list):
        raise ConfigError(source, "`features` is not a list")
    groups: dict[type[msgspec.Struct], list[Site]] = {t: [] for t in GEOMETRY}
    seen: set[str] = set()
    for i, feature in enumerate(features):
        where = f"feature {i}"
        if not isinstance(feature, dict):
            raise ConfigError(source, f"{where}: not an object")
        props = feature.get("properties")
        if isinstance(props, dict) and "id" in props:
            where = f"feature {i} ({props['id']})"
        try:
            spec: SiteProps = msgspec.convert(props, SiteProps)
        except msgspec.ValidationError as exc:
            raise ConfigError(source, f"{where}: {exc}".replace("`$.", "`properties.")) from exc
        geometry = feature.get("geometry")
        want = GEOMETRY[type(spec)]
        if not isinstance(geometry, dict) or geometry.get("type") != want:
            kind = type(spec).__struct_config__.tag
            raise ConfigError(source, f"{where}: a {kind} needs a {want} geometry")
        if spec.id in seen:
            raise ConfigError(source, f"{where}: duplicate id {spec.id!r}")
        seen.add(spec.id)
        try:
            site = Site(spec, _representative_lonlat(geometry), _utm_geometry(geometry))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ConfigError(source, f"{where}: bad coordinates ({exc})") from exc
        groups[type(spec)].append(site)
    return Layout(
        source,
        tuple(groups[TowerSpec]),
        tuple(groups[UgsSpec]),
        tuple(groups[LineSensorSpec]),
        tuple(groups[RadarShadowSpec]),
        tuple(groups[PatrolBaseSpec]),
    )


def load_sites(path: Path | str | None = None) -> Layout:
    """Load a site layout GeoJSON (the packaged default if `path` is None)."""
    p = Path(path) if path is not None else DEFAULT_SITES
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(str(p), f"cannot read site layout: {exc}") from exc
    return parse_sites(doc, str(p))
