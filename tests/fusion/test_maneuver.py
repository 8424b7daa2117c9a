"""Adjustable process noise (`fusion.maneuver`): the whitening, the fading average, its
statistic, and the tracker with it: a track left with a wrong velocity learns the right one
sooner, tracks on straight courses are followed as well as without it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from borderwatch.arrays import FloatArray
from borderwatch.fusion import RadarBatch, Tracker, TrackerConfig
from borderwatch.fusion.maneuver import (
    bias_average,
    bias_statistic,
    fold_innovations,
    scaled_q,
    whiten,
)


def radar_scan(t: float, pts: np.ndarray, rng: np.random.Generator) -> RadarBatch:
    """A radar at the origin (0.5 deg, 10 m) seeing every point of `pts` (K, 2)."""
    az = np.mod(
        np.arctan2(pts[:, 0], pts[:, 1]) + rng.normal(0, np.radians(0.5), len(pts)), 2 * np.pi
    )
    r = np.hypot(pts[:, 0], pts[:, 1]) + rng.normal(0, 10.0, len(pts))
    return RadarBatch(
        time_s=t,
        sensor_x=0.0,
        sensor_y=0.0,
        azimuth_rad=az,
        range_m=r,
        sigma_azimuth_rad=np.radians(0.5),
        sigma_range_m=10.0,
    )


def test_whitening_is_the_inverse_cholesky_factor() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(20, 2, 2))
    S = a @ a.transpose(0, 2, 1) + 0.1 * np.eye(2)
    nu = rng.normal(size=(20, 2)) * 5.0
    u = whiten(nu, S)
    L = np.linalg.cholesky(S)
    assert u == pytest.approx(np.linalg.solve(L, nu[:, :, None])[:, :, 0], rel=1e-10)
    d2 = (nu * np.linalg.solve(S, nu[:, :, None])[:, :, 0]).sum(axis=1)
    assert (u * u).sum(axis=1) == pytest.approx(d2, rel=1e-10)


def test_the_average_fades_and_takes_a_tracks_detections_together() -> None:
    bias = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    rows = np.array([0, 1, 1])
    u = np.array([[2.0, 2.0], [1.0, 0.0], [3.0, 0.0]])
    bias_average(bias, rows, u, 0.5, 3)
    assert bias[0] == pytest.approx([1.5, 1.0])
    assert bias[1] == pytest.approx([1.0, 1.0])  # the mean of its two, (2, 0), half-weighted
    assert bias[2] == pytest.approx([3.0, 3.0])  # not seen: unchanged
    one = np.array([[1.0, 0.0], [0.0, 2.0]])
    bias_average(one, np.array([1]), np.array([[2.0, 0.0]]), 0.25, 2)  # one per track
    assert one == pytest.approx(np.array([[1.0, 0.0], [1.5, 0.5]]))


def test_the_statistic_is_chi_square_2_on_white_noise_and_grows_with_a_bias() -> None:
    rng = np.random.default_rng(2)
    memory = 0.7
    bias: FloatArray = np.zeros((4000, 2))
    rows = np.arange(4000)
    stats = []
    for _ in range(60):
        bias_average(bias, rows, rng.normal(size=(4000, 2)), memory, 4000)
        stats.append(bias_statistic(bias, memory))
    late = np.concatenate(stats[30:])
    assert late.mean() == pytest.approx(2.0, rel=0.05)
    assert (late > 9.0).mean() == pytest.approx(np.exp(-4.5), abs=0.005)  # chi2(2) tail
    biased: FloatArray = np.zeros((1, 2))
    for _ in range(40):
        bias_average(biased, np.array([0]), np.array([[1.5, 0.0]]), memory, 1)
    assert bias_statistic(biased, memory)[0] == pytest.approx(1.5**2 * 1.7 / 0.3, rel=1e-3)


def test_the_compiled_forms_are_the_numpy_forms() -> None:
    rng = np.random.default_rng(4)
    for n, k in ((1, 1), (6, 9), (40, 30)):
        bias = rng.normal(size=(n, 2))
        rows = rng.integers(0, n, k)  # tracks seen twice or more in the batch as well
        a = rng.normal(size=(k, 2, 2))
        S = a @ a.transpose(0, 2, 1) + 0.1 * np.eye(2)
        nu = rng.normal(size=(k, 2)) * 3.0
        want = bias.copy()
        bias_average(want, rows, whiten(nu, S), 0.7, n)
        fold_innovations(bias, rows, nu, S, 0.7)
        assert bias == pytest.approx(want, rel=1e-12, abs=1e-12)
        q = rng.uniform(0.01, 1.0, n)
        confirmed = rng.random(n) < 0.7
        high = bias_statistic(bias, 0.7) > 1.0
        want_q = np.where(high & confirmed, q * 10.0, q)
        assert scaled_q(q, bias, confirmed, 0.7, 1.0, 10.0) == pytest.approx(want_q, rel=1e-15)


def _vehicle(t: float) -> np.ndarray:
    return np.array([[-3000.0 + 14.0 * t, 9000.0 + 5.0 * t]])


def _velocity_error_after_a_swap(config: TrackerConfig, seed: int) -> float:
    """A vehicle 9.5 km out, tracked for 60 scans; then its track's velocity is made 10 m/s
    wrong along the range (as when GNN hands it a crossing vehicle's plots for a scan or
    two); how wrong it still is 10 scans later (m/s)."""
    rng = np.random.default_rng(seed)
    trk = Tracker(config)
    for k in range(71):
        t = float(k)
        trk.process(radar_scan(t, _vehicle(t), rng))
        if k == 60:
            assert len(trk.tracks) == 1
            trk.tracks.x[0, 3] += 10.0
    near = np.argmin(np.hypot(*(trk.tracks.x[:, [0, 2]] - _vehicle(70.0)).T))
    return float(np.hypot(trk.tracks.x[near, 1] - 14.0, trk.tracks.x[near, 3] - 5.0))


def test_a_wrong_velocity_is_learnt_again_sooner_with_the_gain() -> None:
    on = [_velocity_error_after_a_swap(TrackerConfig(maneuver_threshold=9.0), s) for s in range(6)]
    off = [
        _velocity_error_after_a_swap(TrackerConfig(maneuver_threshold=float("inf")), s)
        for s in range(6)
    ]
    assert all(a <= b for a, b in zip(on, off, strict=True))
    assert np.mean(on) < 0.75 * np.mean(off)


def _run(
    config: TrackerConfig, path: Callable[[float], np.ndarray], scans: int, seed: int
) -> np.ndarray:
    """Position error per scan of the track nearest each target, inf where none."""
    rng = np.random.default_rng(seed)
    trk = Tracker(config)
    err = []
    for k in range(scans):
        t = float(k)
        trk.process(radar_scan(t, path(t), rng))
        _, xy = trk.estimates()
        truth = path(t)
        if len(xy) == 0:
            err.append(np.full(len(truth), np.inf))
            continue
        d = np.hypot(*(xy[None, :, :] - truth[:, None, :]).transpose(2, 0, 1))
        err.append(d.min(axis=1))
    return np.array(err)


def _straight(t: float) -> np.ndarray:
    return np.array([[-3000.0 + 12.0 * t, 7000.0 - 3.0 * t], [2500.0 - 1.2 * t, 5000.0]])


def test_straight_courses_are_tracked_as_well_with_the_gain() -> None:
    on = TrackerConfig(maneuver_threshold=9.0)
    off = TrackerConfig(maneuver_threshold=float("inf"))
    e_on = np.concatenate([_run(on, _straight, 80, s)[5:] for s in range(4)])
    e_off = np.concatenate([_run(off, _straight, 80, s)[5:] for s in range(4)])
    assert np.isfinite(e_on).all()
    assert np.isfinite(e_off).all()
    assert np.sqrt(np.mean(e_on**2)) < 1.1 * np.sqrt(np.mean(e_off**2))
