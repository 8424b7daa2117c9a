"""The map's fixed layers: the border document, the sites with their coverage and the alert
zones, as a console reads them (GeoJSON in degrees, one `layer` per feature), and who may
read them."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import msgspec
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from borderwatch.api.layout import fan, zone_layers
from borderwatch.geo import load_border, to_lonlat
from borderwatch.geo.border import DEFAULT_BORDER
from borderwatch.geo.sites import RADAR_MIN_RANGE_M, TowerSpec
from borderwatch.rules import BarrierLine, RulesConfig
from borderwatch.rules.config import Approach, Loitering, Tracks
from tests.rules.scenes import frame

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
    for path in ("/border", "/sites", "/zones"):
        r = api.client.get(f"/api/v1{path}", headers=api.auth("ly1"))
        assert r.status_code == 403, path
        assert api.client.get(f"/api/v1{path}").status_code == 401


@pytest.fixture(scope="module")
def barrier() -> BarrierLine:
    return BarrierLine(load_border())


def _out(barrier: BarrierLine, along_m: float, depth_m: float) -> Point | None:
    """The point `depth_m` out from the watch line at `along_m` (+ into Libya), in degrees;
    None where a bend brings another part of the line nearer (its depth is not `depth_m`)."""
    p, _, normal = frame(barrier, along_m)
    x, y = p + depth_m * normal
    if abs(barrier.depth(np.array([x]), np.array([y]))[0] - depth_m) > 1.0:
        return None
    lon, lat = to_lonlat(x, y)
    return Point(float(lon), float(lat))


def _zone(doc: dict[str, Any], layer: str) -> BaseGeometry:
    (f,) = [f for f in doc["features"] if f["properties"]["layer"] == layer]
    return shape(f["geometry"])


def test_the_alert_zones(api: Api, barrier: BarrierLine) -> None:
    r = api.client.get("/api/v1/zones", headers=api.auth("op1"))
    # The whole border's zones at 20 m: a small document (~36 kB).
    assert len(r.content) < 60_000
    doc = _get(api, "/zones")
    assert _layers(doc) == {"approach_zone": 1, "loitering_zone": 1, "corridor": 2}
    rules = api.service.options.config.rules
    props = {(f["properties"]["layer"], f["properties"].get("id", "")): f for f in doc["features"]}
    assert props["approach_zone", ""]["properties"]["rule"] == "approach"
    assert props["approach_zone", ""]["properties"]["distance_m"] == rules.approach.depth_m
    assert props["loitering_zone", ""]["properties"]["distance_m"] == rules.loitering.zone_m
    ras_ajdir = props["corridor", "ras-ajdir"]["properties"]
    assert ras_ajdir["distance_m"] == rules.tracks.corridor_margin_m
    assert ras_ajdir["name"] == "Ras Ajdir"
    approach, loitering = _zone(doc, "approach_zone"), _zone(doc, "loitering_zone")
    assert approach.is_valid
    assert loitering.is_valid
    # Along the whole line, north to south: the approach band is on the Libyan side only.
    seen: Counter[float] = Counter()
    for along in np.linspace(1_000.0, barrier.line.length - 1_000.0, 40):
        for depth, zone, inside in (
            (3_000.0, approach, True),
            (-3_000.0, approach, False),
            (800.0, loitering, True),
            (-800.0, loitering, True),
            (-1_300.0, loitering, False),
            (1_300.0, loitering, False),
        ):
            if (point := _out(barrier, along, depth)) is not None:
                assert zone.contains(point) == inside, (along, depth)
                seen[depth] += 1
    assert min(seen.values()) >= 20  # of 40: most of the line is straight enough to check
    # Each crossing's post is in its corridor; the corridors are far apart.
    border = json.loads(DEFAULT_BORDER.read_text(encoding="utf-8"))
    posts = {f["properties"]["id"]: f for f in border["features"] if "id" in f["properties"]}
    for cid in ("ras-ajdir", "dehiba-wazen"):
        corridor = shape(props["corridor", cid]["geometry"])
        assert corridor.contains(shape(posts[cid]["geometry"])), cid
    # Built once: the same bytes the second time.
    assert api.client.get("/api/v1/zones", headers=api.auth("op1")).content == r.content


def test_the_approach_band_is_where_the_rule_measures(barrier: BarrierLine) -> None:
    # Random points along the whole line and around both its ends: in the drawn band exactly
    # when the rule's depth is in (0, depth_m], but for those within 30 m of an edge (drawn
    # to 20 m).
    rng = np.random.default_rng(5)
    n = 1_500
    along, out = rng.uniform(0.0, barrier.line.length, n), rng.uniform(-8e3, 8e3, n)
    xy = np.array(
        [frame(barrier, s)[0] + d * frame(barrier, s)[2] for s, d in zip(along, out, strict=True)]
    )
    for end in (barrier.line.coords[0], barrier.line.coords[-1]):
        xy = np.r_[xy, np.asarray(end) + rng.uniform(-8e3, 8e3, (n // 3, 2))]
    depth = barrier.depth(xy[:, 0], xy[:, 1])
    band = shape(zone_layers(load_border(), RulesConfig()).features[0].geometry)
    inside = shapely.contains_xy(band, *to_lonlat(xy[:, 0], xy[:, 1]))
    near_edge = np.minimum(np.abs(depth), np.abs(np.abs(depth) - 6_000.0)) < 30.0
    want = (depth > 0.0) & (depth <= 6_000.0)
    assert want.sum() > n / 3
    assert not np.any((inside != want) & ~near_edge), depth[(inside != want) & ~near_edge]


def test_the_zones_follow_the_rules(barrier: BarrierLine) -> None:
    rules = RulesConfig(
        approach=Approach(depth_m=2_000.0),
        loitering=Loitering(enabled=False),
        tracks=Tracks(corridor_margin_m=0.0),
    )
    doc = msgspec_to_dict(zone_layers(load_border(), rules))
    assert _layers(doc) == {"approach_zone": 1, "corridor": 2}  # loitering raises nothing
    approach = _zone(doc, "approach_zone")
    inside, outside = _out(barrier, 300_000.0, 1_500.0), _out(barrier, 300_000.0, 3_000.0)
    assert inside is not None
    assert outside is not None
    assert approach.contains(inside)
    assert not approach.contains(outside)
    assert {f["properties"]["distance_m"] for f in doc["features"]} == {2_000.0, 0.0}


def msgspec_to_dict(layers: Any) -> dict[str, Any]:
    out: dict[str, Any] = msgspec.to_builtins(layers)
    return out
