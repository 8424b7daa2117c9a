"""Dispatch: the patrols that could reach an incident first (`borderwatch.ops.dispatch`),
for the console's one-click assign."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims, may_read_incident
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.ops import PatrolEta, rank_patrols
from borderwatch.ops.roads import road_network

__all__ = ["router"]

router = APIRouter(prefix="/incidents", tags=["incidents"], default_response_class=MsgspecResponse)


@router.get(
    "/{incident_id}/patrols",
    summary="Available patrols for an incident, nearest (by ETA) first",
    responses=returns(list[PatrolEta], 404),
)
async def incident_patrols(
    request: Request,
    incident_id: str,
    claims: Annotated[Claims, Depends(Require("read_patrols"))],
) -> Response:
    """Patrols not busy elsewhere, by estimated time of arrival along the roads; those whose
    last report is over 10 min old come last, flagged `stale`."""
    api = state_of(request)
    engine = api.service.engine
    inc = engine.incidents.get(incident_id)
    if inc is None or not may_read_incident(claims.role, claims.agency, inc.releasable_to):
        raise NotFoundError(f"no incident {incident_id!r}")
    # Event time, not the wall clock: the picture's time is what the reports are judged by.
    now_ns = max([engine.tracks_time_ns, *(p.time_ns for p in engine.patrols.values())])
    roads = road_network(api.sectors)  # built once per set of sectors
    ranked = rank_patrols(inc, engine.patrols.values(), engine.incidents, now_ns, roads=roads)
    return MsgspecResponse(ranked)
