"""The berm's blind stretches now (degraded mode), and the patrol nearest to cover each.

`GET /api/v1/coverage` (`read_sectors`): the engine's own coverage (`engine.blind`, from
the `BermCoverage` the line-breach rule asks: one source of truth) at the picture's event
time, as a GeoJSON FeatureCollection of runs of consecutive blind 100 m stretches, each a
LineString along the watch line with its sector, from and to km, whether it is blind now
because its sensors fail (`down`: which, and why), because they were never heard
(`unknown`: not fielded, or a twin on another sector) or was never covered (`never_covered`),
and, for a role that reads patrols, the free patrol with the shortest ETA to its middle,
ranked by `ops.dispatch` as an operator's dispatch ranks them. Beside the features, each
sector's blind metres of both kinds and whether its coverage is degraded now.

The runs are walked once per scene and per health change (`BlindRuns`); the ETAs, one road
search per run, once per those and per change of the patrols' reports and assignments.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from typing import Annotated, Any, Literal
from weakref import WeakKeyDictionary

import msgspec
import numpy as np
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims, allowed
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.sectors import geojson
from borderwatch.api.state import state_of
from borderwatch.engine.blind import BlindKind, BlindRun, BlindRuns
from borderwatch.geo.projection import to_lonlat
from borderwatch.ops import PatrolEta, busy_patrols, rank_patrols_to, road_network
from borderwatch.service import Service

__all__ = [
    "BlindConfirmer",
    "BlindFeature",
    "BlindProperties",
    "Coverage",
    "SectorCoverage",
    "router",
]

router = APIRouter(tags=["sectors"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_sectors"))


class BlindConfirmer(msgspec.Struct, frozen=True, kw_only=True):
    """A sensor that could confirm a trigger there and cannot now: `down` or `tampered` (its
    own report), `silent` (not heard within its missed heartbeats), or `never_heard`."""

    sensor_id: str
    state: str


class BlindProperties(msgspec.Struct, frozen=True, kw_only=True):
    """One run of blind stretches: where, why, and who is nearest to cover it."""

    sector: str
    from_km: float  # along the sector's watch line
    to_km: float
    length_m: float
    # down: its sensors fail now; unknown: its sensors were never heard; never_covered:
    # none stands there
    kind: BlindKind
    why: str  # in words: "T05-R down, T05-C silent", or "no sensor there at all"
    confirmers: list[BlindConfirmer]
    lat: float  # the run's middle
    lon: float
    # The free patrol with the shortest ETA to the middle (None: none free, or the role does
    # not read patrols).
    nearest_patrol: PatrolEta | None = None


class BlindFeature(msgspec.Struct, frozen=True, kw_only=True):
    """A run as a GeoJSON Feature: the piece of the watch line (LineString, WGS 84)."""

    type: Literal["Feature"] = "Feature"
    id: str  # sector:from_m-to_m, stable while the run is unchanged
    geometry: dict[str, Any]
    properties: BlindProperties


class SectorCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """A sector's berm now: its length, its blind metres of each kind, and whether its
    coverage is degraded (a stretch whose sensors were heard has none working now)."""

    sector: str
    berm_m: float
    down_m: float
    never_covered_m: float
    unknown_m: float
    degraded: bool


class Coverage(msgspec.Struct, frozen=True, kw_only=True):
    """The blind stretches at the picture's event time `time_ns` (None before any event)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    time_ns: int | None
    stretch_m: float
    sectors: list[SectorCoverage]
    features: list[BlindFeature]


def _why(run: BlindRun) -> str:
    if run.kind == "never_covered":
        return "no sensor there at all"
    if run.kind == "unknown":
        return "its sensors never heard: " + ", ".join(c.sensor_id for c in run.confirmers)
    return ", ".join(f"{c.sensor_id} {c.state}" for c in run.confirmers)


class _Cache:
    """One service's runs (`BlindRuns`) and the nearest free patrol of each, the latter kept
    while runs, patrols and assignments are unchanged (a road search per run is the dear
    part)."""

    def __init__(self) -> None:
        self.runs = BlindRuns()
        self.key: tuple[object, ...] | None = None
        self.nearest: list[PatrolEta | None] = []


# Per service (a process has one; the tests run several), forgotten with it.
_caches: WeakKeyDictionary[Service, _Cache] = WeakKeyDictionary()


def _cache(service: Service) -> _Cache:
    found = _caches.get(service)
    if found is None:
        found = _caches[service] = _Cache()
    return found


