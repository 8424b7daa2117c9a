"""The live twin's script (`GET /api/v1/twin`): when its day started and when its next
crossing is due, so a newcomer facing an empty queue knows when to look. It is the exercise's
script, which no real border has: only when `borderwatch run --twin` feeds the system
(otherwise `scenario` is null and the console shows nothing), and labelled as such there."""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of

__all__ = ["NextCrossing", "TwinStatus", "router"]

router = APIRouter(tags=["twin"], default_response_class=MsgspecResponse)


class NextCrossing(msgspec.Struct, frozen=True, kw_only=True):
    """The next hostile crossing the script has due."""

    due_ns: int  # on the service's clock (UTC ns)
    in_s: float  # event seconds from now
    in_wall_s: float  # wall-clock seconds from now (the twin may run faster than 1x)
    sector: str
    cls: str


class TwinStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The live twin: its scenario, speed, where its day started, and what is due next.
    `scenario` null: no twin feeds this system (a real border has no script)."""

    now_ns: int  # the service's clock
    scenario: str | None = None
    speed: float | None = None
    from_s: float | None = None  # the scenario second the live day started at (0: its start)
    start_ns: int | None = None  # where the scenario's start landed (null: not started yet)
    next_crossing: NextCrossing | None = None


@router.get(
    "/twin",
    summary="The live twin's script: its next crossing due",
    responses=returns(TwinStatus),
)
async def twin(request: Request, _: Annotated[Claims, Depends(Require("read_alerts"))]) -> Response:
    """The twin's script as of now (`scenario` null without a twin)."""
    state = state_of(request)
    script = state.settings.twin
    now_ns = state.service.clock()
    if script is None:
        return MsgspecResponse(TwinStatus(now_ns=now_ns))
    found = script.next_crossing(now_ns)
    nxt = None
    if found is not None:
        due_ns, due = found
        in_s = (due_ns - now_ns) / 1e9
        nxt = NextCrossing(
            due_ns=due_ns,
            in_s=round(in_s, 1),
            in_wall_s=round(in_s / script.speed, 1),
            sector=due.sector,
            cls=due.cls,
        )
    return MsgspecResponse(
        TwinStatus(
            scenario=script.scenario,
            speed=script.speed,
            from_s=round(script.from_s, 1),
            start_ns=script.start_ns,
            now_ns=now_ns,
            next_crossing=nxt,
        )
    )
