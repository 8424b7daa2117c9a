"""Bytes to messages, pure (no I/O): the only code that knows CoT XML and TAK protocol v1.

A CoT event is routed by its type (docs/formats.md has the table):
`t-x-c-t` is a TAK ping (answer it), other `t-x-...` are TAK control (ignored), `b-d...` a
Detection, `a-f-G-E-S...` a SensorStatus, any other `a-f-G...` a patrol's self-report (ATAK's
position report), anything else is refused. Every refusal is a `RejectedError` with a short code
(counted), the field as a path into the event (`$.point.lat`, `$.detail._borderwatch_.seq`) and
the reason.

XML is parsed with expat through `xml.parsers.expat` with a DOCTYPE (and ENTITY) handler that
refuses: no DTD, so no entity expansion (billion laughs) and no external entities. This is what
defusedxml does; expat handlers also spare building a tree we would only walk once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from xml.parsers import expat

import msgspec
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from takproto.proto import TakMessage

from borderwatch.ingest.base import INVALID, Inbound, RejectedError
from borderwatch.ingest.cot._text import parse_time, text_in
from borderwatch.ingest.cot.const import (
    BAD_PROTOBUF,
    BAD_XML,
    BW_ELEMENT,
    DEFAULT_AGENCY,
    DTD_FORBIDDEN,
    MESH_HEADER,
    PING_TYPE,
    STREAM_MAGIC,
    TYPE_CONTROL,
    TYPE_DETECTION,
    TYPE_PATROL,
    TYPE_STATUS,
    UNSUPPORTED_TYPE,
)
from borderwatch.ingest.cot.framing import Frame, read_varint
from borderwatch.messages import CLASSES, Detection, Patrol, SensorStatus
from borderwatch.messages.codec import _to_message_error  # msgspec error -> (field, reason)
from borderwatch.messages.detection import POLAR_KINDS

__all__ = [
    "Decoded",
    "Ignored",
    "Ping",
    "decode_datagram",
    "decode_frame",
    "decode_proto",
    "decode_xml",
    "event_uid",
    "parse_hardened",
]

T = TypeVar("T", Detection, SensorStatus, Patrol)


@dataclass(frozen=True, slots=True)
class Ping:
    """A TAK keep-alive (`t-x-c-t`): answer with a pong on the same connection."""

    uid: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """A TAK control event other than a ping (e.g. pytak's hello `t-x-d-d`): not for the sink."""

    type: str


Decoded = Inbound | Ping | Ignored

_BW = f"$.detail.{BW_ELEMENT}"
_FIELD = re.compile(r"\$\.(\w+)(.*)\Z")


@dataclass(slots=True)
class _Event:
    """What we read of one event, from XML (attribute strings) or protobuf (numbers)."""

    attrs: dict[str, Any] = field(default_factory=dict)
    point: dict[str, Any] | None = None
    # The first element of each name directly under <detail>.
    detail: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_ns: int | None = None  # protobuf's sendTime; XML's is parsed from attrs["time"]


def _refuse_dtd(*_: object) -> None:
    raise RejectedError(DTD_FORBIDDEN, "$", "DOCTYPE and ENTITY declarations are not accepted")


def parse_hardened(
    data: bytes,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    text: Callable[[str], None] | None = None,
) -> None:
    """Parse CoT XML with expat and these handlers, the one way every CoT reader parses:
    no DOCTYPE or ENTITY declarations (no entity expansion bombs, no external entities);
    malformed XML, or an encoding we cannot read, is `BAD_XML`."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise RejectedError(BAD_XML, "$", f"not well-formed XML: {exc}") from exc
    except LookupError as exc:  # expat asks Python's codecs for an encoding it does not know
        raise RejectedError(BAD_XML, "$", f"an XML encoding we cannot read: {exc}") from exc


def _parse_xml(data: bytes) -> _Event:
    event = _Event()
    depth = 0
    in_detail = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, in_detail
        depth += 1
        if depth == 1:
            if name != "event":
                raise RejectedError(BAD_XML, "$", f"the root element is <{name}>, not <event>")
            event.attrs = attrs
        elif depth == 2:
            in_detail = name == "detail"
            if name == "point" and event.point is None:
                event.point = attrs
        elif depth == 3 and in_detail:
            event.detail.setdefault(name, attrs)

    def end(_: str) -> None:
        nonlocal depth
        depth -= 1

    parse_hardened(data, start, end)
    return event


def _parse_proto(payload: bytes) -> _Event:
    message = TakMessage()
    try:
        message.ParseFromString(payload)
    except DecodeError as exc:
        raise RejectedError(BAD_PROTOBUF, "$", f"not a TAK protocol v1 message: {exc}") from exc
    if not message.HasField("cotEvent"):
        raise RejectedError(BAD_PROTOBUF, "$.cotEvent", "missing: a TakMessage without an event")
    cot = message.cotEvent
    event = _Event(
        attrs={"type": cot.type, "uid": cot.uid},
        point={"lat": cot.lat, "lon": cot.lon, "hae": cot.hae, "ce": cot.ce, "le": cot.le},
        time_ns=cot.sendTime * 1_000_000,
    )
    detail = cot.detail
    if detail.xmlDetail:  # detail elements protobuf has no field for, as XML
        wrapped = f"<event><detail>{detail.xmlDetail}</detail></event>".encode()
        event.detail = _parse_xml(wrapped).detail
    if detail.HasField("contact") and detail.contact.callsign:
        event.detail["contact"] = {"callsign": detail.contact.callsign}
    if detail.HasField("track"):
        event.detail["track"] = {"speed": detail.track.speed, "course": detail.track.course}
    return event


def _locate(path: str, origin: dict[str, str]) -> str:
    """msgspec's `$.cov_m2[1]` as where the field sits in the event."""
    m = _FIELD.match(path)
    if m is None:
        return path
    name, rest = m.groups()
    return origin.get(name, f"{_BW}.{name}") + rest


def _convert(fields: dict[str, Any], type: type[T], origin: dict[str, str]) -> T:
    try:
        # strict=False: attribute strings become the numbers the fields declare.
        return msgspec.convert(fields, type=type, strict=False)
    except msgspec.ValidationError as exc:
        error = _to_message_error(exc)
        raise RejectedError(INVALID, _locate(error.field, origin), error.reason) from exc


def _ours(event: _Event, what: str) -> dict[str, Any]:
    """Our element's fields, free text and lists unpacked (see encode)."""
    bw = event.detail.get(BW_ELEMENT)
    if bw is None:
        raise RejectedError(INVALID, _BW, f"missing: a {what} needs borderwatch's detail element")
    fields = dict(bw)
    for name in ("detail", "agency"):
        if isinstance(fields.get(name), str):
            fields[name] = text_in(fields[name])
    if isinstance(fields.get("cov_m2"), str):
        fields["cov_m2"] = fields["cov_m2"].split()
    if isinstance(fields.get("classes"), str):
        values = fields["classes"].split()
        if len(values) != len(CLASSES):
            raise RejectedError(
                INVALID, f"{_BW}.classes", f"expected 4 numbers ({' '.join(CLASSES)}), got {values}"
            )
        fields["classes"] = dict(zip(CLASSES, values, strict=True))
    return fields


def _take_point(event: _Event, fields: dict[str, Any], origin: dict[str, str]) -> None:
    point = event.point or {}
    for name in ("lat", "lon"):
        if name not in point:
            raise RejectedError(INVALID, f"$.point.{name}", "missing")
        fields[name] = point[name]
        origin[name] = f"$.point.{name}"


def _event_time(event: _Event) -> int:
    if event.time_ns is not None:
        return event.time_ns
    text = event.attrs.get("time")
    if text is None:
        raise RejectedError(INVALID, "$.event.time", "missing")
    try:
        return parse_time(text)
    except ValueError as exc:
        raise RejectedError(INVALID, "$.event.time", str(exc)) from exc


def _detection(event: _Event, agency: str) -> Detection:
    fields, origin = _ours(event, "detection"), dict[str, str]()
    if fields.get("kind") not in POLAR_KINDS:  # a position detection's place is <point>
        _take_point(event, fields, origin)
    return _convert(fields, Detection, origin)


def _status(event: _Event, agency: str) -> SensorStatus:
    return _convert(_ours(event, "sensor status"), SensorStatus, {})


def _patrol(event: _Event, agency: str) -> Patrol:
    """An ATAK self-report, or a patrol we encoded (our element adds agency, status, seq)."""
    fields = _ours(event, "patrol") if BW_ELEMENT in event.detail else {}
    fields.setdefault("agency", agency)
    origin = {
        "callsign": "$.detail.contact.callsign",
        "speed_mps": "$.detail.track.speed",
        "course_deg": "$.detail.track.course",
    }
    callsign = event.detail.get("contact", {}).get("callsign")
    if not callsign:
        raise RejectedError(INVALID, origin["callsign"], "missing: a self-report needs a callsign")
    fields["callsign"] = callsign
    _take_point(event, fields, origin)
    track = event.detail.get("track", {})
    for ours, theirs in (("speed_mps", "speed"), ("course_deg", "course")):
        if theirs in track:
            fields[ours] = track[theirs]
    if "time_ns" not in fields:
        fields["time_ns"] = _event_time(event)
        origin["time_ns"] = "$.event.time"
    return _convert(fields, Patrol, origin)


# Routes by CoT type: a prefix matches itself and its dash-separated children, first wins.
_ROUTES: tuple[tuple[str, Callable[[_Event, str], Decoded]], ...] = (
    (TYPE_CONTROL, lambda event, _: Ignored(event.attrs["type"])),
    (TYPE_DETECTION, _detection),
    (TYPE_STATUS, _status),
    (TYPE_PATROL, _patrol),
)


def _route(event: _Event, agency: str) -> Decoded:
    cot_type = event.attrs.get("type")
    if not cot_type:
        raise RejectedError(INVALID, "$.event.type", "missing")
    if cot_type == PING_TYPE:
        return Ping(str(event.attrs.get("uid", "")))
    for prefix, handler in _ROUTES:
        if cot_type == prefix or cot_type.startswith(prefix + "-"):
            return handler(event, agency)
    raise RejectedError(UNSUPPORTED_TYPE, "$.event.type", f"{cot_type!r} is not a type we take")


def decode_xml(data: bytes, *, agency: str = DEFAULT_AGENCY) -> Decoded:
    """One CoT XML event. `agency` is a self-report's when it does not say (ATAK's never do)."""
    return _route(_parse_xml(data), agency)


def decode_proto(payload: bytes, *, agency: str = DEFAULT_AGENCY) -> Decoded:
    """One TAK protocol v1 `TakMessage` (the bytes after the framing header)."""
    return _route(_parse_proto(payload), agency)


def decode_frame(frame: Frame, *, agency: str = DEFAULT_AGENCY) -> Decoded:
    """One message cut from a stream by `Framer`."""
    if frame.kind == "proto":
        return decode_proto(frame.data, agency=agency)
    return decode_xml(frame.data, agency=agency)


def decode_datagram(data: bytes, *, agency: str = DEFAULT_AGENCY) -> Decoded:
    """One UDP datagram: TAK mesh (`bf 01 bf`), TAK streaming framing, or CoT XML."""
    if data.startswith(MESH_HEADER):
        return decode_proto(data[len(MESH_HEADER) :], agency=agency)
    if data[:1] == bytes([STREAM_MAGIC]):
        try:
            header = read_varint(data, 1)
        except ValueError as exc:
            raise RejectedError(BAD_PROTOBUF, "$", f"TAK message length: {exc}") from exc
        if header is None or header[1] + header[0] != len(data):
            raise RejectedError(
                BAD_PROTOBUF, "$", "TAK streaming length does not match the datagram"
            )
        return decode_proto(data[header[1] :], agency=agency)
    return decode_xml(data.strip(), agency=agency)


_UID = re.compile(rb'<event\b[^>]*?\suid=(?:"([^"]*)"|\'([^\']*)\')')


def event_uid(frame: Frame) -> str | None:
    """The uid of a frame's event (an ATAK device's own uid, in its position report), or None
    if it has none; for a frame `decode_frame` has already taken (a cheap second look)."""
    if frame.kind == "proto":
        message = TakMessage()
        try:
            message.ParseFromString(frame.data)
        except DecodeError:
            return None
        return str(message.cotEvent.uid) or None
    found = _UID.search(frame.data[:4096])
    if found is None:
        return None
    raw = found.group(1) if found.group(1) is not None else found.group(2)
    return html.unescape(raw.decode("utf-8", "replace")) or None  # &amp; and the like