@router.get(
    "/coverage",
    summary="The berm's blind stretches now, and the nearest patrol to each",
    responses=returns(Coverage),
)
async def coverage(request: Request, claims: Annotated[Claims, _read]) -> Response:
    """Runs of blind 100 m stretches (sensors down now, or never covered), as GeoJSON."""
    api = state_of(request)
    engine = api.service.engine
    picture = engine.picture
    if picture is not None and not math.isfinite(picture.window.now_s):
        picture = None  # made for an operator's action: no sensor has spoken, no time yet
    cache = _cache(api.service)
    runs = [] if picture is None else cache.runs.of(picture)
    stretch_m = 100.0 if picture is None else picture.rules.line_breach.stretch_m
    time_ns = None if picture is None else picture.epoch_ns + round(picture.window.now_s * 1e9)
    nearest: list[PatrolEta | None] = [None] * len(runs)
    if runs and allowed(claims.role, "read_patrols"):
        nearest = await _nearest_patrols(request, cache, runs, time_ns or 0)
    lon, lat = to_lonlat(np.array([r.x for r in runs]), np.array([r.y for r in runs]))
    features = [
        BlindFeature(
            id=f"{r.sector}:{r.start_m:.0f}-{r.end_m:.0f}",
            geometry=geojson(r.line),
            properties=BlindProperties(
                sector=r.sector,
                from_km=round(r.start_m / 1000.0, 2),
                to_km=round(r.end_m / 1000.0, 2),
                length_m=round(r.end_m - r.start_m, 1),
                kind=r.kind,
                why=_why(r),
                confirmers=[
                    BlindConfirmer(sensor_id=c.sensor_id, state=c.state) for c in r.confirmers
                ],
                lat=round(float(lat[k]), 6),
                lon=round(float(lon[k]), 6),
                nearest_patrol=nearest[k],
            ),
        )
        for k, r in enumerate(runs)
    ]
    return MsgspecResponse(
        Coverage(
            time_ns=time_ns,
            stretch_m=stretch_m,
            sectors=_sectors(picture.coverage.lines if picture and picture.coverage else [], runs),
            features=features,
        )
    )


def _sectors(lines: list[tuple[str, Any, int, int]], runs: list[BlindRun]) -> list[SectorCoverage]:
    """Each watched sector's blind metres by kind."""
    blind: dict[tuple[str, str], float] = defaultdict(float)
    for r in runs:
        blind[r.sector, r.kind] += r.end_m - r.start_m
    return [
        SectorCoverage(
            sector=sector,
            berm_m=round(float(line.length), 1),
            down_m=round(blind[sector, "down"], 1),
            never_covered_m=round(blind[sector, "never_covered"], 1),
            unknown_m=round(blind[sector, "unknown"], 1),
            degraded=blind[sector, "down"] > 0.0,
        )
        for sector, line, _, _ in lines
    ]


async def _nearest_patrols(
    request: Request, cache: _Cache, runs: list[BlindRun], now_ns: int
) -> list[PatrolEta | None]:
    """The first of `ops.dispatch`'s ranking for each run's middle (the same ETA along the
    roads an operator's dispatch shows), cached while nothing it depends on changes. The
    road searches (a few ms each) run in a worker thread, on a copy of the patrols: the
    loop keeps serving the engine and the streams meanwhile."""
    api = state_of(request)
    engine = api.service.engine
    patrols = list(engine.patrols.values())
    busy = busy_patrols(engine.incidents)
    key = (
        cache.runs.key(engine.picture) if engine.picture is not None else None,
        tuple((p.callsign, p.time_ns, p.status) for p in patrols),
        frozenset(busy),
    )
    if key == cache.key and len(cache.nearest) == len(runs):
        return cache.nearest
    sectors = api.sectors

    def rank() -> list[PatrolEta | None]:
        roads = road_network(sectors)  # built once per set of sectors
        lon, lat = to_lonlat(np.array([r.x for r in runs]), np.array([r.y for r in runs]))
        found: list[PatrolEta | None] = []
        for k in range(len(runs)):
            ranked = rank_patrols_to(
                float(lat[k]), float(lon[k]), patrols, busy, now_ns, roads=roads
            )
            found.append(ranked[0] if ranked else None)
        return found

    found = await asyncio.to_thread(rank)
    cache.key, cache.nearest = key, found
    return found
