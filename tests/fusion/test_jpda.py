"""Cheap JPDA weights and the mixture update against the cases with closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.fusion.jpda import LOG_2PI, mixture_update, pda_weights
from borderwatch.fusion.update import kalman_update

I1 = np.array([0], np.int64)


def test_a_lone_pair_gets_the_pda_weight() -> None:
    d2, logdet, lam, pd = 1.5, 2.0, 1e-3, 0.9
    beta, beta0 = pda_weights(I1, I1, np.array([d2]), np.array([logdet]), 1, 1, np.array([lam]), pd)
    e = np.exp(-0.5 * (d2 + logdet) - LOG_2PI)
    b = lam * (1 - pd) / pd
    assert beta[0] == pytest.approx(e / (b + e))
    assert beta0[0] == pytest.approx(b / (b + e))


def test_weights_of_a_track_never_exceed_one() -> None:
    rng = np.random.default_rng(5)
    i = rng.integers(0, 4, 30)
    j = rng.integers(0, 6, 30)
    key = np.unique(i * 10 + j)
    i, j = key // 10, key % 10
    beta, beta0 = pda_weights(
        i, j, rng.uniform(0, 16, len(i)), np.zeros(len(i)), 4, 6, np.full(6, 1e-9), 0.9
    )
    total = np.bincount(i, beta, minlength=4)
    assert (beta >= 0).all()
    assert (total <= 1 + 1e-12).all()
    assert beta0 == pytest.approx(1 - total)


def test_mixture_with_all_weight_on_one_detection_is_the_kalman_update() -> None:
    x = np.array([[0.0, 1.0, 0.0, -1.0]])
    P = np.eye(4)[None] * 25.0
    H = np.array([[[1.0, 0, 0, 0], [0, 0, 1.0, 0]]])
    R = np.eye(2)[None] * 4.0
    nu = np.array([[3.0, -2.0]])
    S = H @ P @ np.swapaxes(H, 1, 2) + R
    xu, Pu = kalman_update(x, P, H, R, nu, S)
    xm, Pm = mixture_update(x, P, I1, xu, Pu, np.array([1.0]), np.array([0.0]))
    assert xm == pytest.approx(xu)
    assert Pm == pytest.approx(Pu)


def test_an_even_split_lands_between_and_widens() -> None:
    x = np.zeros((1, 4))
    P = np.eye(4)[None]
    x_ij = np.array([[10.0, 0, 0, 0], [-10.0, 0, 0, 0]])
    P_ij = np.repeat(np.eye(4)[None] * 0.5, 2, axis=0)
    xm, Pm = mixture_update(
        x, P, np.array([0, 0]), x_ij, P_ij, np.array([0.5, 0.5]), np.array([0.0])
    )
    assert xm[0] == pytest.approx(np.zeros(4))
    assert Pm[0, 0, 0] == pytest.approx(0.5 + 100.0)  # the spread of the hypotheses
