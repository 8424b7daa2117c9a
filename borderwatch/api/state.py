"""What every handler reaches through the request: the service, the API's settings, the
sessions ended by logout, and the exchange with partners. One `ApiState` per app, kept in
`app.state`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from starlette.requests import HTTPConnection

from borderwatch.accounts.throttle import LoginThrottle
from borderwatch.engine import Frame
from borderwatch.engine.changes import ChangeFeed
from borderwatch.engine.history import TrackHistory
from borderwatch.geo import Sector
from borderwatch.messages import Alert, Incident, Track
from borderwatch.service import Service
from borderwatch.share import Exchange

if TYPE_CHECKING:
    from borderwatch.stations.console import RoomConsole
    from borderwatch.twin.script import LiveScript

__all__ = [
    "ApiSettings",
    "ApiState",
    "Picture",
    "Sessions",
    "feed_of",
    "incidents_of",
    "picture_of",
    "state_of",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiSettings:
    """Limits of the API (the defaults suit a gateway posting a few seconds of detections)."""

    # The largest body POST /api/v1/detections reads, and the most messages in one batch.
    max_batch_bytes: int = 4 * 1024 * 1024
    max_batch: int = 10_000
    # Any other JSON body (an operator's action): a note is at most 2,000 characters.
    max_body_bytes: int = 64 * 1024
    # A WebSocket client this many frames behind is let go (it reconnects with its last seq).
    stream_backlog: int = 5_000
    # How long a new WebSocket may take to send its token.
    stream_auth_timeout_s: float = 10.0
    # How often an open WebSocket's token is checked again (logout, disablement, role change,
    # revocation, expiry end the stream within this).
    stream_recheck_s: float = 0.25
    # An operator's own map tile servers (origins such as `https://tiles.ops.local`), the
    # only other origins the console's Content-Security-Policy allows (api.headers).
    tile_origins: tuple[str, ...] = ()
    # Where a running distributed mode writes its stations' health (`borderwatch stations up
    # --data DIR`; `run --stations DIR`): GET /api/v1/stations reads it. None: embedded.
    stations: Path | None = None
    # The live twin's script (`run --twin`): GET /api/v1/twin says when its next crossing is
    # due. None: no twin feeds this system.
    twin: LiveScript | None = None
    # The operations room's console of the distributed mode in `stations` (`run --stations
    # DIR`): the fusion workers' picture (`PICTURE`) and the operators' work on its
    # incidents (`DESK`), followed on its cluster, and the change feed that carries them.
    # Once `PICTURE` has said something, GET /tracks, /alerts and /incidents, the incident
    # actions and the WebSocket serve it instead of this process's own engine. None: this
    # engine's only.
    room: RoomConsole | None = None


@dataclass(slots=True)
class Sessions:
    """Tokens ended by logout before they expire: jti → expiry (UTC s), pruned as they lapse.

    Tokens are stateless (signed), so logging out is remembered here; the logout is also an
    event in the log, so `ApiState.start` rebuilds this set after a restart.
    """

    ended: dict[str, int] = field(default_factory=dict)

    def end(self, jti: str, exp: int, now: float) -> None:
        """Refuse the token `jti` from now until it expires anyway."""
        self.ended = {j: e for j, e in self.ended.items() if e > now}
        self.ended[jti] = exp

    def is_ended(self, jti: str) -> bool:
        """True if this token was logged out."""
        return jti in self.ended


@dataclass(slots=True)
class ApiState:
    """The one object an app's handlers share."""

    service: Service
    settings: ApiSettings
    sessions: Sessions
    sectors: tuple[Sector, ...]  # the watched sectors' geometry, built once
    exchange: Exchange  # partners' policies and the disclosure ledger (every exit to them)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)


def state_of(conn: HTTPConnection) -> ApiState:
    """The app's state, from a request or a WebSocket."""
    return cast(ApiState, conn.app.state.api)


class Picture(Protocol):
    """What GET /tracks (and their paths) and /alerts read: the engine's picture, or the
    workers'."""

    tracks: dict[str, Track]
    tracks_time_ns: int
    history: TrackHistory
    alerts: dict[str, Alert]


def picture_of(conn: HTTPConnection) -> Picture:
    """The picture to serve: the fusion workers' (`ApiSettings.room`) once `PICTURE` has
    said something, else this process's engine."""
    state = state_of(conn)
    room = state.settings.room
    if room is not None and room.active:
        return room.follower.picture
    return state.service.engine


def incidents_of(conn: HTTPConnection) -> dict[str, Incident]:
    """The incidents to serve and act on: the fusion workers' with the operators' work on
    them (`stations.desk`) once `PICTURE` has said something, else this process's
    engine's."""
    state = state_of(conn)
    room = state.settings.room
    if room is not None and room.active:
        return room.follower.incidents
    return state.service.engine.incidents


def feed_of(conn: HTTPConnection) -> tuple[ChangeFeed, Callable[[], Frame]]:
    """The change feed the console follows and the reset that starts it over: the room
    console's (`stations.console`) in the distributed mode, else the engine's."""
    state = state_of(conn)
    room = state.settings.room
    if room is not None:
        return room.feed, room.reset_frame
    return state.service.feed, state.service.engine.reset_frame
