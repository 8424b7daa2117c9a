"""Camera bearings, class fusion and friendly patrols in the tracker."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.fusion import Tracker
from borderwatch.fusion.friendly import FriendlyForces
from borderwatch.fusion.measurements import CameraBatch
from borderwatch.fusion.tracker import speed_likelihood
from borderwatch.fusion.tracks import TrackTable
from borderwatch.geo.projection import to_lonlat
from borderwatch.messages import Patrol

from .test_tracker import radar_scan

CAMERA = (6000.0, 0.0)
RADAR_ANIMAL = np.array([0.20, 0.05, 0.55, 0.20])  # the radar's "animal" column
CAMERA_ANIMAL = np.array([0.04, 0.02, 0.90, 0.10])


def camera_frame(t: float, pts: np.ndarray, lik: np.ndarray | None = None) -> CameraBatch:
    dx, dy = pts[:, 0] - CAMERA[0], pts[:, 1] - CAMERA[1]
    n = len(pts)
    return CameraBatch(
        time_s=t,
        sensor_x=np.full(n, CAMERA[0]),
        sensor_y=np.full(n, CAMERA[1]),
        azimuth_rad=np.mod(np.arctan2(dx, dy), 2 * np.pi),
        range_m=np.full(n, 15_000.0),
        sigma_azimuth_rad=np.radians(0.1),
        class_likelihood=None if lik is None else np.tile(lik, (n, 1)),
        keys=tuple(f"C/{round(t)}-{k}" for k in range(n)),
    )


def camel(t: float) -> np.ndarray:
    return np.array([[3000.0 + 0.8 * t, 4000.0]])


def test_a_camera_alone_never_starts_a_track() -> None:
    trk = Tracker()
    for k in range(30):
        trk.process(camera_frame(float(k), camel(float(k))))
    assert len(trk.tracks) == 0


def test_a_camera_keeps_a_track_alive_when_the_radar_loses_it() -> None:
    trk = Tracker()
    for k in range(10):
        trk.process(radar_scan(float(k), camel(float(k))))
    (tid,) = trk.estimates()[0]
    # The radar goes blind (the camel stops); the camera still sees it every 5 s.
    for k in range(10, 90):
        t = float(k)
        trk.process(radar_scan(t, np.zeros((0, 2))))
        if k % 5 == 0:
            trk.process(camera_frame(t, camel(9.0)))
    assert trk.estimates()[0].tolist() == [tid]
    assert trk.evidence[int(tid)][-1].startswith("C/")
    # Bearings alone keep it only so long: its range is not observed.
    for k in range(90, 300):
        trk.process(radar_scan(float(k), np.zeros((0, 2))))
        if k % 5 == 0:
            trk.process(camera_frame(float(k), camel(9.0)))
    assert len(trk.estimates()[0]) == 0


def test_class_evidence_from_every_sensor_makes_one_posterior() -> None:
    trk = Tracker()
    for k in range(20):
        t = float(k)
        scan = radar_scan(t, camel(t))
        trk.process(replace(scan, class_likelihood=RADAR_ANIMAL[None, :]))
        if k % 5 == 0:
            trk.process(camera_frame(t, camel(t), CAMERA_ANIMAL))
    p = trk.class_probabilities()
    assert p.shape == (1, 4)
    assert p.sum() == pytest.approx(1.0)
    assert p[0, 2] > 0.95  # an animal: it must not alert


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 60.0), min_size=1, max_size=20))
def test_speed_rules_out_walkers_and_animals_only_when_fast(speeds: list[float]) -> None:
    v = np.array(speeds)
    lik = speed_likelihood(v)
    assert ((lik > 0) & (lik <= 1)).all()
    assert (lik[:, [1, 3]] == 1.0).all()  # vehicles and clutter: any speed
    slow, fast = v < 2.0, v > 15.0
    assert (lik[slow, 0] > 0.9).all()
    assert (lik[slow, 2] > 0.9).all()
    assert (lik[fast, 0] < 1e-6).all()
    assert (lik[fast, 2] < 0.02).all()


def test_a_patrol_report_makes_its_track_friendly_for_a_while() -> None:
    epoch = 0
    trk = Tracker()

    def car(t: float) -> np.ndarray:
        return np.array([[3000.0 + 10.0 * t, 4000.0]])

    for k in range(10):
        trk.process(radar_scan(float(k), car(float(k))))
    ours = FriendlyForces(epoch)
    lon, lat = to_lonlat(*car(9.0)[0])
    ours.report(
        Patrol(
            callsign="NG-N01-1",
            agency="national_guard",
            time_ns=9_000_000_000,
            lat=float(lat),
            lon=float(lon),
            speed_mps=10.0,
            course_deg=90.0,
        )
    )
    ours.vouch(trk.tracks, 9.5)
    assert (trk.tracks.friendly_until >= 60.0).all()
    # A walker 1 km away is not vouched for, nor is a track that moves unlike the patrol.
    walker = Tracker()
    for k in range(10):
        walker.process(radar_scan(float(k), np.array([[4000.0 + 1.2 * k, 4000.0]])))
    ours.vouch(walker.tracks, 9.5)
    assert (walker.tracks.friendly_until < 0).all()


def _vouched_by_every_pair(ours: FriendlyForces, tracks: TrackTable, t: float) -> np.ndarray:
    """`friendly_until` as comparing each track with each patrol would leave it."""
    rep, px, py = ours._fresh(t)
    dt = t - tracks.t
    tx = tracks.x[:, 0] + dt * tracks.x[:, 1]
    ty = tracks.x[:, 2] + dt * tracks.x[:, 3]
    d = np.hypot(tx[:, None] - px[None, :], ty[:, None] - py[None, :])
    dv = np.hypot(tracks.x[:, 1, None] - rep[None, :, 3], tracks.x[:, 3, None] - rep[None, :, 4])
    near = ((d <= ours.radius_m) & (dv <= ours.speed_tolerance_mps)).any(axis=1)
    return np.where(near, np.maximum(tracks.friendly_until, t + ours.hold_s), tracks.friendly_until)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.floats(-300.0, 300.0), st.floats(-300.0, 300.0), st.floats(-8.0, 8.0)),
        min_size=1,
        max_size=30,
    ),
    st.lists(st.tuples(st.floats(0.0, 3000.0), st.floats(0.0, 359.0)), min_size=1, max_size=4),
    st.floats(0.0, 25.0),
)
def test_vouching_marks_the_tracks_comparing_every_pair_would(
    offsets: list[tuple[float, float, float]],
    patrols: list[tuple[float, float]],
    later_s: float,
) -> None:
    ours = FriendlyForces(0)
    for k, (east, course) in enumerate(patrols):
        lon, lat = to_lonlat(700_000.0 + east, 3_600_000.0)
        ours.report(
            Patrol(
                callsign=f"NG-{k}",
                agency="national_guard",
                time_ns=0,
                lat=float(lat),
                lon=float(lon),
                speed_mps=3.0,
                course_deg=course,
            )
        )
    at = ours.positions(later_s)
    # Tracks about the patrols, some on the very edge of `radius_m` (150 m) of one.
    x = np.array(
        [
            [at[k % len(at), 0] + de, vx, at[k % len(at), 1] + dn, 0.0]
            for k, (de, dn, vx) in enumerate(offsets)
        ]
    )
    edge = np.c_[at[:1, 0] + 150.0, [0.0], at[:1, 1], [0.0]]
    x = np.r_[x, edge, np.nextafter(edge, np.inf), np.nextafter(edge, -np.inf)]
    tracks = TrackTable()
    tracks.add(x, np.tile(np.eye(4), (len(x), 1, 1)), 0.0, np.zeros((len(x), 4)))
    want = _vouched_by_every_pair(ours, tracks, later_s)
    ours.vouch(tracks, later_s)
    assert np.array_equal(tracks.friendly_until, want)
