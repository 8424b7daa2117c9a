"""Starting tracks (fusion/initiate.py): the compiled loops give what the numpy forms they
replaced give, written out here as the definitions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.fusion.initiate import fuse_clusters, same_target_dense
from borderwatch.fusion.linalg import inv_small
from borderwatch.geo.groups import components

GATE_D2 = 16.0


def _numpy_same_target(xy: np.ndarray, cov: np.ndarray, sensor: np.ndarray) -> np.ndarray:
    n = len(xy)
    spread = float(np.sqrt(np.max(cov[:, 0, 0] + cov[:, 1, 1])))
    radius = np.sqrt(GATE_D2 * 2.0) * spread
    dx = xy[:, 0, None] - xy[None, :, 0]
    dy = xy[:, 1, None] - xy[None, :, 1]
    a, b = np.nonzero(np.triu(dx * dx + dy * dy <= radius * radius, 1))
    keep = sensor[a] != sensor[b]
    a, b = a[keep], b[keep]
    d = xy[a] - xy[b]
    Sinv, _ = inv_small(cov[a] + cov[b])
    d2 = (d * (Sinv @ d[:, :, None])[:, :, 0]).sum(axis=1)
    near = d2 <= GATE_D2
    return components(n, a[near], b[near])


def _numpy_fuse(
    xy: np.ndarray, cov: np.ndarray, label: np.ndarray, n: int, speed_var: float
) -> tuple[np.ndarray, np.ndarray]:
    info, _ = inv_small(cov)
    info_sum = np.zeros((n, 2, 2))
    np.add.at(info_sum, label, info)
    vec = np.zeros((n, 2))
    np.add.at(vec, label, (info @ xy[:, :, None])[:, :, 0])
    pos_cov, _ = inv_small(info_sum)
    pos = (pos_cov @ vec[:, :, None])[:, :, 0]
    x = np.zeros((n, 4))
    x[:, 0], x[:, 2] = pos[:, 0], pos[:, 1]
    P = np.zeros((n, 4, 4))
    P[:, 0, 0], P[:, 0, 2], P[:, 2, 0], P[:, 2, 2] = (
        pos_cov[:, 0, 0],
        pos_cov[:, 0, 1],
        pos_cov[:, 1, 0],
        pos_cov[:, 1, 1],
    )
    P[:, 1, 1] = P[:, 3, 3] = speed_var
    return x, P


def _detections(seed: int, n: int, sensors: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    # Targets seen by several sensors at once: a few points, each detection near one.
    centres = rng.uniform(0.0, 2_000.0, (max(1, n // 3), 2))
    xy = centres[rng.integers(0, len(centres), n)] + rng.normal(0.0, 15.0, (n, 2))
    A = rng.normal(size=(n, 2, 2))
    cov = A @ A.mT * rng.uniform(20.0, 400.0, (n, 1, 1)) + np.eye(2)
    sensor = rng.integers(0, sensors, n)
    return xy, cov, sensor


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), sensors=st.integers(1, 4))
def test_detections_of_one_target_cluster_as_in_numpy(seed: int, n: int, sensors: int) -> None:
    xy, cov, sensor = _detections(seed, n, sensors)
    got = same_target_dense(xy, cov, sensor, GATE_D2)
    assert got.tolist() == _numpy_same_target(xy, cov, sensor).tolist()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), sensors=st.integers(1, 4))
def test_a_clusters_new_track_is_the_numpy_fusion(seed: int, n: int, sensors: int) -> None:
    xy, cov, sensor = _detections(seed, n, sensors)
    label = _numpy_same_target(xy, cov, sensor) if n > 1 else np.zeros(1, np.int64)
    k = int(label.max()) + 1
    x, P = fuse_clusters(xy, cov, label, k, 4.0)
    want_x, want_P = _numpy_fuse(xy, cov, label, k, 4.0)
    np.testing.assert_allclose(x, want_x, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(P, want_P, rtol=1e-12, atol=1e-12)
