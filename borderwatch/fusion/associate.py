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

import numba
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
    # Compiled (numba): a second's pairs are a few dozen, where the two dozen array
    # operations this takes in numpy cost more than the work (tests/fusion/test_associate.py
    # holds it to the numpy form).
    out, found = _swap_spread(
        pairs.i,
        pairs.j,
        pairs.d2 + pairs.logdet,
        pairs.nu,
        rows,
        dets,
        n_dets,
        sensor,
        eligible,
        weight,
    )
    return out if found else None


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _find(table, key):  # type: ignore[no-untyped-def]
    """Index of `key` in the sorted `table`, -1 where it is not there."""
    if table.shape[0] == 0:
        return -1
    at = min(np.searchsorted(table, key), table.shape[0] - 1)
    return at if table[at] == key else -1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _swap_spread(pi, pj, cost, nu, rows, dets, n_dets, sensor, eligible, weight):  # type: ignore[no-untyped-def]
    """`swap_spread`'s work: (K, m, m) and whether any pair is in doubt."""
    m = nu.shape[1]
    n_rows = rows.shape[0]
    out = np.zeros((n_rows, m, m))
    n_ok = 0
    for a in range(n_rows):
        if eligible[rows[a]]:
            n_ok += 1
    if n_ok < 2:
        return out, False
    # A swap needs two detections each gated by two eligible tracks: usually there are none.
    gated_by = np.zeros(n_dets, np.int64)
    for p in range(pi.shape[0]):
        if eligible[pi[p]]:
            gated_by[pj[p]] += 1
    shared = 0
    for d in range(n_dets):
        if gated_by[d] >= 2:
            shared += 1
    if shared < 2:
        return out, False
    owner = np.full(n_dets, -1, np.int64)
    n_s = sensor.max() + 1
    keys = np.empty(n_ok, np.int64)
    own_det = np.empty(n_ok, np.int64)
    c = 0
    for a in range(n_rows):
        if eligible[rows[a]]:
            owner[dets[a]] = rows[a]
            keys[c] = rows[a] * n_s + sensor[dets[a]]
            own_det[c] = dets[a]
            c += 1
    order = np.argsort(keys)
    keys = keys[order]
    own_det = own_det[order]
    pair_key = pi * n_dets + pj
    per_det = np.zeros((n_dets, m, m))
    delta = np.empty(m)
    found = False
    for kd in range(pi.shape[0]):
        k, d = pi[kd], pj[kd]
        r = owner[d]
        if r < 0 or r == k or not eligible[k]:
            continue
        # The rival's own detection from the same sensor, which r must gate too.
        slot = _find(keys, k * n_s + sensor[d])
        if slot < 0:
            continue
        d2 = own_det[slot]
        rd2 = _find(pair_key, r * n_dets + d2)
        if rd2 < 0:
            continue
        rd = _find(pair_key, r * n_dets + d)
        kd2 = _find(pair_key, k * n_dets + d2)
        swap = cost[rd2] + cost[kd] - cost[rd] - cost[kd2]
        p = 0.5 * (1.0 - np.tanh(0.25 * swap))  # 1 / (1 + e^(swap/2)), without overflow
        w = weight * p * (1.0 - p)
        for a in range(m):
            delta[a] = nu[rd, a] - nu[kd, a]  # z - zhat_r - (z - zhat_k): wrap handled there
        for a in range(m):
            for b in range(m):
                per_det[d, a, b] += w * delta[a] * delta[b]
        found = True
    for a in range(n_rows):
        if eligible[rows[a]]:
            out[a] = per_det[dets[a]]
    return out, found
