"""Radar false plots: a Poisson stream of about clutter_per_scan x clutter_scale per scan,
inside the radar's coverage; a dust storm raises it and shortens the detection range."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.arrays import IntArray
from borderwatch.geo.sites import RadarSpec
from borderwatch.messages import Detection

from .handmade import chunk, conditions, place, radar, radial, sent, storm

SCANS = 600


def _per_scan(dets: list[Detection]) -> IntArray:
    """False plots in each of the chunk's scans (a scan's plots share its time stamp)."""
    _, counts = np.unique([d.time_ns for d in dets], return_counts=True)
    out: IntArray = np.r_[counts, np.zeros(SCANS - len(counts), np.int64)]
    return out


@pytest.mark.parametrize(
    ("per_scan", "scale"),
    [(0.5, 1.0), (2.0, 1.0), (2.0, 0.5), (4.0, 0.25)],
    ids=["0.5x1", "2x1", "2x0.5", "4x0.25"],
)
def test_clutter_is_poisson_at_the_spec_rate(per_scan: float, scale: float) -> None:
    spec = RadarSpec(clutter_per_scan=per_scan)
    dets, _ = sent(radar(spec, clutter_scale=scale), chunk([]), conditions())
    n = _per_scan(dets)
    mean = per_scan * scale
    assert abs(n.mean() - mean) < 4.0 * np.sqrt(mean / SCANS) + 1e-9
    assert 0.75 < n.var() / n.mean() < 1.25  # Poisson: variance = mean
    r = np.array([d.range_m for d in dets])
    assert (r >= 150.0).all()
    assert (r <= spec.range_m + 60.0).all()
    off = np.mod(np.array([d.bearing_deg for d in dets]) - spec.az_center_deg + 180, 360) - 180
    assert (np.abs(off) <= spec.az_width_deg / 2 + 3.0).all()


def test_no_clutter_when_scaled_to_zero() -> None:
    dets, _ = sent(radar(clutter_scale=0.0), chunk([]), conditions())
    assert dets == []


def test_storm_raises_clutter() -> None:
    spec = RadarSpec(clutter_per_scan=0.5)
    calm, _ = sent(radar(spec, clutter_scale=1.0), chunk([]), conditions())
    dusty, _ = sent(radar(spec, clutter_scale=1.0), chunk([]), conditions(storms=[storm(0.8)]))
    # The model: x (1 + 6 severity) = x 5.8 at severity 0.8.
    assert 4.5 < len(dusty) / len(calm) < 7.0


def test_storm_shortens_detection_range() -> None:
    site = place("X01-R")
    walker = radial(site, 7000.0, 1.3)
    clear, _ = sent(radar(), chunk([walker]), conditions())
    dusty, _ = sent(radar(), chunk([walker]), conditions(storms=[storm(0.8)]))
    assert len(clear) / SCANS > 0.85
    assert len(dusty) / SCANS < 0.1
    near = radial(site, 2000.0, 1.3)
    dusty_near, _ = sent(radar(), chunk([near]), conditions(storms=[storm(0.8)]))
    assert len(dusty_near) / SCANS > 0.85  # still seen closer in
