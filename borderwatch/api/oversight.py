"""Governance reports (`borderwatch.oversight`): the kept ones listed (`GET
/oversight/reports`), one made on demand (`POST /oversight/generate`: a path of its own, as
the listing's would answer OPTIONS for GET alone), one downloaded (`GET
/oversight/reports/{name}`). For commanders, analysts and the oversight role (`read_reports`).

Every download and every report made is an audited action (`view`, with the file's name):
what oversight reads is itself on record. The reports show operators' and travellers' names
only where the deployment's law allows it (`DATA/oversight.toml`); otherwise pseudonyms.
Making a report reads the derived journal (deriving from the log what it lacks) in a
thread, one at a time (`ReportLibrary.make`: the service's schedule makes them too).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Literal

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.responses import FileResponse, Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require, act_as
from borderwatch.api.errors import NotFoundError
from borderwatch.api.schema import MsgspecResponse, json_body, request_doc, returns
from borderwatch.api.state import ApiState, state_of
from borderwatch.errors import DataError
from borderwatch.oversight.language import Lang
from borderwatch.oversight.library import KeptReport, ReportLibrary
from borderwatch.oversight.period import PeriodKind

__all__ = ["MakeBody", "router"]

router = APIRouter(prefix="/oversight", tags=["oversight"], default_response_class=MsgspecResponse)
_read = Depends(Require("read_reports"))
_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}


class MakeBody(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which report: its kind, a day of its period, its languages and formats."""

    period: PeriodKind
    date: dt.date
    langs: Annotated[tuple[Lang, ...], msgspec.Meta(min_length=1, max_length=3)] = (
        "ar",
        "fr",
        "en",
    )
    formats: Annotated[tuple[Literal["pdf", "html"], ...], msgspec.Meta(min_length=1)] = ("pdf",)


def _library(api: ApiState) -> ReportLibrary:
    return ReportLibrary(api.service.options.data.root)


@router.get(
    "/reports",
    summary="The governance reports kept, newest period first",
    responses=returns(list[KeptReport]),
)
async def reports(request: Request, _: Annotated[Claims, _read]) -> Response:
    """Every kept file: PDF and HTML per language, and the figures as JSON."""
    return MsgspecResponse(await asyncio.to_thread(_library(state_of(request)).kept))


@router.post(
    "/generate",
    summary="Make a governance report (from the derived journal; the log where it lacks some)",
    responses=returns(list[KeptReport]),
    openapi_extra=request_doc(MakeBody),
)
async def make(
    request: Request,
    claims: Annotated[Claims, _read],
    body: Annotated[MakeBody, Depends(json_body(MakeBody))],
) -> Response:
    """The files made, the figures first."""
    api = state_of(request)
    engine = api.service.engine
    library = _library(api)

    def make_one() -> list[KeptReport]:
        return library.make(
            body.period,
            body.date.isoformat(),
            body.langs,
            body.formats,
            engine.config,
            engine.registry,
        )

    api.service.commit_journal(now=True)  # the report reads what the engine has taken
    made = await asyncio.to_thread(make_one)
    await api.service.act(act_as(api, claims, "view", why="report made", report=made[0].name))
    return MsgspecResponse(made)


@router.get(
    "/reports/{name}",
    summary="One kept report file (PDF, HTML or the figures as JSON)",
    responses=returns(None, 404),
)
async def download(request: Request, name: str, claims: Annotated[Claims, _read]) -> Response:
    """The file; the download is audited."""
    api = state_of(request)
    try:
        path = _library(api).path(name)
    except DataError as exc:
        raise NotFoundError(f"no report {name!r}") from exc
    await api.service.act(act_as(api, claims, "view", why="report read", report=name))
    media = _TYPES[path.suffix.lstrip(".")]
    return FileResponse(path, media_type=media, filename=name)
