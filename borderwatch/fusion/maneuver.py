r"""Adjustable process noise: a track whose innovations lean one way gets more of it.

While a track's state is right, each placing update's innovation :math:`\nu_j`, whitened by
its covariance (:math:`u_j = L_j^{-1} \nu_j`, :math:`L_j L_j^T = S_j`), is standard normal
in 2-D and independent of the last one. A track whose velocity is wrong falls behind (or runs
ahead of) its target scan after scan, and its innovations lean the same way. A fading-memory
average of them,

.. math::
    \bar u_k = m \, \bar u_{k-1} + (1 - m) \, u_k , \qquad
    T_k = \frac{1 + m}{1 - m} \, \lVert \bar u_k \rVert^2 ,

has :math:`T` chi-square with 2 degrees of freedom (mean 2) while the state is right; a bias
of b standard deviations drives it to :math:`b^2 (1 + m) / (1 - m)`. Above a threshold the
track's process noise is multiplied by a gain until the average falls back (Bar-Shalom, Li
and Kirubarajan 2001, sec. 11.2, "adjustable level process noise", with the signed
innovation rather than its square: one plot of clutter at the edge of the gate moves the
average once and is gone; a wrong velocity moves it every scan).

Why: a walker's or a vehicle's process noise is small, so its velocity is known to a fraction
of a metre a second and learnt again slowly. When two targets cross at one range and GNN hands
each track the other's plots, the tracks keep the wrong velocities for tens of scans and drift
50-300 m from their targets while still taking the targets' plots (a radar's bearing is 100 m
wide at 11 km, wide enough to gate them): on the radar anchor at N = 500, clutter 60, most of
our excess over the oracle (which never mixes) was such tracks. A walker who stops or turns
does the same to a track. With the gain, the velocity is learnt again within a few scans.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from borderwatch.arrays import FloatArray, IntArray

__all__ = ["bias_average", "bias_statistic", "fold_innovations", "scaled_q", "whiten"]


def whiten(nu: FloatArray, S: FloatArray) -> FloatArray:
    """Innovations (K, 2) whitened by their covariances (K, 2, 2): L^-1 nu, L the lower
    Cholesky factor of S (written out: numpy's batched cholesky costs more at these sizes)."""
    a, b, c = S[:, 0, 0], S[:, 1, 0], S[:, 1, 1]
    l11 = np.sqrt(a)
    l21 = b / l11
    l22 = np.sqrt(np.maximum(c - l21 * l21, 1e-300))
    u = np.empty_like(nu)
    u[:, 0] = nu[:, 0] / l11
    u[:, 1] = (nu[:, 1] - l21 * u[:, 0]) / l22
    return u


def bias_average(
    bias: FloatArray, rows: IntArray, u: FloatArray, memory: float, n_rows: int
) -> None:
    """Fold the matched pairs' whitened innovations `u` (rows `rows`) into `bias` (per
    track, (N, 2)), in place: memory x old + (1 - memory) x new, a track with several
    detections in one batch taking their mean."""
    if len(rows) == 0:
        return
    count = np.bincount(rows, minlength=n_rows)
    if count.max() == 1:  # the usual batch: one detection per track
        bias[rows] = memory * bias[rows] + (1.0 - memory) * u
        return
    seen = count > 0
    n = count[seen]
    mean_x = np.bincount(rows, u[:, 0], minlength=n_rows)[seen] / n
    mean_y = np.bincount(rows, u[:, 1], minlength=n_rows)[seen] / n
    bias[seen] = memory * bias[seen] + (1.0 - memory) * np.stack([mean_x, mean_y], axis=1)


def bias_statistic(bias: FloatArray, memory: float) -> FloatArray:
    """T per track: chi-square with 2 degrees of freedom while its innovations are noise."""
    out: FloatArray = (bias[:, 0] * bias[:, 0] + bias[:, 1] * bias[:, 1]) * (
        (1.0 + memory) / (1.0 - memory)
    )
    return out


# The tracker runs these every batch: a few dozen pairs, where numpy's per-call cost (about
# 50 us for the forms above together) would be several per cent of a batch. Compiled, one
# loop each; tests/fusion/test_maneuver.py holds them to the numpy forms above.


@numba.njit(cache=True, nogil=True)
def fold_innovations(bias, rows, nu, S, memory):  # type: ignore[no-untyped-def]
    """`bias_average(bias, rows, whiten(nu, S), memory, len(bias))`, in place, compiled."""
    n = bias.shape[0]
    sx = np.zeros(n)
    sy = np.zeros(n)
    count = np.zeros(n, np.int64)
    for k in range(rows.shape[0]):
        a, b, c = S[k, 0, 0], S[k, 1, 0], S[k, 1, 1]
        l11 = math.sqrt(a)
        l21 = b / l11
        l22 = math.sqrt(max(c - l21 * l21, 1e-300))
        u0 = nu[k, 0] / l11
        u1 = (nu[k, 1] - l21 * u0) / l22
        i = rows[k]
        sx[i] += u0
        sy[i] += u1
        count[i] += 1
    for k in range(rows.shape[0]):
        i = rows[k]
        if count[i] > 0:
            bias[i, 0] = memory * bias[i, 0] + (1.0 - memory) * (sx[i] / count[i])
            bias[i, 1] = memory * bias[i, 1] + (1.0 - memory) * (sy[i] / count[i])
            count[i] = 0


@numba.njit(cache=True, nogil=True)
def scaled_q(q, bias, confirmed, memory, threshold, gain):  # type: ignore[no-untyped-def]
    """Process noise `q` (per track) times `gain` where the track is `confirmed` and its
    `bias_statistic` is above `threshold`; a new array, compiled."""
    factor = (1.0 + memory) / (1.0 - memory)
    out = q.copy()
    for i in range(q.shape[0]):
        if confirmed[i] and (bias[i, 0] ** 2 + bias[i, 1] ** 2) * factor > threshold:
            out[i] = q[i] * gain
    return out
