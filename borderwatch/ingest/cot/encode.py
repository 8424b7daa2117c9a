"""Messages to CoT XML and to TAK protocol v1: what the twin streams to ingest, and what
outgoing sharing sends. `decode(encode(m)) == m` exactly (see docs/formats.md).

Each message is one `<event>`; fields that standard CoT has a place for go there (a position
detection's and a patrol's position in `<point>`, a patrol's callsign in `<contact>`, its speed
and course in `<track>`), every other field in our `<_borderwatch_>` detail element, named as
in the JSON wire format. A polar detection (radar, camera) has no position of its own: its
`<point>` is the sensor's (`origin`) if given, else CoT's unknown (0, 0, ce = le = 9999999).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import msgspec
import takproto

from borderwatch.ingest.base import Inbound
from borderwatch.ingest.cot._text import attr, format_time, text_out
from borderwatch.ingest.cot.const import (
    BW_ELEMENT,
    PING_TYPE,
    PONG_TYPE,
    TYPE_DETECTION,
    TYPE_PATROL_OUT,
    TYPE_STATUS,
    UNKNOWN_ERROR,
)
from borderwatch.messages import Detection, Patrol, SensorStatus
from borderwatch.messages.detection import POLAR_KINDS

__all__ = ["encode_proto", "encode_xml", "ping_xml", "pong_xml", "to_proto"]

_S = 1_000_000_000
# How long a receiver should show each kind (ATAK keeps a self-report 6 min 15 s).
_STALE_NS = {Detection: 60 * _S, SensorStatus: 120 * _S, Patrol: 375 * _S}
_UNKNOWN = f'hae="{UNKNOWN_ERROR!r}" ce="{UNKNOWN_ERROR!r}" le="{UNKNOWN_ERROR!r}"'
_FREE_TEXT = frozenset({"detail", "agency"})


def _value(name: str, value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return attr(text_out(value) if name in _FREE_TEXT else value)
    if isinstance(value, (list, tuple)):  # cov_m2
        return " ".join(repr(float(v)) for v in value)
    return str(value)


def _element(fields: dict[str, Any]) -> str:
    body = " ".join(f'{name}="{_value(name, v)}"' for name, v in fields.items())
    return f"<{BW_ELEMENT} {body}/>"


def _point(lat: float | None, lon: float | None, ce: float = UNKNOWN_ERROR) -> str:
    if lat is None or lon is None:
        return f'<point lat="0.0" lon="0.0" {_UNKNOWN}/>'
    return (
        f'<point lat="{lat!r}" lon="{lon!r}" hae="{UNKNOWN_ERROR!r}" '
        f'ce="{ce!r}" le="{UNKNOWN_ERROR!r}"/>'
    )


def _event(cot_type: str, uid: str, time_ns: int, stale_ns: int, how: str, inner: str) -> bytes:
    t = format_time(time_ns)
    return (
        f'<event version="2.0" uid="{attr(uid)}" type="{cot_type}" time="{t}" start="{t}" '
        f'stale="{format_time(time_ns + stale_ns)}" how="{how}">{inner}</event>'
    ).encode()


def _fields(message: msgspec.Struct) -> dict[str, Any]:
    fields: dict[str, Any] = msgspec.to_builtins(message)  # defaults left out
    del fields["type"]
    return fields


def _detection(m: Detection, origin: tuple[float, float] | None) -> bytes:
    fields = _fields(m)
    if "classes" in fields:
        fields["classes"] = " ".join(repr(p) for p in m.classes.as_tuple())
    if m.kind in POLAR_KINDS:
        point = _point(*origin) if origin else _point(None, None)
    else:
        del fields["lat"], fields["lon"]
        assert m.cov_m2 is not None  # a position detection always has one
        # CoT's ce is a 1-sigma circular error: the larger axis's sigma bounds it.
        point = _point(m.lat, m.lon, math.sqrt(max(m.cov_m2[0], m.cov_m2[2])))
    inner = f"{point}<detail>{_element(fields)}</detail>"
    uid = f"borderwatch.detection.{m.sensor_id}.{m.seq}"
    return _event(TYPE_DETECTION, uid, m.time_ns, _STALE_NS[Detection], "m-p", inner)


def _status(m: SensorStatus) -> bytes:
    inner = f"{_point(m.lat, m.lon)}<detail>{_element(_fields(m))}</detail>"
    uid = f"borderwatch.sensor.{m.sensor_id}"
    return _event(TYPE_STATUS, uid, m.time_ns, _STALE_NS[SensorStatus], "m-p", inner)


def _patrol(m: Patrol) -> bytes:
    fields = _fields(m)
    for name in ("callsign", "lat", "lon", "speed_mps", "course_deg"):
        fields.pop(name, None)
    fields["time_ns"] = m.time_ns  # exact; the event's time is to the millisecond
    inner = (
        f"{_point(m.lat, m.lon)}<detail>"
        f'<contact callsign="{m.callsign}"/>'
        f'<track speed="{m.speed_mps!r}" course="{m.course_deg!r}"/>'
        f"{_element(fields)}</detail>"
    )
    uid = f"borderwatch.patrol.{m.callsign}"
    return _event(TYPE_PATROL_OUT, uid, m.time_ns, _STALE_NS[Patrol], "m-g", inner)


def encode_xml(message: Inbound, *, origin: tuple[float, float] | None = None) -> bytes:
    """One message as a CoT XML event (UTF-8, no declaration, no trailing newline).

    `origin` (lat, lon) is the sensor's position, shown as a polar detection's `<point>`.
    """
    if isinstance(message, Detection):
        return _detection(message, origin)
    if isinstance(message, SensorStatus):
        return _status(message)
    return _patrol(message)


def to_proto(xml: bytes, framing: Literal["stream", "mesh"] = "stream") -> bytes:
    """A CoT XML event as TAK protocol v1: streaming (TCP, TLS) or mesh (UDP) framing."""
    version = takproto.TAKProtoVer.STREAM if framing == "stream" else takproto.TAKProtoVer.MESH
    return bytes(takproto.xml2proto(xml, version))


def encode_proto(
    message: Inbound,
    *,
    framing: Literal["stream", "mesh"] = "stream",
    origin: tuple[float, float] | None = None,
) -> bytes:
    """One message as TAK protocol v1, converted from `encode_xml` by takproto (as pytak does)."""
    return to_proto(encode_xml(message, origin=origin), framing)


def pong_xml(now_ns: int) -> bytes:
    """The answer to a TAK ping (`t-x-c-t`), as TAK servers send it."""
    point = _point(None, None)
    return _event(PONG_TYPE, "takPong", now_ns, 20 * _S, "h-g-i-g-o", f"{point}<detail/>")


def ping_xml(uid: str, now_ns: int) -> bytes:
    """A TAK ping as ATAK sends it (uid `<device uid>-ping`): for clients and tests."""
    point = _point(None, None)
    return _event(PING_TYPE, f"{uid}-ping", now_ns, 10 * _S, "m-g", f"{point}<detail/>")
