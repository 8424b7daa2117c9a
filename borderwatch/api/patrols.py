"""Our patrols: each one's latest position report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.messages import Patrol

__all__ = ["router"]

router = APIRouter(tags=["patrols"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_patrols"))


@router.get("/patrols", summary="Every patrol's latest report", responses=returns(list[Patrol]))
async def patrols(request: Request, _: Annotated[Claims, _read]) -> Response:
    """Patrols by call sign."""
    known = state_of(request).service.engine.patrols
    return MsgspecResponse([known[c] for c in sorted(known)])


# `:path`: a partner's patrol is named in its partner's namespace (`ly/LY-P1`).
@router.get("/patrols/{callsign:path}", summary="One patrol", responses=returns(Patrol, 404))
async def patrol(request: Request, callsign: str, _: Annotated[Claims, _read]) -> Response:
    """One patrol's latest report (ours, or a partner's: `ly/LY-P1`), or 404."""
    found = state_of(request).service.engine.patrols.get(callsign)
    if found is None:
        raise NotFoundError(f"no patrol {callsign!r} has reported")
    return MsgspecResponse(found)
