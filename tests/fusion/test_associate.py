"""Global nearest neighbour over gated pairs: least total cost, misses when it is cheaper."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

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
