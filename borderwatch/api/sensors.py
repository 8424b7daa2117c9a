"""Sensors and their health (as the engine sees it: their own reports and their heartbeats),
and the service's counters."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.engine import SensorState
from borderwatch.service.federation import LinkState

__all__ = ["Metrics", "router"]

router = APIRouter(tags=["sensors"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_sensors"))


class Metrics(msgspec.Struct, frozen=True, kw_only=True):
    """Counters: ingest (accepted, rejected by reason, connections, drops), the event log,
    the engine, the change feed and its followers, refused tokens and failed logins."""

    ingest: dict[str, Any]
    admission_refused: dict[str, int]  # by code: out_of_area, sigma_out_of_bounds, ...
    engine_input: dict[str, int]  # what the engine did with its input, by reason
    log_last_seq: int
    engine_seq: int
    refused_actions: int
    feed_last_seq: int
    feed_followers: int
    feed_dropped_followers: int
    token_rejections: dict[str, int]
    login_failures: dict[str, int]
    # The links out to partners' TAK servers (GET /api/v1/tak/federation), by name.
    federation: dict[str, LinkState] = msgspec.field(default_factory=dict)


@router.get(
    "/sensors", summary="Every fixed sensor and its health", responses=returns(list[SensorState])
)
async def sensors(request: Request, _: Annotated[Claims, _read]) -> Response:
    """Sensors by id."""
    engine = state_of(request).service.engine
    return MsgspecResponse([engine.sensor_now(s) for s in sorted(engine.sensors)])


@router.get(
    "/sensors/{sensor_id}", summary="One sensor and its health", responses=returns(SensorState, 404)
)
async def sensor(request: Request, sensor_id: str, _: Annotated[Claims, _read]) -> Response:
    """One sensor, or 404."""
    found = state_of(request).service.engine.sensor_now(sensor_id)
    if found is None:
        raise NotFoundError(f"no sensor {sensor_id!r}")
    return MsgspecResponse(found)


@router.get("/metrics", summary="The service's counters", responses=returns(Metrics))
async def metrics(request: Request, _: Annotated[Claims, _read]) -> Response:
    """Everything counted, as of now."""
    s = state_of(request).service
    return MsgspecResponse(
        Metrics(
            ingest=s.stats.snapshot(),
            admission_refused=dict(s.admission.refused),
            engine_input=s.engine.picture.counts if s.engine.picture is not None else {},
            log_last_seq=s.writer.last_seq,
            engine_seq=s.engine.seq,
            refused_actions=s.engine.refused_actions,
            feed_last_seq=s.feed.last_seq,
            feed_followers=s.feed.followers,
            feed_dropped_followers=s.feed.dropped_followers,
            token_rejections=dict(s.tokens.rejections),
            login_failures=dict(s.users.login_failures),
            federation={link.name: link for link in s.tak.federation.states()},
        )
    )
