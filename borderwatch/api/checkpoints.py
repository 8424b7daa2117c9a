"""The crossing posts: record a passage at a lane, see the screening and why, decide.

- `POST /checkpoints/passages` (officer, at a post they are bound to): the machine-readable
  zone and plate as scanned are parsed (a bad one is a 422 naming the field: `$.mrz.composite`,
  `$.plate`, `$.lane`), the passage recorded and screened against every list in force. A hit
  is logged as a `lookout_hit` action, which the engine turns into an alert at the post filed
  into an incident (`engine.lookout`): the answer names it.
- `POST /checkpoints/passages/{id}/decision` (officer of its post): cleared, referred or held,
  with why; recorded in the posts' log and logged as a `decide` action on the incident.
- `GET /checkpoints/posts/{post}/passages` (officer of that post), `GET /checkpoints/passages/{id}`
  (officer of its post; an analyst with `why`), `GET /checkpoints/search` (analyst, `why`
  required): every passage shown is an audited view (who, when, which, why).
- `GET /checkpoints/posts`: the officer's posts and their lanes (the lane page's choices).
- `GET /checkpoints/entries`: list entries; a partner sees only those its own agency supplied,
  and never a traveller. `PUT /checkpoints/officers/{name}` (admin) binds an officer to posts.
  `GET /checkpoints/audit` (audit readers): the posts' audit trail (no traveller data in it).

A passage another post recorded is "not found" to an officer, as an incident is to a partner.
The posts' log is blocking SQLite: it is reached from worker threads (`asyncio.to_thread`).

A hit the event log refuses (503: not made durable) is not lost: the screening kept its
`lookout_hit` action in the posts' log as owed (`records.CheckpointLog.owed`), the officer is
answered with the hits and `alert_pending`, and the owed hits are sent again, oldest first,
by a task of their own (every `RETRY_S`, doubling, until the log takes them) and before
every recording and decision (so a restart sends what the last run could not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims, UnknownUserError, allowed
from borderwatch.api.auth import Require, act_as
from borderwatch.api.errors import ForbiddenError, NotFoundError
from borderwatch.api.schema import MsgspecResponse, json_body, request_doc, returns
from borderwatch.api.state import state_of
from borderwatch.engine import ActionError
from borderwatch.errors import MessageError
from borderwatch.messages import OperatorAction
from borderwatch.ops.checkpoints import CheckpointError, Hit, LookoutEntry
from borderwatch.ops.checkpoints.desk import Desk, lane_passage
from borderwatch.ops.checkpoints.records import (
    POSTS,
    AuditRow,
    Decision,
    PassageRecord,
    UnknownPassageError,
)
from borderwatch.service import Service
from borderwatch.store import StoreError

__all__ = [
    "BindBody",
    "DecisionBody",
    "LaneBody",
    "ListedEntry",
    "MyPosts",
    "PassageView",
    "PostName",
    "attach",
    "router",
]

log = logging.getLogger(__name__)

# Owed hits are sent again after this long, doubling up to the second (seconds).
RETRY_S = (1.0, 30.0)

router = APIRouter(
    prefix="/checkpoints", tags=["checkpoints"], default_response_class=MsgspecResponse
)
_Why = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
PostName = Literal["ras_ajdir", "dehiba_wazen"]  # records.POSTS (a test keeps them equal)


class LaneBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What an officer reads at the lane: the document's machine-readable zone (TD3 or TD1,
    lines as printed), the plate if in a vehicle, the names as printed in Arabic script."""

    post: PostName
    lane: Annotated[str, msgspec.Meta(pattern=r"^[LT][0-9]$")]
    direction: Literal["in", "out"]
    mrz: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    plate: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    names_arabic: Annotated[str, msgspec.Meta(max_length=200)] = ""


class DecisionBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The second line's decision on a passage with a hit, and why."""

    decision: Decision
    why: _Why


class BindBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The posts an officer works at (none: unbound)."""

    posts: Annotated[list[PostName], msgspec.Meta(max_length=len(POSTS))]


class PassageView(msgspec.Struct, frozen=True, kw_only=True):
    """A passage with its latest screening: hits best first, each with why; the decision and
    the lookout incident, if any."""

    passage: PassageRecord
    hits: list[Hit]
    decision: str | None = None
    incident: str | None = None
    # The hit is recorded but the event log did not take its alert yet: it is sent again.
    alert_pending: bool = False


class ListedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A lookout-list entry and the list it is on."""

    list: str
    entry: LookoutEntry


