"""Where a moving point's path crosses a line: the geometry behind every crossing.

Written with numpy rather than shapely because we need, per crossing, the time (interpolated
along the path segment) and the direction, for thousands of path segments at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from shapely.geometry import LineString

from borderwatch.arrays import FloatArray

__all__ = ["PathCrossings", "crossings_of_path", "line_frame", "side_of_line"]


@dataclass(frozen=True, slots=True)
class PathCrossings:
    """Crossings of one path with one line, in time order.

    `t`: (K,) time of each crossing (the path's time unit); `x`, `y`: (K,) the point, metres;
    `inbound`: (K,) True where the path goes from the line's left side to its right side
    (for our north-to-south watch line: from the Libyan side into Tunisia);
    `along`: (K,) distance along the line to the crossing point, metres.
    """

    t: FloatArray
    x: FloatArray
    y: FloatArray
    inbound: npt.NDArray[np.bool_]
    along: FloatArray


def crossings_of_path(
    t: FloatArray, x: FloatArray, y: FloatArray, line: LineString, chunk: int = 4096
) -> PathCrossings:
    """Intersect the polyline through (x[i], y[i]) at times t[i] with `line`.

    Segment i of the path, P(u) = p_i + u (p_{i+1} - p_i), u in [0, 1), and segment j of the
    line, Q(v) = q_j + v (q_{j+1} - q_j), v in [0, 1), meet where the 2x2 system
    u d - v e = q_j - p_i has a solution in those ranges (d, e the segment vectors).
    Half-open ranges count a crossing exactly at a vertex once.
    """
    q = np.asarray(line.coords, float)
    q0, e = q[:-1], np.diff(q, axis=0)  # (B, 2)
    seg_len = np.hypot(e[:, 0], e[:, 1])
    cum = np.r_[0.0, np.cumsum(seg_len)][:-1]
    p = np.c_[x, y]
    out: list[tuple[FloatArray, ...]] = []
    lo, hi = q.min(axis=0), q.max(axis=0)
    for start in range(0, max(len(p) - 1, 0), chunk):
        p0 = p[start : start + chunk]
        p1 = p[start + 1 : start + chunk + 1]
        p0 = p0[: len(p1)]
        d = p1 - p0  # (A, 2)
        # Skip path segments whose box misses the line's box: most of them, usually.
        keep = np.flatnonzero(
            (np.maximum(p0, p1) >= lo).all(axis=1) & (np.minimum(p0, p1) <= hi).all(axis=1)
        )
        if keep.size == 0:
            continue
        p0k, dk = p0[keep], d[keep]
        w = q0[None, :, :] - p0k[:, None, :]  # (A, B, 2)
        den = dk[:, None, 0] * (-e[None, :, 1]) - dk[:, None, 1] * (-e[None, :, 0])
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (w[..., 0] * (-e[None, :, 1]) - w[..., 1] * (-e[None, :, 0])) / den
            v = (dk[:, None, 0] * w[..., 1] - dk[:, None, 1] * w[..., 0]) / den
        hit = (den != 0) & (u >= 0) & (u < 1) & (v >= 0) & (v < 1)
        a, b = np.nonzero(hit)
        if a.size == 0:
            continue
        i = keep[a] + start
        uu = u[a, b]
        tt = t[i] + uu * (t[i + 1] - t[i])
        xx = p[i, 0] + uu * (p[i + 1, 0] - p[i, 0])
        yy = p[i, 1] + uu * (p[i + 1, 1] - p[i, 1])
        # Cross product of line direction with path direction: negative = left to right.
        cross = e[b, 0] * (p[i + 1, 1] - p[i, 1]) - e[b, 1] * (p[i + 1, 0] - p[i, 0])
        out.append((tt, xx, yy, cross < 0, cum[b] + v[a, b] * seg_len[b]))
    if not out:
        empty = np.zeros(0)
        return PathCrossings(empty, empty, empty, np.zeros(0, bool), empty)
    tt, xx, yy, inbound, along = (np.concatenate(c) for c in zip(*out, strict=True))
    order = np.argsort(tt, kind="stable")
    return PathCrossings(tt[order], xx[order], yy[order], inbound[order].astype(bool), along[order])


def side_of_line(line: LineString, x: FloatArray, y: FloatArray) -> FloatArray:
    """+1 left of `line` (Libyan side for the watch line), -1 right (Tunisian side), per point.

    Decided by the nearest segment's cross product; vectorised over points.
    """
    q = np.asarray(line.coords, float)
    q0, e = q[:-1], np.diff(q, axis=0)
    pts = np.c_[np.ravel(x), np.ravel(y)]
    w = pts[:, None, :] - q0[None, :, :]
    ee = (e**2).sum(axis=1)
    s = np.clip((w * e[None]).sum(axis=2) / ee[None], 0.0, 1.0)
    dist2 = ((w - s[..., None] * e[None]) ** 2).sum(axis=2)
    j = dist2.argmin(axis=1)
    cross = e[j, 0] * w[np.arange(len(pts)), j, 1] - e[j, 1] * w[np.arange(len(pts)), j, 0]
    return np.where(cross >= 0, 1.0, -1.0).reshape(np.shape(x))


def line_frame(line: LineString, s: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """At distance `s` along `line`: the point, the unit tangent and the unit left normal
    (for the north-to-south watch line, left points into Libya). The tangent is taken over
    ±500 m so a vertex kink does not swing it."""
    a = line.interpolate(max(s - 500.0, 0.0))
    b = line.interpolate(min(s + 500.0, line.length))
    t = np.array([b.x - a.x, b.y - a.y])
    t /= np.hypot(t[0], t[1])
    p = line.interpolate(s)
    return np.array([p.x, p.y]), t, np.array([-t[1], t[0]])
