r"""Global nearest neighbour: the one assignment of detections to tracks with least total cost.

Cost of pairing track i with detection j is the negative log-likelihood up to a constant,
:math:`d^2_{ij} + \ln |S_{ij}|`; leaving track i without a detection costs
:math:`G^2 + \ln |S_i|` (as if its detection were just outside the gate). Each track gets a
private "missed" column, so a full matching of tracks always exists.

Most gated pairs are each other's only candidate (a track with one detection in its gate,
which is in no other track's gate): those decide alone, without a solver. The rest go to
``scipy.optimize.linear_sum_assignment`` on a dense matrix when small, and to the sparse
LAPJVsp (``scipy.sparse.csgraph.min_weight_full_bipartite_matching``) when large, whose cost
follows the number of gated pairs rather than tracks x detections.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from borderwatch.arrays import BoolArray, FloatArray, IntArray, unique_inverse
from borderwatch.fusion.gate import Pairs

__all__ = ["assign", "swap_spread"]

DENSE_MAX_CELLS = 40_000  # rows x (cols + rows) below which the dense solver is faster


def _solve(
    i: IntArray, j: IntArray, cost: FloatArray, miss: FloatArray
) -> tuple[IntArray, IntArray]:
    """Least-cost matching of the pairs (i, j) with per-row miss costs `miss` (by row id)."""
    rows, r_of = unique_inverse(i)
    cols, c_of = unique_inverse(j)
    nr, nc = len(rows), len(cols)
    if nr * (nc + nr) <= DENSE_MAX_CELLS:
        M = np.full((nr, nc + nr), np.inf)
        M[r_of, c_of] = cost
        M[np.arange(nr), nc + np.arange(nr)] = miss[rows]
        r, c = linear_sum_assignment(M)
    else:
        # The sparse format cannot tell a zero weight from no edge: shift all weights up.
        shift = 1.0 - min(cost.min(), miss[rows].min())
        data = np.concatenate((cost + shift, miss[rows] + shift))
        ri = np.concatenate((r_of, np.arange(nr)))
        ci = np.concatenate((c_of, nc + np.arange(nr)))
        graph = csr_array((data, (ri, ci)), shape=(nr, nc + nr))
        r, c = min_weight_full_bipartite_matching(graph)
    real = c < nc
    return rows[r[real]], cols[c[real]]


def assign(
    i: IntArray, j: IntArray, cost: FloatArray, n_tracks: int, n_dets: int, miss_cost: FloatArray
) -> tuple[IntArray, IntArray]:
    """Matched (track row, detection) index arrays from gated pairs (i, j) and their costs
    (d2 + ln|S| each); `miss_cost` (n_tracks,)."""
    empty = np.zeros(0, np.int64)
    if len(i) == 0 or n_tracks == 0:
        return empty, empty
    alone = (np.bincount(i, minlength=n_tracks)[i] == 1) & (
        np.bincount(j, minlength=n_dets)[j] == 1
    )
    take = alone & (cost < miss_cost[i])
    rest = ~alone
    if not rest.any():
        return i[take], j[take]
    ri, rj = _solve(i[rest], j[rest], cost[rest], miss_cost)
    return np.concatenate((i[take], ri)), np.concatenate((j[take], rj))


def _where(keys: IntArray, table: IntArray) -> IntArray:
    """Index of each key in the sorted `table`, -1 where it is not there."""
    if len(table) == 0:
        return np.full(len(keys), -1, np.int64)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    found: IntArray = np.where(table[at] == keys, at, -1)
    return found


def swap_spread(
    pairs: Pairs,
    rows: IntArray,
    dets: IntArray,
    n_dets: int,
    sensor: IntArray,
    eligible: BoolArray,
    weight: float = 1.0,
) -> FloatArray | None:
    r"""How unsure the assignment is, as extra measurement covariance per assigned pair.

    GNN hands each detection to one track even where two tracks could as well have swapped
    theirs: two walkers at one range, a bearing sigma apart. Updated as if sure, both tracks
    take each other's detections half the time and their velocities mix; after the walkers
    part, both tracks sit between them for minutes (walkers' process noise is small, so a
    mixed velocity is slow to mend). Here each assigned pair (r, d) whose track's rival k
    (assigned d' from the same sensor) gates d while r gates d' gets the probability that the
    swap was wrong, :math:`p = 1 / (1 + e^{\Delta/2})` from the swap's extra cost
    :math:`\Delta` (negative log-likelihood), and the spread of the two-point mixture of
    origins, :math:`p (1 - p)\, \delta \delta^T` with :math:`\delta = \hat z_k - \hat z_r`,
    times `weight`, added to its R (summed over rivals): the update still follows its
    detection, less firmly along the line between the rivals' predicted measurements and as
    firmly as before across it (the range, for two walkers at one range). Tracks not
    `eligible` (a bool per track row) take none and count as no one's rival. Returns
    (K, m, m) aligned with `rows`, or None when no pair is in doubt.
    """
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
    slot = _where(k * n_s + sensor[d], key[order])
    keep = slot >= 0
    kd, k, d, r, slot = kd[keep], k[keep], d[keep], r[keep], slot[keep]
    d2 = d_ok[order][slot]
    # ... which r must gate too for the swap to be possible.
    pair_key = pairs.i * n_dets + pairs.j
    rd2 = _where(r * n_dets + d2, pair_key)
    keep = rd2 >= 0
    if not keep.any():
        return None
    kd, k, d, r, d2, rd2 = kd[keep], k[keep], d[keep], r[keep], d2[keep], rd2[keep]
    rd = _where(r * n_dets + d, pair_key)
    kd2 = _where(k * n_dets + d2, pair_key)
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
