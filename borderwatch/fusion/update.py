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

__all__ = ["kalman_update", "update_matched"]

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


@numba.njit(cache=True, nogil=True, error_model="numpy")
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def update_matched(  # type: ignore[no-untyped-def]
    x, P, t, r, d, p, xp, Pp, H, nu, S, R, extra, times, starts, q_groups
):
    """Every matched track updated in place (x (T, 4), P (T, 4, 4), t (T,)) with its
    detections of one batch: pairs (r[k], d[k]) sorted by track, groups beginning at
    `starts`, p[k] each pair's place among the gate's pairs (their predicted xp, Pp, H, nu,
    S); R (D, m, m) the batch's, `extra` (K, m, m) added to R and S (or an empty array),
    `q_groups` each group's process noise.

    A track with one detection: the Kalman update (`kalman_update`) from the gate's own
    numbers, which predicted it to that detection's time from this very state. With several
    (seen by overlapping radars in one second): all of them at once in information form at
    the track's own time, then predicted on to its last detection (`Tracker._update`)."""
    n_k = r.shape[0]
    n_g = starts.shape[0]
    for g in range(n_g):
        lo = starts[g]
        hi = starts[g + 1] if g + 1 < n_g else n_k
        if hi - lo == 1:
            _joseph(x, P, t, r[lo], d[lo], p[lo], xp, Pp, H, nu, S, R, extra, lo, times)
        else:
            _information(x, P, t, r, d, p, H, nu, times, R, extra, lo, hi, q_groups[g])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _mul(A, B):  # type: ignore[no-untyped-def]
    """A @ B for small matrices, each element summed in index order (A @ B.T: pass the
    transposed view, `_mul(A, B.T)`)."""
    out = np.empty((A.shape[0], B.shape[1]))
    for a in range(A.shape[0]):
        for b in range(B.shape[1]):
            v = 0.0
            for c in range(A.shape[1]):
                v += A[a, c] * B[c, b]
            out[a, b] = v
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _joseph(x, P, t, row, dk, pk, xp, Pp, H, nu, S, R, extra, k, times):  # type: ignore[no-untyped-def]
    """`kalman_update` for one pair, written into track `row`."""
    m = H.shape[1]
    Si = np.empty((m, m))
    Rd = np.empty((m, m))
    for a in range(m):
        for b in range(m):
            Rd[a, b] = R[dk, a, b]
    if m == 2:
        s00, s01, s10, s11 = S[pk, 0, 0], S[pk, 0, 1], S[pk, 1, 0], S[pk, 1, 1]
        if extra.shape[0]:
            s00 += extra[k, 0, 0]
            s01 += extra[k, 0, 1]
            s10 += extra[k, 1, 0]
            s11 += extra[k, 1, 1]
            for a in range(2):
                for b in range(2):
                    Rd[a, b] += extra[k, a, b]
        det = s00 * s11 - s01 * s10
        Si[0, 0], Si[0, 1] = s11 / det, -s01 / det
        Si[1, 0], Si[1, 1] = -s10 / det, s00 / det
    else:
        s00 = S[pk, 0, 0]
        if extra.shape[0]:
            s00 += extra[k, 0, 0]
            Rd[0, 0] += extra[k, 0, 0]
        Si[0, 0] = 1.0 / s00
    Pk = Pp[pk]
    Hk = H[pk]
    K = _mul(_mul(Pk, Hk.T), Si)
    for a in range(4):
        v = 0.0
        for c in range(m):
            v += K[a, c] * nu[pk, c]
        x[row, a] = xp[pk, a] + v
    IKH = np.empty((4, 4))
    for a in range(4):
        for b in range(4):
            v = 1.0 if a == b else 0.0
            for c in range(m):
                v -= K[a, c] * Hk[c, b]
            IKH[a, b] = v
    Pu = _mul(_mul(IKH, Pk), IKH.T) + _mul(_mul(K, Rd), K.T)
    for a in range(4):
        for b in range(4):
            P[row, a, b] = 0.5 * (Pu[a, b] + Pu[b, a])
    t[row] = max(t[row], times[dk])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _information(x, P, t, r, d, p, H, nu, times, R, extra, lo, hi, q):  # type: ignore[no-untyped-def]
    """One track's pairs lo:hi at once, in information form (see `update_matched`)."""
    m = H.shape[1]
    HF = np.empty((m, 4))
    Ri = np.empty((m, m))
    HtRi = np.empty((4, m))
    Y = np.zeros((4, 4))
    y = np.zeros(4)
    A = np.empty((4, 4))
    Pu = np.empty((4, 4))
    row = r[lo]
    t0 = t[row]
    last = times[d[lo]]
    for k in range(lo, hi):
        dk = d[k]
        pk = p[k]
        last = max(last, times[dk])
        dt = max(times[dk] - t0, 0.0)
        for a in range(m):
            HF[a, 0] = H[pk, a, 0]
            HF[a, 1] = H[pk, a, 1] + dt * H[pk, a, 0]
            HF[a, 2] = H[pk, a, 2]
            HF[a, 3] = H[pk, a, 3] + dt * H[pk, a, 2]
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
                s += HtRi[a, c] * nu[pk, c]
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
