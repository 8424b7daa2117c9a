"""The audit trail: every operator action (logins included) as logged, paged by seq; and its
verification (store.chain): whether any of it was edited, deleted or inserted behind the
service's back, naming the first row that was.

For the oversight role each page read is itself an audited `view` action, and people's
names are pseudonyms unless the deployment's law allows them (`borderwatch.oversight`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require, act_as
from borderwatch.api.schema import MAX_INT, MsgspecResponse, returns
from borderwatch.api.state import state_of
from borderwatch.messages import OperatorAction
from borderwatch.oversight.settings import Pseudonyms, load_settings
from borderwatch.store import LoggedEvent
from borderwatch.store.chain import ChainReport

__all__ = ["AuditEntry", "AuditPage", "entries", "router"]

router = APIRouter(tags=["audit"], default_response_class=MsgspecResponse)


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One action as the log holds it: its seq, when it arrived (UTC ns), from whom (source),
    and the action itself (who, their agency and role, what, when, why)."""

    seq: int
    arrived_ns: int
    source: str
    action: OperatorAction


class AuditPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the trail; ask again with `after=next_after` for the next one (an empty page
    means there is nothing more yet)."""

    entries: list[AuditEntry]
    next_after: int


def entries(events: Iterable[LoggedEvent]) -> list[AuditEntry]:
    """Logged actions as audit entries (reads the log: call it off the event loop)."""
    return [
        AuditEntry(seq=e.seq, arrived_ns=e.arrived_ns, source=e.source, action=e.message)
        for e in events
        if isinstance(e.message, OperatorAction)
    ]


@router.get("/audit", summary="The audit trail, oldest first", responses=returns(AuditPage))
async def audit(
    request: Request,
    claims: Annotated[Claims, Depends(Require("read_audit"))],
    after: Annotated[int, Query(ge=0, le=MAX_INT, description="only actions with seq > after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    target: Annotated[str | None, Query(max_length=64, description="an incident id")] = None,
) -> Response:
    """At most `limit` actions after seq `after`, only those on `target` if given."""
    api = state_of(request)
    log = api.service.log
    page = await asyncio.to_thread(entries, log.audit(target=target, after=after, limit=limit))
    next_after = page[-1].seq if page else after
    if claims.role == "oversight":
        page = await asyncio.to_thread(_as_oversight_sees, api.service.options.data.root, page)
        await api.service.act(act_as(api, claims, "view", why="audit trail read", after=str(after)))
    return MsgspecResponse(AuditPage(entries=page, next_after=next_after))


def _as_oversight_sees(data_root: Path, page: list[AuditEntry]) -> list[AuditEntry]:
    """The page with each person's name a pseudonym, unless the law allows names."""
    if load_settings(data_root).law.personal_data:
        return page
    name = Pseudonyms.of_data(data_root).of
    return [
        msgspec.structs.replace(
            e,
            source=f"user:{name(e.action.user)}" if e.source.startswith("user:") else e.source,
            action=msgspec.structs.replace(e.action, user=name(e.action.user)),
        )
        for e in page
    ]


@router.get(
    "/audit/verify",
    summary="Check the audit trail's hash chain and signed checkpoints",
    responses=returns(ChainReport),
)
async def verify_audit(
    request: Request, _: Annotated[Claims, Depends(Require("read_audit"))]
) -> Response:
    """`intact`, or the findings, the first being the first row edited, deleted or inserted."""
    log = state_of(request).service.log
    return MsgspecResponse(await asyncio.to_thread(log.verify_chain))
