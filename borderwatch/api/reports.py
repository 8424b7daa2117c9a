"""EUROSUR-style reports (`borderwatch.share.reports`): each incident as an event report with
an impact level and a confidence, each sector with its section impact level. Their JSON
Schemas are in the OpenAPI document (`EventReport`, `SectorStatus`), and a partner receives
them through its releasability policy (`sector_status`, via /exchange/events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.messages import IncidentState
from borderwatch.share import EventReport, SectorStatus, event_report, sector_statuses

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"], default_response_class=MsgspecResponse)


@router.get(
    "/events",
    summary="Incidents as event reports (impact level, confidence), latest change first",
    responses=returns(list[EventReport]),
)
async def events(
    request: Request,
    _: Annotated[Claims, Depends(Require("read_incidents"))],
    state: IncidentState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """At most `limit` event reports, of incidents in `state` if given."""
    engine = state_of(request).service.engine
    found = [i for i in engine.incidents.values() if state is None or i.state == state]
    found.sort(key=lambda i: (i.updated_ns, i.id), reverse=True)
    reports = [event_report(i, engine.alerts, engine.tracks) for i in found[:limit]]
    return MsgspecResponse(reports)


@router.get(
    "/sectors",
    summary="Each sector's section impact level, as of the picture's time",
    responses=returns(list[SectorStatus]),
)
async def sectors(
    request: Request, _: Annotated[Claims, Depends(Require("read_incidents"))]
) -> Response:
    """Every watched sector: its impact level, open incidents, alerts in the last hour."""
    api = state_of(request)
    engine = api.service.engine
    now = engine.tracks_time_ns or api.service.clock()
    statuses = sector_statuses(
        [s.id for s in api.sectors],
        engine.incidents.values(),
        engine.alerts.values(),
        engine.tracks,
        now,
        sections=engine.config.rules.sections,
    )
    return MsgspecResponse(statuses)
