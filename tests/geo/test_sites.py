"""Site layouts: the packaged default loads with the expected equipment, and a broken layout
is a ConfigError naming the feature and the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from shapely.geometry import Point

from borderwatch.errors import ConfigError
from borderwatch.geo import Border, Layout, load_sites
from borderwatch.geo.sites import DEFAULT_SITES, RadarShadowSpec, TowerSpec, UgsSpec, parse_sites


def test_default_layout_counts(layout: Layout) -> None:
    assert len(layout.towers) == 26
    assert sum(1 for t in layout.towers if isinstance(t.spec, TowerSpec) and t.spec.mobile) == 6
    assert len(layout.ugs) == 20
    assert len(layout.line_sensors) == 10
    assert len(layout.shadows) == 5
    assert len(layout.patrol_bases) == 5


def test_ids_are_unique(layout: Layout) -> None:
    sites = [*layout.towers, *layout.ugs, *layout.line_sensors, *layout.shadows]
    ids = [s.id for s in [*sites, *layout.patrol_bases]]
    assert len(ids) == len(set(ids))


def test_geometry_types(layout: Layout) -> None:
    for s in [*layout.towers, *layout.ugs, *layout.patrol_bases]:
        assert s.geometry.geom_type == "Point"
    assert all(s.geometry.geom_type == "LineString" for s in layout.line_sensors)
    assert all(s.geometry.geom_type == "Polygon" for s in layout.shadows)
    assert all(s.geometry.is_valid for s in layout.shadows)


def test_every_ugs_lies_in_a_radar_shadow_of_its_sector(layout: Layout) -> None:
    for u in layout.ugs:
        homes = [s for s in layout.shadows if s.geometry.contains(u.geometry)]
        assert len(homes) == 1, u.id
        assert isinstance(homes[0].spec, RadarShadowSpec)
        assert isinstance(u.spec, UgsSpec)
        assert homes[0].spec.sector == u.spec.sector


def test_shadowed_is_vectorised(layout: Layout) -> None:
    x = np.array([u.geometry.x for u in layout.ugs] + [0.0])
    y = np.array([u.geometry.y for u in layout.ugs] + [0.0])
    assert layout.shadowed(x, y).tolist() == [True] * len(layout.ugs) + [False]


def test_line_sensors_follow_the_berm(layout: Layout, border: Border) -> None:
    for s in layout.line_sensors:
        assert max(border.berm.distance(Point(c)) for c in s.geometry.coords) < 1.0
        assert s.geometry.length > 10_000.0


def test_in_sectors_keeps_those_sectors_and_all_bases(layout: Layout) -> None:
    sub = layout.in_sectors({"N02"})
    assert {t.spec.sector for t in sub.towers if isinstance(t.spec, TowerSpec)} == {"N02"}
    assert len(sub.towers) == 2
    assert len(sub.ugs) == 4
    assert len(sub.line_sensors) == 1
    assert len(sub.patrol_bases) == 5


# A minimal valid layout to break one thing at a time.
VALID: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"kind": "tower", "id": "T01", "sector": "N01"},
            "geometry": {"type": "Point", "coordinates": [11.5, 33.1]},
        },
        {
            "type": "Feature",
            "properties": {"kind": "patrol_base", "id": "PB-1", "name": "Base"},
            "geometry": {"type": "Point", "coordinates": [11.2, 33.1]},
        },
    ],
}


def _broken(index: int, **props: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    for key, value in props.items():
        if value is None:
            del doc["features"][index]["properties"][key]
        else:
            doc["features"][index]["properties"][key] = value
    return doc


def test_minimal_layout_is_valid() -> None:
    layout = parse_sites(VALID, "mem")
    assert [t.id for t in layout.towers] == ["T01"]
    assert layout.towers[0].lonlat == (11.5, 33.1)


def _wrong_geometry() -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    doc["features"][0]["geometry"] = {"type": "LineString", "coordinates": [[11, 33], [12, 33]]}
    return doc


def _duplicate() -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    doc["features"].append(copy.deepcopy(doc["features"][0]))
    return doc


def _bad_coordinates() -> dict[str, Any]:
    doc = copy.deepcopy(VALID)
    doc["features"][1]["geometry"]["coordinates"] = [11.2]
    return doc


BAD: list[Any] = [
    pytest.param(_broken(0, kind="watchtower"), ["feature 0 (T01)", "properties.kind"], id="kind"),
    pytest.param(_broken(0, id=None), ["feature 0", "`id`"], id="missing-id"),
    pytest.param(_broken(1, name=None), ["feature 1 (PB-1)", "`name`"], id="missing-name"),
    pytest.param(
        _broken(0, radar={"range_m": -5.0}),
        ["feature 0 (T01)", "properties.radar.range_m"],
        id="negative-range",
    ),
    pytest.param(
        _broken(0, camera={"range_m": "far"}),
        ["feature 0 (T01)", "properties.camera.range_m"],
        id="wrong-type",
    ),
    pytest.param(
        _broken(0, radar={"az_center_deg": 360.0}),
        ["feature 0 (T01)", "properties.radar.az_center_deg"],
        id="azimuth-360",
    ),
    pytest.param(_broken(0, id="T 01"), ["feature 0 (T 01)", "properties.id"], id="bad-id"),
    pytest.param(_broken(0, colour="red"), ["feature 0 (T01)", "colour"], id="unknown-field"),
    pytest.param(
        _broken(0, radar={"rnage_m": 1.0}), ["feature 0 (T01)", "rnage_m"], id="unknown-nested"
    ),
    pytest.param(_wrong_geometry(), ["feature 0 (T01)", "Point geometry"], id="wrong-geometry"),
    pytest.param(_duplicate(), ["feature 2 (T01)", "duplicate id 'T01'"], id="duplicate-id"),
    pytest.param(_bad_coordinates(), ["feature 1 (PB-1)", "coordinates"], id="bad-coordinates"),
    pytest.param({"type": "Feature"}, ["FeatureCollection"], id="not-a-collection"),
    pytest.param([1, 2], ["FeatureCollection"], id="not-an-object"),
    pytest.param(
        {"type": "FeatureCollection", "features": [None]},
        ["feature 0", "not an object"],
        id="feature-not-object",
    ),
    pytest.param(
        {"type": "FeatureCollection", "features": 5}, ["features"], id="features-not-a-list"
    ),
    pytest.param(
        {"type": "FeatureCollection", "features": [{"geometry": None}]},
        ["feature 0", "object"],
        id="no-properties",
    ),
]


@pytest.mark.parametrize(("doc", "words"), BAD)
def test_bad_layout_names_feature_and_field(doc: Any, words: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        parse_sites(doc, "layout.geojson")
    assert info.value.source == "layout.geojson"
    for word in words:
        assert word in info.value.reason, info.value.reason


def test_load_sites_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps(VALID), encoding="utf-8")
    assert [p.id for p in load_sites(path).patrol_bases] == ["PB-1"]
    assert load_sites(DEFAULT_SITES).source == str(DEFAULT_SITES)


@pytest.mark.parametrize("text", ["{not json", None], ids=["malformed", "missing"])
def test_unreadable_file_is_a_config_error(tmp_path: Path, text: str | None) -> None:
    path = tmp_path / "sites.geojson"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read site layout") as info:
        load_sites(path)
    assert info.value.source == str(path)
