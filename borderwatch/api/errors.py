"""The API's errors and the one handler that answers them: every error is a JSON `Problem`
(`{"detail": ..., "field": ...}`) with the status its kind means.

    BorderwatchError
    ├── TokenError          401 (accounts): no token, or a refused one; `WWW-Authenticate: Bearer`
    ├── ForbiddenError      403 the role lacks the permission (named)
    ├── NotFoundError       404 no such thing, or one the caller may not know exists
    ├── ActionError         409 (service): the action does not fit the incident's state
    ├── BodyTooLargeError   413 a body past its limit
    ├── MessageError        422 a field is invalid (named: `$[3].lat`, `query.limit`)
    ├── AccountError        400 (accounts): an account operation was refused (named field)
    ├── TooManyAttemptsError 429 (accounts.throttle): logins backed off; `Retry-After`
    └── StoreError          503 (store): not made durable, so not accepted; send it again

FastAPI's own validation errors (query, path, form) and HTTP errors get the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import msgspec
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from borderwatch.accounts import AccountError, TokenError
from borderwatch.accounts.throttle import TooManyAttemptsError
from borderwatch.engine import ActionError
from borderwatch.errors import BorderwatchError, MessageError
from borderwatch.store import StoreError

__all__ = [
    "PROBLEMS",
    "BodyTooLargeError",
    "ForbiddenError",
    "NotFoundError",
    "Problem",
    "install_error_handlers",
]

log = logging.getLogger(__name__)


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """Every error the API answers: what was wrong, and the field to blame when there is one
    (a JSON path such as `$[3].lat` in a body, or `query.limit`)."""

    detail: str
    field: str | None = None


class ForbiddenError(BorderwatchError):
    """The caller's role does not hold the permission an endpoint needs."""


class NotFoundError(BorderwatchError):
    """No such thing; also what a partner hears about an incident not released to it."""


class BodyTooLargeError(BorderwatchError):
    """A request body went past its limit."""


# What each error status means across the API (the body is always a `Problem`).
PROBLEMS: Mapping[int, str] = {
    400: "The request is malformed",
    401: "No token, or the token is refused (expired, tampered with, logged out)",
    403: "The role lacks the permission this endpoint needs",
    404: "No such thing (or not released to the caller's agency)",
    409: "The action does not fit the incident's state",
    413: "The body is too large",
    422: "A field is invalid; `field` names it",
    429: "Too many failed logins for this account or address; wait `Retry-After` seconds",
    503: "Not accepted: the event log could not make it durable; send it again",
}

# Most specific first: RejectedError is a MessageError.
_STATUS: tuple[tuple[type[BorderwatchError], int], ...] = (
    (TokenError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ActionError, 409),
    (BodyTooLargeError, 413),
    (MessageError, 422),
    (AccountError, 400),
    (TooManyAttemptsError, 429),
    (StoreError, 503),
)
_BEARER = {"WWW-Authenticate": "Bearer"}
_encoder = msgspec.json.Encoder()


def _problem(status: int, detail: str, field: str | None = None, **headers: str) -> Response:
    body = _encoder.encode(Problem(detail=detail, field=field))
    return Response(body, status, headers=headers or None, media_type="application/json")


async def _borderwatch(request: Request, exc: Exception) -> Response:
    status = next((s for t, s in _STATUS if isinstance(exc, t)), 500)
    if isinstance(exc, MessageError | AccountError):
        return _problem(status, exc.reason, exc.field)
    if isinstance(exc, TokenError):
        return _problem(401, str(exc), None, **_BEARER)
    if isinstance(exc, TooManyAttemptsError):
        return _problem(429, str(exc), None, **{"Retry-After": str(int(exc.retry_after_s) + 1)})
    if isinstance(exc, StoreError):
        # The path and SQLite's words are for the log, not for a gateway in the desert.
        log.warning("%s %s not accepted: %s", request.method, request.url.path, exc)
        return _problem(503, "not accepted: the event log could not make it durable; send again")
    if status == 500:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return _problem(500, "internal error")
    return _problem(status, str(exc))


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    field = ".".join(str(p) for p in first.get("loc", ())) or None
    return _problem(422, str(first.get("msg", "invalid")), field)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _problem(exc.status_code, str(exc.detail), None, **(exc.headers or {}))


def install_error_handlers(app: FastAPI) -> None:
    """Answer borderwatch's errors, FastAPI's validation errors and HTTP errors as `Problem`s."""
    app.add_exception_handler(BorderwatchError, _borderwatch)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
