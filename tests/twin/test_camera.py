"""Thermal camera: the Johnson target-transfer function, and classification that is sharp
close in and nearly blind far out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderwatch.twin.sensors.camera import N50_DETECT, N50_RECOGNISE, johnson

from .handmade import camera, chunk, conditions, place, sent, standing

pixels = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)


@pytest.mark.parametrize("n50", [N50_DETECT, N50_RECOGNISE, 1.0, 3.5])
def test_half_at_n50(n50: float) -> None:
    assert johnson(np.array([n50]), n50)[0] == pytest.approx(0.5)


@given(pixels, pixels)
def test_more_pixels_never_hurt(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    pa, pb = johnson(np.array([lo, hi]), N50_RECOGNISE)
    assert 0.0 <= pa <= pb <= 1.0


def test_strictly_increasing_until_certain() -> None:
    n = np.linspace(0.01, 10.0 * N50_DETECT, 2000)
    assert (np.diff(johnson(n, N50_DETECT)) > 0).all()
    assert johnson(np.array([0.0]), N50_DETECT)[0] == 0.0
    assert johnson(np.array([1e6]), N50_DETECT)[0] == pytest.approx(1.0)


def _favour_truth(r: float) -> tuple[int, float]:
    """(detections, share whose likelihoods favour `person`) for a person standing `r` m out
    for an hour at night."""
    site = place("X01-C")
    dets, _ = sent(camera(), chunk([standing(site, r, t1=3600.0)], t1=3600.0), conditions())
    return len(dets), float(np.mean([d.classes.best() == "person" for d in dets]))


def test_short_range_classifies_better_than_long_range() -> None:
    n_near, near = _favour_truth(800.0)
    n_far, far = _favour_truth(10_000.0)
    assert n_near > n_far >= 50  # 720 frames an hour, a target in view half of them
    assert near > 0.8
    assert far < 0.4
