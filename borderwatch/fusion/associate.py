r"""Global nearest neighbour: the one assignment of detections to tracks with least total cost.

Cost of pairing track i with detection j is the negative log-likelihood up to a constant,
:math:`d^2_{ij} + \ln |S_{ij}|`; leaving track i without a detection costs
:math:`G^2 + \ln |S_i|` (as if its detection were just outside the gate). Each track gets a
private "missed" column, so a full matching of tracks always exists, and the sparse solver
(``scipy.sparse.csgraph.min_weight_full_bipartite_matching``, LAPJVsp) only looks at the gated
pairs: cost stays near linear in the number of tracks instead of cubic.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.fusion.gate import Pairs

__all__ = ["assign"]


def assign(
    pairs: Pairs, n_tracks: int, n_dets: int, miss_cost: FloatArray
) -> tuple[IntArray, IntArray]:
    """Matched (track row, detection) index arrays. `miss_cost` (n_tracks,)."""
    if len(pairs.i) == 0 or n_tracks == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty
    # Only tracks and detections that appear in a pair take part.
    rows = np.unique(pairs.i)
    cols = np.unique(pairs.j)
    r_of = np.full(n_tracks, -1, np.int64)
    r_of[rows] = np.arange(len(rows))
    c_of = np.full(n_dets, -1, np.int64)
    c_of[cols] = np.arange(len(cols))
    cost = pairs.d2 + pairs.logdet
    miss = miss_cost[rows]
    # Shift every weight to be positive: the sparse format cannot tell a zero from no edge.
    low = min(cost.min(), miss.min())
    shift = 1.0 - low
    nr, nc = len(rows), len(cols)
    data = np.r_[cost + shift, miss + shift]
    ri = np.r_[r_of[pairs.i], np.arange(nr)]
    ci = np.r_[c_of[pairs.j], nc + np.arange(nr)]
    graph = coo_array((data, (ri, ci)), shape=(nr, nc + nr)).tocsr()
    r, c = min_weight_full_bipartite_matching(graph)
    real = c < nc
    return rows[r[real]], cols[c[real]]
