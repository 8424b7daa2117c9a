"""A CoT event as a small tree (name, attributes, text, children), from XML or from TAK
protocol v1, parsed safely: expat with DOCTYPE and ENTITY declarations refused (no entity
expansion, no external entities), as `borderwatch.ingest.cot.decode` does; bounded depth."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
from takproto.proto import TakMessage

from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot._text import format_time
from borderwatch.ingest.cot.const import BAD_PROTOBUF, BAD_XML
from borderwatch.ingest.cot.decode import parse_hardened

__all__ = ["Node", "parse_proto", "parse_xml"]

MAX_DEPTH = 16


@dataclass(slots=True)
class Node:
    """One element: its attributes, its text, its children in order."""

    name: str
    attrs: dict[str, str]
    text: str = ""
    children: list[Node] = field(default_factory=list)

    def find(self, *path: str) -> Node | None:
        """The first descendant along `path` (child names), or None."""
        node: Node | None = self
        for name in path:
            assert node is not None
            node = next((c for c in node.children if c.name == name), None)
            if node is None:
                return None
        return node

    def find_all(self, name: str) -> list[Node]:
        """The children named `name`."""
        return [c for c in self.children if c.name == name]


def parse_xml(data: bytes) -> Node:
    """The `<event>` tree; `RejectedError` if it is not well-formed or not an event."""
    stack: list[Node] = []
    root: list[Node] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise RejectedError(BAD_XML, "$", f"nested deeper than {MAX_DEPTH} elements")
        node = Node(name, attrs)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text += data

    parse_hardened(data, start, end, text)
    if not root or root[0].name != "event":
        raise RejectedError(BAD_XML, "$", "the root element is not <event>")
    return root[0]


def parse_proto(payload: bytes) -> Node:
    """A TakMessage (after its framing header) as the tree its XML would give."""
    message = TakMessage()
    try:
        message.ParseFromString(payload)
    except DecodeError as exc:
        raise RejectedError(BAD_PROTOBUF, "$", f"not a TAK protocol v1 message: {exc}") from exc
    if not message.HasField("cotEvent"):
        raise RejectedError(BAD_PROTOBUF, "$.cotEvent", "missing: a TakMessage without an event")
    cot = message.cotEvent
    ms = 1_000_000
    event = Node(
        "event",
        {
            "type": cot.type,
            "uid": cot.uid,
            "how": cot.how,
            "time": format_time(cot.sendTime * ms),
            "start": format_time(cot.startTime * ms),
            "stale": format_time(cot.staleTime * ms),
        },
    )
    point = {"lat": cot.lat, "lon": cot.lon, "hae": cot.hae, "ce": cot.ce, "le": cot.le}
    event.children.append(Node("point", {k: repr(float(v)) for k, v in point.items()}))
    detail = Node("detail", {})
    d = cot.detail
    if d.xmlDetail:
        detail = (
            parse_xml(f"<event><detail>{d.xmlDetail}</detail></event>".encode()).find("detail")
            or detail
        )
    if d.HasField("contact"):
        detail.children.append(Node("contact", {"callsign": d.contact.callsign}))
    if d.HasField("track"):
        track = {"speed": repr(d.track.speed), "course": repr(d.track.course)}
        detail.children.append(Node("track", track))
    event.children.append(detail)
    return event
