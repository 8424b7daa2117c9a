"""Layout.radar_covers: inside a radar's reach and azimuth field, outside its blind range and
out of every radar shadow; vectorised. Checked on a one-tower layout where the answer is known,
and against a plain scalar re-derivation on the default layout."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.geo import Layout, grid_azimuth, in_field, to_lonlat
from borderwatch.geo.sites import RADAR_MIN_RANGE_M, RadarTarget, TowerSpec, parse_sites

# A tower somewhere on the berm (UTM 32N m), its radar looking east, 200° wide.
TX, TY = 640_000.0, 3_640_000.0
CENTER, WIDTH = 90.0, 200.0
RANGE, PERSON, VEHICLE = 18_000.0, 8_000.0, 15_000.0
# A radar shadow 3 km east of it: a 1 km square.
SHADOW = [
    (TX + 2500, TY - 500),
    (TX + 3500, TY - 500),
    (TX + 3500, TY + 500),
    (TX + 2500, TY + 500),
]


def _lonlat(x: float, y: float) -> list[float]:
    lon, lat = to_lonlat(x, y)
    return [float(lon), float(lat)]


def _one_tower() -> Layout:
    radar = {"az_center_deg": CENTER, "az_width_deg": WIDTH, "range_m": RANGE}
    radar |= {"person_range_m": PERSON, "vehicle_range_m": VEHICLE}
    tower: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": _lonlat(TX, TY)},
        "properties": {"kind": "tower", "id": "T1", "sector": "N01", "radar": radar},
    }
    ring = [_lonlat(x, y) for x, y in [*SHADOW, SHADOW[0]]]
    shadow: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"kind": "radar_shadow", "id": "SH1", "sector": "N01"},
    }
    return parse_sites({"type": "FeatureCollection", "features": [tower, shadow]}, "test")


def _at(r: float, az: float) -> tuple[float, float]:
    """The point at grid range r and grid azimuth az from the tower."""
    a = math.radians(az)
    return TX + r * math.sin(a), TY + r * math.cos(a)


@pytest.mark.parametrize(
    ("r", "az", "target", "covered"),
    [
        (1000.0, CENTER, "any", True),
        (1000.0, CENTER + 180.0, "any", False),  # behind the radar: outside its 200° field
        (1000.0, CENTER + WIDTH / 2 - 1, "any", True),
        (1000.0, CENTER + WIDTH / 2 + 1, "any", False),
        (1000.0, CENTER - WIDTH / 2 + 1, "any", True),
        (1000.0, CENTER - WIDTH / 2 - 1, "any", False),
        (RADAR_MIN_RANGE_M - 10, CENTER, "any", False),  # the blind range
        (RADAR_MIN_RANGE_M + 10, CENTER, "any", True),
        (PERSON - 100, 45.0, "person", True),
        (PERSON + 100, 45.0, "person", False),
        (PERSON + 100, 45.0, "vehicle", True),
        (VEHICLE + 100, 45.0, "vehicle", False),
        (VEHICLE + 100, 45.0, "any", True),
        (RANGE - 100, 45.0, "any", True),
        (RANGE + 100, 45.0, "any", False),
        (3000.0, CENTER, "any", False),  # inside the shadow
        (3000.0, 45.0, "any", True),  # beside it
    ],
)
def test_one_tower(r: float, az: float, target: RadarTarget, covered: bool) -> None:
    x, y = _at(r, az)
    got = _one_tower().radar_covers(x, y, target)
    assert got.shape == ()
    assert bool(got) is covered


def test_keeps_the_shape_and_broadcasts() -> None:
    layout = _one_tower()
    x = np.full((3, 4), TX + 1000.0)
    assert layout.radar_covers(x, TY).shape == (3, 4)
    assert layout.radar_covers(x, np.full((3, 4), TY)).all()
    assert layout.radar_covers(np.array([]), np.array([])).shape == (0,)


def test_no_radar_no_cover() -> None:
    layout = _one_tower()
    bare = Layout(layout.source, (), (), (), layout.shadows, ())
    assert not bare.radar_covers(*_at(1000.0, CENTER)).any()


def test_default_layout_shadows_are_not_covered(layout: Layout) -> None:
    # Every ground sensor sits in a radar shadow, and the berm there is watched by nothing else.
    x = np.array([u.geometry.x for u in layout.ugs])
    y = np.array([u.geometry.y for u in layout.ugs])
    assert not layout.radar_covers(x, y).any()


def _scalar_oracle(layout: Layout, x: float, y: float, target: RadarTarget) -> bool:
    """The same question asked one tower at a time with plain floats."""
    if bool(layout.shadowed(np.array([x]), np.array([y]))[0]):
        return False
    for t in layout.towers:
        spec = t.spec
        assert isinstance(spec, TowerSpec)
        if spec.radar is None:
            continue
        g = t.geometry
        dx, dy = x - g.bounds[0], y - g.bounds[1]
        r = math.hypot(dx, dy)
        az = math.degrees(math.atan2(dx, dy)) % 360.0
        off = (az - spec.radar.az_center_deg + 180.0) % 360.0 - 180.0
        if (
            RADAR_MIN_RANGE_M <= r <= spec.radar.reach_m(target)
            and abs(off) <= spec.radar.az_width_deg / 2
        ):
            return True
    return False


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.0, 1.0), st.floats(-12_000.0, 12_000.0)), min_size=1, max_size=20
    ),
    st.sampled_from(["any", "person", "vehicle"]),
)
def test_matches_a_scalar_oracle_on_the_default_layout(
    layout: Layout, points: list[tuple[float, float]], target: RadarTarget
) -> None:
    # Points along the towers' span, pushed off it east or west.
    xs0, ys0 = np.array([t.geometry.bounds[:2] for t in layout.towers]).T
    s, off = np.array(points).T
    y = ys0.min() + s * (ys0.max() - ys0.min())
    x = np.interp(y, np.sort(ys0), xs0[np.argsort(ys0)]) + off
    got = layout.radar_covers(x, y, target)
    want = [_scalar_oracle(layout, float(a), float(b), target) for a, b in zip(x, y, strict=True)]
    assert got.tolist() == want


@settings(max_examples=60, deadline=None)
@given(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4))
def test_person_reach_within_vehicle_reach_within_range(dx: float, dy: float) -> None:
    layout = _one_tower()
    x, y = TX + dx, TY + dy
    person, vehicle, anything = (layout.radar_covers(x, y, t) for t in ("person", "vehicle", "any"))
    assert not person or vehicle
    assert not vehicle or anything


# Half degrees: every sum below is exact in floating point, boundaries included.
halves = st.integers(-1440, 1440).map(lambda n: n / 2)


@given(halves, halves, st.integers(1, 720).map(lambda n: n / 2))
def test_in_field_is_periodic_and_symmetric(az: float, center: float, width: float) -> None:
    a, c = np.array([az]), center % 360.0
    assert in_field(a, c, width) == in_field(a + 360.0, c, width)
    assert in_field(a, c, width) == in_field(np.array([2 * c - az]), c, width)
    assert in_field(np.array([c]), c, width).all()


def test_grid_azimuth_is_clockwise_from_grid_north() -> None:
    dx, dy = np.array([0.0, 1.0, 0.0, -1.0]), np.array([1.0, 0.0, -1.0, 0.0])
    assert grid_azimuth(dx, dy).tolist() == [0.0, 90.0, 180.0, 270.0]
