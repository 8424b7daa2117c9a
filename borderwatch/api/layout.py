"""The fixed picture for a map, as GeoJSON in WGS 84: the border, the berm and its trench,
the crossings with their roads, the breaches and places (`GET /border`), and the sensor
sites with what they cover (`GET /sites`): towers and mobile radar kits with their radar and
camera fields as fans, ground sensors with their detection circles, the line-sensor fibres,
the radar shadows and the patrol bases; and where the alert rules act (`GET /zones`): the
approach band on the Libyan side of the line, the loitering band either side of it, and the
crossings' road corridors where no alert is raised, as the running service's rules draw them.

Each feature says which map layer it belongs to in `properties.layer`, so a console draws a
collection with one filter per layer. Both documents are built once per app (the layout does
not change while the service runs, nor do the rules) and kept in `app.state`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
import shapely
from fastapi import APIRouter, Depends, Request
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.sectors import geojson
from borderwatch.api.state import state_of
from borderwatch.arrays import FloatArray
from borderwatch.geo import Layout, load_border
from borderwatch.geo.border import Border
from borderwatch.geo.sites import RADAR_MIN_RANGE_M, LineSensorSpec, TowerSpec, UgsSpec
from borderwatch.rules import BarrierLine, RulesConfig

__all__ = [
    "MapFeature",
    "MapLayer",
    "MapLayers",
    "MapProperties",
    "border_layers",
    "router",
    "site_layers",
    "zone_layers",
]

router = APIRouter(tags=["sectors"], default_response_class=MsgspecResponse)
_sectors = Depends(Require("read_sectors"))
_sensors = Depends(Require("read_sensors"))

MapLayer = Literal[
    "border",
    "berm",
    "crossing",
    "road",
    "breach",
    "place",
    "tower",
    "radar_coverage",
    "camera_coverage",
    "ugs",
    "ugs_coverage",
    "line_sensor",
    "radar_shadow",
    "patrol_base",
    "approach_zone",
    "loitering_zone",
    "corridor",
]
# A fan's arc is drawn with a vertex every this many degrees: smooth at any zoom a berm
# sector fits the screen, and ~40 vertices for a 200° radar.
ARC_STEP_DEG = 5.0
# The camera's field when the tower has no radar to steer it (the twin's camera does the same).
CAMERA_DEFAULT_AZ = (90.0, 180.0)
# The zones are bands kilometres wide along ~700 km of line: drawn to 20 m, not the 10 m of
# the sectors, they stay a small document (~36 kB for the whole border's four zones) and
# still sit on the line at any zoom an operator works at.
ZONE_SIMPLIFY_M = 20.0


class MapProperties(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What a map needs of one feature: its layer, and for a site its id, sector and reach."""

    layer: MapLayer
    id: str = ""
    name: str = ""
    sector: str = ""
    mobile: bool = False
    range_m: float | None = None
    rule: str = ""  # a zone's: the rule that acts there (see `rules/default.toml`)
    distance_m: float | None = None  # a zone's: its depth, half-width or margin


class MapFeature(msgspec.Struct, frozen=True, kw_only=True):
    """One shape of the fixed picture."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: MapProperties


class MapLayers(msgspec.Struct, frozen=True, kw_only=True):
    """Shapes for a map, each tagged with its layer; drawn in this order (areas first)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[MapFeature]


def _feature(geometry: BaseGeometry, layer: MapLayer, **props: Any) -> MapFeature:
    return MapFeature(geometry=geojson(geometry), properties=MapProperties(layer=layer, **props))


def fan(center: Point, reach_m: float, az_center_deg: float, az_width_deg: float) -> Polygon:
    """The area within `reach_m` of `center` (UTM metres) and inside the azimuth sector, less
    the radar's blind range; a full circle when the sector is 360°."""
    if az_width_deg >= 360.0:
        return center.buffer(reach_m, quad_segs=int(90 / ARC_STEP_DEG)).difference(
            center.buffer(RADAR_MIN_RANGE_M)
        )
    n = max(2, int(np.ceil(az_width_deg / ARC_STEP_DEG)) + 1)
    az = np.radians(
        np.linspace(az_center_deg - az_width_deg / 2, az_center_deg + az_width_deg / 2, n)
    )
    outer = np.c_[center.x + reach_m * np.sin(az), center.y + reach_m * np.cos(az)]
    inner = np.c_[
        center.x + RADAR_MIN_RANGE_M * np.sin(az[::-1]),
        center.y + RADAR_MIN_RANGE_M * np.cos(az[::-1]),
    ]
    return Polygon(np.r_[outer, inner])