@dataclass
class _Owed:
    """Sending owed hits: one sender at a time (an action is logged once), and the task
    that retries after a refusal, if one runs."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    retry: asyncio.Task[None] | None = None


def attach(app: FastAPI, service: Service) -> None:
    """Open the posts' desk in the service's data directory (`DATA/checkpoints/`)."""
    app.state.checkpoints = Desk.open(service.options.data.root / "checkpoints")
    app.state.checkpoints_owed = _Owed()


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.checkpoints
    return desk


async def send_owed(service: Service, desk: Desk, owed: _Owed) -> bool:
    """Log every hit owed to the event log, oldest first; False if the log refused one (it
    and those after it stay owed)."""
    async with owed.lock:
        for pid, blob in await asyncio.to_thread(desk.log.owed):
            action = msgspec.json.decode(blob, type=OperatorAction)
            try:
                await service.act(action)
            except StoreError:
                return False
            except ActionError as exc:  # never taken however often sent: said, and dropped
                log.error("lookout hit of passage %s refused by the engine: %s", pid, exc)
            await asyncio.to_thread(desk.log.settle, pid)
    return True


def _retry_later(service: Service, desk: Desk, owed: _Owed) -> None:
    """Start the task that sends the owed hits until the log takes them (if none runs)."""
    if owed.retry is not None and not owed.retry.done():
        return

    async def retry() -> None:
        wait = RETRY_S[0]
        while True:
            await asyncio.sleep(wait)
            with contextlib.suppress(Exception):  # anything else: tried again, as a refusal
                if await send_owed(service, desk, owed):
                    log.info("owed lookout hits logged")
                    return
            wait = min(2 * wait, RETRY_S[1])

    log.warning("the event log refused a lookout hit: kept as owed, sent again")
    owed.retry = asyncio.create_task(retry(), name="owed-lookout-hits")


async def _send_or_retry(request: Request) -> bool:
    """Send the owed hits now; if the log refuses, leave them to the retrying task."""
    api, desk, owed = state_of(request), _desk(request), request.app.state.checkpoints_owed
    if await send_owed(api.service, desk, owed):
        return True
    _retry_later(api.service, desk, owed)
    return False


def _named(hits: list[Hit], desk: Desk) -> list[Hit]:
    """Each hit's why opened by its list and the entry's category and agency (as the CLI)."""
    return [
        msgspec.structs.replace(
            h, why=[f"list {h.list} ({desk.category.get((h.list, h.entry), '')})", *h.why]
        )
        for h in hits
    ]


async def _post_of_officer(desk: Desk, claims: Claims, pid: str) -> str:
    """The passage's post, if the officer is bound to it; else "not found"."""
    try:
        post = await asyncio.to_thread(desk.log.post_of, pid)
    except UnknownPassageError:
        raise NotFoundError(f"no passage {pid!r}") from None
    if post not in await asyncio.to_thread(desk.log.posts_of, claims.sub):
        raise NotFoundError(f"no passage {pid!r}")
    return post


class MyPosts(msgspec.Struct, frozen=True, kw_only=True):
    """The posts an officer is bound to, each with its lanes."""

    posts: dict[str, list[str]]


@router.get(
    "/posts", summary="The posts the officer works at, with their lanes", responses=returns(MyPosts)
)
async def my_posts(
    request: Request, claims: Annotated[Claims, Depends(Require("record_passages"))]
) -> Response:
    """What the lane page offers: the officer's posts (none until an admin binds them)."""
    posts = await asyncio.to_thread(_desk(request).log.posts_of, claims.sub)
    return MsgspecResponse(MyPosts(posts={p: list(POSTS[p]) for p in posts}))


