"""The tracks of the latest snapshot (confirmed tracks, the engine's current picture)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.messages import Track

__all__ = ["Tracks", "router"]

router = APIRouter(tags=["tracks"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_tracks"))


class Tracks(msgspec.Struct, frozen=True, kw_only=True):
    """The tracks of one snapshot, at its event time (UTC ns; 0 before the first)."""

    time_ns: int
    tracks: list[Track]


@router.get("/tracks", summary="The current tracks", responses=returns(Tracks))
async def tracks(
    request: Request,
    _: Annotated[Claims, _read],
    sector: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The latest snapshot's tracks by id, only `sector`'s if given."""
    engine = state_of(request).service.engine
    found = [engine.tracks[k] for k in sorted(engine.tracks)]
    found = [t for t in found if sector is None or t.sector == sector]
    return MsgspecResponse(Tracks(time_ns=engine.tracks_time_ns, tracks=found))


@router.get("/tracks/{track_id}", summary="One current track", responses=returns(Track, 404))
async def track(request: Request, track_id: str, _: Annotated[Claims, _read]) -> Response:
    """One track of the latest snapshot, or 404 (it ended, or never was)."""
    found = state_of(request).service.engine.tracks.get(track_id)
    if found is None:
        raise NotFoundError(f"no current track {track_id!r}")
    return MsgspecResponse(found)
