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


def _numpy_information_update(
    x: np.ndarray,
    P: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
    H: np.ndarray,
    nu: np.ndarray,
    times: np.ndarray,
    R: np.ndarray,
    extra: np.ndarray | None,
    q_rows: np.ndarray,
) -> None:
    """The numpy form `information_update` was compiled from (in place)."""
    from borderwatch.fusion.linalg import inv_small
    from borderwatch.fusion.motion import predict

    dt = np.maximum(times[d] - t[r], 0.0)
    HF = H.copy()
    HF[:, :, 1] += dt[:, None] * H[:, :, 0]
    HF[:, :, 3] += dt[:, None] * H[:, :, 2]
    Rd = R[d] if extra is None else R[d] + extra
    HtRinv = HF.mT @ inv_small(Rd)[0]
    starts = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1])))
    Y = np.add.reduceat(HtRinv @ HF, starts, axis=0)
    y = np.add.reduceat((HtRinv @ nu[:, :, None])[:, :, 0], starts, axis=0)
    rows = r[starts]
    P0 = P[rows]
    Pu = np.linalg.solve(np.eye(4) + P0 @ Y, P0)
    Pu = 0.5 * (Pu + Pu.mT)
    xu = x[rows] + (Pu @ y[:, :, None])[:, :, 0]
    last = np.maximum.reduceat(times[d], starts)
    step = np.maximum(last - t[rows], 0.0)
    x[rows], P[rows] = predict(xu, Pu, step, q_rows)
    t[rows] = np.maximum(t[rows], last)


@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("with_extra", [False, True])
@pytest.mark.parametrize("seed", range(12))
def test_several_detections_of_a_track_update_it_as_the_numpy_information_form_does(
    m: int, with_extra: bool, seed: int
) -> None:
    from borderwatch.fusion.update import update_matched

    rng = np.random.default_rng(seed)
    n_tracks, n_dets = 9, 14
    x = rng.normal(0.0, 100.0, (n_tracks, 4))
    A = rng.normal(size=(n_tracks, 4, 4))
    P = A @ A.mT * rng.uniform(1.0, 100.0, (n_tracks, 1, 1)) + np.eye(4)
    t = rng.uniform(-1.0, 0.0, n_tracks)
    # Tracks with two or three detections each, sorted by track.
    r = np.sort(np.repeat(rng.choice(n_tracks, 5, replace=False), rng.integers(2, 4, 5)))
    d = rng.choice(n_dets, len(r), replace=False)
    H = rng.normal(0.0, 0.01, (len(r), m, 4))
    nu = rng.normal(0.0, 1.0, (len(r), m))
    times = rng.uniform(0.0, 1.0, n_dets)
    B = rng.normal(size=(n_dets, m, m))
    R = B @ B.mT + np.eye(m)
    extra = np.abs(rng.normal(size=(len(r), 1, 1))) * np.eye(m)[None] if with_extra else None
    starts = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1])))
    q_rows = rng.choice([0.05, 2.0], len(starts))
    want = (x.copy(), P.copy(), t.copy())
    _numpy_information_update(*want, r, d, H, nu, times, R, extra, q_rows)
    got = (x.copy(), P.copy(), t.copy())
    none = np.zeros((0, m, m))
    k = len(r)
    update_matched(
        *got,
        r,
        d,
        np.arange(k),
        np.zeros((k, 4)),  # the gate's predictions: only a lone detection's update uses them
        np.zeros((k, 4, 4)),
        H,
        nu,
        np.zeros((k, m, m)),
        R,
        none if extra is None else extra,
        times,
        starts,
        q_rows,
    )
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    # Rows no pair names are untouched.
    other = np.setdiff1d(np.arange(n_tracks), r)
    assert (got[0][other] == x[other]).all()
    assert (got[1][other] == P[other]).all()


@pytest.mark.parametrize("m", [1, 2])
@pytest.mark.parametrize("with_extra", [False, True])
def test_a_lone_detection_updates_its_track_as_kalman_update_does(m: int, with_extra: bool) -> None:
    """Pairs alone in their group take `kalman_update` from the gate's numbers (with the
    extra covariance added to R and S), written into their track's row."""
    from borderwatch.fusion.update import update_matched

    rng = np.random.default_rng(7 + m)
    n_tracks, k = 8, 5
    x = rng.normal(0.0, 100.0, (n_tracks, 4))
    A = rng.normal(size=(n_tracks, 4, 4))
    P = A @ A.mT + np.eye(4)
    t = rng.uniform(-1.0, 0.0, n_tracks)
    r = np.sort(rng.choice(n_tracks, k, replace=False))
    d = rng.permutation(k)
    B = rng.normal(size=(k, 4, 4))
    xp, Pp = rng.normal(0.0, 100.0, (k, 4)), B @ B.mT + np.eye(4)
    H = rng.normal(0.0, 0.1, (k, m, 4))
    C = rng.normal(size=(k, m, m))
    R = C @ C.mT + np.eye(m)
    nu = rng.normal(size=(k, m))
    extra = np.abs(rng.normal(size=(k, 1, 1))) * np.eye(m)[None] if with_extra else None
    Rd = R[d] if extra is None else R[d] + extra
    S = H @ Pp @ H.mT + R[d]
    S_used = S if extra is None else S + extra
    want_x, want_P = kalman_update(xp, Pp, H, Rd, nu, S_used)
    times = rng.uniform(0.0, 1.0, k)
    got_x, got_P, got_t = x.copy(), P.copy(), t.copy()
    update_matched(
        got_x,
        got_P,
        got_t,
        r,
        d,
        np.arange(k),
        xp,
        Pp,
        H,
        nu,
        S,
        R,
        np.zeros((0, m, m)) if extra is None else extra,
        times,
        np.arange(k),
        np.zeros(k),
    )
    np.testing.assert_allclose(got_x[r], want_x, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got_P[r], want_P, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(got_t[r], np.maximum(t[r], times[d]))
