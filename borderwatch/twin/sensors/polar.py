"""What the radar and the camera on a tower share: their field of regard, terrain shadows,
and the measurement itself: geodesic range and true bearing from the tower to a UTM point."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from borderwatch.arrays import FloatArray
from borderwatch.geo.projection import polar, to_lonlat
from borderwatch.geo.sites import Layout

__all__ = ["grid_azimuth", "in_field", "shadowed", "true_polar"]


def grid_azimuth(dx: FloatArray, dy: FloatArray) -> FloatArray:
    """Azimuth on the UTM grid, degrees clockwise from grid north, in [0, 360)."""
    return np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)


def in_field(az: FloatArray, center: float, width: float) -> npt.NDArray[np.bool_]:
    """True where azimuth `az` lies within `width` degrees centred on `center`."""
    off = np.mod(az - center + 180.0, 360.0) - 180.0
    inside: npt.NDArray[np.bool_] = np.abs(off) <= width / 2.0
    return inside


def shadowed(layout: Layout, x: FloatArray, y: FloatArray) -> npt.NDArray[np.bool_]:
    """True where a point is hidden in a radar shadow (terrain masks radar and camera alike)."""
    if not layout.shadows or x.size == 0:
        return np.zeros(x.shape, bool)
    return layout.shadowed(x, y)


def true_polar(
    lon0: float, lat0: float, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """True bearing (deg from true north) and geodesic range (m) from the sensor to UTM points.

    A sensor measures on the ground, not on the UTM grid: grid north differs from true north by
    the meridian convergence (~1.4° at the berm), which at 8 km is ~200 m, so we do it exactly.
    """
    lon, lat = to_lonlat(x, y)
    return polar(lon0, lat0, lon, lat)
