"""What a patrol's TAK device says besides its position: chat, and emergencies.

Both are inputs (the device's words, attributable to it), so they are events to log as they
come; the engine will turn a chat into an incident note (in an incident's chat room, or
quoting its id) or the sector's chat log, and an emergency into a P1 alert at the patrol's
position. Not yet in the event log's kinds nor the engine (that waits for the engine's move
to `borderwatch/engine/`).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from borderwatch.messages.common import Id, Lat, Lon, TimeNs

__all__ = ["ChatMessage", "Emergency"]

Text = Annotated[str, msgspec.Meta(max_length=2000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class ChatMessage(msgspec.Struct, frozen=True, kw_only=True, tag="chat", omit_defaults=True):
    """A GeoChat message (`b-t-f`) from `device` (the connection's identity) in `chatroom`;
    `to` lists the uids it was addressed to (empty: the room)."""

    id: Name  # the sender's message id, unique per device
    device: Id
    callsign: Name
    time_ns: TimeNs
    chatroom: Name
    text: Text
    to: tuple[Name, ...] = ()
    lat: Lat | None = None
    lon: Lon | None = None


class Emergency(msgspec.Struct, frozen=True, kw_only=True, tag="emergency", omit_defaults=True):
    """A device's emergency (`b-a-o-tbl`, ATAK's 911) or its cancellation (`b-a-o-can`)."""

    id: Name
    device: Id
    callsign: Name
    time_ns: TimeNs
    lat: Lat
    lon: Lon
    kind: Annotated[str, msgspec.Meta(max_length=64)] = "911 Alert"
    cancel: bool = False
