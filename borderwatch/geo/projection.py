"""Between WGS 84 degrees and UTM zone 32N metres (EPSG:32632), batched over numpy arrays.

UTM 32N spans the whole Tunisia–Libya border, so one metric frame serves every sector.
Polar measurements (radar, camera) are geodesic: azimuth from true north and distance on the
ellipsoid, which is what a sensor on the ground measures; `polar` and `destination` convert.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt
from pyproj import Geod, Proj, Transformer

from borderwatch.arrays import BoolArray, FloatArray

__all__ = [
    "UTM_EPSG",
    "destination",
    "grid_azimuth",
    "grid_factors",
    "grid_polar",
    "in_field",
    "polar",
    "to_lonlat",
    "to_utm",
]

UTM_EPSG = 32632
UTM_FALSE_EASTING_M = 500_000.0  # the central meridian's easting
EARTH_RADIUS_M = 6_371_000.0


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


def grid_factors(lon: float, lat: float) -> tuple[float, float]:
    """The UTM grid at (lon, lat): meridian convergence (rad; a true azimuth minus it is the
    grid azimuth) and point scale factor (grid metres per ground metre)."""
    f = Proj(f"EPSG:{UTM_EPSG}").get_factors(lon, lat)
    return float(np.radians(f.meridian_convergence)), float(f.meridional_scale)


def grid_polar(
    x0: FloatArray | float,
    convergence_rad: FloatArray | float,
    scale: FloatArray | float,
    az_deg: FloatArray,
    dist_m: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """A sensor's polar measurement (true azimuth in degrees, geodesic distance) from a point
    at easting `x0` with the grid's `grid_factors` there, as grid azimuth (rad, clockwise from
    grid north, in [0, 2 pi)) and grid distance (m).

    Closed form, where `destination` then `to_utm` cost two pyproj calls per batch, which was
    a tenth of the engine's replay time: the grid azimuth is the true one less the
    convergence, and the distance is scaled by the grid's scale at the chord's midpoint
    (it grows with the square of the distance from the central meridian). Within 20 km of the
    sensor this agrees with the geodesic to about 0.004 degrees and 5 cm (a test checks),
    against a radar's 0.5 degrees and 10 m."""
    az = np.radians(az_deg) - convergence_rad
    mid_dx = 0.5 * dist_m * np.sin(az)
    k = scale * (1.0 + (x0 - UTM_FALSE_EASTING_M) * mid_dx / EARTH_RADIUS_M**2)
    return np.mod(az, 2.0 * np.pi), k * dist_m
