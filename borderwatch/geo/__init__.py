"""The border and barrier as data: boundary, berm, crossings, sectors and zones, sites,
and the projection to UTM zone 32N metres (EPSG:32632) that every metric computation uses."""

from borderwatch.geo.border import Border, Breach, Crossing, Place, load_border
from borderwatch.geo.lines import PathCrossings, crossings_of_path, side_of_line
from borderwatch.geo.projection import (
    UTM_EPSG,
    destination,
    grid_azimuth,
    grid_factors,
    grid_polar,
    in_field,
    polar,
    to_lonlat,
    to_utm,
)
from borderwatch.geo.sectors import Sector, build_sectors, sector_index
from borderwatch.geo.sites import Layout, Site, load_sites

__all__ = [
    "UTM_EPSG",
    "Border",
    "Breach",
    "Crossing",
    "Layout",
    "PathCrossings",
    "Place",
    "Sector",
    "Site",
    "build_sectors",
    "crossings_of_path",
    "destination",
    "grid_azimuth",
    "grid_factors",
    "grid_polar",
    "in_field",
    "load_border",
    "load_sites",
    "polar",
    "sector_index",
    "side_of_line",
    "to_lonlat",
    "to_utm",
]
