"""WGS 84 <-> UTM 32N, and geodesic azimuth/distance: round trips and one pinned value."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given
from pyproj import Transformer

from borderwatch.geo import (
    UTM_EPSG,
    destination,
    grid_factors,
    grid_polar,
    polar,
    to_lonlat,
    to_utm,
)

# The border's bounding box, with a margin: Borj el-Khadra to Ras Ajdir and beyond.
LONS = st.floats(9.0, 12.5)
LATS = st.floats(29.5, 33.6)
RAS_AJDIR = (11.566, 33.148)


def test_frame_is_utm_32n() -> None:
    assert UTM_EPSG == 32632


def test_ras_ajdir_matches_pyproj_epsg_32632() -> None:
    x, y = to_utm(*RAS_AJDIR)
    ref_x, ref_y = Transformer.from_crs(4326, 32632, always_xy=True).transform(*RAS_AJDIR)
    assert abs(float(x) - ref_x) < 1.0
    assert abs(float(y) - ref_y) < 1.0
    # Pinned once from pyproj 3.7 so a silent change of frame (zone, axis order) shows.
    assert float(x) == pytest.approx(739_336.4, abs=1.0)
    assert float(y) == pytest.approx(3_670_626.1, abs=1.0)


def test_axis_order_is_lon_lat_and_x_y() -> None:
    x, _ = to_utm([10.0, 11.0], [32.0, 32.0])
    assert x[1] > x[0]  # east is +x
    _, y2 = to_utm([10.0, 10.0], [32.0, 33.0])
    assert y2[1] > y2[0]  # north is +y


@given(st.lists(st.tuples(LONS, LATS), min_size=1, max_size=50))
def test_round_trip_under_a_millimetre(points: list[tuple[float, float]]) -> None:
    lon, lat = np.array(points).T
    x, y = to_utm(lon, lat)
    lon2, lat2 = to_lonlat(x, y)
    x2, y2 = to_utm(lon2, lat2)
    assert np.all(np.hypot(x2 - x, y2 - y) < 1e-3)
    # 1 mm is ~1e-8 degrees at this latitude.
    assert np.all(np.abs(lon2 - lon) < 1e-8)
    assert np.all(np.abs(lat2 - lat) < 1e-8)


def test_shapes_are_kept() -> None:
    lon = np.full((3, 2), 10.5)
    lat = np.full((3, 2), 32.0)
    x, y = to_utm(lon, lat)
    assert x.shape == y.shape == (3, 2)
    lon2, lat2 = to_lonlat(x, y)
    assert lon2.shape == lat2.shape == (3, 2)
    assert to_utm(10.5, 32.0)[0].shape == ()


@given(LONS, LATS, st.floats(0.0, 360.0, exclude_max=True), st.floats(1.0, 60_000.0))
def test_destination_then_polar_gives_back_azimuth_and_distance(
    lon0: float, lat0: float, az: float, dist: float
) -> None:
    lon, lat = destination(lon0, lat0, az, dist)
    az2, dist2 = polar(lon0, lat0, lon, lat)
    assert float(dist2) == pytest.approx(dist, abs=1e-3)
    diff = (float(az2) - az + 180.0) % 360.0 - 180.0
    assert abs(diff) < 1e-6
    assert 0.0 <= float(az2) < 360.0


@given(LONS, LATS, LONS, LATS)
def test_polar_then_destination_lands_on_the_point(
    lon0: float, lat0: float, lon: float, lat: float
) -> None:
    az, dist = polar(lon0, lat0, lon, lat)
    lon2, lat2 = destination(lon0, lat0, az, dist)
    x, y = to_utm(lon, lat)
    x2, y2 = to_utm(lon2, lat2)
    assert float(np.hypot(x2 - x, y2 - y)) < 1e-3


def test_polar_known_directions() -> None:
    lon0, lat0 = 10.5, 32.0
    az, dist = polar(
        lon0, lat0, [lon0, lon0 + 0.1, lon0, lon0 - 0.1], [lat0 + 0.1, lat0, lat0 - 0.1, lat0]
    )
    assert az[0] == pytest.approx(0.0, abs=1e-9) or az[0] == pytest.approx(360.0, abs=1e-9)
    assert az[1] == pytest.approx(90.0, abs=0.1)  # a parallel is not a geodesic: ~0.03 deg off
    assert az[2] == pytest.approx(180.0, abs=1e-9)
    assert az[3] == pytest.approx(270.0, abs=0.1)
    assert dist[0] == pytest.approx(11_086, rel=1e-3)  # 0.1 deg of latitude at 32 N
    assert np.all((az >= 0.0) & (az < 360.0))


def test_polar_agrees_with_utm_distance_nearby() -> None:
    """Over 10 km the geodesic and the UTM distance differ only by the scale factor."""
    lon, lat = destination(10.5, 32.0, 45.0, 10_000.0)
    x0, y0 = to_utm(10.5, 32.0)
    x, y = to_utm(lon, lat)
    assert float(np.hypot(x - x0, y - y0)) == pytest.approx(10_000.0, rel=1e-3)


@given(
    lon=LONS,
    lat=LATS,
    az=st.floats(0.0, 360.0, exclude_max=True),
    dist=st.floats(10.0, 20_000.0),
)
def test_grid_polar_agrees_with_the_geodesic_then_the_projection(
    lon: float, lat: float, az: float, dist: float
) -> None:
    # The feed's closed form for radar plots and camera bearings: within 0.005 degrees and
    # 5 cm of the geodesic destination projected to UTM, over 20 km anywhere on the border.
    x0, y0 = to_utm(lon, lat)
    lon1, lat1 = destination(lon, lat, az, dist)
    x1, y1 = to_utm(lon1, lat1)
    want_az = np.arctan2(x1 - x0, y1 - y0)
    want_r = np.hypot(x1 - x0, y1 - y0)
    gamma, k = grid_factors(lon, lat)
    got_az, got_r = grid_polar(float(x0), gamma, k, np.array([az]), np.array([dist]))
    off = (got_az[0] - want_az + np.pi) % (2 * np.pi) - np.pi
    assert abs(np.degrees(off)) < 0.005
    assert abs(got_r[0] - want_r) < 0.05
