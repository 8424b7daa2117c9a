"""JSON over HTTP for gateways that do not speak Cursor on Target: `POST /api/v1/detections`
with a JSON array of wire messages (`detection`, `status`, `patrol`, each tagged by `type`).

The batch is all or nothing: it is decoded and checked as a whole (the first bad message is
named by its JSON path, `$[3].lat`), admitted as a whole (known sensor, its kind, time not
far ahead), and answered 202 with its seqs only once it is durable in the event log. A
rejected batch leaves nothing in the log; a 503 means it was not accepted, and the gateway
sends it again.
"""

from __future__ import annotations

import json
from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from borderwatch.accounts import Claims
from borderwatch.api.auth import Require
from borderwatch.api.errors import BodyTooLargeError
from borderwatch.api.schema import MsgspecResponse, read_body, request_doc, returns
from borderwatch.api.state import state_of
from borderwatch.errors import MessageError
from borderwatch.ingest.base import INVALID, Inbound, RejectedError
from borderwatch.messages.codec import _to_message_error

__all__ = ["ADAPTER", "OVERSIZED", "Accepted", "decode_batch", "router"]

ADAPTER = "http"  # the name ingest counters use for this adapter
OVERSIZED = "oversized"  # the rejection code of a body past its limit

router = APIRouter(tags=["ingest"], default_response_class=MsgspecResponse)
_decoder = msgspec.json.Decoder(list[Inbound])


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    """The batch is durable in the event log, as events `first_seq` to `last_seq`."""

    count: int
    first_seq: int
    last_seq: int


def decode_batch(data: bytes, max_batch: int) -> list[Inbound]:
    """The messages of a JSON array; `MessageError` naming the first bad field otherwise."""
    try:
        batch = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise _to_message_error(exc) from exc
    except msgspec.DecodeError as exc:  # not JSON (ValidationError is a DecodeError too)
        raise _named(data, exc) from exc
    if not batch:
        raise MessageError("$", "an empty batch")
    if len(batch) > max_batch:
        raise MessageError("$", f"{len(batch)} messages in one batch, at most {max_batch}")
    return batch


def _named(data: bytes, exc: msgspec.DecodeError) -> MessageError:
    """A JSON error names no field, but the usual cause does have one: a NaN or Infinity,
    which JSON does not allow and many encoders write anyway. Python's parser accepts them;
    converting what it reads names the field that holds one (this runs on the error path
    only, and on a body already capped in size)."""
    if b"NaN" in data or b"Infinity" in data:
        try:
            msgspec.convert(json.loads(data), list[Inbound])
        except msgspec.ValidationError as inner:
            named = _to_message_error(inner)
            reason = f"{named.reason} (NaN and Infinity are not JSON numbers)"
            return MessageError(named.field, reason)
        except (ValueError, RecursionError):
            pass  # not even loose JSON: the parser's own words below
    return _to_message_error(exc)


@router.post(
    "/detections",
    summary="Post a batch of sensor messages (JSON array)",
    status_code=202,
    responses=returns(Accepted, 413, 503, status=202),
    openapi_extra=request_doc(list[Inbound]),
)
async def post_detections(
    request: Request, claims: Annotated[Claims, Depends(Require("post_detections"))]
) -> Response:
    """Decode, admit and log the batch; 202 once it is durable."""
    api = state_of(request)
    source = f"{ADAPTER}:{claims.sub}"
    stats = api.service.stats
    batch: list[Inbound] = []
    try:
        data = await read_body(request, api.settings.max_batch_bytes)
    except BodyTooLargeError as exc:
        stats.count_rejected(ADAPTER, RejectedError(OVERSIZED, "$", str(exc)), source)
        raise
    try:
        batch = decode_batch(data, api.settings.max_batch)
        seqs = await api.service.admission.admit(batch, source)
    except MessageError as exc:
        code = exc.code if isinstance(exc, RejectedError) else INVALID
        field = exc.field
        if len(batch) == 1 and not field.startswith("$["):
            # Admission names a lone message `$`; here it is the first element of an array.
            field = "$[0]" + field[1:]
        rejected = RejectedError(code, field, exc.reason)
        stats.count_rejected(ADAPTER, rejected, source)
        raise rejected from exc
    stats.count_accepted(ADAPTER, len(batch))
    accepted = Accepted(count=len(batch), first_seq=seqs.start, last_seq=seqs.stop - 1)
    return MsgspecResponse(accepted, status_code=202)
