"""The tracks of the latest snapshot (confirmed tracks, the engine's current picture), and
each track's path over its last hours (the engine's `TrackHistory`); the fusion workers'
tracks and paths when they run (`api.state.picture_of`).

The path is plain JSON points, not GeoJSON: a GeoJSON LineString has no place for each
point's time and coasting flag (it would need arrays beside it in `properties`, which no
GeoJSON tool reads), a one-point path is no valid LineString, and the console, the one
client, builds its line from the points in a few lines anyway."""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, returns
from borderwatch.api.state import picture_of
from borderwatch.messages import Track

__all__ = ["History", "HistoryPoint", "Tracks", "router"]

router = APIRouter(tags=["tracks"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_tracks"))


class Tracks(msgspec.Struct, frozen=True, kw_only=True):
    """The tracks of one snapshot, at its event time (UTC ns; 0 before the first)."""

    time_ns: int
    tracks: list[Track]


class HistoryPoint(msgspec.Struct, frozen=True, kw_only=True):
    """Where a track was at one snapshot (UTC ns, WGS84), and whether it was coasting then
    (predicted, no detection)."""

    time_ns: int
    lat: float
    lon: float
    coasting: bool


class History(msgspec.Struct, frozen=True, kw_only=True):
    """A track's path, oldest point first: a point per snapshot (5 s) over its last 2 h.
    `current` says whether it is in the latest snapshot (else it has ended)."""

    track_id: str
    current: bool
    points: list[HistoryPoint]


@router.get("/tracks", summary="The current tracks", responses=returns(Tracks))
async def tracks(
    request: Request,
    _: Annotated[Claims, _read],
    sector: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The latest snapshot's tracks by id, only `sector`'s if given (the fusion workers'
    whole-border picture when they run: `api.state.picture_of`)."""
    picture = picture_of(request)
    found = [picture.tracks[k] for k in sorted(picture.tracks)]
    found = [t for t in found if sector is None or t.sector == sector]
    return MsgspecResponse(Tracks(time_ns=picture.tracks_time_ns, tracks=found))


# A track id may hold a slash (the fusion workers name a track by the detection it was first
# published with, `T:<sensor>/<seq>`): the routes take the rest of the path, the path's
# history first.
@router.get(
    "/tracks/{track_id:path}/history",
    summary="One track's path",
    responses=returns(History, 404),
)
async def track_history(request: Request, track_id: str, _: Annotated[Claims, _read]) -> Response:
    """A track's points over its last 2 h, oldest first, or 404 (never seen, or ended over an
    hour ago and named by no open incident)."""
    picture = picture_of(request)
    path = picture.history.get(track_id)
    if path is None:
        raise NotFoundError(f"no track history {track_id!r}")
    points = [HistoryPoint(time_ns=t, lat=la, lon=lo, coasting=c) for t, la, lo, c in path]
    return MsgspecResponse(
        History(track_id=track_id, current=track_id in picture.tracks, points=points)
    )


@router.get("/tracks/{track_id:path}", summary="One current track", responses=returns(Track, 404))
async def track(request: Request, track_id: str, _: Annotated[Claims, _read]) -> Response:
    """One track of the latest snapshot, or 404 (it ended, or never was)."""
    found = picture_of(request).tracks.get(track_id)
    if found is None:
        raise NotFoundError(f"no current track {track_id!r}")
    return MsgspecResponse(found)
