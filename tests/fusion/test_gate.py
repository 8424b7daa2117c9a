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
