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

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.fusion.gate import Pairs

__all__ = ["assign"]

DENSE_MAX_CELLS = 40_000  # rows x (cols + rows) below which the dense solver is faster


def _solve(
    i: IntArray, j: IntArray, cost: FloatArray, miss: FloatArray
) -> tuple[IntArray, IntArray]:
    """Least-cost matching of the pairs (i, j) with per-row miss costs `miss` (by row id)."""
    rows, r_of = np.unique(i, return_inverse=True)
    cols, c_of = np.unique(j, return_inverse=True)
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
    pairs: Pairs, n_tracks: int, n_dets: int, miss_cost: FloatArray
) -> tuple[IntArray, IntArray]:
    """Matched (track row, detection) index arrays. `miss_cost` (n_tracks,)."""
    empty = np.zeros(0, np.int64)
    if len(pairs.i) == 0 or n_tracks == 0:
        return empty, empty
    i, j = pairs.i, pairs.j
    cost = pairs.d2 + pairs.logdet
    alone = (np.bincount(i, minlength=n_tracks)[i] == 1) & (
        np.bincount(j, minlength=n_dets)[j] == 1
    )
    take = alone & (cost < miss_cost[i])
    rest = ~alone
    if not rest.any():
        return i[take], j[take]
    ri, rj = _solve(i[rest], j[rest], cost[rest], miss_cost)
    return np.concatenate((i[take], ri)), np.concatenate((j[take], rj))
