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

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.spatial import cKDTree

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.fusion.linalg import inv_small
from borderwatch.fusion.measurements import CameraBatch, MeasurementBatch, RadarBatch
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
    compiled: bool = True,
) -> Pairs:
    """Pairs of track rows and detections that pass the gate. Tracks: states x (T, 4),
    covariances P (T, 4, 4) at times t (T,), process noise q (T,). `compiled=False` takes
    the numpy path for every batch (the definition the compiled one is tested against)."""
    if len(x) == 0 or len(batch) == 0:
        return _empty()
    pts, cov = batch.converted()
    times = batch.times()
    # The larger eigenvalue of each symmetric 2x2 covariance, closed form (eigvalsh's call
    # costs more than the whole formula at these sizes).
    half_tr = 0.5 * (cov[:, 0, 0] + cov[:, 1, 1])
    half_diff = 0.5 * (cov[:, 0, 0] - cov[:, 1, 1])
    spread = float(np.sqrt(half_tr + np.hypot(half_diff, cov[:, 0, 1])).max())
    t_max = float(times.max())
    polar = _bearing_sensors(batch)
    if compiled and polar is not None and len(x) * len(pts) <= DENSE_PAIRS:
        # Radar plots and camera bearings, a sector's usual second: pre-gate and exact test
        # in one compiled pass (numpy's per-call cost was most of the gate's time).
        sx, sy, m = polar
        z, R = batch.measurement()
        got = _polar_pairs(
            x, P, t, q, pts, times, sx, sy, z, R, m, gate_d2, sigmas, spread, t_max, margin_m
        )
        return Pairs(*got)
    radius = _radius(x, P, t, sigmas, spread, t_max, margin_m)
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


def _radius(
    x: FloatArray,
    P: FloatArray,
    t: FloatArray,
    sigmas: float,
    spread: float,
    t_max: float,
    margin_m: float,
) -> FloatArray:
    """How far from each track a detection may be and still pass: its position's spread, the
    batch's worst detection spread, and how far it moves until the batch's last time."""
    pos_var = np.maximum(P[:, 0, 0], P[:, 2, 2]) + np.abs(P[:, 0, 2])
    ahead = np.maximum(t_max - t, 0.0) * np.hypot(x[:, 1], x[:, 3])
    out: FloatArray = sigmas * (np.sqrt(pos_var) + spread) + ahead + margin_m
    return out


def _bearing_sensors(batch: MeasurementBatch) -> tuple[FloatArray, FloatArray, int] | None:
    """Each detection's sensor position and the measurement's size, for the sensors the
    compiled gate knows (a radar's azimuth and range, a camera's azimuth); None otherwise."""
    if isinstance(batch, RadarBatch):
        sx, sy = batch.sensor_positions()
        return sx, sy, 2
    if isinstance(batch, CameraBatch):
        return batch.sensor_x, batch.sensor_y, 1
    return None


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _polar_pairs(  # type: ignore[no-untyped-def]
    x, P, t, q, pts, times, sx, sy, z, R, m, gate_d2, sigmas, spread, t_max, margin_m
):
    """`gate` for radar (m = 2) and camera (m = 1) batches, pair by pair in compiled loops:
    the same pre-gate radius, prediction (`motion.predict`), h(x) and Jacobian
    (`RadarBatch.predict`, `CameraBatch.predict`), wrapped residual and Mahalanobis test, in
    the same order of operations; a test holds it to the numpy path."""
    n_t, n_d = x.shape[0], pts.shape[0]
    cap = n_t * n_d
    oi = np.empty(cap, np.int64)
    oj = np.empty(cap, np.int64)
    onu = np.empty((cap, m))
    oS = np.empty((cap, m, m))
    od2 = np.empty(cap)
    olog = np.empty(cap)
    oxp = np.empty((cap, 4))
    oPp = np.empty((cap, 4, 4))
    oH = np.zeros((cap, m, 4))
    two_pi = 2.0 * np.pi
    n = 0
    for i in range(n_t):
        pos_var = max(P[i, 0, 0], P[i, 2, 2]) + abs(P[i, 0, 2])
        ahead = max(t_max - t[i], 0.0) * np.hypot(x[i, 1], x[i, 3])
        radius = sigmas * (np.sqrt(pos_var) + spread) + ahead + margin_m
        r2max = radius * radius
        for j in range(n_d):
            ex = x[i, 0] - pts[j, 0]
            ey = x[i, 2] - pts[j, 1]
            if not ex * ex + ey * ey <= r2max:
                continue
            dt = max(times[j] - t[i], 0.0)
            xp = oxp[n]
            Pp = oPp[n]
            for a in range(4):
                xp[a] = x[i, a]
                for b in range(4):
                    Pp[a, b] = P[i, a, b]
            if dt != 0.0:
                xp[0] += dt * x[i, 1]
                xp[2] += dt * x[i, 3]
                for b in range(4):
                    Pp[0, b] += dt * P[i, 1, b]
                    Pp[2, b] += dt * P[i, 3, b]
                for a in range(4):
                    Pp[a, 0] += dt * Pp[a, 1]
                    Pp[a, 2] += dt * Pp[a, 3]
                qa = q[i] * math.pow(dt, 3.0) / 3.0
                qb = q[i] * (dt * dt) / 2.0
                qc = q[i] * dt
                for k in (0, 2):
                    Pp[k, k] += qa
                    Pp[k, k + 1] += qb
                    Pp[k + 1, k] += qb
                    Pp[k + 1, k + 1] += qc
            dx = xp[0] - sx[j]
            dy = xp[2] - sy[j]
            rr = max(dx * dx + dy * dy, 1e-6)
            H = oH[n]
            H[0, 0] = dy / rr
            H[0, 2] = -dx / rr
            az = np.arctan2(dx, dy) % two_pi
            nu = onu[n]
            d = z[j, 0] - az
            nu[0] = np.pi - (np.pi - d) % two_pi
            if m == 2:
                r = np.sqrt(rr)
                H[1, 0] = dx / r
                H[1, 2] = dy / r
                nu[1] = z[j, 1] - r
            S = oS[n]
            for a in range(m):
                for b in range(m):
                    s = 0.0
                    for c in range(4):
                        hp = 0.0
                        for e in range(4):
                            hp += H[a, e] * Pp[e, c]
                        s += hp * H[b, c]
                    S[a, b] = s + R[j, a, b]
            if m == 2:
                # inv_small's closed form, then (S^-1 nu) . nu
                det = S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0]
                u0 = (S[1, 1] / det) * nu[0] + (-S[0, 1] / det) * nu[1]
                u1 = (-S[1, 0] / det) * nu[0] + (S[0, 0] / det) * nu[1]
                d2 = nu[0] * u0 + nu[1] * u1
            else:
                det = S[0, 0]
                d2 = nu[0] * ((1.0 / det) * nu[0])
            if not d2 <= gate_d2:
                H[0, 0] = H[0, 2] = 0.0
                if m == 2:
                    H[1, 0] = H[1, 2] = 0.0
                continue
            oi[n] = i
            oj[n] = j
            od2[n] = d2
            olog[n] = np.log(det)
            n += 1
    return (oi[:n], oj[:n], onu[:n], oS[:n], od2[:n], olog[:n], oxp[:n], oPp[:n], oH[:n])
