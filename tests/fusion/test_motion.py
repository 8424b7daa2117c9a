"""Constant-velocity prediction against its closed form."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.fusion.motion import predict, process_noise, transition


def test_transition_moves_by_velocity_times_dt() -> None:
    x = np.array([[100.0, 2.0, -50.0, -1.0]])
    F = transition(np.array([3.0]))
    assert F[0] @ x[0] == pytest.approx([106.0, 2.0, -53.0, -1.0])


def test_process_noise_closed_form() -> None:
    Q = process_noise(np.array([2.0]), np.array([0.5]))[0]
    block = 0.5 * np.array([[8.0 / 3.0, 2.0], [2.0, 2.0]])
    assert Q[:2, :2] == pytest.approx(block)
    assert Q[2:, 2:] == pytest.approx(block)
    assert Q[:2, 2:] == pytest.approx(np.zeros((2, 2)))


def test_predict_is_f_p_ft_plus_q_for_each_track() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4))
    A = rng.normal(size=(5, 4, 4))
    P = A @ np.swapaxes(A, 1, 2) + np.eye(4)
    dt, q = rng.uniform(0.1, 5.0, 5), rng.uniform(0.001, 1.0, 5)
    xp, Pp = predict(x, P, dt, q)
    for n in range(5):
        F = transition(dt[n : n + 1])[0]
        Q = process_noise(dt[n : n + 1], q[n : n + 1])[0]
        assert xp[n] == pytest.approx(F @ x[n])
        assert Pp[n] == pytest.approx(F @ P[n] @ F.T + Q)
