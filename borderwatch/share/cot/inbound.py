"""What ATAK users send, as the project's messages, pure (bytes in, messages out, no I/O):

    a-h-G..., a-u-G..., a-s-G...   a marker a patrol drops on a hostile, unknown or suspect
                                   thing: a `Detection` (kind `patrol_report`) by that device,
                                   with its position error (`ce`, 1-sigma; 100 m if unknown)
    b-t-f                          GeoChat: a `ChatMessage` (the text, its room, its addressees)
    b-a-o-tbl / b-a-o-can          an emergency (ATAK's 911) or its cancellation: `Emergency`
    t-x-d-d                        a delete of an item the device sent: `Deleted(uid)`
    anything else well-formed      `Unused(type)`: counted and ignored, never a reason to
                                   disconnect a client that speaks valid CoT

`device` is who sent it: the identity of the connection (its certificate, issue 15), never
a field of the message, so a device cannot speak for another. Wiring these into ingest
(`borderwatch.ingest.cot.decode` routes `a-f-G` self-reports today and refuses the rest)
and the engine waits for the listeners' identities and the engine's move.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from borderwatch.ingest.base import INVALID, RejectedError
from borderwatch.ingest.cot._text import parse_time
from borderwatch.ingest.cot.const import UNKNOWN_ERROR
from borderwatch.messages import ClassLikelihood, Detection
from borderwatch.messages.codec import _to_message_error
from borderwatch.messages.device import ChatMessage, Emergency
from borderwatch.share.cot._tree import Node, parse_proto, parse_xml
from borderwatch.share.cot.const import (
    CHAT_TYPE,
    DELETE_TYPE,
    EMERGENCY_CANCEL_TYPE,
    EMERGENCY_TYPE,
)

M = TypeVar("M", Detection, ChatMessage, Emergency)

__all__ = [
    "SIGHTING_SIGMA_M",
    "AtakInput",
    "Deleted",
    "Unused",
    "decode_atak",
    "decode_atak_proto",
]

# A marker placed by hand on a phone's map, when the device gives no error: ~100 m.
SIGHTING_SIGMA_M = 100.0
# The largest error we keep: beyond it a "sighting" says nothing about where.
MAX_SIGMA_M = 50_000.0
_MARKERS = ("a-h-G", "a-u-G", "a-s-G", "a-j-G", "a-k-G")
# p(observation | class) for what a patrol's eyes say (need not sum to 1).
_SEEN_PERSON = ClassLikelihood(person=0.9, vehicle=0.05, animal=0.05, unknown=0.3)
_SEEN_VEHICLE = ClassLikelihood(person=0.05, vehicle=0.9, animal=0.05, unknown=0.3)
_SEEN_THING = ClassLikelihood(person=0.5, vehicle=0.5, animal=0.1, unknown=0.5)


@dataclass(frozen=True, slots=True)
class Deleted:
    """The device deleted the item `uid` it had sent (a marker): withdraw its sighting."""

    device: str
    uid: str
    time_ns: int


@dataclass(frozen=True, slots=True)
class Unused:
    """Valid CoT of a type borderwatch does not use: counted, ignored."""

    type: str


AtakInput = Detection | ChatMessage | Emergency | Deleted | Unused


def _is(cot_type: str, prefix: str) -> bool:
    return cot_type == prefix or cot_type.startswith(prefix + "-")


def _time(event: Node) -> int:
    text = event.attrs.get("time")
    if text is None:
        raise RejectedError(INVALID, "$.event.time", "missing")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise RejectedError(INVALID, "$.event.time", str(exc)) from exc


def _point(event: Node) -> tuple[float, float, float]:
    """(lat, lon, ce) from <point>; `RejectedError` naming the attribute if one is wrong."""
    point = event.find("point")
    if point is None:
        raise RejectedError(INVALID, "$.point", "missing")
    values = []
    for name in ("lat", "lon", "ce"):
        try:
            value = float(point.attrs.get(name, UNKNOWN_ERROR if name == "ce" else "x"))
        except ValueError:
            raise RejectedError(INVALID, f"$.point.{name}", "missing or not a number") from None
        if not math.isfinite(value):
            raise RejectedError(INVALID, f"$.point.{name}", "not finite")
        values.append(value)
    lat, lon, ce = values
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise RejectedError(INVALID, "$.point", f"({lat}, {lon}) is not a place on Earth")
    return lat, lon, ce


def _convert(fields: dict[str, Any], type: type[M]) -> M:
    try:
        return msgspec.convert(fields, type=type)
    except msgspec.ValidationError as exc:
        error = _to_message_error(exc)
        raise RejectedError(INVALID, error.field, error.reason) from exc


def _sighting(event: Node, cot_type: str, device: str) -> Detection:
    lat, lon, ce = _point(event)
    sigma = SIGHTING_SIGMA_M if ce <= 0 or ce >= UNKNOWN_ERROR else min(ce, MAX_SIGMA_M)
    time_ns = _time(event)
    # A device's sightings need a seq unique to it: its clock (ms) and 3 digits of the
    # marker's uid, so two markers dropped in the same millisecond still differ.
    uid = event.attrs.get("uid", "")
    seq = (time_ns // 1_000_000) * 1000 + zlib.crc32(uid.encode()) % 1000
    # a-h-G-U...: a unit (people on foot); a-h-G-E-V...: a vehicle; else a thing.
    parts = cot_type.split("-")
    if parts[3:5] == ["E", "V"]:
        classes = _SEEN_VEHICLE
    elif parts[3:4] == ["U"]:
        classes = _SEEN_PERSON
    else:
        classes = _SEEN_THING
    return _convert(
        {
            "sensor_id": device,
            "kind": "patrol_report",
            "seq": seq,
            "time_ns": time_ns,
            "lat": lat,
            "lon": lon,
            "cov_m2": (sigma * sigma, 0.0, sigma * sigma),
            "classes": msgspec.to_builtins(classes),
        },
        Detection,
    )


def _chat(event: Node, device: str) -> ChatMessage:
    chat = event.find("detail", "__chat")
    remarks = event.find("detail", "remarks")
    if chat is None:
        raise RejectedError(INVALID, "$.detail.__chat", "missing: a GeoChat needs __chat")
    if remarks is None:
        raise RejectedError(INVALID, "$.detail.remarks", "missing: a GeoChat needs its text")
    lat, lon, _ = _point(event)
    to = [d.attrs.get("callsign") or d.attrs.get("uid", "") for d in _dests(event)]
    fields: dict[str, Any] = {
        "id": chat.attrs.get("messageId") or event.attrs.get("uid", ""),
        "device": device,
        "callsign": chat.attrs.get("senderCallsign", device),
        "time_ns": _time(event),
        "chatroom": chat.attrs.get("chatroom", ""),
        "text": remarks.text,
        "to": [t for t in to if t],
    }
    if (lat, lon) != (0.0, 0.0):
        fields |= {"lat": lat, "lon": lon}
    return _convert(fields, ChatMessage)


def _dests(event: Node) -> list[Node]:
    marti = event.find("detail", "marti")
    return marti.find_all("dest") if marti is not None else []


def _emergency(event: Node, device: str, cancel: bool) -> Emergency:
    lat, lon, _ = _point(event)
    emergency = event.find("detail", "emergency")
    contact = event.find("detail", "contact")
    fields: dict[str, Any] = {
        "id": event.attrs.get("uid", ""),
        "device": device,
        "callsign": (contact.attrs.get("callsign") if contact else None) or device,
        "time_ns": _time(event),
        "lat": lat,
        "lon": lon,
        "cancel": cancel or (emergency is not None and emergency.attrs.get("cancel") == "true"),
    }
    if emergency is not None and emergency.attrs.get("type"):
        fields["kind"] = emergency.attrs["type"]
    return _convert(fields, Emergency)


def _deleted(event: Node, device: str) -> Deleted | Unused:
    link = event.find("detail", "link")
    if link is None or not link.attrs.get("uid"):
        return Unused(DELETE_TYPE)  # pytak's hello is a t-x-d-d with no link: nothing to do
    return Deleted(device, link.attrs["uid"], _time(event))


def _route(event: Node, device: str) -> AtakInput:
    cot_type = event.attrs.get("type")
    if not cot_type:
        raise RejectedError(INVALID, "$.event.type", "missing")
    if any(_is(cot_type, m) for m in _MARKERS):
        return _sighting(event, cot_type, device)
    if cot_type == CHAT_TYPE:
        return _chat(event, device)
    if cot_type in (EMERGENCY_TYPE, EMERGENCY_CANCEL_TYPE):
        return _emergency(event, device, cot_type == EMERGENCY_CANCEL_TYPE)
    if cot_type == DELETE_TYPE:
        return _deleted(event, device)
    return Unused(cot_type)


def decode_atak(data: bytes, *, device: str) -> AtakInput:
    """One CoT XML event from the device `device` (its connection's identity)."""
    return _route(parse_xml(data), device)


def decode_atak_proto(payload: bytes, *, device: str) -> AtakInput:
    """One TAK protocol v1 TakMessage (after the framing header) from `device`."""
    return _route(parse_proto(payload), device)
