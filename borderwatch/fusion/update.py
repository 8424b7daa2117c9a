r"""The Kalman update for matched (track, detection) pairs, all at once.

With innovation :math:`\nu` and its covariance :math:`S` from the gate,
:math:`K = P H^T S^{-1}`, :math:`x^+ = x + K \nu`, and the Joseph form
:math:`P^+ = (I - K H) P (I - K H)^T + K R K^T`, which stays symmetric and positive
definite where the short form drifts. EKF: H is the Jacobian at the predicted state.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from borderwatch.arrays import FloatArray
from borderwatch.fusion.linalg import inv_small

__all__ = ["information_update", "kalman_update"]

EYE4 = np.eye(4)  # made once: it is subtracted from every update


def kalman_update(
    x: FloatArray, P: FloatArray, H: FloatArray, R: FloatArray, nu: FloatArray, S: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Updated states (K, 4) and covariances (K, 4, 4) for K matched pairs."""
    K = P @ H.mT @ inv_small(S)[0]
    xu = x + (K @ nu[:, :, None])[:, :, 0]
    IKH = EYE4 - K @ H
    Pu = IKH @ P @ IKH.mT + K @ R @ K.mT
    return xu, 0.5 * (Pu + np.swapaxes(Pu, 1, 2))


@numba.njit(cache=True, nogil=True)
def _solve4(A, B, out):  # type: ignore[no-untyped-def]
    """out = A^-1 B for one 4x4 A and 4x4 B: Gaussian elimination with partial pivoting."""
    a = A.copy()
    b = B.copy()
    for c in range(4):
        p = c
        for r in range(c + 1, 4):
            if abs(a[r, c]) > abs(a[p, c]):
                p = r
        if p != c:
            for k in range(4):
                a[c, k], a[p, k] = a[p, k], a[c, k]
                b[c, k], b[p, k] = b[p, k], b[c, k]
        for r in range(c + 1, 4):
            f = a[r, c] / a[c, c]
            for k in range(c, 4):
                a[r, k] -= f * a[c, k]
            for k in range(4):
                b[r, k] -= f * b[c, k]
    for c in range(4):
        for r in range(3, -1, -1):
            s = b[r, c]
            for k in range(r + 1, 4):
                s -= a[r, k] * out[k, c]
            out[r, c] = s / a[r, r]


@numba.njit(cache=True, nogil=True)
def information_update(  # type: ignore[no-untyped-def]
    x, P, t, r, d, H, nu, times, R, extra, starts, q_rows
):
    """Tracks with several detections in one batch, each updated with all of them at once
    in information form at the track's own time (see `Tracker._update_many`), then
    predicted on to its last detection; in place on x (T, 4), P (T, 4, 4), t (T,).

    Pairs (r[k], d[k]) sorted by track, groups beginning at `starts`; H (K, m, 4) and nu
    (K, m) from the gate, R (D, m, m) the batch's, `extra` (K, m, m) added to R (or an empty
    array), `q_rows` each group's process noise."""
    n_k = r.shape[0]
    m = H.shape[1]
    n_g = starts.shape[0]
    HF = np.empty((m, 4))
    Ri = np.empty((m, m))
    HtRi = np.empty((4, m))
    Y = np.empty((4, 4))
    y = np.empty(4)
    A = np.empty((4, 4))
    Pu = np.empty((4, 4))
    for g in range(n_g):
        lo = starts[g]
        hi = starts[g + 1] if g + 1 < n_g else n_k
        row = r[lo]
        t0 = t[row]
        Y[:] = 0.0
        y[:] = 0.0
        last = times[d[lo]]
        for k in range(lo, hi):
            dk = d[k]
            last = max(last, times[dk])
            dt = max(times[dk] - t0, 0.0)
            for a in range(m):
                HF[a, 0] = H[k, a, 0]
                HF[a, 1] = H[k, a, 1] + dt * H[k, a, 0]
                HF[a, 2] = H[k, a, 2]
                HF[a, 3] = H[k, a, 3] + dt * H[k, a, 2]
            if m == 2:
                r00, r01, r10, r11 = R[dk, 0, 0], R[dk, 0, 1], R[dk, 1, 0], R[dk, 1, 1]
                if extra.shape[0]:
                    r00 += extra[k, 0, 0]
                    r01 += extra[k, 0, 1]
                    r10 += extra[k, 1, 0]
                    r11 += extra[k, 1, 1]
                det = r00 * r11 - r01 * r10
                Ri[0, 0], Ri[0, 1] = r11 / det, -r01 / det
                Ri[1, 0], Ri[1, 1] = -r10 / det, r00 / det
            else:
                r00 = R[dk, 0, 0]
                if extra.shape[0]:
                    r00 += extra[k, 0, 0]
                Ri[0, 0] = 1.0 / r00
            for a in range(4):
                for b in range(m):
                    s = 0.0
                    for c in range(m):
                        s += HF[c, a] * Ri[c, b]
                    HtRi[a, b] = s
            for a in range(4):
                s = 0.0
                for c in range(m):
                    s += HtRi[a, c] * nu[k, c]
                y[a] += s
                for b in range(4):
                    s = 0.0
                    for c in range(m):
                        s += HtRi[a, c] * HF[c, b]
                    Y[a, b] += s
        # (P^-1 + Y)^-1 = (I + P Y)^-1 P, without inverting P.
        P0 = P[row]
        for a in range(4):
            for b in range(4):
                s = 1.0 if a == b else 0.0
                for c in range(4):
                    s += P0[a, c] * Y[c, b]
                A[a, b] = s
        _solve4(A, P0, Pu)
        for a in range(4):
            for b in range(a + 1, 4):
                v = 0.5 * (Pu[a, b] + Pu[b, a])
                Pu[a, b] = v
                Pu[b, a] = v
        xu = np.empty(4)
        for a in range(4):
            s = 0.0
            for c in range(4):
                s += Pu[a, c] * y[c]
            xu[a] = x[row, a] + s
        # On to the last detection (motion.predict for one track).
        step = max(last - t0, 0.0)
        x[row, 0] = xu[0] + step * xu[1]
        x[row, 1] = xu[1]
        x[row, 2] = xu[2] + step * xu[3]
        x[row, 3] = xu[3]
        for b in range(4):
            Pu[0, b] += step * Pu[1, b]
            Pu[2, b] += step * Pu[3, b]
        for a in range(4):
            Pu[a, 0] += step * Pu[a, 1]
            Pu[a, 2] += step * Pu[a, 3]
        q = q_rows[g]
        qa = q * math.pow(step, 3.0) / 3.0
        qb = q * (step * step) / 2.0
        qc = q * step
        for i in (0, 2):
            Pu[i, i] += qa
            Pu[i, i + 1] += qb
            Pu[i + 1, i] += qb
            Pu[i + 1, i + 1] += qc
        P[row] = Pu
        t[row] = max(t0, last)
