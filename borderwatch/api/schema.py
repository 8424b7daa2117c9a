"""msgspec at the edge of FastAPI: responses encoded by msgspec, JSON bodies decoded by it
(errors name the field, as everywhere else in borderwatch), and both documented in OpenAPI
from msgspec's own JSON Schema.

FastAPI builds its models with pydantic, and the wire types are msgspec Structs; rather than
keep a pydantic copy of every message, a route says which Struct it takes or returns
(`json_body`, `returns`), and `openapi_components` adds msgspec's schemas for all of them
to the document FastAPI generates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from fastapi import Request
from starlette.responses import JSONResponse

from borderwatch.api.errors import PROBLEMS, BodyTooLargeError, Problem
from borderwatch.api.state import state_of
from borderwatch.messages.codec import _to_message_error

__all__ = [
    "MAX_INT",
    "MsgspecResponse",
    "json_body",
    "openapi_components",
    "read_body",
    "request_doc",
    "returns",
    "schema_of",
]

T = TypeVar("T")

# The largest seq or time a query may name: SQLite's INTEGER (a larger one cannot be looked up).
MAX_INT = 2**63 - 1
_REF = "#/components/schemas/{name}"
_encoder = msgspec.json.Encoder()
# Every type a route documents; their components go into the OpenAPI document.
_documented: dict[Any, None] = {}


class MsgspecResponse(JSONResponse):
    """JSON encoded by msgspec (Structs, tuples and dicts alike). A JSONResponse, so that
    FastAPI documents it as JSON and takes the schema from `returns`."""

    def render(self, content: Any) -> bytes:
        """The body as compact JSON."""
        return _encoder.encode(content)


def schema_of(t: Any) -> dict[str, Any]:
    """The OpenAPI schema of a msgspec-encodable type (a `$ref` for a Struct)."""
    _documented[t] = None
    (schema,), _ = msgspec.json.schema_components([t], ref_template=_REF)
    return schema


def openapi_components() -> dict[str, Any]:
    """Schemas of every Struct a documented type refers to, by name."""
    _, components = msgspec.json.schema_components(list(_documented), ref_template=_REF)
    return components


def returns(t: Any, *errors: int, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: `t` on success (None: no body), a `Problem` for each error
    status (401, 403 and 422 always: a token, a role, and a bad parameter named)."""
    ok: dict[str, Any] = {"description": "OK"}
    if t is not None:  # None: no body (204)
        ok["content"] = {"application/json": {"schema": schema_of(t)}}
    out: dict[int | str, dict[str, Any]] = {status: ok}
    problem = schema_of(Problem)
    for code in sorted({401, 403, 422, *errors}):
        out[code] = {
            "description": PROBLEMS[code],
            "content": {"application/json": {"schema": problem}},
        }
    return out


def request_doc(t: Any) -> dict[str, Any]:
    """`openapi_extra=` documenting a JSON request body of type `t`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema_of(t)}},
        }
    }


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or `BodyTooLargeError` as soon as it is longer than `limit` bytes
    (read in chunks: a client cannot make us hold more than that in memory)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(f"the body is {declared} bytes, at most {limit}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLargeError(f"the body is more than {limit} bytes")
    return bytes(body)


def json_body(t: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency decoding the JSON body as `t` (an empty body reads as `{}`); a bad one
    raises `MessageError` naming the field, a long one `BodyTooLargeError`."""
    decoder = msgspec.json.Decoder(t)

    async def decode(request: Request) -> T:
        data = await read_body(request, state_of(request).settings.max_body_bytes)
        try:
            return decoder.decode(data if data.strip() else b"{}")
        except (msgspec.MsgspecError, UnicodeError) as exc:
            raise _to_message_error(exc) from exc

    return decode
