"""Global nearest neighbour over gated pairs: least total cost, misses when it is cheaper."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.arrays import BoolArray, FloatArray, IntArray
from borderwatch.fusion.associate import assign, swap_spread
from borderwatch.fusion.gate import Pairs


def pairs(i: list[int], j: list[int], d2: list[float]) -> Pairs:
    n = len(i)
    return Pairs(
        np.array(i, np.int64),
        np.array(j, np.int64),
        np.zeros((n, 2)),
        np.zeros((n, 2, 2)),
        np.array(d2),
        np.zeros(n),
        np.zeros((n, 4)),
        np.zeros((n, 4, 4)),
        np.zeros((n, 2, 4)),
    )


def test_global_not_greedy() -> None:
    # Greedy would give track 0 detection 0 (cost 1) and leave track 1 with a miss (cost 9);
    # the global optimum crosses over: 2 + 3 = 5 < 1 + 9.
    p = pairs([0, 0, 1], [0, 1, 0], [1.0, 2.0, 3.0])
    rows, dets = assign(p.i, p.j, p.d2, 2, 2, miss_cost=np.array([9.0, 9.0]))
    assert dict(zip(rows.tolist(), dets.tolist(), strict=True)) == {0: 1, 1: 0}


def test_a_miss_when_cheaper_than_any_pairing() -> None:
    p = pairs([0], [0], [8.0])
    rows, dets = assign(p.i, p.j, p.d2, 1, 1, miss_cost=np.array([5.0]))
    assert rows.size == 0
    assert dets.size == 0


def test_no_pairs_no_matches() -> None:
    p = pairs([], [], [])
    rows, dets = assign(p.i, p.j, p.d2, 3, 3, miss_cost=np.ones(3))
    assert rows.size == dets.size == 0


def rivals(d2: list[float], nu: list[list[float]]) -> Pairs:
    """Tracks 0 and 1 each gate detections 0 and 1 (pairs by track then detection)."""
    p = pairs([0, 0, 1, 1], [0, 1, 0, 1], d2)
    return replace(p, nu=np.array(nu, float))


NU = [[0.0, 0.0], [50.0, 0.0], [-50.0, 0.0], [0.0, 0.0]]  # the tracks 50 m apart in x


def test_an_even_swap_spreads_r_along_the_line_between_the_rivals() -> None:
    p = rivals([1.0, 1.0, 1.0, 1.0], NU)  # swapping costs nothing: p = 1/2
    rows, dets = np.array([0, 1]), np.array([0, 1])
    both = np.ones(2, bool)
    out = swap_spread(p, rows, dets, 2, np.zeros(2, np.int64), both, weight=2.0)
    assert out is not None
    # weight x p (1 - p) x delta delta^T, delta = nu(0,0) - nu(1,0) = (50, 0): along x only
    expected = 2.0 * 0.25 * np.array([[2500.0, 0.0], [0.0, 0.0]])
    assert out[0] == pytest.approx(expected)
    assert out[1] == pytest.approx(expected)


def test_a_clear_assignment_or_an_ineligible_rival_adds_nothing() -> None:
    rows, dets, sensor = np.array([0, 1]), np.array([0, 1]), np.zeros(2, np.int64)
    clear = rivals([0.1, 40.0, 40.0, 0.1], NU)  # the swap costs 80 more
    out = swap_spread(clear, rows, dets, 2, sensor, np.ones(2, bool), weight=2.0)
    assert out is not None
    assert np.abs(out).max() < 1e-10 * 2500.0
    even = rivals([1.0, 1.0, 1.0, 1.0], NU)
    assert swap_spread(even, rows, dets, 2, sensor, np.array([True, False])) is None


def test_no_swap_when_the_rival_cannot_take_the_other_detection() -> None:
    p = pairs([0, 1, 1], [0, 0, 1], [1.0, 1.0, 1.0])  # track 0 does not gate detection 1
    out = swap_spread(
        p, np.array([0, 1]), np.array([0, 1]), 2, np.zeros(2, np.int64), np.ones(2, bool)
    )
    assert out is None


def test_rivals_on_different_sensors_are_no_swap() -> None:
    # Each track took one detection, from different sensors: no swap of one sensor's plots.
    p = rivals([1.0, 1.0, 1.0, 1.0], NU)
    out = swap_spread(p, np.array([0, 1]), np.array([0, 1]), 2, np.array([0, 1]), np.ones(2, bool))
    assert out is None


def _numpy_where(keys: IntArray, table: IntArray) -> IntArray:
    """Index of each key in the sorted `table`, -1 where it is not there."""
    if len(table) == 0:
        return np.full(len(keys), -1, np.int64)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    found: IntArray = np.where(table[at] == keys, at, -1)
    return found


def _numpy_swap_spread(
    pairs: Pairs,
    rows: IntArray,
    dets: IntArray,
    n_dets: int,
    sensor: IntArray,
    eligible: BoolArray,
    weight: float = 1.0,
) -> FloatArray | None:
    """The numpy form `swap_spread` was compiled from."""
    ok = eligible[rows]
    if ok.sum() < 2:
        return None
    # A swap needs two detections each gated by two eligible tracks: usually there are none.
    shared = np.bincount(pairs.j[eligible[pairs.i]], minlength=n_dets) >= 2
    if shared.sum() < 2:
        return None
    r_ok, d_ok = rows[ok], dets[ok]
    owner = np.full(n_dets, -1, np.int64)
    owner[d_ok] = r_ok
    # Rivals: another eligible track gating a detection that `owner` took.
    r = owner[pairs.j]
    rival = (r >= 0) & (r != pairs.i) & eligible[pairs.i]
    if not rival.any():
        return None
    kd = np.flatnonzero(rival)
    k, d, r = pairs.i[kd], pairs.j[kd], r[kd]
    # The rival's own detection from the same sensor ...
    n_s = int(sensor.max()) + 1
    key = r_ok * n_s + sensor[d_ok]
    order = np.argsort(key)
    slot = _numpy_where(k * n_s + sensor[d], key[order])
    keep = slot >= 0
    kd, k, d, r, slot = kd[keep], k[keep], d[keep], r[keep], slot[keep]
    d2 = d_ok[order][slot]
    # ... which r must gate too for the swap to be possible.
    pair_key = pairs.i * n_dets + pairs.j
    rd2 = _numpy_where(r * n_dets + d2, pair_key)
    keep = rd2 >= 0
    if not keep.any():
        return None
    kd, k, d, r, d2, rd2 = kd[keep], k[keep], d[keep], r[keep], d2[keep], rd2[keep]
    rd = _numpy_where(r * n_dets + d, pair_key)
    kd2 = _numpy_where(k * n_dets + d2, pair_key)
    cost = pairs.d2 + pairs.logdet
    swap = cost[rd2] + cost[kd] - cost[rd] - cost[kd2]
    p = 0.5 * (1.0 - np.tanh(0.25 * swap))  # 1 / (1 + e^(swap/2)), without overflow
    delta = pairs.nu[rd] - pairs.nu[kd]  # z - zhat_r - (z - zhat_k): wrap handled there
    spread = (weight * p * (1.0 - p))[:, None, None] * delta[:, :, None] * delta[:, None, :]
    m = pairs.nu.shape[1]
    per_det = np.zeros((n_dets, m, m))
    np.add.at(per_det, d, spread)  # the swap is found from both sides: d2's comes then
    out: FloatArray = per_det[dets]
    out[~ok] = 0.0
    return out


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    tracks=st.integers(1, 12),
    dets=st.integers(1, 12),
    sensors=st.integers(1, 3),
    m=st.sampled_from([1, 2]),
)
def test_the_compiled_swap_spread_is_the_numpy_one(
    seed: int, tracks: int, dets: int, sensors: int, m: int
) -> None:
    rng = np.random.default_rng(seed)
    gated = rng.random((tracks, dets)) < 0.5
    i, j = np.nonzero(gated)
    n = len(i)
    nu = rng.normal(0.0, 30.0, (n, m))
    p = Pairs(
        i.astype(np.int64),
        j.astype(np.int64),
        nu,
        np.ones((n, m, m)),
        rng.uniform(0.0, 16.0, n),
        rng.normal(0.0, 2.0, n),
        np.zeros((n, 4)),
        np.zeros((n, 4, 4)),
        np.zeros((n, m, 4)),
    )
    sensor = rng.integers(0, sensors, dets).astype(np.int64)
    eligible = rng.random(tracks) < 0.8
    rows, cols = assign(p.i, p.j, p.d2 + p.logdet, tracks, dets, np.full(tracks, 17.0))
    got = swap_spread(p, rows, cols, dets, sensor, eligible, weight=1.5)
    want = _numpy_swap_spread(p, rows, cols, dets, sensor, eligible, weight=1.5)
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
