"""The batched Kalman update equals the textbook one, pair by pair."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.fusion.update import kalman_update


def test_matches_textbook_update() -> None:
    rng = np.random.default_rng(3)
    k = 6
    x = rng.normal(size=(k, 4))
    A = rng.normal(size=(k, 4, 4))
    P = A @ np.swapaxes(A, 1, 2) + np.eye(4)
    H = rng.normal(size=(k, 2, 4))
    R = np.broadcast_to(np.diag([4.0, 9.0]), (k, 2, 2)).copy()
    nu = rng.normal(size=(k, 2))
    S = H @ P @ np.swapaxes(H, 1, 2) + R
    xu, Pu = kalman_update(x, P, H, R, nu, S)
    for n in range(k):
        K = P[n] @ H[n].T @ np.linalg.inv(S[n])
        assert xu[n] == pytest.approx(x[n] + K @ nu[n])
        assert Pu[n] == pytest.approx((np.eye(4) - K @ H[n]) @ P[n], rel=1e-6, abs=1e-9)
        assert Pu[n] == pytest.approx(Pu[n].T)