def border_layers(border: Border) -> MapLayers:
    """The boundary, the berm (with its trench), the crossings and their roads, the breaches
    and the named places."""
    features = [
        _feature(border.boundary, "border", name="Tunisia–Libya"),
        _feature(border.berm, "berm", name="berm"),
        *(_feature(c.road, "road", id=c.id, name=c.name) for c in border.crossings),
        *(_feature(c.point, "crossing", id=c.id, name=c.name) for c in border.crossings),
        *(_feature(b.point, "breach", id=b.id, name=b.name) for b in border.breaches),
        *(_feature(p.point, "place", id=p.id, name=p.name) for p in border.places.values()),
    ]
    return MapLayers(features=features)


def site_layers(layout: Layout) -> MapLayers:
    """Every site of the layout and its coverage: coverage areas first, sites on top."""
    areas: list[MapFeature] = []
    sites: list[MapFeature] = []
    for site in layout.towers:
        spec, g = site.spec, site.geometry
        if not isinstance(spec, TowerSpec) or not isinstance(g, Point):
            continue
        where = {"id": spec.id, "sector": spec.sector}
        az = CAMERA_DEFAULT_AZ
        if spec.radar is not None:
            r = spec.radar
            az = (r.az_center_deg, r.az_width_deg)
            areas.append(
                _feature(fan(g, r.range_m, *az), "radar_coverage", range_m=r.range_m, **where)
            )
        if spec.camera is not None:
            c = spec.camera
            areas.append(
                _feature(fan(g, c.range_m, *az), "camera_coverage", range_m=c.range_m, **where)
            )
        sites.append(_feature(g, "tower", name=spec.name, mobile=spec.mobile, **where))
    for site in layout.ugs:
        spec, g = site.spec, site.geometry
        if not isinstance(spec, UgsSpec) or not isinstance(g, Point):
            continue
        # The largest radius it can hear anything at: a vehicle at the far end of its range.
        reach = max(spec.vehicle_radius_m[1], spec.person_radius_m[1], spec.animal_radius_m[1])
        where = {"id": spec.id, "sector": spec.sector}
        areas.append(_feature(g.buffer(reach), "ugs_coverage", range_m=reach, **where))
        sites.append(_feature(g, "ugs", **where))
    for site in layout.line_sensors:
        spec, g = site.spec, site.geometry
        if isinstance(spec, LineSensorSpec) and isinstance(g, LineString):
            sites.append(
                _feature(g, "line_sensor", id=spec.id, sector=spec.sector, range_m=spec.reach_m)
            )
    for site in layout.shadows:
        areas.append(
            _feature(site.geometry, "radar_shadow", id=site.id, name=getattr(site.spec, "name", ""))
        )
    for site in layout.patrol_bases:
        sites.append(
            _feature(site.geometry, "patrol_base", id=site.id, name=getattr(site.spec, "name", ""))
        )
    return MapLayers(features=areas + sites)


def _half_plane(o: FloatArray, u: FloatArray, r: float) -> Polygon:
    """The part within `r` of `o` of the half-plane of points P with (P - o)·u >= 0 (u unit)."""
    v = np.array([-u[1], u[0]])
    return Polygon([o - r * v, o + r * v, o + r * (v + u), o + r * (u - v)])


def _unit(a: Point, b: Point) -> FloatArray:
    out: FloatArray = np.array([b.x - a.x, b.y - a.y]) / max(a.distance(b), 1e-9)
    return out


