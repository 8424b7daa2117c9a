"""What TAK devices said and who is connected: the markers patrols dropped (the operator's
map shows them beside the tracks), their emergencies, their chat that moved no incident,
the TAK clients served now (`borderwatch.service.tak`), and the links out to partners' TAK
servers (`borderwatch.service.federation`)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.messages import Alert
from borderwatch.messages.device import ChatMessage
from borderwatch.service.devices import DeviceMarker
from borderwatch.service.federation import LinkState

__all__ = ["TakClientInfo", "TakStatus", "router"]

router = APIRouter(prefix="/tak", tags=["tak"], default_response_class=MsgspecResponse)


class TakClientInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One connected TAK client."""

    source: str  # tls:<CN> or tcp:<ip>:<port>
    identity: str | None
    agency: str
    wire: str  # xml or proto
    partner: bool
    queued_bytes: int
    sent_events: int


class TakStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The TAK clients now, and what was sent to and taken from them since the start."""

    clients: list[TakClientInfo]
    events_sent: int
    taskings: int
    proposals: int  # incidents proposed to partners' devices connected here
    replies: int  # their answers recorded on the incidents
    dropped: dict[str, int]  # clients dropped, by reason (slow_reader, write_stalled)
    received: dict[str, int]  # device events taken, by kind
    unused: dict[str, int]  # valid CoT of types we do not use, by type
    refused: dict[str, int]  # device events refused, by code
    partner_released: int


@router.get(
    "/markers",
    summary="Markers TAK devices dropped (hostile, unknown, suspect), newest last",
    responses=returns(list[DeviceMarker]),
)
async def markers(
    request: Request, _: Annotated[Claims, Depends(Require("read_tracks"))]
) -> Response:
    """Every marker kept (a device's delete withdraws it)."""
    return MsgspecResponse(list(state_of(request).service.tak.devices.markers.values()))


@router.get(
    "/emergencies",
    summary="Patrols' emergencies, as P1 alerts",
    responses=returns(list[Alert]),
)
async def emergencies(
    request: Request, _: Annotated[Claims, Depends(Require("read_alerts"))]
) -> Response:
    """Every emergency a device raised."""
    return MsgspecResponse(list(state_of(request).service.tak.devices.emergencies.values()))


@router.get(
    "/chat",
    summary="Devices' chat that moved no incident, oldest first",
    responses=returns(list[ChatMessage]),
)
async def chat(
    request: Request, _: Annotated[Claims, Depends(Require("read_incidents"))]
) -> Response:
    """The last chat messages kept."""
    return MsgspecResponse(list(state_of(request).service.tak.devices.chats))


@router.get("/clients", summary="TAK clients connected now", responses=returns(TakStatus))
async def clients(
    request: Request, _: Annotated[Claims, Depends(Require("read_sensors"))]
) -> Response:
    """Who is connected, and the counters."""
    hub = state_of(request).service.tak
    s = hub.stats
    return MsgspecResponse(
        TakStatus(
            clients=[
                TakClientInfo(
                    source=c.peer.source,
                    identity=c.peer.identity,
                    agency=c.peer.agency,
                    wire=c.peer.wire,
                    partner=c.partner,
                    queued_bytes=c.peer.queued_bytes,
                    sent_events=c.peer.sent_events,
                )
                for c in hub.clients.values()
            ],
            events_sent=s.events_sent,
            taskings=s.taskings,
            proposals=s.proposals,
            replies=s.replies,
            dropped=dict(s.dropped),
            received=dict(s.received),
            unused=dict(s.unused),
            refused=dict(s.refused),
            partner_released=s.partner_released,
        )
    )


@router.get(
    "/federation",
    summary="The links out to partners' TAK servers: state and counters",
    responses=returns(list[LinkState]),
)
async def federation(
    request: Request, _: Annotated[Claims, Depends(Require("read_sensors"))]
) -> Response:
    """Each link: connected or waiting to connect again, why it last failed, what was
    released, queued, sent and lost."""
    return MsgspecResponse(state_of(request).service.tak.federation.states())
