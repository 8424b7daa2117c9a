"""Groups: tracks that move together (a file of walkers the radar resolves, a herd, a convoy)
are one group. Two confirmed tracks are linked when they are within `spacing_m` of each other
and their velocities differ by at most `speed_tolerance_mps`; a group is a connected set of
links. Each track's `group_size` says how many tracks its group has (1: alone)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from borderwatch.arrays import FloatArray, IntArray, unique_inverse

__all__ = ["components", "group_sizes"]


def components(n: int, i: IntArray, j: IntArray) -> IntArray:
    """Connected-component label of each of n items, given the links (i[k], j[k]); labels
    are 0, 1, ... in order of each component's smallest item (as scipy's
    `connected_components` numbers them).

    By hand rather than with scipy.sparse.csgraph: here the graphs are a few dozen links
    (walkers in a file, two radars' plots of one target), asked for every second, and
    building a sparse matrix costs ~20 times more than this. Each item takes the smallest
    label among its links until nothing changes, with pointer jumping (label = label[label])
    so a long chain settles in a few rounds.
    """
    label: IntArray = np.arange(n, dtype=np.int64)
    if len(i) == 0:
        return label
    while True:
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]
        if np.array_equal(new, label):
            break
        label = new
    _, out = unique_inverse(label)
    result: IntArray = out.astype(np.int64)
    return result


def group_sizes(
    x: FloatArray,
    y: FloatArray,
    vx: FloatArray,
    vy: FloatArray,
    spacing_m: float = 150.0,
    speed_tolerance_mps: float = 1.5,
) -> IntArray:
    """Size of each track's group, (K,)."""
    n = len(x)
    if n == 0:
        return np.zeros(0, np.int64)
    alone: IntArray = np.ones(n, np.int64)
    pairs = cKDTree(np.column_stack((x, y))).query_pairs(spacing_m, output_type="ndarray")
    if len(pairs) == 0:
        return alone
    i, j = pairs[:, 0], pairs[:, 1]
    same = np.hypot(vx[i] - vx[j], vy[i] - vy[j]) <= speed_tolerance_mps
    if not same.any():
        return alone
    label = components(n, i[same], j[same])
    sizes: IntArray = np.bincount(label)[label]
    return sizes
