"""Alarm management: the queues as an operator works them, and the operator load.

- `GET /alarms/queue?category=intrusion|system`: the open alarms (incident not resolved and
  not shelved, by the service's clock), bursts of one rule in one sector rolled up into one
  entry with its count (`rules.alarms`); `system` is the health queue, our equipment's
  faults, never mixed with intrusions.
- `GET /alarms/load`: per operator position (neighbouring sectors), alerts per 10 min
  (average, max, flood windows), standing and chattering alarms, over the picture's event
  time (from its start, or `since_ns`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MAX_INT, MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.messages import AlertCategory
from borderwatch.rules.alarms import OperatorLoad, QueueEntry, load, queue

__all__ = ["router"]

router = APIRouter(prefix="/alarms", tags=["alerts"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_alerts"))


@router.get("/queue", summary="Open alarms, bursts rolled up", responses=returns(list[QueueEntry]))
async def alarm_queue(
    request: Request,
    _: Annotated[Claims, _read],
    category: AlertCategory = "intrusion",
) -> Response:
    """Most urgent first, then the newest; shelved alarms are left out until their shelf ends."""
    api = state_of(request)
    engine = api.service.engine
    rules = engine.config.rules
    found = queue(
        engine.alerts.values(),
        engine.incidents.values(),
        api.service.clock(),
        category,
        rules.alarms,
    )
    return MsgspecResponse(found)


@router.get(
    "/load", summary="Operator load per position per 10 minutes", responses=returns(OperatorLoad)
)
async def operator_load(
    request: Request,
    _: Annotated[Claims, _read],
    category: AlertCategory = "intrusion",
    since_ns: Annotated[
        int | None, Query(ge=0, le=MAX_INT, description="from (UTC ns); default: the start")
    ] = None,
) -> Response:
    """Alerts per position per window, standing and chattering alarms, as of the picture's
    latest event time."""
    api = state_of(request)
    engine = api.service.engine
    picture = engine.picture
    last = max((a.time_ns for a in engine.alerts.values()), default=0)
    now = max(engine.tracks_time_ns, last)
    start = since_ns if since_ns is not None else picture.epoch_ns if picture else now
    sectors = [s.id for s in api.sectors]
    return MsgspecResponse(
        load(
            engine.alerts.values(),
            engine.incidents.values(),
            sectors,
            start,
            max(now, start),
            engine.config.rules.alarms,
            category,
        )
    )
