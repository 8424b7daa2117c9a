"""The whole tracker on small cases with known answers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from borderwatch.fusion import PositionBatch, RadarBatch, Tracker, TrackerConfig
from borderwatch.fusion.update import kalman_update

SENSOR = (0.0, 0.0)


def radar_scan(t: float, pts: np.ndarray, rng: np.random.Generator | None = None) -> RadarBatch:
    dx, dy = pts[:, 0] - SENSOR[0], pts[:, 1] - SENSOR[1]
    az = np.mod(np.arctan2(dx, dy), 2 * np.pi)
    r = np.hypot(dx, dy)
    if rng is not None:
        az = np.mod(az + rng.normal(0, np.radians(0.5), len(az)), 2 * np.pi)
        r = r + rng.normal(0, 10.0, len(r))
    return RadarBatch(
        time_s=t,
        sensor_x=SENSOR[0],
        sensor_y=SENSOR[1],
        azimuth_rad=az,
        range_m=r,
        sigma_azimuth_rad=np.radians(0.5),
        sigma_range_m=10.0,
    )


def walk(t: float) -> np.ndarray:
    return np.array([[3000.0 + 1.4 * t, 4000.0 - 0.5 * t], [-2000.0 - 12.0 * t, 5000.0]])


def test_two_targets_give_two_confirmed_tracks_that_follow_them() -> None:
    rng = np.random.default_rng(7)
    trk = Tracker()
    for k in range(60):
        trk.process(radar_scan(float(k), walk(float(k)), rng))
    ids, xy = trk.estimates()
    assert len(ids) == 2
    truth = walk(59.0)
    err = np.hypot(*(xy[np.argsort(xy[:, 0])] - truth[np.argsort(truth[:, 0])]).T)
    assert (err < 60.0).all()
    vel = trk.tracks.x[:, [1, 3]][np.argsort(trk.tracks.x[:, 0])]
    assert vel[0] == pytest.approx([-12.0, 0.0], abs=1.5)
    assert vel[1] == pytest.approx([1.4, -0.5], abs=1.0)


def test_confirmation_needs_three_hits() -> None:
    trk = Tracker()
    for k in range(2):
        trk.process(radar_scan(float(k), walk(float(k))))
        assert len(trk.estimates()[0]) == 0
    trk.process(radar_scan(2.0, walk(2.0)))
    assert len(trk.estimates()[0]) == 2


def test_scattered_clutter_confirms_nothing() -> None:
    rng = np.random.default_rng(2)
    trk = Tracker()
    confirmed = 0
    for k in range(100):
        pts = rng.uniform([-10000, 1000], [10000, 12000], (20, 2))
        trk.process(radar_scan(float(k), pts))
        confirmed += len(trk.estimates()[0])
    assert confirmed <= 5


def test_a_track_coasts_through_a_gap_then_is_deleted() -> None:
    trk = Tracker()
    for k in range(10):
        trk.process(radar_scan(float(k), walk(float(k))[:1]))
    (tid,), _ = trk.estimates()
    empty = radar_scan(0.0, np.zeros((0, 2)))
    for k in range(10, 15):
        trk.process(replace(empty, time_s=float(k)))
    assert trk.estimates()[0].tolist() == [tid]  # coasting: still reported
    trk.process(replace(empty, time_s=16.0))
    assert trk.estimates()[0].size == 0  # unseen for longer than coast_s


def test_mixed_sensor_kinds_update_one_track() -> None:
    trk = Tracker()
    for k in range(5):
        trk.process(radar_scan(float(k), walk(float(k))[:1]))
    before = trk.tracks.P[0].copy()
    p = walk(5.0)[:1]
    trk.process(PositionBatch(time_s=5.0, xy=p, cov=np.eye(2)[None] * 25.0))
    assert len(trk.tracks) == 1
    assert trk.tracks.P[0, 0, 0] < before[0, 0]


def test_same_input_same_output() -> None:
    def run() -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(11)
        trk = Tracker()
        for k in range(40):
            clutter = rng.uniform([-8000, 1000], [8000, 9000], (10, 2))
            trk.process(radar_scan(float(k), np.r_[walk(float(k)), clutter], rng))
        return trk.estimates()

    a, b = run(), run()
    assert a[0].tolist() == b[0].tolist()
    assert a[1].tobytes() == b[1].tobytes()


def test_jpda_update_follows_the_targets_too() -> None:
    from borderwatch.fusion import TrackerConfig

    rng = np.random.default_rng(7)
    trk = Tracker(TrackerConfig(update="jpda"))
    for k in range(60):
        clutter = rng.uniform([-8000, 1000], [8000, 9000], (10, 2))
        trk.process(radar_scan(float(k), np.r_[walk(float(k)), clutter], rng))
    ids, xy = trk.estimates()
    assert len(ids) == 2
    truth = walk(59.0)
    err = np.hypot(*(xy[np.argsort(xy[:, 0])] - truth[np.argsort(truth[:, 0])]).T)
    assert (err < 60.0).all()


def test_two_radars_in_one_batch_update_one_track_without_a_duplicate() -> None:
    """A mover seen by two radars in the same second: one track, updated by both."""
    radars = np.array([[0.0, 0.0], [6000.0, 0.0]])
    rng = np.random.default_rng(3)
    trk = Tracker()
    for k in range(30):
        t = float(k)
        p = walk(t)[:1]
        dx, dy = p[0, 0] - radars[:, 0], p[0, 1] - radars[:, 1]
        az = np.mod(np.arctan2(dx, dy) + rng.normal(0, np.radians(0.5), 2), 2 * np.pi)
        r = np.hypot(dx, dy) + rng.normal(0, 10.0, 2)
        trk.process(
            RadarBatch(
                time_s=t + 0.4,
                sensor_x=radars[:, 0],
                sensor_y=radars[:, 1],
                azimuth_rad=az,
                range_m=r,
                sigma_azimuth_rad=np.radians(0.5),
                sigma_range_m=10.0,
                sensor_index=np.array([0, 1]),
                det_time_s=np.array([t, t + 0.4]),
            )
        )
    ids, xy = trk.estimates()
    assert len(ids) == 1
    assert len(trk.tracks) == 1  # no tentative duplicate either
    assert np.hypot(*(xy[0] - walk(29.4)[0])) < 30.0
    # Both radars every second, from the first: their first two detections started ONE
    # track (fused at birth), which took every detection since.
    assert trk.tracks.hits[0] == 60


def test_each_pair_is_predicted_to_its_detections_time() -> None:
    """A fast vehicle: detections a second apart in one batch still gate and update."""
    trk = Tracker()
    for k in range(20):
        trk.process(radar_scan(float(k), walk(float(k))[1:]))
    times = np.array([20.0, 20.9])
    pts = np.vstack([walk(t)[1] for t in times])
    b = radar_scan(20.9, pts)
    trk.process(replace(b, det_time_s=times, sensor_index=np.array([0, 1])))
    assert len(trk.tracks) == 1
    assert trk.tracks.t[0] == pytest.approx(20.9)


def test_two_sensors_at_once_give_the_sequential_kalman_answer() -> None:
    """Two position sensors report one track at the same instant: the one-pass update in
    information form (`_update_many`) equals two Kalman updates in turn, which is exact for a
    linear measurement at the track's own time."""
    trk = Tracker(TrackerConfig(swap_doubt_weight=0.0))
    for k in range(5):
        trk.process(radar_scan(float(k), walk(float(k))[:1]))
    trk._predict(5.0, trk._q(trk._slow()))
    x, P = trk.tracks.x[:1].copy(), trk.tracks.P[:1].copy()
    p = walk(5.0)[0]
    xy = p + np.array([[8.0, -3.0], [-5.0, 6.0]])
    cov = np.array([[[25.0, 4.0], [4.0, 16.0]], [[9.0, 0.0], [0.0, 36.0]]])
    H = np.array([[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]])
    for z, R in zip(xy, cov, strict=True):
        nu = z[None] - (H @ x[:, :, None])[:, :, 0]
        S = H @ P @ H.mT + R[None]
        x, P = kalman_update(x, P, H, R[None], nu, S)
    trk.process(PositionBatch(time_s=5.0, xy=xy, cov=cov, sensor_index=np.array([0, 1])))
    assert len(trk.tracks) == 1
    assert trk.tracks.hits[0] >= 7
    assert trk.tracks.x[0] == pytest.approx(x[0], abs=1e-9)
    assert trk.tracks.P[0] == pytest.approx(P[0], rel=1e-9, abs=1e-9)


