"""The sector stations of the distributed mode, as the operations room sees them
(`GET /api/v1/stations`, the equipment view's `read_sensors`): per station its link (up or
down), when it was last heard (wall clock and its own event clock), its backlog (JetStream
messages still on the station, not yet in `BORDER`), what `BORDER` holds of it that the room
has not read yet (`pending`), and its lag (the room's clock minus the station's).

The room (`borderwatch stations up --data DIR`) writes this every second to `DIR/health.json`;
the API reads it from the directory it was given (`borderwatch run --stations DIR`), through
the very function `borderwatch stations list` uses. Without one it says it runs embedded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.errors import BorderwatchError

__all__ = ["StationRow", "StationsStatus", "router"]

router = APIRouter(tags=["sensors"], default_response_class=MsgspecResponse)


class StationRow(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One station as the room last saw it."""

    station: str
    sectors: list[str] = []
    link: Literal["up", "down"] | None = None  # None: not probed yet
    last_heard_wall: float | None = None  # UTC s of the room's last message from it
    last_heard_s_ago: float | None = None
    last_heard_event_ns: int | None = None  # the station's arrival clock at that message
    backlog: int | None = None  # JetStream messages on the station, not yet in BORDER
    pending: int | None = None  # in BORDER, not yet read by the room
    lag_s: float | None = None  # the room's clock minus the station's
    received: int = 0  # messages the room took from it
    acknowledged: int | None = None  # messages the station's ingest acknowledged
    local_alerts: int | None = None  # alerts the station's own engine raised
    refused: int | None = None  # publications its own server refused it (not its subjects)


class StationsStatus(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The distributed mode's stations, or `mode` "embedded" (one process, no stations)."""

    mode: Literal["embedded", "distributed"]
    running: bool  # a stations system is running in the directory
    stale: bool  # what the room last wrote is too old to be now (it stopped writing)
    health_age_s: float | None = None  # how old the room's last word is
    stations: list[StationRow] = []
    error: str | None = None  # why the directory could not be read


_row_fields = frozenset(StationRow.__struct_fields__)


def stations_status(directory: Path | None) -> StationsStatus:
    """What `borderwatch stations list` shows for `directory` (None: embedded)."""
    from borderwatch.stations.live import list_stations

    if directory is None:
        return StationsStatus(mode="embedded", running=False, stale=False)
    try:
        listed = list_stations(directory)
    except BorderwatchError as exc:
        return StationsStatus(mode="distributed", running=False, stale=True, error=str(exc))
    rows = [
        msgspec.convert({k: v for k, v in r.items() if k in _row_fields}, StationRow)
        for r in listed["stations"]
    ]
    return StationsStatus(
        mode="distributed",
        running=True,
        health_age_s=listed["health_age_s"],
        stale=listed["stale"],
        stations=rows,
    )


@router.get(
    "/stations",
    summary="The sector stations: link, last heard, backlog, lag",
    responses=returns(StationsStatus),
)
async def stations(
    request: Request, _: Annotated[Claims, Depends(Require("read_sensors"))]
) -> Response:
    """Each sector station as the operations room last saw it."""
    return MsgspecResponse(stations_status(state_of(request).settings.stations))
