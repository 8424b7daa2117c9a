"""The live picture over a WebSocket: `/api/v1/stream?after=SEQ`.

The protocol, for a console:

1. Connect to `/api/v1/stream?after=N`, N the seq of the last frame it has (0: none).
2. Send one text message, `{"token": "<access token>"}`, within 10 s. The token goes in a
   message, not the URL: URLs end up in proxies' and servers' access logs, and browsers
   cannot set an Authorization header on a WebSocket.
3. Receive frames, one JSON text message each (`borderwatch.service.Frame`: `seq`, `kind`,
   `time_ns`, `items`), in seq order, each at most once. If the frames after N are no longer
   kept, the first is a `reset` (the whole picture, as of its seq) and the rest follow it.
   The frames are the engine's change feed's, or under `run --stations DIR` the room
   console's (`stations.console`: the fusion workers' picture and the operators' `DESK`).
   Only what the role may see is sent (`visibility`); a partner's items are what its
   releasability policy releases (`exchange.disclose`: incidents, alerts, tracks as it
   says). Frames left empty are skipped, so seqs may jump.
4. On reconnect, send `after=` the last seq received: nothing is missed.

The server closes with a code from 4000 up and a reason when it ends the stream:

    4400  the first message was not {"token": "..."} (or none came in time)
    4401  the token is refused (the reason says why: expired, logged out, ...), at the hello
          or later: the token is checked again every `stream_recheck_s` (0.25 s), so a
          logout, a disabled account, a changed role, revoked sessions or the token's expiry
          end the stream within a second
    4403  the role may see nothing here (a gateway)
    4429  the client fell behind by more than the backlog; reconnect with the `after=` given
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Annotated, cast

import anyio
import msgspec
from fastapi import APIRouter, Query, WebSocket
from starlette.websockets import WebSocketDisconnect

from borderwatch.accounts import Claims, TokenError, allowed
from borderwatch.api.auth import verify
from borderwatch.api.exchange import disclose, is_partner
from borderwatch.api.schema import MAX_INT
from borderwatch.api.state import ApiState, feed_of, state_of
from borderwatch.api.visibility import STREAM_PERMISSIONS, visible_frame
from borderwatch.engine import FallenBehindError, Frame
from borderwatch.messages import Alert, Incident, Track

__all__ = [
    "BAD_HELLO",
    "BEHIND",
    "FORBIDDEN",
    "TOKEN_REFUSED",
    "Hello",
    "router",
]

BAD_HELLO = 4400
TOKEN_REFUSED = 4401
FORBIDDEN = 4403
BEHIND = 4429

router = APIRouter(tags=["stream"])
_encoder = msgspec.json.Encoder()


class Hello(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The first message a client sends."""

    token: str


