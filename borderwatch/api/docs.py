"""The API's own pages, `/docs`, from local files: Swagger UI as shipped in the PyPI package
`swagger-ui-py` (its `static/` only), no CDN. So the docs work on a network with no way out,
and the page trusts no third party; its start-up script is a file of ours too (`/docs/init.js`),
so the Content-Security-Policy can forbid inline scripts here as everywhere (api.headers).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

__all__ = ["STATIC", "mount"]


def _static() -> Path:
    """The package's `static/`, found without importing it (its handlers pull in Jinja)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("swagger-ui-py is not installed (pip install swagger-ui-py)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


STATIC = _static()

_PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>borderwatch API</title>
    <link rel="stylesheet" href="/docs/static/swagger-ui.css" />
    <link rel="icon" href="/docs/static/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/static/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
"""

_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""


def mount(app: FastAPI) -> None:
    """Serve Swagger UI at `/docs` over the app's `/openapi.json`."""

    async def page() -> HTMLResponse:
        return HTMLResponse(_PAGE)

    async def init() -> Response:
        return Response(_INIT, media_type="text/javascript")

    app.add_api_route("/docs", page, include_in_schema=False)
    app.add_api_route("/docs/init.js", init, include_in_schema=False)
    app.mount("/docs/static", StaticFiles(directory=STATIC), name="swagger-ui")
