"""The HTTP API: REST and a WebSocket over the running service, with accounts and roles.

    app = create_app(service)      # mount with uvicorn on the service's event loop

`/api/v1/token` logs in (OAuth2 password flow); every other endpoint needs the bearer token
and a role holding its permission (`accounts.PERMISSIONS`); `/api/v1/stream` is the live
picture (see `borderwatch.api.stream` for its protocol). The OpenAPI document is at
`/openapi.json`.
"""

from borderwatch.api.app import create_app
from borderwatch.api.state import ApiSettings

__all__ = ["ApiSettings", "create_app"]
