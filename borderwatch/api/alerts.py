"""Alerts: every alert the rules raised, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MAX_INT, MsgspecResponse, returns
from borderwatch.api.state import picture_of
from borderwatch.messages import Alert, AlertCategory

__all__ = ["router"]

router = APIRouter(tags=["alerts"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_alerts"))


@router.get("/alerts", summary="Alerts, newest first", responses=returns(list[Alert]))
async def alerts(
    request: Request,
    _: Annotated[Claims, _read],
    sector: Annotated[str | None, Query(max_length=64)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    category: AlertCategory | None = None,
    since_ns: Annotated[
        int, Query(ge=0, le=MAX_INT, description="only alerts at or after (UTC ns)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """At most `limit` alerts matching every filter given (the fusion workers' when they
    run: `api.state.picture_of`)."""
    found = [
        a
        for a in picture_of(request).alerts.values()
        if (sector is None or a.sector == sector)
        and (rule is None or a.rule == rule)
        and (category is None or a.category == category)
        and a.time_ns >= since_ns
    ]
    found.sort(key=lambda a: (a.time_ns, a.id), reverse=True)
    return MsgspecResponse(found[:limit])


@router.get("/alerts/{alert_id}", summary="One alert", responses=returns(Alert, 404))
async def alert(request: Request, alert_id: str, _: Annotated[Claims, _read]) -> Response:
    """One alert, with its evidence, or 404."""
    found = picture_of(request).alerts.get(alert_id)
    if found is None:
        raise NotFoundError(f"no alert {alert_id!r}")
    return MsgspecResponse(found)
