"""Partners' exits: what a partner agency reads goes through the one releasability decision
(`borderwatch.share.releasability`), and what goes out is recorded in the disclosure ledger first.

`disclose` is what every partner read calls (the incident list and detail, the WebSocket,
and the event feed here). `GET /exchange/events?since=` is the partner's event feed: every
item its policy lets it have (incidents, alerts, tracks, sector status), each with its
handling (policy version, keep-until, no onward release), as JSON or GeoJSON, after a
cursor: the event time of the last item of the previous page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from borderwatch.accounts import Claims, allowed
from borderwatch.api.auth import Require
from borderwatch.api.schema import MAX_INT, MsgspecResponse, returns
from borderwatch.api.state import ApiState, state_of
from borderwatch.share import Disclosure, Exit, Released, sector_statuses
from borderwatch.share.releasability import Item, item_time_ns

__all__ = [
    "DisclosurePage",
    "ExchangeCollection",
    "ExchangePage",
    "ReleasedFeature",
    "disclose",
    "is_partner",
    "router",
]

router = APIRouter(prefix="/exchange", tags=["exchange"], default_response_class=MsgspecResponse)


class ExchangePage(msgspec.Struct, frozen=True, kw_only=True, tag="exchange_page"):
    """Released items in event-time order; ask again with `since=next_since` for what comes
    next (an empty page: nothing new yet)."""

    events: list[Released]
    next_since: int


class DisclosurePage(msgspec.Struct, frozen=True, kw_only=True):
    """Records of the disclosure ledger, oldest first; ask again with `after=next_after`."""

    disclosures: list[Disclosure]
    next_after: int


class PointGeometry(msgspec.Struct, frozen=True, kw_only=True, tag="Point"):
    """A GeoJSON Point: [lon, lat], WGS 84."""

    coordinates: tuple[float, float]


class ReleasedFeature(msgspec.Struct, frozen=True, kw_only=True, tag="Feature"):
    """One released item as a GeoJSON Feature: the item's fields and its handling as
    properties (`item_type`, `partner`, `policy_version`, `retain_until_ns`, ...); no
    geometry for an item without a place (a sector's status)."""

    geometry: PointGeometry | None
    properties: dict[str, Any]


class ExchangeCollection(msgspec.Struct, frozen=True, kw_only=True, tag="FeatureCollection"):
    """The page as a GeoJSON FeatureCollection, with the cursor for the next."""

    features: list[ReleasedFeature]
    next_since: int


def is_partner(claims: Claims) -> bool:
    """True for a caller served by policy: reads released items, not the national picture."""
    return allowed(claims.role, "read_released_incidents") and not allowed(
        claims.role, "read_incidents"
    )


async def disclose(
    api: ApiState, claims: Claims, items: Iterable[Item], exit: Exit, limit: int | None = None
) -> list[Released]:
    """What the caller's agency may have of `items` now (the first `limit` of it), recorded
    before it is sent."""
    exchange = api.exchange
    released = exchange.decide(claims.agency, items, api.service.clock())[:limit]
    if released:
        await asyncio.to_thread(exchange.record, released, claims.sub, exit)
    return released


def _candidates(api: ApiState) -> list[Item]:
    engine = api.service.engine
    now = max(engine.tracks_time_ns, api.service.clock())
    statuses = sector_statuses(
        [s.id for s in api.sectors],
        engine.incidents.values(),
        engine.alerts.values(),
        engine.tracks,
        engine.tracks_time_ns or now,
        quiet_ns=api.service.started_ns,  # a quiet sector: as of when watching began
        sections=engine.config.rules.sections,
    )
    return [
        *engine.incidents.values(),
        *engine.alerts.values(),
        *engine.tracks.values(),
        *statuses,
    ]


def _feature(r: Released) -> ReleasedFeature:
    props: dict[str, Any] = msgspec.to_builtins(r)
    del props["type"]
    item = props.pop("item")
    props |= {"item_type": item.pop("type"), **item}
    lat, lon = props.pop("lat", None), props.pop("lon", None)
    geometry = None if lat is None else PointGeometry(coordinates=(lon, lat))
    return ReleasedFeature(geometry=geometry, properties=props)


@router.get(
    "/events",
    summary="A partner's event feed: what its policy releases, after a cursor",
    responses=returns(ExchangePage | ExchangeCollection),
)
async def events(
    request: Request,
    claims: Annotated[Claims, Depends(Require("read_released_incidents"))],
    since: Annotated[
        int, Query(ge=0, le=MAX_INT, description="event time (UTC ns) of the last item seen")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    format: Annotated[Literal["json", "geojson"], Query()] = "json",
) -> Response:
    """Items released to the caller's agency with event time > `since`, oldest first, each
    coarsened, delayed and stripped as its policy says, and recorded as disclosed."""
    api = state_of(request)
    fresh = [i for i in _candidates(api) if item_time_ns(i) > since]
    fresh.sort(key=lambda i: (item_time_ns(i), type(i).__name__, getattr(i, "id", i.sector)))
    decided = api.exchange.decide(claims.agency, fresh, api.service.clock())
    page = decided[:limit]
    if len(decided) > limit:
        # Never cut a page inside one event time: the cursor would skip the rest of it.
        last = item_time_ns(page[-1].item)
        whole = [r for r in page if item_time_ns(r.item) < last]
        page = whole or [r for r in decided if item_time_ns(r.item) <= last]
    if page:
        await asyncio.to_thread(api.exchange.record, page, claims.sub, "exchange_feed")
    next_since = item_time_ns(page[-1].item) if page else since
    if format == "geojson":
        features = [_feature(r) for r in page]
        return MsgspecResponse(ExchangeCollection(features=features, next_since=next_since))
    return MsgspecResponse(ExchangePage(events=page, next_since=next_since))


@router.get(
    "/disclosures",
    summary="What was released to partners: every item, to whom, when, under which policy",
    responses=returns(DisclosurePage),
)
async def disclosures(
    request: Request,
    _: Annotated[Claims, Depends(Require("read_audit"))],
    partner: Annotated[str | None, Query(pattern=r"^partner:[a-z]{2}$")] = None,
    after: Annotated[int, Query(ge=0, le=MAX_INT, description="only records with seq > after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """At most `limit` records of the disclosure ledger after `after`, `partner`'s only if
    given: each with the item exactly as it was sent."""
    ledger = state_of(request).exchange.ledger
    page = await asyncio.to_thread(ledger.read, partner, after, limit)
    return MsgspecResponse(
        DisclosurePage(disclosures=page, next_after=page[-1].seq if page else after)
    )
