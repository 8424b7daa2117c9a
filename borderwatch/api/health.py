"""Probes for whoever runs the service (systemd, Docker, Kubernetes), and the engine's status.

- `GET /healthz`: the process is up and its loop answers (200), nothing more.
- `GET /readyz`: the engine has rebuilt the picture from the log and follows it, at most a
  bounded number of events behind (200), else 503. Neither needs a login: a probe carries no
  credentials, and neither says anything of the picture.
- `GET /api/v1/engine` (`read_sensors`: the equipment view): the engine's lag, last step time,
  faults and quarantine (`engine.supervisor.EngineStatus`).

None of them waits on the engine: they read what it last left.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.engine.supervisor import EngineStatus

__all__ = ["probes", "router"]

router = APIRouter(tags=["sensors"], default_response_class=MsgspecResponse)
probes = APIRouter(include_in_schema=False)


@probes.get("/healthz")
async def healthz() -> Response:
    """The process is up."""
    return JSONResponse({"status": "ok"})


@probes.get("/readyz")
async def readyz(request: Request) -> Response:
    """Ready: rebuilt and following the log."""
    status = state_of(request).service.engine_status()
    return JSONResponse(
        {"ready": status.ready, "lag_events": status.lag_events},
        status_code=200 if status.ready else 503,
    )


@router.get(
    "/engine",
    summary="The engine: lag, last step, faults, quarantined events",
    responses=returns(EngineStatus),
)
async def engine(
    request: Request, _: Annotated[Claims, Depends(Require("read_sensors"))]
) -> Response:
    """The engine's status as of now."""
    return MsgspecResponse(state_of(request).service.engine_status())
