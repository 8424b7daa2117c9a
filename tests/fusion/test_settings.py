"""Every tracker setting in the engine's settings file changes what the tracker does (issue 13:
no setting is silently ignored). One small scene exercises them all: walkers (two crossing at
one range, one stopping for 8 s), vehicles (one hidden for 3 s), clutter, class reports, and
camera bearings on a walker the radar loses; each setting is moved well away from its default
and the run must differ from the default run."""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np
import pytest

from borderwatch.fusion import RadarBatch, Tracker, TrackerConfig
from borderwatch.fusion.measurements import CameraBatch

SCANS = 90


def _scene() -> list[list[RadarBatch | CameraBatch]]:
    rng = np.random.default_rng(7)
    # (x0, y0, vx, vy, class likelihood row)
    movers = [
        (3000.0, 4000.0, 1.2, 0.0, (0.8, 0.1, 0.2, 0.3)),
        (3100.0, 3950.0, -1.2, 0.0, (0.8, 0.1, 0.2, 0.3)),  # crosses the first at one range
        (-2000.0, 5000.0, 0.9, -0.6, (0.7, 0.1, 0.4, 0.3)),  # stops for 8 s (scans 40-47)
        (1000.0, 6000.0, 9.0, 3.0, (0.1, 0.9, 0.1, 0.3)),
        (-4000.0, 7000.0, 12.0, -2.0, (0.1, 0.9, 0.1, 0.3)),
    ]
    scans: list[list[RadarBatch | CameraBatch]] = []
    for k in range(SCANS):
        t = float(k)
        pts, cls = [], []
        for i, (x0, y0, vx, vy, c) in enumerate(movers):
            if i == 2 and 40 <= k < 48:
                continue  # standing still: the Doppler radar does not see it
            if i == 3 and 60 <= k < 63:
                continue  # a vehicle in a fold of the ground for 3 s
            pts.append((x0 + vx * t, y0 + vy * t))
            cls.append(c)
        n_clutter = rng.poisson(15)
        clutter = rng.uniform([-6000.0, 1000.0], [6000.0, 9000.0], (n_clutter, 2))
        xy = np.vstack([np.array(pts), clutter])
        az = np.mod(np.arctan2(xy[:, 0], xy[:, 1]), 2 * np.pi) + rng.normal(0, 0.008, len(xy))
        r = np.hypot(xy[:, 0], xy[:, 1]) + rng.normal(0, 10.0, len(xy))
        likelihood = np.vstack([np.array(cls), np.full((n_clutter, 4), 0.5)])
        batch: list[RadarBatch | CameraBatch] = [
            RadarBatch(
                time_s=t,
                sensor_x=0.0,
                sensor_y=0.0,
                azimuth_rad=np.mod(az, 2 * np.pi),
                range_m=r,
                sigma_azimuth_rad=0.008,
                sigma_range_m=10.0,
                keys=tuple(f"R/{k}-{j}" for j in range(len(xy))),
                clutter_per_m2=1e-7,
                class_likelihood=likelihood,
            )
        ]
        if 40 <= k < 48:  # a camera keeps watching the walker who stopped
            x, y = movers[2][0] + movers[2][2] * 40.0, movers[2][1] + movers[2][3] * 40.0
            cx, cy = 500.0, -200.0
            batch.append(
                CameraBatch(
                    time_s=t + 0.5,
                    sensor_x=np.array([cx]),
                    sensor_y=np.array([cy]),
                    azimuth_rad=np.array([np.mod(np.arctan2(x - cx, y - cy), 2 * np.pi)]),
                    range_m=np.array([15_000.0]),
                    sigma_azimuth_rad=0.002,
                    keys=(f"C/{k}",),
                    clutter_per_m2=1e-3,
                    pd=0.5,
                    class_likelihood=np.array([[0.9, 0.05, 0.1, 0.2]]),
                )
            )
        scans.append(batch)
    return scans


SCENE = _scene()


def _run(config: TrackerConfig) -> list[Any]:
    tracker = Tracker(config)
    out: list[Any] = []
    for scan in SCENE:
        for batch in scan:
            tracker.process(batch)
        tr = tracker.tracks
        out.append(
            (
                tr.id.tolist(),
                tr.status.tolist(),
                np.round(tr.x, 3).tolist(),
                np.round(tracker.class_probabilities(), 4).tolist(),
                sorted((k, tuple(v)) for k, v in tracker.evidence.items()),
            )
        )
    return out


DEFAULT = TrackerConfig()
# Each setting moved well away from its default (the same direction a commander might).
MOVED: dict[str, Any] = {
    "q_slow": 0.5,
    "q_fast": 5.0,
    "slow_speed_mps": 0.5,
    "gate_d2": 4.0,
    "update": "jpda",
    "swap_doubt_weight": 0.0,
    "init_speed_sigma_mps": 2.0,
    "confirm_hits": 6,
    "confirm_window_s": 1.5,
    "confirm_late_window_s": 12.0,
    "confirm_score": 30.0,
    "tentative_coast_s": 0.5,
    "coast_s": 1.5,
    "coast_bearing_only_s": 2.0,
    "class_evidence_weight": 1.0,
    "class_floor": 1.0,
    "maneuver_threshold": 1.0,
    "maneuver_q_gain": 200.0,
    "maneuver_memory": 0.1,
    "evidence_kept": 2,
}


def test_every_tracker_setting_is_covered() -> None:
    assert set(MOVED) == set(msgspec.structs.asdict(DEFAULT))


@pytest.fixture(scope="module")
def default_run() -> list[Any]:
    return _run(DEFAULT)


@pytest.mark.parametrize("name", sorted(MOVED))
def test_moving_a_tracker_setting_changes_the_tracks(default_run: list[Any], name: str) -> None:
    moved = msgspec.structs.replace(DEFAULT, **{name: MOVED[name]})
    assert _run(moved) != default_run, f"tracker.{name} changed nothing"
