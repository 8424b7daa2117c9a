"""Between WGS 84 degrees and UTM zone 32N metres (EPSG:32632), batched over numpy arrays.

UTM 32N spans the whole Tunisia–Libya border, so one metric frame serves every sector.
Polar measurements (radar, camera) are geodesic: azimuth from true north and distance on the
ellipsoid, which is what a sensor on the ground measures; `polar` and `destination` convert.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
from pyproj import Geod, Transformer

from borderwatch.arrays import BoolArray, FloatArray

__all__ = [
    "UTM_EPSG",
    "destination",
    "grid_azimuth",
    "in_field",
    "polar",
    "to_lonlat",
    "to_utm",
]

UTM_EPSG = 32632


@cache
def _forward() -> Transformer:
    return Transformer.from_crs(4326, UTM_EPSG, always_xy=True)


@cache
def _inverse() -> Transformer:
    return Transformer.from_crs(UTM_EPSG, 4326, always_xy=True)


@cache
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def to_utm(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Degrees (lon, lat) to UTM 32N (x east, y north) in metres; any matching shapes."""
    x, y = _forward().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def to_lonlat(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """UTM 32N metres to degrees (lon, lat)."""
    lon, lat = _inverse().transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def polar(
    lon0: npt.ArrayLike, lat0: npt.ArrayLike, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Azimuth (degrees clockwise from true north, in [0, 360)) and geodesic distance (m)
    from (lon0, lat0) to (lon, lat); broadcasts."""
    a, b, c, d = np.broadcast_arrays(
        np.asarray(lon0, float),
        np.asarray(lat0, float),
        np.asarray(lon, float),
        np.asarray(lat, float),
    )
    az, _, dist = _geod().inv(a, b, c, d)
    return np.mod(np.asarray(az, float), 360.0), np.asarray(dist, float)


def destination(
    lon0: npt.ArrayLike, lat0: npt.ArrayLike, az_deg: npt.ArrayLike, dist_m: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The point `dist_m` from (lon0, lat0) along true azimuth `az_deg`: (lon, lat)."""
    a, b, c, d = np.broadcast_arrays(
        np.asarray(lon0, float),
        np.asarray(lat0, float),
        np.asarray(az_deg, float),
        np.asarray(dist_m, float),
    )
    lon, lat, _ = _geod().fwd(a, b, c, d)
    return np.asarray(lon, float), np.asarray(lat, float)


def grid_azimuth(dx: FloatArray, dy: FloatArray) -> FloatArray:
    """Azimuth on the UTM grid, degrees clockwise from grid north, in [0, 360)."""
    return np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)


def in_field(az: FloatArray, center: float, width: float) -> BoolArray:
    """True where azimuth `az` lies within `width` degrees centred on `center`."""
    off = np.mod(az - center + 180.0, 360.0) - 180.0
    inside: BoolArray = np.abs(off) <= width / 2.0
    return inside