def _two_movers(t: float) -> np.ndarray:
    return np.array([[1000.0 + 1.4 * t, 4000.0], [-1500.0 + 10.0 * t, 6000.0]])


def test_the_score_keeps_dense_clutter_from_confirming_but_not_the_targets() -> None:
    """Dense clutter (50 plots per scan on 36 km^2, five times the radar anchor's densest):
    three of them in a line pass M-of-N alone; the track score, weighing each hit against
    the clutter density the radar declares, confirms none of those and still both targets
    by their sixth scan (hits are cheap there, so it may take more of them)."""
    rng = np.random.default_rng(5)
    lo, hi = np.array([-3000.0, 2000.0]), np.array([3000.0, 8000.0])
    density = 50 / float(np.prod(hi - lo))
    runs = {
        name: Tracker(TrackerConfig(confirm_score=s)) for name, s in (("off", -np.inf), ("on", 9.0))
    }
    clutter_ids: dict[str, set[int]] = {name: set() for name in runs}
    for k in range(30):
        t = float(k)
        pts = np.vstack([_two_movers(t), rng.uniform(lo, hi, (50, 2))])
        batch = replace(radar_scan(t, pts, rng), clutter_per_m2=density)
        for name, trk in runs.items():
            trk.process(batch)
            ids, xy = trk.estimates()
            far = (
                np.hypot(*(xy[:, None, :] - _two_movers(t)[None]).transpose(2, 0, 1)).min(axis=1)
                > 100
            )
            clutter_ids[name].update(ids[far].tolist())
            if k >= 5 and name == "on":
                assert len(ids) - int(far.sum()) == 2, f"a target not confirmed at scan {k}"
    assert len(clutter_ids["off"]) >= 3
    assert len(clutter_ids["on"]) == 0
