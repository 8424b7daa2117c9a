"""The barrier line as the rules see it: how far each track is from it, on which side, how
fast it closes, and where and when it would reach it.

The line is the whole watch line (the berm, then the open south), north to south, so its left
is Libya. Nearest points come from a k-d tree over samples of the line and an exact
projection onto the segments beside the nearest sample, vectorised over tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from borderwatch.arrays import BoolArray, FloatArray
from borderwatch.geo import Border, build_sectors

__all__ = ["BarrierLine", "Reach"]

CHUNK = 16  # segments per box in `_meet`
SAMPLE_M = 100.0
NEAR_SEGMENTS = 3


@dataclass(frozen=True, slots=True)
class Reach:
    """Per track, (K,): `depth_m` signed distance to the line (+ Libyan side); `closing_mps`
    how fast that distance shrinks (on average until it meets the line, if its course
    does; else towards the nearest part of the line); `eta_s` time until its straight course meets
    the line (inf if it does not within the horizon); `cross_x`, `cross_y` where (NaN if
    not)."""

    depth_m: FloatArray
    closing_mps: FloatArray
    eta_s: FloatArray
    cross_x: FloatArray
    cross_y: FloatArray


class BarrierLine:
    """The watch line of a border, and its sectors in order along it."""

    def __init__(self, border: Border) -> None:
        coords = [*border.berm.coords, *list(border.open_line.coords)[1:]]
        self.line = LineString(coords)  # the geometry, for maps and for checking against
        xy = np.asarray(coords, float)
        self._x, self._y = xy[:, 0], xy[:, 1]
        self._s = np.r_[0.0, np.cumsum(np.hypot(np.diff(self._x), np.diff(self._y)))]
        # The sectors are cut from the berm, then the open south, in order: their ends along
        # the whole line are the running sums of their lengths.
        self.sectors = build_sectors(border)
        self._sector_end = np.cumsum([sec.line.length for sec in self.sectors])
        # Written with numpy and a k-d tree rather than GEOS's line_locate_point and
        # intersection: those walk all 700-odd segments for every point, every scene, and
        # were the dearest part of the engine after the tracker itself.
        self._q0 = xy[:-1]
        self._e = np.diff(xy, axis=0)
        self._len = np.hypot(self._e[:, 0], self._e[:, 1])
        dense = np.arange(0.0, self._s[-1], SAMPLE_M)
        self._tree = cKDTree(np.c_[self._at(dense)])
        # Each sample's candidate segments for `locate` (its own and NEAR_SEGMENTS either
        # side), with their starts, directions and squared lengths: gathered per scene, not
        # worked out again.
        seg = np.searchsorted(self._s, dense, side="right") - 1
        cand = np.clip(
            seg[:, None] + np.arange(-NEAR_SEGMENTS, NEAR_SEGMENTS + 1), 0, len(self._e) - 1
        )
        self._cand = cand
        self._cand_q0x, self._cand_q0y = self._q0[cand, 0], self._q0[cand, 1]
        self._cand_ex, self._cand_ey = self._e[cand, 0], self._e[cand, 1]
        self._cand_len2 = self._len[cand] * self._len[cand]
        # Runs of CHUNK segments and their bounding boxes, for `_meet`: a course can only
        # meet a segment inside a box it overlaps.
        n_seg = len(self._e)
        starts = np.arange(0, n_seg, CHUNK)
        px = (
            np.c_[self._x[:-1], self._x[1:]].min(axis=1),
            np.c_[self._x[:-1], self._x[1:]].max(axis=1),
        )
        py = (
            np.c_[self._y[:-1], self._y[1:]].min(axis=1),
            np.c_[self._y[:-1], self._y[1:]].max(axis=1),
        )
        self._box = np.stack(
            (
                np.minimum.reduceat(px[0], starts),
                np.maximum.reduceat(px[1], starts),
                np.minimum.reduceat(py[0], starts),
                np.maximum.reduceat(py[1], starts),
            ),
            axis=1,
        )  # (chunks, [xmin, xmax, ymin, ymax])

    def _at(self, s: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The point at distance s along the line (numpy: one GEOS call per point is slower)."""
        return np.interp(s, self._s, self._x), np.interp(s, self._s, self._y)

    def locate(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Distance along the line (m from Ras Ajdir) of the nearest point to each point.

        The nearest sample of the line (every `SAMPLE_M`) names a few candidate segments
        (`NEAR_SEGMENTS` either side of its own); the exact projection onto the nearest of
        them is the answer. Within 100 m of the line that is the exact nearest point (on
        this border; beside its sharpest bend, km 60.8, a point 120 m out is the nearest
        found that is not); farther out, beside a bend, another branch may be nearer by at
        most SAMPLE_M / 2 (the sample was within that of the true nearest point), a few
        metres where it was measured, which no rule notices.
        """
        x, y = np.asarray(x, float), np.asarray(y, float)
        if len(x) == 0:
            return np.zeros(0)
        _, i = self._tree.query(np.column_stack((x, y)))
        cand = self._cand[i]
        q0x, q0y, ex, ey = self._cand_q0x[i], self._cand_q0y[i], self._cand_ex[i], self._cand_ey[i]
        u = ((x[:, None] - q0x) * ex + (y[:, None] - q0y) * ey) / self._cand_len2[i]
        u = np.minimum(np.maximum(u, 0.0), 1.0)
        fx, fy = q0x + u * ex, q0y + u * ey
        best = np.argmin(np.hypot(x[:, None] - fx, y[:, None] - fy), axis=1)
        rows = np.arange(len(x))
        j = cand[rows, best]
        out: FloatArray = self._s[j] + u[rows, best] * self._len[j]
        return out

    def _frame(
        self, x: FloatArray, y: FloatArray, along: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Signed distance (+ left), the unit left normal (nx, ny) at the nearest point, and
        that point's distance along the line (`along`, if already known). The normal is
        taken over ±50 m so that a point nearest a vertex gets the side of the bend, not of
        one of its two segments."""
        s = self.locate(x, y) if along is None else along
        # The three points of each, in one interpolation per axis (numpy's overhead is
        # most of it at a few dozen tracks).
        n = len(s)
        px, py = self._at(
            np.concatenate((np.maximum(s - 50.0, 0.0), np.minimum(s + 50.0, self._s[-1]), s))
        )
        ax, bx, fx = px[:n], px[n : 2 * n], px[2 * n :]
        ay, by, fy = py[:n], py[n : 2 * n], py[2 * n :]
        tx, ty = bx - ax, by - ay
        norm = np.maximum(np.hypot(tx, ty), 1e-9)
        nx, ny = -ty / norm, tx / norm
        dist = np.hypot(x - fx, y - fy)
        side = np.where((x - fx) * nx + (y - fy) * ny >= 0.0, 1.0, -1.0)
        return side * dist, nx, ny, s

    def depth(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Signed distance to the line, m: + on the Libyan side."""
        return self._frame(np.asarray(x, float), np.asarray(y, float))[0]

    def sector_ids(self, along: FloatArray) -> list[str]:
        """The sector of each point `along` the line (see `locate`): the one whose stretch
        of line is nearest the point."""
        k = np.minimum(np.searchsorted(self._sector_end, along), len(self.sectors) - 1)
        return [self.sectors[i].id for i in k.tolist()]

    def reach(
        self,
        x: FloatArray,
        y: FloatArray,
        vx: FloatArray,
        vy: FloatArray,
        horizon_s: float = 3600.0,
        max_m: float = 20_000.0,
        which: BoolArray | None = None,
        along: FloatArray | None = None,
    ) -> Reach:
        """Where and when tracks at (x, y) moving at (vx, vy) would reach the line: where their
        straight course first meets it (the berm bends: the foot of the perpendicular is not
        where a walker heading in at an angle arrives), within `horizon_s` and `max_m`.

        Only the tracks in `which` (all if None) are followed along their course: the others
        get their depth and their closing speed towards the nearest part of the line, with
        `eta_s` inf and `cross_x`, `cross_y` NaN. `along`: their `locate`, if known."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        vx, vy = np.asarray(vx, float), np.asarray(vy, float)
        depth, nx, ny, _ = self._frame(x, y, along)
        # Towards the nearest part of the line, from either side: against the left normal
        # on the left, along it on the right. Replaced below where the course meets the line.
        closing = -np.sign(depth) * (vx * nx + vy * ny)
        n = len(x)
        eta, cx, cy = np.full(n, np.inf), np.full(n, np.nan), np.full(n, np.nan)
        if which is not None and not which.any():
            return Reach(depth, closing, eta, cx, cy)  # no course to follow: most scenes
        speed = np.hypot(vx, vy)
        moving = (speed > 0.05) & (np.abs(depth) <= max_m)
        k = np.flatnonzero(moving if which is None else moving & which)
        if len(k):
            reach_m = np.minimum(speed[k] * horizon_s, max_m)
            ends = np.stack(
                (
                    np.c_[x[k], y[k]],
                    np.c_[x[k] + vx[k] / speed[k] * reach_m, y[k] + vy[k] / speed[k] * reach_m],
                ),
                axis=1,
            )  # (K, 2 ends, 2)
            d = self._meet(ends)
            hit = np.isfinite(d)
            kk = k[hit]
            eta[kk] = d[hit] / speed[kk]
            ux, uy = vx[kk] / speed[kk], vy[kk] / speed[kk]
            cx[kk], cy[kk] = x[kk] + ux * d[hit], y[kk] + uy * d[hit]
            # How fast the distance to the line shrinks, on average, until it is reached.
            closing[kk] = np.abs(depth[kk]) / np.maximum(eta[kk], 1e-9)
        return Reach(depth, closing, eta, cx, cy)

    def _meet(self, ends: FloatArray) -> FloatArray:
        """Distance from each course's start to where it first meets the line (inf if not):
        courses (K, 2, 2) as start and end points, against the segments of every run whose
        box the course's box overlaps (all the line's segments against every course cost
        a third of the scene)."""
        p0, d = ends[:, 0], ends[:, 1] - ends[:, 0]  # (K, 2)
        lo, hi = ends.min(axis=1), ends.max(axis=1)  # the courses' boxes
        b = self._box
        near = (
            (lo[:, None, 0] <= b[None, :, 1])
            & (hi[:, None, 0] >= b[None, :, 0])
            & (lo[:, None, 1] <= b[None, :, 3])
            & (hi[:, None, 1] >= b[None, :, 2])
        )
        k, c = np.nonzero(near)
        first = np.full(len(ends), np.inf)
        if len(k):
            k = np.repeat(k, CHUNK)
            seg = np.minimum((c[:, None] * CHUNK + np.arange(CHUNK)).ravel(), len(self._e) - 1)
            w = self._q0[seg] - p0[k]  # (M, 2)
            e = self._e[seg]
            dk = d[k]
            den = dk[:, 0] * -e[:, 1] + dk[:, 1] * e[:, 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                u = (w[:, 0] * -e[:, 1] + w[:, 1] * e[:, 0]) / den  # along the course
                v = (dk[:, 0] * w[:, 1] - dk[:, 1] * w[:, 0]) / den  # along the segment
            hit = (den != 0) & (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
            np.minimum.at(first, k[hit], u[hit])
        out: FloatArray = first * np.hypot(d[:, 0], d[:, 1])
        return out
