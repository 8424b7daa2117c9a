"""The app factory: one FastAPI app over one running `Service`.

Every route lives under `/api/v1`; the OpenAPI document is at `/openapi.json` (and readable
at `/docs`), with msgspec's schemas for the wire types, and each operation says which
permissions it needs (`x-permissions`; [] = any signed-in user).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

import borderwatch
from borderwatch.api import (
    alarms,
    alerts,
    audit,
    auth,
    checkpoints,
    console,
    coverage,
    detections,
    dispatch,
    docs,
    evidence,
    exchange,
    health,
    incidents,
    layout,
    oversight,
    patrols,
    replay,
    reports,
    sectors,
    sensors,
    stations,
    stream,
    tak,
    tracks,
    twin,
)
from borderwatch.api.errors import install_error_handlers
from borderwatch.api.headers import SecurityHeaders
from borderwatch.api.schema import openapi_components
from borderwatch.api.state import ApiSettings, ApiState, Sessions
from borderwatch.api.visibility import sees
from borderwatch.geo import build_sectors, load_border
from borderwatch.messages import OperatorAction
from borderwatch.service import Service
from borderwatch.share import Exchange

__all__ = [
    "PREFIX",
    "ROUTERS",
    "BorderwatchApi",
    "api_routes",
    "create_app",
    "openapi_document",
]

PREFIX = "/api/v1"
# What OpenAPI cannot say itself; shown at the top of /docs.
DESCRIPTION = """
Log in at `POST /api/v1/token` (OAuth2 password flow) and send the token as
`Authorization: Bearer ...`. Each operation needs one of the permissions in its
`x-permissions` (see `borderwatch users roles`); a partner agency reads only the incidents
released to it. Errors are `{"detail": ..., "field": ...}`, the field a JSON path.

Bodies are the wire types as they travel everywhere in borderwatch: a field at its default
is left out (the schemas give every default), and an integer field takes an integer
(`3`, not `3.0`).

The live picture is a WebSocket, `/api/v1/stream?after=SEQ`: send `{"token": "..."}` first,
then receive frames (`seq`, `kind`, `time_ns`, `items`) in seq order; reconnect with the last
seq received and nothing is missed. Close codes: 4400 no hello, 4401 token refused, 4403 the
role may see nothing, 4429 fell behind (the reason gives the `after=` to reconnect with).
"""
ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    alarms.router,
    sensors.router,
    health.router,
    sectors.router,
    coverage.router,  # issue 14: the berm's blind stretches
    layout.router,
    tracks.router,
    alerts.router,
    incidents.router,
    evidence.router,
    dispatch.router,
    patrols.router,
    audit.router,
    detections.router,
    replay.router,
    stream.router,
    exchange.router,
    reports.router,
    tak.router,
    oversight.router,  # governance reports (issue 19)
    checkpoints.router,  # issue 17: the crossing posts
    stations.router,  # issue 18: the sector stations of the distributed mode
    twin.router,  # issue 14: the live twin's script (next crossing due)
)


def api_routes() -> list[APIRoute]:
    """Every HTTP route of the API (paths without `PREFIX`), router by router."""
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


class BorderwatchApi(FastAPI):
    """FastAPI, with msgspec's schemas and each route's permissions in its OpenAPI."""

    def openapi(self) -> dict[str, Any]:
        """The document FastAPI makes, completed (built once, then kept)."""
        if self.openapi_schema is None:
            doc = super().openapi()
            doc.setdefault("components", {}).setdefault("schemas", {}).update(openapi_components())
            for route in api_routes():
                needs = auth.route_permissions(route)
                for method in route.methods or ():
                    op = doc["paths"][PREFIX + route.path_format][method.lower()]
                    op["x-permissions"] = None if needs is None else list(needs)
            self.openapi_schema = doc
        return self.openapi_schema


def create_app(service: Service, settings: ApiSettings | None = None) -> FastAPI:
    """The API over `service` (started, and running on the loop that will serve the app)."""
    app = _routed()
    settings = settings or ApiSettings()
    app.add_middleware(SecurityHeaders, tile_origins=settings.tile_origins)
    watched = service.options.sectors
    app.state.api = ApiState(
        service=service,
        settings=settings,
        sessions=_sessions(service),
        sectors=tuple(
            s for s in build_sectors(load_border()) if watched is None or s.id in watched
        ),
        exchange=Exchange.open(
            service.options.data.root, known_sectors={s.id for s in build_sectors(load_border())}
        ),
    )
    # TAK clients are served by the same visibility rule and the same exchange as the API.
    service.tak.bind(sees, app.state.api.exchange)
    checkpoints.attach(app, service)  # issue 17: the posts' log and lists (DATA/checkpoints/)
    return app


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (the same over any service: for tools and docs)."""
    return _routed().openapi()


def _routed() -> BorderwatchApi:
    app = BorderwatchApi(
        title="borderwatch",
        version=borderwatch.__version__,
        summary="Electronic monitoring of a fortified land border: the operations API.",
        description=DESCRIPTION,
        docs_url=None,  # ours, from local files (api.docs), not FastAPI's from a CDN
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(health.probes)
    docs.mount(app)
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    console.mount(app)  # the operator console at /, or a redirect to /docs until it is built
    return app


def _sessions(service: Service) -> Sessions:
    """Logouts of tokens that may not have expired yet, from the log (a restart must not
    bring a logged-out token back)."""
    sessions = Sessions()
    now_s = service.clock() / 1e9
    for event in service.log.audit():
        action = event.message
        if isinstance(action, OperatorAction) and action.action == "logout":
            # The token was issued before its logout, so it expires within a shift of it.
            expires = int(action.time_ns / 1e9) + service.tokens.lifetime_s
            if expires > now_s and "session" in action.params:
                sessions.end(action.params["session"], expires, now_s)
    return sessions
