r"""The Kalman update for matched (track, detection) pairs, all at once.

With innovation :math:`\nu` and its covariance :math:`S` from the gate,
:math:`K = P H^T S^{-1}`, :math:`x^+ = x + K \nu`, and the Joseph form
:math:`P^+ = (I - K H) P (I - K H)^T + K R K^T`, which stays symmetric and positive
definite where the short form drifts. EKF: H is the Jacobian at the predicted state.
"""

from __future__ import annotations

import numpy as np

from borderwatch.arrays import FloatArray
from borderwatch.fusion.linalg import inv_small

__all__ = ["kalman_update"]

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
