"""The operator console (issue 5): the built web app (`web/`, built by `make web` into
`borderwatch/web_dist/`), served at `/` with its files under `/assets/`.

Vite names each asset after a hash of its content, so an asset never changes under its name
and is cached for a year; `index.html` names the current assets and is revalidated on every
load, so a new build shows at the next reload. Without a build, `/` leads to the API's own
pages (`/docs`) and the log says how to build the console.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["ASSET_CACHE", "DIST", "INDEX_CACHE", "mount"]

DIST = Path(__file__).resolve().parent.parent / "web_dist"
ASSET_CACHE = "public, max-age=31536000, immutable"
INDEX_CACHE = "no-cache"

log = logging.getLogger(__name__)


class _Assets(StaticFiles):
    """Static files with the cache header hashed names allow."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = ASSET_CACHE
        return response


def mount(app: FastAPI, dist: Path | None = None) -> bool:
    """Serve the console from `dist` (default `DIST`) at `/`; False, and `/` redirects to
    `/docs`, if it has not been built."""
    dist = DIST if dist is None else dist
    index = dist / "index.html"
    if not index.is_file():
        log.info("no operator console at %s: `make web` builds it; / shows the API docs", dist)
        app.add_api_route("/", _docs, include_in_schema=False)
        return False

    async def console() -> FileResponse:
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": INDEX_CACHE})

    app.add_api_route("/", console, include_in_schema=False)
    # check_dir=False: a build without assets (none yet) must not stop the service.
    app.mount("/assets", _Assets(directory=dist / "assets", check_dir=False), name="assets")
    return True


async def _docs() -> RedirectResponse:
    return RedirectResponse("/docs")
