"""The map's fixed layers: the border document and the sites with their coverage, as a
console reads them (GeoJSON in degrees, one `layer` per feature), and who may read them."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Point, shape

from borderwatch.api.layout import fan
from borderwatch.geo.border import DEFAULT_BORDER
from borderwatch.geo.sites import RADAR_MIN_RANGE_M, TowerSpec

from .conftest import Api


def _get(api: Api, path: str, user: str = "op1") -> dict[str, Any]:
    r = api.client.get(f"/api/v1{path}", headers=api.auth(user))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["type"] == "FeatureCollection"
    return dict(doc)


def _layers(doc: dict[str, Any]) -> Counter[str]:
    return Counter(f["properties"]["layer"] for f in doc["features"])


def test_border_berm_crossings_and_places(api: Api) -> None:
    doc = _get(api, "/border")
    assert _layers(doc) == {
        "border": 1,
        "berm": 1,
        "road": 2,
        "crossing": 2,
        "breach": 2,
        "place": 6,
    }
    crossing = next(
        f
        for f in doc["features"]
        if f["properties"]["layer"] == "crossing" and f["properties"]["id"] == "ras-ajdir"
    )
    lon, lat = crossing["geometry"]["coordinates"]
    # Where the border's data file has it (through UTM and back: within ~0.1 m).
    raw = json.loads(DEFAULT_BORDER.read_text(encoding="utf-8"))
    (want,) = [f for f in raw["features"] if f["properties"].get("id") == "ras-ajdir"]
    assert (lon, lat) == pytest.approx(want["geometry"]["coordinates"], abs=2e-6)
    assert crossing["properties"]["name"] == "Ras Ajdir"
    berm = shape(next(f for f in doc["features"] if f["properties"]["layer"] == "berm")["geometry"])
    assert berm.geom_type == "LineString"
    # The berm is in Tunisia, ~2 km inside the boundary: west of it at every latitude.
    assert berm.bounds[0] > 9.5
    assert berm.bounds[2] < 11.7
    # Served twice, the same bytes (built once).
    assert api.client.get("/api/v1/border", headers=api.auth("op1")).json() == doc


def test_sites_and_their_coverage(api: Api) -> None:
    doc = _get(api, "/sites")
    layers = _layers(doc)
    layout = api.service.layout  # this service watches N03 only
    towers = list(layout.towers)
    assert layers["tower"] == len(towers) > 0
    specs = [t.spec for t in towers if isinstance(t.spec, TowerSpec)]
    assert layers["radar_coverage"] == len([s for s in specs if s.radar is not None])
    assert layers["camera_coverage"] == len([s for s in specs if s.camera is not None])
    assert layers["ugs"] == layers["ugs_coverage"] == len(layout.ugs)
    assert layers["line_sensor"] == len(layout.line_sensors)
    assert layers["patrol_base"] == len(layout.patrol_bases)
    assert {
        f["properties"].get("sector") for f in doc["features"] if "sector" in f["properties"]
    } == {"N03"}
    # Areas come first, so a map drawing in order puts the sites on top.
    kinds = [f["properties"]["layer"] for f in doc["features"]]
    areas = {"radar_coverage", "camera_coverage", "ugs_coverage", "radar_shadow"}
    first_site = next(i for i, k in enumerate(kinds) if k not in areas)
    assert all(k not in areas for k in kinds[first_site:])
    # Each radar's fan holds its tower's neighbourhood out to its range, in degrees.
    tower = next(f for f in doc["features"] if f["properties"]["layer"] == "tower")
    radar = next(
        f
        for f in doc["features"]
        if f["properties"]["layer"] == "radar_coverage"
        and f["properties"]["id"] == tower["properties"]["id"]
    )
    area = shape(radar["geometry"])
    assert area.is_valid
    assert radar["properties"]["range_m"] == 18_000.0
    lon, lat = tower["geometry"]["coordinates"]
    assert area.distance(Point(lon, lat)) < 0.001  # its apex (the blind range) is at the tower
    assert 0.1 < area.bounds[2] - area.bounds[0] < 0.45  # ~18 km of longitude or more


@pytest.mark.parametrize(
    ("width", "inside", "outside"), [(90.0, 45.0, 135.0), (200.0, 180.0, 300.0)]
)
def test_a_fan_covers_its_sector_and_range(width: float, inside: float, outside: float) -> None:
    c = Point(600_000.0, 3_600_000.0)
    f = fan(c, 10_000.0, 90.0 if width == 200.0 else 45.0, width)
    assert f.is_valid

    def at(az: float, r: float) -> Point:
        return Point(c.x + r * np.sin(np.radians(az)), c.y + r * np.cos(np.radians(az)))

    assert f.contains(at(inside, 9_000.0))
    assert not f.contains(at(inside, 11_000.0))
    assert not f.contains(at(inside, RADAR_MIN_RANGE_M / 2))
    assert not f.contains(at(outside, 5_000.0))
    full = fan(c, 10_000.0, 0.0, 360.0)
    assert full.contains(at(outside, 5_000.0))
    assert not full.contains(c)


def test_who_may_read_them(api: Api) -> None:
    # A partner sees released incidents only: not our sensors, not our layout.
    for path in ("/border", "/sites"):
        r = api.client.get(f"/api/v1{path}", headers=api.auth("ly1"))
        assert r.status_code == 403, path
        assert api.client.get(f"/api/v1{path}").status_code == 401
