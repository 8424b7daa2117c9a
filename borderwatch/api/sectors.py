"""Sectors: their geometry as GeoJSON (WGS 84, for a map) and the open incidents in each."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
import shapely
from fastapi import APIRouter, Depends, Request
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.geo import Sector, to_lonlat

__all__ = [
    "SectorFeature",
    "SectorProperties",
    "Sectors",
    "ZoneFeature",
    "ZoneProperties",
    "Zones",
    "geojson",
    "router",
]

router = APIRouter(tags=["sectors"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_sectors"))

# Map geometry: 10 m of simplification and 1e-6° (~0.1 m) of precision are invisible on a map
# and cut the payload by a third.
SIMPLIFY_M = 10.0
DECIMALS = 6

Zone = Literal["line", "approach", "barrier", "inner"]


class SectorProperties(msgspec.Struct, frozen=True, kw_only=True):
    """A sector's summary: its kind, length, sensors, open (not resolved) intrusion incidents,
    and open equipment faults (the health queue's, one per cause)."""

    id: str
    segment: str
    length_m: float
    sensors: int
    open_incidents: int
    open_faults: int = 0


class SectorFeature(msgspec.Struct, frozen=True, kw_only=True):
    """One sector: its whole area (approach, barrier and inner zones)."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: SectorProperties


class Sectors(msgspec.Struct, frozen=True, kw_only=True):
    """The watched sectors, north to south."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[SectorFeature]


class ZoneProperties(msgspec.Struct, frozen=True, kw_only=True):
    """Which sector and zone a feature is."""

    sector: str
    zone: Zone


class ZoneFeature(msgspec.Struct, frozen=True, kw_only=True):
    """One zone of a sector (or its piece of the watch line)."""

    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any]
    properties: ZoneProperties


class Zones(msgspec.Struct, frozen=True, kw_only=True):
    """A sector's watch line and its three zones."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[ZoneFeature]


def geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """A UTM 32N shape as a GeoJSON geometry in WGS 84 degrees, simplified for a map."""

    def lonlat(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    out: dict[str, Any] = mapping(shapely.transform(geometry.simplify(SIMPLIFY_M), lonlat))
    return out


def _find(sectors: tuple[Sector, ...], sector_id: str) -> Sector:
    for s in sectors:
        if s.id == sector_id:
            return s
    raise NotFoundError(f"no sector {sector_id!r} watched here")


@router.get(
    "/sectors", summary="The watched sectors, with open incidents", responses=returns(Sectors)
)
async def sectors(request: Request, _: Annotated[Claims, _read]) -> Response:
    """Every watched sector's area and counts, as a GeoJSON FeatureCollection."""
    api = state_of(request)
    engine = api.service.engine
    sensors = Counter(site.sector for site in api.service.registry.places.values())
    open_ = Counter(
        (i.sector, i.category) for i in engine.incidents.values() if i.state != "resolved"
    )
    features = [
        SectorFeature(
            id=s.id,
            geometry=geojson(s.area),
            properties=SectorProperties(
                id=s.id,
                segment=s.segment,
                length_m=round(s.length_m, 1),
                sensors=sensors[s.id],
                open_incidents=open_[s.id, "intrusion"],
                open_faults=open_[s.id, "system"],
            ),
        )
        for s in api.sectors
    ]
    return MsgspecResponse(Sectors(features=features))


@router.get(
    "/sectors/{sector_id}",
    summary="One sector's watch line and zones",
    responses=returns(Zones, 404),
)
async def sector(request: Request, sector_id: str, _: Annotated[Claims, _read]) -> Response:
    """The sector's line and its approach, barrier and inner zones, as GeoJSON."""
    s = _find(state_of(request).sectors, sector_id)
    shapes: dict[Zone, BaseGeometry] = {
        "line": s.line,
        "approach": s.approach,
        "barrier": s.barrier,
        "inner": s.inner,
    }
    features = [
        ZoneFeature(geometry=geojson(g), properties=ZoneProperties(sector=s.id, zone=zone))
        for zone, g in shapes.items()
    ]
    return MsgspecResponse(Zones(features=features))
