"""Global nearest neighbour over gated pairs: least total cost, misses when it is cheaper."""

from __future__ import annotations

import numpy as np

from borderwatch.fusion.associate import assign
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
    rows, dets = assign(p, 2, 2, miss_cost=np.array([9.0, 9.0]))
    assert dict(zip(rows.tolist(), dets.tolist(), strict=True)) == {0: 1, 1: 0}


def test_a_miss_when_cheaper_than_any_pairing() -> None:
    p = pairs([0], [0], [8.0])
    rows, dets = assign(p, 1, 1, miss_cost=np.array([5.0]))
    assert rows.size == 0
    assert dets.size == 0


def test_no_pairs_no_matches() -> None:
    rows, dets = assign(pairs([], [], []), 3, 3, miss_cost=np.ones(3))
    assert rows.size == dets.size == 0
