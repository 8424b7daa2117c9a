"""The border, the berm, the crossings and their road corridors, loaded into UTM metres.

The data is versioned GeoJSON in `geo/data/border.geojson` (its `source` says where the
coordinates come from). The *watch line* is the line whose crossing matters: the berm from
Ras Ajdir to Dehiba, then, where there is no berm, the boundary itself down to the tripoint
(joined to the berm's southern end through the Dehiba–Wazen crossing, so nobody walks around).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring

from borderwatch.errors import ConfigError
from borderwatch.geo.projection import to_utm

__all__ = ["DEFAULT_BORDER", "Border", "Breach", "Crossing", "Place", "load_border"]

DEFAULT_BORDER = Path(__file__).parent / "data" / "border.geojson"


@dataclass(frozen=True, slots=True)
class Crossing:
    """A legal crossing point: the post on the boundary and the road corridor through it."""

    id: str
    name: str
    point: Point
    road: LineString
    corridor: Polygon


@dataclass(frozen=True, slots=True)
class Breach:
    """A gap in the berm a vehicle can get through."""

    id: str
    name: str
    point: Point
    width_m: float


@dataclass(frozen=True, slots=True)
class Place:
    """A named town or landmark."""

    id: str
    name: str
    point: Point


@dataclass(frozen=True, slots=True)
class Border:
    """Everything in UTM 32N metres (x east, y north)."""

    version: str
    boundary: LineString
    berm: LineString
    crossings: tuple[Crossing, ...]
    breaches: tuple[Breach, ...]
    places: dict[str, Place]

    @property
    def open_line(self) -> LineString:
        """The watch line south of the berm: berm end, Dehiba–Wazen crossing, boundary south."""
        dehiba = min(self.crossings, key=lambda c: c.point.y)
        s = self.boundary.project(dehiba.point)
        south = substring(self.boundary, s, self.boundary.length)
        end = Point(self.berm.coords[-1])
        return LineString([end, dehiba.point, *list(south.coords)[1:]])

    def corridor_contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where (x, y) lies in any crossing's road corridor; vectorised."""
        inside = np.zeros(np.shape(x), bool)
        for c in self.crossings:
            inside |= shapely.contains_xy(c.corridor, x, y)
        return inside


def _line(coords: list[list[float]]) -> LineString:
    c = np.asarray(coords, float)
    x, y = to_utm(c[:, 0], c[:, 1])
    return LineString(np.c_[x, y])


def _point(coords: list[float]) -> Point:
    x, y = to_utm(coords[0], coords[1])
    return Point(float(x), float(y))


def _parse(doc: dict[str, Any], source: str) -> Border:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for i, feature in enumerate(doc.get("features", [])):
        try:
            kind = feature["properties"]["kind"]
        except (KeyError, TypeError) as exc:
            raise ConfigError(source, f"feature {i} has no properties.kind") from exc
        by_kind.setdefault(kind, []).append(feature)
    for needed in ("border", "berm", "crossing", "road"):
        if needed not in by_kind:
            raise ConfigError(source, f"no feature of kind {needed!r}")
    try:
        roads = {
            f["properties"]["crossing"]: _line(f["geometry"]["coordinates"])
            for f in by_kind["road"]
        }
        crossings = []
        for f in by_kind["crossing"]:
            p = f["properties"]
            road = roads[p["id"]]
            corridor = road.buffer(float(p["corridor_half_width_m"]), cap_style="flat")
            crossings.append(
                Crossing(p["id"], p["name"], _point(f["geometry"]["coordinates"]), road, corridor)
            )
        breaches = tuple(
            Breach(
                f["properties"]["id"],
                f["properties"]["name"],
                _point(f["geometry"]["coordinates"]),
                float(f["properties"]["width_m"]),
            )
            for f in by_kind.get("breach", [])
        )
        places = {
            f["properties"]["id"]: Place(
                f["properties"]["id"], f["properties"]["name"], _point(f["geometry"]["coordinates"])
            )
            for f in by_kind.get("place", [])
        }
        return Border(
            version=str(doc.get("version", "unversioned")),
            boundary=_line(by_kind["border"][0]["geometry"]["coordinates"]),
            berm=_line(by_kind["berm"][0]["geometry"]["coordinates"]),
            crossings=tuple(crossings),
            breaches=breaches,
            places=places,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(source, f"malformed feature: {exc!r}") from exc


def load_border(path: Path | str | None = None) -> Border:
    """Load a border GeoJSON (the packaged one by default) into UTM geometry."""
    if path is None:
        return _default_border()
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(str(p), f"cannot read GeoJSON: {exc}") from exc
    return _parse(doc, str(p))


@cache
def _default_border() -> Border:
    # Static package data: parsed once per process.
    return _parse(json.loads(DEFAULT_BORDER.read_text(encoding="utf-8")), str(DEFAULT_BORDER))
