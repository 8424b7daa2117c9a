"""What the radar and the camera on a tower share: terrain shadows, and the measurement itself:
geodesic range and true bearing from the tower to a UTM point. (Their field of regard, on the
UTM grid, is `borderwatch.geo.projection`'s `grid_azimuth` and `in_field`.)"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from borderwatch.arrays import FloatArray
from borderwatch.geo.projection import polar, to_lonlat
from borderwatch.geo.sites import Layout

__all__ = ["shadowed", "true_polar"]


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