class _EndStreamError(Exception):
    """The stream ends with this close code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@router.websocket("/stream")
async def stream(
    websocket: WebSocket,
    after: Annotated[int, Query(ge=0, le=MAX_INT, description="last seq seen")] = 0,
) -> None:
    """Authenticate from the first message, then send every visible frame after `after`."""
    api = state_of(websocket)
    await websocket.accept()
    try:
        token, claims = await _hello(api, websocket)
        await _follow(api, websocket, token, claims, after)
    except _EndStreamError as closed:
        # A close reason is at most 123 bytes of UTF-8.
        reason = closed.reason.encode()[:123].decode(errors="ignore")
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await websocket.close(closed.code, reason)
    except (WebSocketDisconnect, OSError):
        pass  # the client went (uvicorn's ClientDisconnected is an OSError)


async def _hello(api: ApiState, websocket: WebSocket) -> tuple[str, Claims]:
    try:
        with anyio.fail_after(api.settings.stream_auth_timeout_s):
            text = await websocket.receive_text()
        hello = msgspec.json.decode(text, type=Hello)
    except TimeoutError:
        raise _EndStreamError(BAD_HELLO, 'send {"token": "..."} first') from None
    except (msgspec.DecodeError, KeyError) as exc:
        raise _EndStreamError(
            BAD_HELLO, f'the first message must be {{"token": "..."}} ({exc})'
        ) from exc
    try:
        claims = verify(api, hello.token)
    except TokenError as exc:
        raise _EndStreamError(TOKEN_REFUSED, str(exc)) from exc
    if not any(allowed(claims.role, p) for p in STREAM_PERMISSIONS):
        raise _EndStreamError(FORBIDDEN, f"forbidden: role {claims.role!r} may see nothing here")
    return hello.token, claims


async def _follow(
    api: ApiState, websocket: WebSocket, token: str, claims: Claims, after: int
) -> None:
    """Send frames until the client goes (noticed by a reader, so that a quiet feed does not
    keep a dead client's follower), falls behind, or its token is no longer good."""
    ended: list[_EndStreamError] = []
    # anyio, not asyncio tasks: the server (or a test client) cancels the handler through
    # anyio's cancel scopes, which then reach both halves cleanly.
    async with anyio.create_task_group() as group:

        async def send() -> None:
            try:
                await _send(api, websocket, claims, after)
            except _EndStreamError as exc:
                ended.append(exc)
            except (WebSocketDisconnect, OSError):
                pass  # the client went while a frame was on its way
            group.cancel_scope.cancel()

        async def read() -> None:
            await _until_gone(websocket)
            group.cancel_scope.cancel()

        async def watch() -> None:
            try:
                await _until_refused(api, token, claims)
            except _EndStreamError as exc:
                ended.append(exc)
            group.cancel_scope.cancel()

        group.start_soon(send)
        group.start_soon(read)
        group.start_soon(watch)
    if ended:
        raise ended[0]


async def _send(api: ApiState, websocket: WebSocket, claims: Claims, after: int) -> None:
    # The engine's feed, or the room console's in the distributed mode (`api.state.feed_of`).
    feed, reset = feed_of(websocket)
    # follow() is an async generator (typed as an iterator): close it here, so the feed
    # forgets this follower at once, not when the generator is collected.
    frames = cast(
        AsyncGenerator[Frame, None],
        feed.follow(after, reset=reset, max_backlog=api.settings.stream_backlog),
    )
    last = after
    partner = is_partner(claims)
    try:
        async with contextlib.aclosing(frames):
            async for frame in frames:
                # A partner's items are decided by its policy alone (which kinds, sectors,
                # how late, how precise), a national role's by its permissions.
                if partner:
                    visible = await _released(api, claims, frame)
                else:
                    visible = visible_frame(claims, frame)
                if visible is not None:
                    await websocket.send_text(_encoder.encode(visible).decode())
                last = frame.seq
    except FallenBehindError:
        raise _EndStreamError(BEHIND, f"fell behind: reconnect with after={last}") from None


async def _released(api: ApiState, claims: Claims, frame: Frame) -> Frame | None:
    """A partner's frame: its items as its policy releases them (recorded before they go),
    or None if nothing is left (a reset is still sent: it tells the client to start over)."""
    items = [i for i in frame.items if isinstance(i, Incident | Alert | Track)]
    released = await disclose(api, claims, items, "stream")
    if not released and frame.kind != "reset":
        return None
    return msgspec.structs.replace(frame, items=tuple(r.item for r in released))


async def _until_refused(api: ApiState, token: str, claims: Claims) -> None:
    """Return never; raise `_EndStreamError` once the token is refused (checked every
    `stream_recheck_s`, and at its expiry)."""
    while True:
        left = claims.exp - api.service.clock() / 1e9
        await anyio.sleep(max(0.0, min(api.settings.stream_recheck_s, left)))
        try:
            verify(api, token)
        except TokenError as exc:
            raise _EndStreamError(TOKEN_REFUSED, str(exc)) from exc


async def _until_gone(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, until it disconnects."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
