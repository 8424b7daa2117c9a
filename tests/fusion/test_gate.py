"""The gate's spatial pre-gate: every distance for small batches, a k-d tree for large ones;
both must find the same pairs in the same order."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.fusion import gate as gate_module
from borderwatch.fusion.gate import near_pairs


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    tracks=st.integers(1, 90),
    dets=st.integers(1, 90),
    span=st.sampled_from([500.0, 5_000.0, 50_000.0]),
)
def test_dense_and_tree_pre_gates_find_the_same_pairs(
    seed: int, tracks: int, dets: int, span: float
) -> None:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, span, (tracks, 2))
    pts = rng.uniform(0.0, span, (dets, 2))
    radius = rng.uniform(10.0, span / 4, tracks)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(gate_module, "DENSE_PAIRS", 10**9)
        di, dj = near_pairs(xy, pts, radius)
        mp.setattr(gate_module, "DENSE_PAIRS", -1)
        ti, tj = near_pairs(xy, pts, radius)
    assert di.tolist() == ti.tolist()
    assert dj.tolist() == tj.tolist()
    # And they are the pairs within each track's radius, by track then detection.
    want = [
        (a, b)
        for a in range(tracks)
        for b in range(dets)
        if np.hypot(*(xy[a] - pts[b])) <= radius[a] * (1 - 1e-12)
    ]
    got = set(zip(di.tolist(), dj.tolist(), strict=True))
    assert set(want) <= got


def _tracks(rng: np.random.Generator, n: int, span: float) -> tuple[np.ndarray, ...]:
    x = np.column_stack(
        (
            rng.uniform(0.0, span, n),
            rng.normal(0.0, 3.0, n),
            rng.uniform(0.0, span, n),
            rng.normal(0.0, 3.0, n),
        )
    )
    A = rng.normal(0.0, 1.0, (n, 4, 4))
    P = A @ A.mT * rng.uniform(1.0, 400.0, (n, 1, 1)) + np.eye(4)
    t = rng.uniform(-2.0, 0.0, n)
    q = rng.choice([0.05, 0.5, 2.0], n)
    return x, P, t, q


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    tracks=st.integers(1, 60),
    dets=st.integers(1, 60),
    camera=st.booleans(),
)
def test_the_compiled_gate_gives_the_numpy_gates_pairs(
    seed: int, tracks: int, dets: int, camera: bool
) -> None:
    """Radar plots and camera bearings take the compiled pass; it must find the numpy
    path's pairs, in its order, with its numbers (to rounding)."""
    from borderwatch.fusion.gate import gate
    from borderwatch.fusion.measurements import CameraBatch, RadarBatch

    rng = np.random.default_rng(seed)
    span = 3_000.0
    x, P, t, q = _tracks(rng, tracks, span)
    # Detections near some tracks (so that pairs pass) and some anywhere.
    near = x[rng.integers(0, tracks, dets)][:, [0, 2]] + rng.normal(0.0, 30.0, (dets, 2))
    sx = rng.uniform(-2_000.0, span + 2_000.0, dets)
    sy = rng.uniform(-2_000.0, -500.0, dets)
    dx, dy = near[:, 0] - sx, near[:, 1] - sy
    az = np.mod(np.arctan2(dx, dy) + rng.normal(0.0, 0.003, dets), 2 * np.pi)
    times = rng.uniform(0.0, 1.0, dets)
    batch: CameraBatch | RadarBatch
    if camera:
        batch = CameraBatch(
            time_s=1.0,
            det_time_s=times,
            sensor_x=sx,
            sensor_y=sy,
            azimuth_rad=az,
            range_m=np.full(dets, 6_000.0),
            sigma_azimuth_rad=rng.uniform(0.001, 0.01, dets),
        )
    else:
        batch = RadarBatch(
            time_s=1.0,
            det_time_s=times,
            sensor_x=sx,
            sensor_y=sy,
            azimuth_rad=az,
            range_m=np.hypot(dx, dy) + rng.normal(0.0, 10.0, dets),
            sigma_azimuth_rad=rng.uniform(0.002, 0.01, dets),
            sigma_range_m=rng.uniform(5.0, 30.0, dets),
        )
    fast = gate(x, P, t, q, batch, 16.0)
    slow = gate(x, P, t, q, batch, 16.0, compiled=False)
    assert fast.i.tolist() == slow.i.tolist()
    assert fast.j.tolist() == slow.j.tolist()
    for name in ("nu", "S", "d2", "logdet", "xp", "Pp", "H"):
        np.testing.assert_allclose(
            getattr(fast, name), getattr(slow, name), rtol=1e-9, atol=1e-9, err_msg=name
        )
