"""Radar measurement errors against geodesic truth: unbiased, with the spec's sigmas
(10 m in range, 0.5° in bearing), and bearings from true north that wrap at 0/360."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.arrays import FloatArray
from borderwatch.geo import destination, polar, to_lonlat, to_utm
from borderwatch.messages import Detection
from borderwatch.twin.movers import Mover
from borderwatch.twin.sensors import Radar

from .handmade import chunk, conditions, mover, place, radar, radial, sent, true_seconds

SITE = place("X01-R")


def _errors(r: Radar, target: Mover, dets: list[Detection]) -> tuple[FloatArray, FloatArray]:
    """(range error m, bearing error deg wrapped to [-180, 180)) of each detection."""
    t = np.array([true_seconds(r, d.time_ns) for d in dets])
    x, y, _, _, alive = target.sample(t)
    assert alive.all()
    lon, lat = to_lonlat(x, y)
    bearing, rng = polar(SITE.lon, SITE.lat, lon, lat)
    measured_r = np.array([d.range_m for d in dets], float)
    measured_b = np.array([d.bearing_deg for d in dets], float)
    return measured_r - rng, np.mod(measured_b - bearing + 180.0, 360.0) - 180.0


@pytest.mark.parametrize("seed", [1, 2])
def test_range_and_bearing_errors_match_the_spec(seed: int) -> None:
    r = radar(seed=seed)
    target = radial(SITE, 3000.0, 1.3, grid_az_deg=120.0)
    dets, _ = sent(r, chunk([target]), conditions())
    assert len(dets) >= 300
    dr, db = _errors(r, target, dets)
    assert abs(dr.mean()) < 2.0  # standard error ~0.4 m
    assert 8.5 < dr.std() < 11.5
    assert abs(db.mean()) < 0.1  # standard error ~0.02°
    assert 0.42 < db.std() < 0.58
    assert all(d.sigma_range_m == 10.0 and d.sigma_bearing_deg == 0.5 for d in dets)


def test_target_due_north_reads_bearing_near_zero() -> None:
    """True north, not grid north: here they differ by the meridian convergence (~1.3°)."""
    lon, lat = destination(SITE.lon, SITE.lat, [0.0, 0.0], [2500.0, 3500.0])
    x, y = to_utm(lon, lat)
    target = mover("foot_smuggler", [0.0, 600.0], list(x), list(y))  # walks due north
    r = radar()
    dets, _ = sent(r, chunk([target]), conditions())
    assert len(dets) >= 300
    b = np.array([d.bearing_deg for d in dets])
    assert ((b >= 0.0) & (b < 360.0)).all()
    assert (b > 359.0).any()  # noise straddles north...
    assert (b < 1.0).any()
    wrapped = np.mod(b + 180.0, 360.0) - 180.0
    assert abs(wrapped.mean()) < 0.1  # ...and it averages to north, not to 180°
    assert np.abs(wrapped).max() < 3.0
    _, db = _errors(r, target, dets)
    assert abs(db.mean()) < 0.1