@router.post(
    "/passages",
    summary="Record a passage at a lane; screened at once",
    responses=returns(PassageView, 409),
    openapi_extra=request_doc(LaneBody),
)
async def record_passage(
    request: Request,
    claims: Annotated[Claims, Depends(Require("record_passages"))],
    body: Annotated[LaneBody, Depends(json_body(LaneBody))],
) -> Response:
    """Parse, record and screen one passage; a hit raises a lookout alert at the post."""
    api, desk = state_of(request), _desk(request)
    if body.post not in await asyncio.to_thread(desk.log.posts_of, claims.sub):
        raise ForbiddenError(f"forbidden: {claims.sub} is not bound to post {body.post!r}")
    now = api.service.clock()
    pid = f"P{secrets.token_hex(8)}"
    try:
        rec = lane_passage(
            pid=pid,
            time_ns=now,
            post=body.post,
            lane=body.lane,
            direction=body.direction,
            mrz=body.mrz,
            plate=body.plate,
            names_arabic=body.names_arabic,
            officer=claims.sub,
        )
    except CheckpointError as exc:
        raise MessageError(exc.field, exc.reason) from exc

    def alert(hits: list[Hit]) -> bytes:
        """The hit's action for the event log, owed from the screening's transaction on."""
        entries = ";".join(f"{h.list}/{h.entry}@{h.score:.2f}" for h in hits)
        action = act_as(
            api, claims, "lookout_hit", pid, "screened on recording",
            post=rec.post, lane=rec.lane, entries=entries[:200],
        )  # fmt: skip
        return msgspec.json.encode(action)

    def record_and_screen() -> list[Hit]:
        desk.maybe_purge(now)
        desk.log.record(rec, "passage at the lane")
        why = "screened on recording"
        return desk.log.screen(pid, desk.screener, claims.sub, now, why, owe=alert)

    hits = _named(await asyncio.to_thread(record_and_screen), desk)
    # This hit, and any the event log refused before it, oldest first.
    sent = await _send_or_retry(request)
    incident = api.service.engine.lookouts.get(pid) if hits else None
    pending = bool(hits) and not sent
    view = PassageView(passage=rec, hits=hits, incident=incident, alert_pending=pending)
    return MsgspecResponse(view)


@router.post(
    "/passages/{pid}/decision",
    summary="The second line's decision on a passage with a hit",
    responses=returns(PassageView, 404, 409),
    openapi_extra=request_doc(DecisionBody),
)
async def decide_passage(
    request: Request,
    pid: str,
    claims: Annotated[Claims, Depends(Require("record_passages"))],
    body: Annotated[DecisionBody, Depends(json_body(DecisionBody))],
) -> Response:
    """Cleared, referred or held: on the incident (a logged action) and in the posts' log."""
    api, desk = state_of(request), _desk(request)
    await _post_of_officer(desk, claims, pid)
    await _send_or_retry(request)  # a hit still owed has no incident to decide on yet
    incident = api.service.engine.lookouts.get(pid)
    if incident is None:
        raise MessageError("$.decision", f"passage {pid} has no lookout hit to decide on")
    action = act_as(api, claims, "decide", incident, body.why, passage=pid, decision=body.decision)
    await api.service.act(action)  # refused (409) before anything is written
    now = api.service.clock()
    await asyncio.to_thread(desk.log.decide, pid, body.decision, claims.sub, now, body.why)
    return await _view(desk, api.service, claims, pid, "decision recorded")


async def _view(desk: Desk, service: Service, claims: Claims, pid: str, why: str) -> Response:
    now = service.clock()
    rec = await asyncio.to_thread(desk.log.view, pid, claims.sub, now, why)
    hits, decision = await asyncio.to_thread(desk.log.latest, pid, claims.sub, now, why)
    owed = {p for p, _ in await asyncio.to_thread(desk.log.owed)}
    return MsgspecResponse(
        PassageView(
            passage=rec,
            hits=_named(hits, desk),
            decision=decision,
            incident=service.engine.lookouts.get(pid),
            alert_pending=pid in owed,
        )
    )


