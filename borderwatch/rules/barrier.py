"""The barrier line as the rules see it: how far each track is from it, on which side, how
fast it closes, and where and when it would reach it.

The line is the whole watch line (the berm, then the open south), north to south, so its left
is Libya. Nearest points come from GEOS (`line_locate_point`), vectorised over tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString

from borderwatch.arrays import FloatArray
from borderwatch.geo import Border

__all__ = ["BarrierLine", "Reach"]


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
    """The watch line of a border."""

    def __init__(self, border: Border) -> None:
        coords = [*border.berm.coords, *list(border.open_line.coords)[1:]]
        self.line = LineString(coords)
        shapely.prepare(self.line)

    def _frame(self, x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Signed distance (+ left) and the unit left normal (nx, ny) at the nearest point."""
        pts = shapely.points(x, y)
        s = shapely.line_locate_point(self.line, pts)
        length = self.line.length
        a = shapely.line_interpolate_point(self.line, np.maximum(s - 50.0, 0.0))
        b = shapely.line_interpolate_point(self.line, np.minimum(s + 50.0, length))
        foot = shapely.line_interpolate_point(self.line, s)
        tx, ty = shapely.get_x(b) - shapely.get_x(a), shapely.get_y(b) - shapely.get_y(a)
        norm = np.maximum(np.hypot(tx, ty), 1e-9)
        nx, ny = -ty / norm, tx / norm
        fx, fy = shapely.get_x(foot), shapely.get_y(foot)
        dist = np.hypot(x - fx, y - fy)
        side = np.where((x - fx) * nx + (y - fy) * ny >= 0.0, 1.0, -1.0)
        return side * dist, nx, ny

    def depth(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Signed distance to the line, m: + on the Libyan side."""
        return self._frame(np.asarray(x, float), np.asarray(y, float))[0]

    def reach(
        self,
        x: FloatArray,
        y: FloatArray,
        vx: FloatArray,
        vy: FloatArray,
        horizon_s: float = 3600.0,
        max_m: float = 20_000.0,
    ) -> Reach:
        """Where and when tracks at (x, y) moving at (vx, vy) would reach the line: where their
        straight course first meets it (the berm bends: the foot of the perpendicular is not
        where a walker heading in at an angle arrives), within `horizon_s` and `max_m`."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        vx, vy = np.asarray(vx, float), np.asarray(vy, float)
        depth, nx, ny = self._frame(x, y)
        # Towards the nearest part of the line, from either side: against the left normal
        # on the left, along it on the right. Replaced below where the course meets the line.
        closing = -np.sign(depth) * (vx * nx + vy * ny)
        n = len(x)
        eta, cx, cy = np.full(n, np.inf), np.full(n, np.nan), np.full(n, np.nan)
        speed = np.hypot(vx, vy)
        k = np.flatnonzero((speed > 0.05) & (np.abs(depth) <= max_m))
        if len(k):
            reach_m = np.minimum(speed[k] * horizon_s, max_m)
            ends = np.stack(
                (
                    np.c_[x[k], y[k]],
                    np.c_[x[k] + vx[k] / speed[k] * reach_m, y[k] + vy[k] / speed[k] * reach_m],
                ),
                axis=1,
            )
            rays = shapely.linestrings(ends)
            start = shapely.points(x[k], y[k])
            meet = shapely.intersection(rays, self.line)
            hit = ~shapely.is_empty(meet)
            # The first meeting along the course is the one nearest its start.
            first = shapely.get_point(shapely.shortest_line(start[hit], meet[hit]), 1)
            d = shapely.distance(start[hit], first)
            kk = k[hit]
            eta[kk] = d / speed[kk]
            cx[kk], cy[kk] = shapely.get_x(first), shapely.get_y(first)
            # How fast the distance to the line shrinks, on average, until it is reached.
            closing[kk] = np.abs(depth[kk]) / np.maximum(eta[kk], 1e-9)
        return Reach(depth, closing, eta, cx, cy)