def _end_caps(line: LineString, depth_m: float) -> BaseGeometry:
    """Beyond each end of the line, the part of the disc of `depth_m` about the end that is
    on the line's left: a point beyond the end segment is nearest the end, and
    `BarrierLine.depth` gives it the side of the line's first or last 50 m. The single-sided
    buffer stops square at the ends; the sea off Ras Ajdir is in the band for the rule."""
    coords = list(line.coords)
    caps: list[BaseGeometry] = []
    for end, s0, s1, seg in (
        (Point(coords[0]), 0.0, 50.0, Point(coords[1])),
        (Point(coords[-1]), line.length - 50.0, line.length, Point(coords[-2])),
    ):
        o, r = np.array([end.x, end.y]), 2.0 * depth_m
        beyond = _unit(seg, end)  # past the end segment's square end
        tan = _unit(line.interpolate(s0), line.interpolate(s1))  # north to south
        left = np.array([-tan[1], tan[0]])  # the line's tangent turned +90°: Libya
        cap = end.buffer(depth_m).intersection(_half_plane(o, beyond, r))
        caps.append(cap.intersection(_half_plane(o, left, r)))
    # Grown by a metre so each overlaps the band: their shared edge, computed twice, is not
    # quite the same line, and a union along it would leave two polygons touching.
    return shapely.union_all(caps).buffer(1.0)


def zone_layers(border: Border, rules: RulesConfig) -> MapLayers:
    """Where the rules act, in the same geometry as the picture (`fusion.picture`): the
    approach band (`approach.depth_m` into Libya from the watch line), the loitering band
    (`loitering.zone_m` either side of it), and each crossing's road corridor widened by
    `tracks.corridor_margin_m`, where a track raises no alert. A disabled rule has no zone."""
    line = BarrierLine(border).line
    features: list[MapFeature] = []

    def add(
        area: BaseGeometry, layer: MapLayer, rule: str, distance_m: float, **props: Any
    ) -> None:
        features.append(
            _feature(
                area.simplify(ZONE_SIMPLIFY_M), layer, rule=rule, distance_m=distance_m, **props
            )
        )

    a, lo, margin = rules.approach, rules.loitering, rules.tracks.corridor_margin_m
    if a.enabled:
        # The line runs north to south, so its left is Libya: a positive single-sided buffer
        # is the band 0 < depth <= depth_m that `BarrierLine.depth` measures.
        band = line.buffer(a.depth_m, single_sided=True)
        add(band.union(_end_caps(line, a.depth_m)), "approach_zone", "approach", a.depth_m)
    if lo.enabled:
        add(line.buffer(lo.zone_m), "loitering_zone", "loitering", lo.zone_m)
    for c in border.crossings:
        add(c.corridor.buffer(margin), "corridor", "corridor", margin, id=c.id, name=c.name)
    return MapLayers(features=features)


def _once(request: Request, name: str, build: Callable[[], MapLayers]) -> Response:
    """The document `name`, built and encoded on the first request and kept by the app (the
    layout, the border and the rules do not change while it runs)."""
    kept = request.app.state
    if getattr(kept, name, None) is None:
        setattr(kept, name, msgspec.json.encode(build()))
    return Response(getattr(kept, name), media_type="application/json")


@router.get(
    "/border",
    summary="The border, berm, crossings and places, as GeoJSON",
    responses=returns(MapLayers),
)
async def border(request: Request, _: Annotated[Claims, _sectors]) -> Response:
    """The fixed lines and points of the border, each tagged with its map layer."""
    return _once(request, "border_layers", lambda: border_layers(load_border()))


@router.get(
    "/sites",
    summary="The sensor sites and their coverage, as GeoJSON",
    responses=returns(MapLayers),
)
async def sites(request: Request, _: Annotated[Claims, _sensors]) -> Response:
    """The watched sectors' sites (towers, ground sensors, fibres, shadows, patrol bases) and
    the areas their radars, cameras and ground sensors cover, each tagged with its layer."""
    return _once(request, "site_layers", lambda: site_layers(state_of(request).service.layout))


@router.get(
    "/zones",
    summary="Where the alert rules act: approach and loitering bands, road corridors",
    responses=returns(MapLayers),
)
async def zones(request: Request, _: Annotated[Claims, _sectors]) -> Response:
    """The running service's alert zones, each tagged with its layer, its rule and the
    distance that rule's settings give it."""
    rules = state_of(request).service.options.config.rules
    return _once(request, "zone_layers", lambda: zone_layers(load_border(), rules))