@router.get(
    "/passages/{pid}",
    summary="One passage and its screening (an audited view)",
    responses=returns(PassageView, 404),
)
async def read_passage(
    request: Request,
    pid: str,
    claims: Annotated[Claims, Depends(Require("record_passages", "read_passages"))],
    why: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """An officer of its post reads it at the lane; an analyst must say why (`why`)."""
    api, desk = state_of(request), _desk(request)
    if allowed(claims.role, "record_passages"):
        await _post_of_officer(desk, claims, pid)
        why = why or "lane view"
    elif not (why and why.strip()):
        raise MessageError("query.why", "an analyst states why they read a traveller's record")
    try:
        return await _view(desk, api.service, claims, pid, why)
    except UnknownPassageError:
        raise NotFoundError(f"no passage {pid!r}") from None


@router.get(
    "/posts/{post}/passages",
    summary="The latest passages at a post (each an audited view)",
    responses=returns(list[PassageRecord]),
)
async def passages_at_post(
    request: Request,
    claims: Annotated[Claims, Depends(Require("record_passages"))],
    post: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """An officer's own post only."""
    api, desk = state_of(request), _desk(request)
    if post not in await asyncio.to_thread(desk.log.posts_of, claims.sub):
        raise ForbiddenError(f"forbidden: {claims.sub} is not bound to post {post!r}")
    recs = await asyncio.to_thread(
        desk.log.at_post, post, claims.sub, api.service.clock(), "lane list", limit
    )
    return MsgspecResponse(recs)


@router.get(
    "/search",
    summary="Search passages, with a stated reason (audited)",
    responses=returns(list[PassageRecord]),
)
async def search_passages(
    request: Request,
    claims: Annotated[Claims, Depends(Require("read_passages"))],
    why: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\S")],
    name: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    document: Annotated[str | None, Query(min_length=2, max_length=40)] = None,
    plate: Annotated[str | None, Query(min_length=2, max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Passages whose names contain `name` (either script, any case), or with exactly this
    document number or plate; at least one is needed."""
    api, desk = state_of(request), _desk(request)
    if not (name or document or plate):
        raise MessageError("query", "give name, document or plate to search for")
    needle = (name or "").casefold()
    doc = (document or "").upper().replace(" ", "")

    def match(rec: PassageRecord) -> bool:
        t = rec.traveller
        return bool(
            (needle and (needle in t.names_latin.casefold() or needle in t.names_arabic))
            or (doc and t.document_number == doc)
            or (plate and rec.plate == plate)
        )

    found = await asyncio.to_thread(
        desk.log.search, claims.sub, api.service.clock(), why, match, limit
    )
    return MsgspecResponse(found)


@router.get(
    "/entries",
    summary="Lookout-list entries (a partner: its own agency's only)",
    responses=returns(list[ListedEntry]),
)
async def list_entries(
    request: Request,
    claims: Annotated[Claims, Depends(Require("read_list_entries"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The entries of the lists in force; a partner sees those it supplied, nothing else."""
    desk = _desk(request)
    mine = claims.role == "partner"
    out = [
        ListedEntry(list=lst.name, entry=e)
        for lst in desk.lists
        for e in lst.entries
        if not mine or e.agency == claims.agency
    ]
    return MsgspecResponse(out[:limit])


@router.put(
    "/officers/{name}",
    summary="Bind an officer to the posts they work at",
    responses=returns(BindBody, 404),
    openapi_extra=request_doc(BindBody),
)
async def bind_officer(
    request: Request,
    name: str,
    claims: Annotated[Claims, Depends(Require("manage_users"))],
    body: Annotated[BindBody, Depends(json_body(BindBody))],
) -> Response:
    """Only an `officer` account can be bound; the binding is audited."""
    api, desk = state_of(request), _desk(request)
    try:
        user = await asyncio.to_thread(api.service.users.get, name)
    except UnknownUserError:
        raise NotFoundError(f"no user {name!r}") from None
    if user.role != "officer":
        raise MessageError("path.name", f"{name} is a {user.role}, not an officer")
    posts: list[str] = list(dict.fromkeys(body.posts))
    await asyncio.to_thread(desk.log.bind, user.name, posts, claims.sub, api.service.clock())
    return MsgspecResponse({"posts": posts})


@router.get(
    "/audit",
    summary="The posts' audit trail (who read or wrote which passage, when, why)",
    responses=returns(list[AuditRow]),
)
async def checkpoint_audit(
    request: Request,
    claims: Annotated[Claims, Depends(Require("read_audit"))],
    passage: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Oldest first; of one passage if given. It names passages by id, never travellers."""
    return MsgspecResponse(await asyncio.to_thread(_desk(request).log.audit, passage))
