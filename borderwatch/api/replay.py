"""Replay: the picture at a past moment, redrawn from the event log, for a console's time slider.

`GET /replay?at=T` (T in UTC ns; default: the live picture's time) reads the logged sensor
messages from `lead_s` before T to T (and the engine's reorder hold past it, so the snapshot at
T is released), feeds them through a fresh
`LiveEngine` (the same engine the service runs, on its own change feed) and returns the frames
it published up to T: the tracks snapshots (so a console rebuilds trails and greys stale
tracks as it does live), patrols, alerts, sensor health. The lead lets tracks form again: the
fresh engine starts knowing nothing, as the live one did at the start of the log, so the picture
is the log's, not a copy of what the live engine held then (incident workflow state, which
depends on the whole history, is not replayed; its alerts are).

`GET /replay/range` says which times the log holds. The log is read by seq; the first event
at a time is found by bisection over seq (event time grows with seq up to the reorder window,
which the lead absorbs), so no index on time is needed. The replay runs in a worker thread.
"""

from __future__ import annotations

from typing import Annotated

import anyio
import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MAX_INT, MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.api.visibility import visible_frame
from borderwatch.engine import ChangeFeed, Frame, LiveEngine
from borderwatch.store import EventLog, Kind

__all__ = ["MAX_EVENTS", "Replay", "ReplayRange", "replay_frames", "router"]

router = APIRouter(tags=["tracks"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_tracks"))

# Past T, the engine holds events this long before it releases a snapshot (its reorder window,
# with margin): read this much more of the log so the snapshot at T comes out.
HOLD_S = 15.0
DEFAULT_LEAD_S = 120.0
MAX_LEAD_S = 900.0
# A replay reads at most this many events (a few seconds of work): a busier log gets a
# shorter lead rather than a slow request.
MAX_EVENTS = 100_000
KINDS: tuple[Kind, ...] = ("detection", "status", "patrol")
SNAPSHOT = frozenset({"tracks", "patrols", "alert", "sensors"})


class ReplayRange(msgspec.Struct, frozen=True, kw_only=True):
    """The event times of the sensor messages the log holds (UTC ns; 0 and 0 for none).
    Operator actions are left out: they are stamped by the wall clock, not the sensors'."""

    first_ns: int
    last_ns: int


class Replay(msgspec.Struct, frozen=True, kw_only=True):
    """The frames the engine published replaying the log from `from_ns` to `at_ns`."""

    at_ns: int
    from_ns: int
    events: int
    frames: list[Frame]


def _time_at(log: EventLog, seq: int) -> int:
    event = next(iter(log.read(after=seq - 1, limit=1)), None)
    return 0 if event is None else int(event.time_ns)


def _last_sensor_time(log: EventLog) -> int:
    """The event time of the last logged sensor message (0 if none)."""
    end = log.last_seq()
    step = 1_000
    while end > 0:
        found = [e.time_ns for e in log.read(after=max(0, end - step), limit=step, kinds=KINDS)]
        if found:
            return int(max(found))
        end -= step
    return 0


def first_seq_at(log: EventLog, time_ns: int) -> int:
    """The first seq whose event time is at or after `time_ns` (bisection over seq)."""
    lo, hi = 1, log.last_seq() + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _time_at(log, mid) < time_ns:
            lo = mid + 1
        else:
            hi = mid
    return lo


def replay_frames(
    log: EventLog, engine: LiveEngine, at_ns: int, lead_s: float = DEFAULT_LEAD_S
) -> Replay:
    """Feed `engine` (fresh) the logged sensor messages from `lead_s` before `at_ns` and return
    the frames it publishes up to `at_ns`."""
    start_ns = at_ns - round(lead_s * 1e9)
    end_ns = at_ns + round(HOLD_S * 1e9)
    after = first_seq_at(log, start_ns) - 1
    events = 0
    for event in log.read(after=after, limit=MAX_EVENTS, kinds=KINDS):
        if event.time_ns > end_ns:
            break
        if event.time_ns >= start_ns:
            engine.take(event.seq, event.message)
            events += 1
    frames = [
        f for f in engine.feed.frames if f.kind in SNAPSHOT and start_ns <= f.time_ns <= at_ns
    ]
    return Replay(at_ns=at_ns, from_ns=start_ns, events=events, frames=frames)


@router.get(
    "/replay/range", summary="The event times the log holds", responses=returns(ReplayRange)
)
async def replay_range(request: Request, _: Annotated[Claims, _read]) -> Response:
    """The first and last logged event times, for a time slider."""
    log = state_of(request).service.log
    first = next(iter(log.read(limit=1, kinds=KINDS)), None)
    return MsgspecResponse(
        ReplayRange(first_ns=0 if first is None else first.time_ns, last_ns=_last_sensor_time(log))
    )


@router.get(
    "/replay",
    summary="The picture at a past time, redrawn from the log",
    responses=returns(Replay, 404),
)
async def replay(
    request: Request,
    claims: Annotated[Claims, _read],
    at: Annotated[
        int | None, Query(ge=0, le=MAX_INT, description="event time, UTC ns (default: now)")
    ] = None,
    lead_s: Annotated[
        float, Query(gt=0, le=MAX_LEAD_S, description="how far back to start, s")
    ] = DEFAULT_LEAD_S,
) -> Response:
    """Tracks snapshots, patrols, alerts and sensor health from `lead_s` before `at` to `at`,
    as the engine publishes them replaying the log (only what the role may see)."""
    service = state_of(request).service
    log = service.log
    if at is None:
        at = service.engine.tracks_time_ns  # the live picture's time
    if log.last_seq() == 0 or at < _time_at(log, 1):
        raise NotFoundError("the log holds nothing that early")
    # Frames are kept for the whole lead: a snapshot every few seconds, a few alerts.
    feed = ChangeFeed(keep=MAX_EVENTS, keep_tracks=MAX_EVENTS)
    engine = LiveEngine(service.registry, feed, service.options.config)
    # In a worker thread (the log is safe to read from one): the service's loop keeps taking
    # events in and serving streams while the replay computes.
    done = await anyio.to_thread.run_sync(replay_frames, log, engine, at, lead_s)
    visible = [v for f in done.frames if (v := visible_frame(claims, f)) is not None]
    return MsgspecResponse(msgspec.structs.replace(done, frames=visible))
