"""Security headers on every HTTP response, as a security team expects them (issue 15).

- `Content-Security-Policy`: everything from our own origin only: no inline script, no
  third-party origin, no plugins, not framed (`frame-ancestors 'none'`). Images may also be
  `data:`/`blob:` and workers `blob:` (MapLibre draws with both). An operator's own map tile
  server, if any, is named in `ApiSettings.tile_origins` and allowed for images and fetches.
- `X-Frame-Options: DENY` (for browsers that predate frame-ancestors), `X-Content-Type-Options:
  nosniff`, `Referrer-Policy: no-referrer`, `Cross-Origin-Opener-Policy: same-origin`,
  `Permissions-Policy` turning off what the console never uses.
- `Strict-Transport-Security` only over HTTPS (over plain HTTP it means nothing, and on
  localhost it would pin the name to HTTPS for every other local service).

A pure ASGI middleware, so it costs one dict merge per response and never touches WebSockets.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HSTS", "SecurityHeaders", "content_security_policy"]

HSTS = "max-age=31536000"


def content_security_policy(tile_origins: Sequence[str] = ()) -> str:
    """The policy, with an operator's tile servers (if any) allowed for images and fetches."""
    tiles = "".join(f" {o}" for o in tile_origins)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob:{tiles}",
            "font-src 'self'",
            f"connect-src 'self'{tiles}",
            "worker-src 'self' blob:",
            "child-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """Adds the headers to each HTTP response of `app`."""

    def __init__(self, app: ASGIApp, tile_origins: Sequence[str] = ()) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_origins).encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        self.tls_headers = [*self.headers, (b"strict-transport-security", HSTS.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.tls_headers if scope.get("scheme") == "https" else self.headers

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in extra if k not in names),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
