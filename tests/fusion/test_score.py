"""The track score's increment: ln(P_D N(nu; 0, S) / lambda), against scipy's density."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from borderwatch.fusion.score import hit_log_ratio


def test_hit_log_ratio_is_the_log_of_detection_density_over_clutter() -> None:
    rng = np.random.default_rng(3)
    for _ in range(5):
        a = rng.normal(size=(2, 2))
        S = a @ a.T + np.eye(2)
        nu = rng.normal(size=2)
        lam, pd = float(rng.uniform(1e-6, 1e-2)), float(rng.uniform(0.5, 1.0))
        d2 = float(nu @ np.linalg.solve(S, nu))
        got = hit_log_ratio(
            np.array([d2]), np.array([np.log(np.linalg.det(S))]), np.array([lam]), pd
        )[0]
        want = np.log(pd) + multivariate_normal(np.zeros(2), S).logpdf(nu) - np.log(lam)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_denser_clutter_makes_the_same_hit_worth_less() -> None:
    got = hit_log_ratio(np.full(2, 2.0), np.full(2, 5.0), np.array([1e-4, 3e-4]), 0.9)
    assert got[0] - got[1] == pytest.approx(np.log(3.0))
