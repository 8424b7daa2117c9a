"""crossings_of_path: when, where and which way a path crosses a line; side_of_line."""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
import pytest
import shapely
from hypothesis import assume, given
from shapely.geometry import LineString, Point

from borderwatch.geo import PathCrossings, crossings_of_path, side_of_line

# A straight north-to-south line along x = 0: its left (Libyan) side is east, x > 0.
NS = LineString([(0.0, 10.0), (0.0, -10.0)])


def _path(*points: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, x, y) arrays from (t, x, y) triples."""
    t, x, y = np.array(points, float).T
    return t, x, y


def _cross(
    line: LineString, *points: tuple[float, float, float], chunk: int = 4096
) -> PathCrossings:
    return crossings_of_path(*_path(*points), line, chunk=chunk)


def test_straight_crossing_at_known_time_and_point() -> None:
    c = _cross(NS, (100.0, 5.0, 2.0), (300.0, -15.0, 2.0))  # crosses x = 0 a quarter of the way
    assert c.t.tolist() == pytest.approx([150.0])
    assert c.x.tolist() == pytest.approx([0.0])
    assert c.y.tolist() == pytest.approx([2.0])
    assert c.along.tolist() == pytest.approx([8.0])  # from (0, 10) down to (0, 2)


def test_oblique_crossing() -> None:
    line = LineString([(0.0, 0.0), (10.0, 10.0)])
    c = _cross(line, (0.0, 0.0, 4.0), (4.0, 4.0, 0.0))
    assert c.t.tolist() == pytest.approx([2.0])
    assert (c.x[0], c.y[0]) == pytest.approx((2.0, 2.0))
    assert c.along[0] == pytest.approx(2.0 * np.sqrt(2.0))


def test_left_to_right_is_inbound_and_right_to_left_is_not() -> None:
    inbound = _cross(NS, (0.0, 5.0, 0.0), (1.0, -5.0, 0.0))  # east (Libya) to west (Tunisia)
    outbound = _cross(NS, (0.0, -5.0, 0.0), (1.0, 5.0, 0.0))
    assert inbound.inbound.tolist() == [True]
    assert outbound.inbound.tolist() == [False]
    assert inbound.inbound.dtype == np.bool_


def test_direction_follows_the_line_not_the_compass() -> None:
    """Walked the other way, the same line swaps left and right."""
    reversed_ns = LineString(NS.coords[::-1])
    c = _cross(reversed_ns, (0.0, 5.0, 0.0), (1.0, -5.0, 0.0))
    assert c.inbound.tolist() == [False]


def test_path_through_a_line_vertex_counts_once() -> None:
    line = LineString([(0.0, 10.0), (0.0, 0.0), (0.0, -10.0)])
    c = _cross(line, (0.0, 5.0, 0.0), (2.0, -5.0, 0.0))
    assert c.t.tolist() == pytest.approx([1.0])
    assert c.along.tolist() == pytest.approx([10.0])


def test_path_through_a_bent_line_vertex_counts_once() -> None:
    line = LineString([(-10.0, 10.0), (0.0, 0.0), (-10.0, -10.0)])  # a ">" with its tip at 0
    c = _cross(line, (0.0, 5.0, 0.0), (2.0, -5.0, 0.0))
    assert len(c.t) == 1
    assert (c.x[0], c.y[0]) == pytest.approx((0.0, 0.0))


def test_path_touching_a_line_vertex_counts_once() -> None:
    """Half-open segments: a touch at a vertex is seen once, never twice."""
    line = LineString([(-10.0, 10.0), (0.0, 0.0), (-10.0, -10.0)])
    c = _cross(line, (0.0, 5.0, 5.0), (1.0, 0.0, 0.0), (2.0, 5.0, -5.0))
    assert len(c.t) == 1
    assert c.t[0] == pytest.approx(1.0)


def test_path_vertex_on_the_line_counts_once() -> None:
    c = _cross(NS, (0.0, 5.0, 1.0), (1.0, 0.0, 1.0), (2.0, -5.0, 1.0))
    assert c.t.tolist() == pytest.approx([1.0])
    assert c.inbound.tolist() == [True]


@pytest.mark.parametrize(
    "points",
    [
        [(0.0, 5.0, 0.0), (1.0, 1.0, 0.0)],  # stops short
        [(0.0, 5.0, -20.0), (1.0, -5.0, -20.0)],  # passes below the line's end
        [(0.0, 3.0, 5.0), (1.0, 3.0, -5.0)],  # parallel
        [(0.0, 0.0, 5.0), (1.0, 0.0, -5.0)],  # along the line (collinear): not a crossing
        [(0.0, 5.0, 0.0)],  # a single fix
        [(0.0, 5.0, 0.0), (1.0, 5.0, 0.0)],  # standing still
    ],
    ids=["short", "beyond-end", "parallel", "collinear", "one-point", "still"],
)
def test_no_crossing(points: list[tuple[float, float, float]]) -> None:
    c = _cross(NS, *points)
    assert len(c.t) == len(c.x) == len(c.y) == len(c.inbound) == len(c.along) == 0


def test_empty_path() -> None:
    empty = np.zeros(0)
    c = crossings_of_path(empty, empty, empty, NS)
    assert len(c.t) == 0


def test_zigzag_gives_alternating_crossings_in_time_order() -> None:
    points = [(float(i), 5.0 if i % 2 == 0 else -5.0, 8.0 - 2.0 * i) for i in range(8)]
    for chunk in (1, 2, 3, 4096):
        c = _cross(NS, *points, chunk=chunk)
        assert c.t.tolist() == pytest.approx([0.5 + i for i in range(7)])
        assert c.inbound.tolist() == [True, False, True, False, True, False, True]
        assert np.all(np.diff(c.along) > 0)


def test_side_of_line() -> None:
    x = np.array([[5.0, -5.0], [0.5, -0.5]])
    y = np.array([[0.0, 0.0], [9.0, -9.0]])
    assert side_of_line(NS, x, y).tolist() == [[1.0, -1.0], [1.0, -1.0]]


# --- against shapely ------------------------------------------------------------------------

coords = st.floats(0.0, 1000.0, allow_subnormal=False)


@st.composite
def north_to_south_lines(draw: st.DrawFn) -> LineString:
    """Simple by construction: y strictly decreasing, x anything."""
    ys = draw(st.lists(coords, min_size=2, max_size=8, unique=True))
    xs = draw(st.lists(coords, min_size=len(ys), max_size=len(ys)))
    return LineString(list(zip(xs, sorted(ys, reverse=True), strict=True)))


paths = st.lists(st.tuples(coords, coords), min_size=2, max_size=25)
EPS = 1e-3


def _generic(line: LineString, points: list[tuple[float, float]]) -> None:
    """No vertex of either lies on (or within EPS of) the other: every meeting is a crossing."""
    path = LineString(points)
    q = np.asarray(line.coords)
    assume(bool(np.all(np.hypot(*np.diff(q, axis=0).T) > EPS)))  # no zero-length line segment
    assume(all(line.distance(Point(p)) > EPS for p in points))
    assume(all(path.distance(Point(q)) > EPS for q in line.coords))


@given(north_to_south_lines(), paths, st.integers(1, 30))
def test_matches_shapely(line: LineString, points: list[tuple[float, float]], chunk: int) -> None:
    _generic(line, points)
    xy = np.array(points)
    t = np.arange(len(points), dtype=float) * 10.0
    c = crossings_of_path(t, xy[:, 0], xy[:, 1], line, chunk=chunk)
    expected: list[tuple[float, float, float]] = []  # (t, x, y) from shapely, segment by segment
    for i in range(len(points) - 1):
        seg = LineString(points[i : i + 2])
        if seg.length == 0.0:
            continue
        hits = [h for h in shapely.get_parts(seg.intersection(line)) if not h.is_empty]
        assert all(h.geom_type == "Point" for h in hits)
        for h in sorted(hits, key=lambda h: seg.project(h)):
            u = seg.project(h) / seg.length
            expected.append((t[i] + u * (t[i + 1] - t[i]), h.x, h.y))
    assert len(c.t) == len(expected)
    assert np.all(np.diff(c.t) >= 0)
    got = sorted(zip(c.t.tolist(), c.x.tolist(), c.y.tolist(), strict=True))
    for (tg, xg, yg), (te, xe, ye) in zip(got, sorted(expected), strict=True):
        assert tg == pytest.approx(te, abs=1e-6)
        assert (xg, yg) == pytest.approx((xe, ye), abs=1e-6)
    for x, y, along in zip(c.x, c.y, c.along, strict=True):
        assert along == pytest.approx(line.project(Point(x, y)), abs=1e-6)


@given(coords, coords, coords, coords, paths)
def test_direction_matches_the_side_the_segment_starts_on(
    x0: float, y0: float, x1: float, y1: float, points: list[tuple[float, float]]
) -> None:
    assume(np.hypot(x1 - x0, y1 - y0) > 1.0)
    line = LineString([(x0, y0), (x1, y1)])
    _generic(line, points)
    xy = np.array(points)
    t = np.arange(len(points), dtype=float)
    c = crossings_of_path(t, xy[:, 0], xy[:, 1], line)
    start = np.floor(c.t).astype(int)  # the segment each crossing is on
    side = side_of_line(line, xy[start, 0], xy[start, 1])
    assert c.inbound.tolist() == (side == 1.0).tolist()
