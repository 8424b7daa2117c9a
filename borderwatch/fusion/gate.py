r"""Gating: which (track, detection) pairs are close enough to be the same thing.

Two stages, both batched. A cheap spatial pre-gate finds candidate pairs among the detections'
converted positions (so it works for any mix of sensor kinds; every distance for a sector's
usual few dozen of each, a k-d tree when there are many), each track asking within a radius
set by its own position uncertainty, its motion over the batch, and the batch's worst
measurement spread. Then the exact test, pair by pair: the track predicted to the detection's
time, and in that sensor's measurement space the squared Mahalanobis
distance :math:`d^2 = \nu^T S^{-1} \nu` with :math:`\nu = z - h(\hat x)` and
:math:`S = H P H^T + R`, kept when :math:`d^2 \le G^2`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.fusion.linalg import inv_small
from borderwatch.fusion.measurements import MeasurementBatch
from borderwatch.fusion.motion import predict

__all__ = ["Pairs", "gate", "near_pairs"]


@dataclass(frozen=True, slots=True)
class Pairs:
    """Gated pairs, by track then detection: track row `i`, detection `j`, innovation `nu`
    (K, m), innovation covariance `S` (K, m, m), `d2` (K,) and `logdet` (K,) of S; and where
    they came from: the track predicted to the detection's time, `xp` (K, 4) and `Pp`
    (K, 4, 4), and the Jacobian there, `H` (K, m, 4). A track's first update reuses them."""

    i: IntArray
    j: IntArray
    nu: FloatArray
    S: FloatArray
    d2: FloatArray
    logdet: FloatArray
    xp: FloatArray
    Pp: FloatArray
    H: FloatArray

    def __len__(self) -> int:
        return len(self.i)

    def index(self, i: IntArray, j: IntArray, n_dets: int) -> IntArray:
        """Where the pairs (i, j) are (each must be one of them): the pairs are sorted by
        track then detection, so by i * n_dets + j."""
        found: IntArray = np.searchsorted(self.i * n_dets + self.j, i * n_dets + j)
        return found


def _empty() -> Pairs:
    e = np.zeros(0, np.int64)
    f = np.zeros(0)
    return Pairs(
        e,
        e,
        np.zeros((0, 2)),
        np.zeros((0, 2, 2)),
        f,
        f,
        np.zeros((0, 4)),
        np.zeros((0, 4, 4)),
        np.zeros((0, 2, 4)),
    )


# Below this many track-detection pairs every distance is cheaper than building two trees
# (a sector's usual second: ~60 tracks and ~40 plots, 2.5x faster; even at 140 x 80).
DENSE_PAIRS = 8192


def near_pairs(xy: FloatArray, pts: FloatArray, radius: FloatArray) -> tuple[IntArray, IntArray]:
    """Rows `i` of `xy` and `j` of `pts` within `radius[i]` of each other, by i then j (a
    fixed order): tracks and detections for the gate."""
    if len(xy) * len(pts) <= DENSE_PAIRS:
        dx = xy[:, 0, None] - pts[None, :, 0]
        dy = xy[:, 1, None] - pts[None, :, 1]
        i, j = np.nonzero(dx * dx + dy * dy <= (radius * radius)[:, None])
        return i, j
    # Two trees and one sparse distance query at the largest radius, then each track's own
    # radius: arrays throughout, where `query_ball_point` hands back a Python list per track.
    near = cKDTree(xy).sparse_distance_matrix(
        cKDTree(pts), float(radius.max()), output_type="ndarray"
    )
    near = near[near["v"] <= radius[near["i"]]]
    order = np.lexsort((near["j"], near["i"]))
    return near["i"][order].astype(np.int64), near["j"][order].astype(np.int64)


def gate(
    x: FloatArray,
    P: FloatArray,
    t: FloatArray,
    q: FloatArray,
    batch: MeasurementBatch,
    gate_d2: float,
    sigmas: float = 4.0,
    margin_m: float = 20.0,
) -> Pairs:
    """Pairs of track rows and detections that pass the gate. Tracks: states x (T, 4),
    covariances P (T, 4, 4) at times t (T,), process noise q (T,)."""
    if len(x) == 0 or len(batch) == 0:
        return _empty()
    pts, cov = batch.converted()
    times = batch.times()
    # The larger eigenvalue of each symmetric 2x2 covariance, closed form (eigvalsh's call
    # costs more than the whole formula at these sizes).
    half_tr = 0.5 * (cov[:, 0, 0] + cov[:, 1, 1])
    half_diff = 0.5 * (cov[:, 0, 0] - cov[:, 1, 1])
    spread_det = np.sqrt(half_tr + np.hypot(half_diff, cov[:, 0, 1]))
    pos_var = np.maximum(P[:, 0, 0], P[:, 2, 2]) + np.abs(P[:, 0, 2])
    ahead = np.maximum(times.max() - t, 0.0) * np.hypot(x[:, 1], x[:, 3])
    radius = sigmas * (np.sqrt(pos_var) + spread_det.max()) + ahead + margin_m
    i, j = near_pairs(x[:, [0, 2]], pts, radius)
    if len(i) == 0:
        return _empty()
    dt = np.maximum(times[j] - t[i], 0.0)
    # One scan of one sensor, tracks already at its time: nothing to predict per pair.
    xp, Pp = predict(x[i], P[i], dt, q[i]) if dt.any() else (x[i], P[i])
    zhat, H = batch.predict(xp, j)
    z, R = batch.measurement()
    nu = batch.residual(z[j], zhat)
    S = H @ Pp @ H.mT + R[j]
    Sinv, det = inv_small(S)
    d2 = (nu * (Sinv @ nu[:, :, None])[:, :, 0]).sum(axis=1)
    ok = d2 <= gate_d2
    return Pairs(i[ok], j[ok], nu[ok], S[ok], d2[ok], np.log(det[ok]), xp[ok], Pp[ok], H[ok])
