r"""Joint probabilistic data association, the cheap way (Fitzgerald 1985), for confirmed tracks.

Where targets pass close, a hard assignment (GNN) can hand a track its neighbour's detection
and drag it off; JPDA instead weighs every gated detection by the probability that it is the
track's. With pair likelihoods :math:`e_{ij} = \mathcal N(\nu_{ij}; 0, S_{ij})`,
:math:`T_i = \sum_j e_{ij}`, :math:`D_j = \sum_i e_{ij}` and the clutter term
:math:`b_j = \lambda_j (1 - P_D) / P_D` (:math:`\lambda_j` the clutter density at detection j, in
the sensor's measurement space),

.. math::
    \beta_{ij} = \frac{e_{ij}}{b_j + T_i + D_j - e_{ij}}, \qquad
    \beta_{i0} = 1 - \sum_j \beta_{ij}.

For a lone track and detection this is plain PDA, :math:`e / (b + e)`. The update collapses
the mixture of "missed" and "updated with j" by moment matching:
:math:`x_i = \beta_{i0}\hat x_i + \sum_j \beta_{ij} x_{ij}` and
:math:`P_i = \sum_k \beta_{ik} (P_{ik} + (x_{ik} - x_i)(x_{ik} - x_i)^T)`, with
:math:`x_{ij}, P_{ij}` the Kalman update of track i with detection j (so each detection may
have its own R).
"""

from __future__ import annotations

import numpy as np

from borderwatch.arrays import FloatArray, IntArray

__all__ = ["mixture_update", "pda_weights"]

LOG_2PI = float(np.log(2.0 * np.pi))


def pda_weights(
    i: IntArray,
    j: IntArray,
    d2: FloatArray,
    logdet: FloatArray,
    n_tracks: int,
    n_dets: int,
    clutter: FloatArray,
    pd: float,
) -> tuple[FloatArray, FloatArray]:
    """(beta (K,) per pair, beta0 (n_tracks,) per track) for gated pairs (i, j).
    `clutter` (n_dets,) is the clutter density at each detection in measurement space."""
    e = np.exp(-0.5 * (d2 + logdet) - LOG_2PI)  # 2-D Gaussian density of the innovation
    T = np.bincount(i, e, minlength=n_tracks)
    D = np.bincount(j, e, minlength=n_dets)
    b = clutter[j] * (1.0 - pd) / pd
    beta = e / (b + T[i] + D[j] - e)
    total = np.bincount(i, beta, minlength=n_tracks)
    over = total > 1.0
    if over.any():  # the cheap approximation can overshoot where many share: renormalise
        beta = np.where(over[i], beta / total[i], beta)
        total = np.minimum(total, 1.0)
    return beta, 1.0 - total


def mixture_update(
    x: FloatArray,
    P: FloatArray,
    i: IntArray,
    x_ij: FloatArray,
    P_ij: FloatArray,
    beta: FloatArray,
    beta0: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Collapse the PDA mixture per track. x (T, 4), P (T, 4, 4): the predictions of the T
    tracks involved; i (K,) indexes them; x_ij, P_ij (K, ...) the per-pair updates."""
    xn = beta0[:, None] * x
    np.add.at(xn, i, beta[:, None] * x_ij)
    d0 = x - xn
    Pn = beta0[:, None, None] * (P + d0[:, :, None] * d0[:, None, :])
    dk = x_ij - xn[i]
    np.add.at(Pn, i, beta[:, None, None] * (P_ij + dk[:, :, None] * dk[:, None, :]))
    return xn, 0.5 * (Pn + np.swapaxes(Pn, 1, 2))
