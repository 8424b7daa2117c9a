"""The packaged border: the boundary, the berm behind it, the crossings and the places."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString, Point

from borderwatch.errors import ConfigError
from borderwatch.geo import Border, load_border, side_of_line, to_lonlat, to_utm
from borderwatch.geo.border import DEFAULT_BORDER

RAS_AJDIR = (11.566, 33.148)
BORJ_EL_KHADRA = (9.555, 30.254)


def _dense(line: LineString, step_m: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    s = np.arange(0.0, line.length, step_m)
    pts = [line.interpolate(v) for v in [*s, line.length]]
    return np.array([p.x for p in pts]), np.array([p.y for p in pts])


def _metres_to(point: Point, lonlat: tuple[float, float]) -> float:
    x, y = to_utm(*lonlat)
    return float(point.distance(Point(float(x), float(y))))


def test_default_border_is_cached_and_versioned(border: Border) -> None:
    assert load_border() is border
    assert border.version != "unversioned"


def test_berm_length(border: Border) -> None:
    assert 180_000.0 <= border.berm.length <= 210_000.0


def test_lines_are_simple(border: Border) -> None:
    assert border.berm.is_simple
    assert border.boundary.is_simple
    assert border.open_line.is_simple


def test_berm_is_0_8_to_3_2_km_inside_tunisia_everywhere(border: Border) -> None:
    x, y = _dense(border.berm)
    dist = np.array([border.boundary.distance(Point(a, b)) for a, b in zip(x, y, strict=True)])
    assert dist.min() >= 800.0
    assert dist.max() <= 3_200.0
    # Right of the boundary walked north to south is Tunisia.
    assert np.all(side_of_line(border.boundary, x, y) == -1.0)


def test_boundary_ends_at_ras_ajdir_and_borj_el_khadra(border: Border) -> None:
    assert _metres_to(Point(border.boundary.coords[0]), RAS_AJDIR) < 1_000.0
    assert _metres_to(Point(border.boundary.coords[-1]), BORJ_EL_KHADRA) < 1_000.0


def test_berm_runs_north_to_south_from_ras_ajdir(border: Border) -> None:
    assert _metres_to(Point(border.berm.coords[0]), RAS_AJDIR) < 5_000.0
    assert border.berm.coords[0][1] > border.berm.coords[-1][1]


@pytest.mark.parametrize("crossing_id", ["ras-ajdir", "dehiba-wazen"])
def test_crossing_corridor_contains_its_post(border: Border, crossing_id: str) -> None:
    crossing = {c.id: c for c in border.crossings}[crossing_id]
    assert crossing.corridor.contains(crossing.point)
    assert crossing.road.distance(crossing.point) < 1.0
    assert crossing.point.distance(border.boundary) < 500.0
    inside = border.corridor_contains(np.array([crossing.point.x]), np.array([crossing.point.y]))
    assert inside.tolist() == [True]


def test_corridor_contains_is_vectorised_and_narrow(border: Border) -> None:
    c = border.crossings[0]
    x = np.array([[c.point.x, c.point.x + 5_000.0]])
    y = np.array([[c.point.y, c.point.y + 5_000.0]])
    assert border.corridor_contains(x, y).tolist() == [[True, False]]


def test_everything_is_south_of_33_2_n(border: Border) -> None:
    geoms = [border.boundary, border.berm, border.open_line]
    geoms += [c.point for c in border.crossings] + [c.road for c in border.crossings]
    geoms += [b.point for b in border.breaches] + [p.point for p in border.places.values()]
    for g in geoms:
        xy = np.asarray(g.coords)
        _, lat = to_lonlat(xy[:, 0], xy[:, 1])
        assert lat.max() < 33.2


@pytest.mark.parametrize(
    ("place", "side"),
    [("abu-kammash", 1.0), ("wazen", 1.0), ("ben-guerdane", -1.0), ("dehiba", -1.0)],
)
def test_libya_is_left_of_the_boundary_going_south(border: Border, place: str, side: float) -> None:
    p = border.places[place].point
    assert side_of_line(border.boundary, np.array([p.x]), np.array([p.y])).tolist() == [side]


def test_breaches_are_on_the_berm(border: Border) -> None:
    assert border.breaches
    for b in border.breaches:
        assert b.point.distance(border.berm) < 50.0
        assert b.width_m > 0.0


def test_open_line_joins_berm_end_to_the_tripoint(border: Border) -> None:
    line = border.open_line
    assert Point(line.coords[0]).distance(Point(border.berm.coords[-1])) < 1e-6
    assert Point(line.coords[-1]).distance(Point(border.boundary.coords[-1])) < 1e-6
    dehiba = {c.id: c for c in border.crossings}["dehiba-wazen"]
    assert line.distance(dehiba.point) < 1e-6


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "border.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_border(tmp_path / "nope.geojson")


def test_a_border_without_a_berm_is_a_config_error(tmp_path: Path) -> None:
    doc = json.loads(DEFAULT_BORDER.read_text(encoding="utf-8"))
    doc["features"] = [f for f in doc["features"] if f["properties"]["kind"] != "berm"]
    with pytest.raises(ConfigError, match="berm"):
        load_border(_write(tmp_path, doc))


def test_a_crossing_without_a_road_is_a_config_error(tmp_path: Path) -> None:
    doc = json.loads(DEFAULT_BORDER.read_text(encoding="utf-8"))
    doc["features"] = [
        f for f in doc["features"] if f["properties"].get("crossing") != "dehiba-wazen"
    ]
    with pytest.raises(ConfigError, match="dehiba-wazen"):
        load_border(_write(tmp_path, doc))
