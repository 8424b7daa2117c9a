"""The barrier line: which side, how far, and where and when a track would reach it."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from borderwatch.rules import BarrierLine
from borderwatch.rules.barrier import SAMPLE_M

from .scenes import frame


@settings(max_examples=40, deadline=None)
@given(along=st.floats(1_000.0, 220_000.0), offset=st.floats(20.0, 5000.0))
def test_libya_is_positive_and_tunisia_negative(
    barrier: BarrierLine, along: float, offset: float
) -> None:
    p, _, n = frame(barrier, along)
    out, inside = p + offset * n, p - offset * n
    exact = shapely.distance(barrier.line, shapely.points([out, inside]))
    # Where the line bends back across the normal, the offset point is not on that side.
    assume(bool(np.all(exact > 0.9 * offset)))
    depth = barrier.depth(np.array([out[0], inside[0]]), np.array([out[1], inside[1]]))
    assert depth[0] > 0 > depth[1]
    # The size is the distance to the line (GEOS): exact near it, within half the sampling
    # step of it farther out. "Near" is 100 m: beside the berm's sharpest bend (km 60.8) a
    # point 120 m out is nearest a segment the nearest sample does not name (a scan of the
    # whole line every 10 m, 2-124 m out, found none closer; hypothesis found one at 985 m,
    # 0.8 m off, where this said 1 km).
    near = exact <= 100.0
    np.testing.assert_allclose(np.abs(depth)[near], exact[near], rtol=1e-9, atol=1e-6)
    assert (np.abs(depth) >= exact - 1e-6).all()
    assert (np.abs(depth) <= exact + SAMPLE_M / 2).all()


@settings(max_examples=40, deadline=None)
@given(
    along=st.floats(5_000.0, 180_000.0),
    depth=st.floats(100.0, 6000.0),
    speed=st.floats(0.5, 20.0),
)
def test_a_track_heading_straight_in_reaches_the_line_at_its_foot(
    barrier: BarrierLine, along: float, depth: float, speed: float
) -> None:
    p, _, n = frame(barrier, along)
    pos, vel = p + depth * n, -speed * n
    r = barrier.reach(pos[:1], pos[1:], vel[:1], vel[1:], horizon_s=1e6)
    # Where the course meets the line: on it, no farther than the foot it set out from (the
    # berm may bend into its way sooner), and reached at the track's speed.
    assert r.closing_mps[0] > 0.0
    meet = shapely.points(r.cross_x[0], r.cross_y[0])
    assert shapely.distance(barrier.line, meet) < 1e-6
    travelled = np.hypot(r.cross_x[0] - pos[0], r.cross_y[0] - pos[1])
    assert travelled <= depth + 1e-6
    assert r.eta_s[0] == pytest.approx(travelled / speed, rel=1e-9)


def test_a_receding_track_never_arrives(barrier: BarrierLine) -> None:
    p, _, n = frame(barrier, 60_000.0)
    pos, vel = p + 1000.0 * n, 1.5 * n
    r = barrier.reach(pos[:1], pos[1:], vel[:1], vel[1:])
    assert r.closing_mps[0] < 0
    assert np.isinf(r.eta_s[0])
    assert np.isnan(r.cross_x[0])


def test_a_course_that_would_take_longer_than_the_horizon_does_not_arrive(
    barrier: BarrierLine,
) -> None:
    p, _, n = frame(barrier, 60_000.0)
    pos, vel = p + 3000.0 * n, -0.5 * n
    slow = barrier.reach(pos[:1], pos[1:], vel[:1], vel[1:], horizon_s=3600.0)
    assert np.isinf(slow.eta_s[0])  # 1.8 km in an hour: not there yet
    assert barrier.reach(pos[:1], pos[1:], vel[:1], vel[1:], horizon_s=7200.0).eta_s[0] < 7200


@settings(max_examples=60, deadline=None)
@given(
    along=st.floats(0.0, 420_000.0),
    dx=st.floats(-8000.0, 8000.0),
    dy=st.floats(-8000.0, 8000.0),
)
def test_locate_agrees_with_geos(barrier: BarrierLine, along: float, dx: float, dy: float) -> None:
    p, _, _ = frame(barrier, min(along, barrier.line.length))
    x, y = np.array([p[0] + dx]), np.array([p[1] + dy])
    mine = barrier.locate(x, y)
    ref = shapely.line_locate_point(barrier.line, shapely.points(x, y))
    d_mine = shapely.distance(barrier.line.interpolate(mine[0]), shapely.points(x[0], y[0]))
    d_ref = shapely.distance(barrier.line.interpolate(ref[0]), shapely.points(x[0], y[0]))
    assert d_mine <= d_ref + SAMPLE_M / 2
    if d_ref <= 1000.0:
        assert d_mine == pytest.approx(d_ref, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    along=st.floats(2_000.0, 200_000.0),
    offset=st.floats(-8000.0, 8000.0),
    heading=st.floats(0.0, 2 * np.pi),
    speed=st.floats(0.5, 20.0),
)
def test_where_a_course_first_meets_the_line_agrees_with_geos(
    barrier: BarrierLine, along: float, offset: float, heading: float, speed: float
) -> None:
    # Any course, in or out, across the berm's bends or along it: the first meeting point
    # is GEOS's intersection of the course with the line nearest its start (or none).
    p, _, n = frame(barrier, along)
    pos = p + offset * n
    vel = speed * np.array([np.sin(heading), np.cos(heading)])
    r = barrier.reach(pos[:1], pos[1:], vel[:1], vel[1:], horizon_s=3600.0, max_m=20_000.0)
    reach_m = min(speed * 3600.0, 20_000.0)
    course = shapely.linestrings([pos, pos + vel / speed * reach_m])
    meets = shapely.get_coordinates(shapely.intersection(course, barrier.line))
    if abs(offset) > 20_000.0 or len(meets) == 0:
        assert np.isinf(r.eta_s[0])
        return
    first = float(np.hypot(*(meets - pos).T).min())
    assert r.eta_s[0] * speed == pytest.approx(first, abs=1e-3)
