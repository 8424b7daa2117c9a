"""Measurement models: the radar's h, its Jacobian, the converted position, angle wrapping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderwatch.fusion import PositionBatch, RadarBatch
from borderwatch.fusion.measurements import wrap_angle

J0 = np.zeros(3, np.int64)  # detection 0 for every state: one sensor


def radar(az: list[float], r: list[float]) -> RadarBatch:
    return RadarBatch(
        time_s=0.0,
        sensor_x=1000.0,
        sensor_y=-2000.0,
        azimuth_rad=np.array(az),
        range_m=np.array(r),
        sigma_azimuth_rad=0.01,
        sigma_range_m=10.0,
    )


def test_due_north_is_azimuth_zero_and_due_east_is_half_pi() -> None:
    b = radar([0.0], [1.0])
    x = np.array([[1000.0, 0.0, 3000.0, 0.0], [6000.0, 0.0, -2000.0, 0.0]])
    zhat, _ = b.predict(x, J0[:2])
    assert zhat[0] == pytest.approx([0.0, 5000.0])
    assert zhat[1] == pytest.approx([np.pi / 2, 5000.0])


@given(st.floats(-8000, 8000), st.floats(-8000, 8000))
def test_jacobian_matches_finite_differences(px: float, py: float) -> None:
    b = radar([0.0], [1.0])
    x = np.array([[b.sensor_x + px, 1.0, b.sensor_y + py, -1.0]])
    if np.hypot(px, py) < 100.0:
        return
    _, H = b.predict(x, J0[:1])
    eps = 1e-3
    for k in (0, 2):
        dx = np.zeros((1, 4))
        dx[0, k] = eps
        num = b.residual(b.predict(x + dx, J0[:1])[0], b.predict(x - dx, J0[:1])[0]) / (2 * eps)
        assert num[0] == pytest.approx(H[0, :, k], rel=1e-4, abs=1e-9)


def test_converted_position_inverts_h() -> None:
    b = radar([0.3, 2.0, 5.5], [1200.0, 8000.0, 15000.0])
    xy, cov = b.converted()
    x = np.c_[xy[:, 0], np.zeros(3), xy[:, 1], np.zeros(3)]
    zhat, _ = b.predict(x, np.arange(3))
    assert zhat[:, 1] == pytest.approx(b.range_m)
    assert wrap_angle(zhat[:, 0] - b.azimuth_rad) == pytest.approx(np.zeros(3), abs=1e-12)
    # cross-range spread grows with range: sigma_az * r
    assert np.sqrt(np.linalg.eigvalsh(cov)[:, -1]) == pytest.approx(0.01 * b.range_m, rel=1e-3)


def test_residual_wraps_across_north() -> None:
    b = radar([0.0], [1.0])
    d = b.residual(np.array([[0.01, 100.0]]), np.array([[2 * np.pi - 0.01, 90.0]]))
    assert d[0] == pytest.approx([0.02, 10.0])


def test_position_batch_picks_x_and_y() -> None:
    b = PositionBatch(time_s=0.0, xy=np.array([[1.0, 2.0]]), cov=np.eye(2)[None] * 4.0)
    zhat, H = b.predict(np.array([[5.0, 1.0, 7.0, -1.0]]), J0[:1])
    assert zhat[0] == pytest.approx([5.0, 7.0])
    assert H[0] == pytest.approx(np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0]]))


def test_each_detection_is_seen_from_its_own_sensor() -> None:
    b = RadarBatch(
        time_s=0.0,
        sensor_x=np.array([0.0, 1000.0]),
        sensor_y=np.array([0.0, 0.0]),
        azimuth_rad=np.zeros(2),
        range_m=np.ones(2),
        sigma_azimuth_rad=0.01,
        sigma_range_m=10.0,
        sensor_index=np.array([0, 1]),
    )
    x = np.array([[1000.0, 0.0, 1000.0, 0.0]] * 2)
    zhat, _ = b.predict(x, np.array([0, 1]))
    assert zhat[0] == pytest.approx([np.pi / 4, np.hypot(1000.0, 1000.0)])
    assert zhat[1] == pytest.approx([0.0, 1000.0])
    assert b.sensors().tolist() == [0, 1]
    assert b.times().tolist() == [0.0, 0.0]
