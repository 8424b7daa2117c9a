"""What each role may see of the picture, item by item: the one rule the WebSocket stream
applies to every frame (and to the reset that starts a stream).

    Track           read_tracks
    Alert           read_alerts
    Incident        read_incidents, or a partner's own released incidents (may_read_incident)
    Patrol          read_patrols
    SensorState     read_sensors
    OperatorAction  on an incident: read_incidents; login and logout: read_audit
"""

from __future__ import annotations

import msgspec

from borderwatch.accounts import Claims, Permission, allowed, may_read_incident
from borderwatch.api.release import released
from borderwatch.messages import Alert, Incident, OperatorAction, Patrol, Track
from borderwatch.service import Frame, SensorState
from borderwatch.service.changes import Item

__all__ = ["STREAM_PERMISSIONS", "sees", "visible_frame"]

# Whoever holds none of these has nothing to follow (a gateway).
STREAM_PERMISSIONS: tuple[Permission, ...] = (
    "read_tracks",
    "read_alerts",
    "read_incidents",
    "read_released_incidents",
    "read_patrols",
    "read_sensors",
    "read_audit",
)

_BY_TYPE: dict[type, Permission] = {
    Track: "read_tracks",
    Alert: "read_alerts",
    Patrol: "read_patrols",
    SensorState: "read_sensors",
}


def sees(claims: Claims, item: Item) -> bool:
    """True if the token's role (and agency) may see `item`."""
    if isinstance(item, Incident):
        return may_read_incident(claims.role, claims.agency, item.releasable_to)
    if isinstance(item, OperatorAction):
        needs: Permission = "read_incidents" if item.target is not None else "read_audit"
        return allowed(claims.role, needs)
    return allowed(claims.role, _BY_TYPE[type(item)])


def visible_frame(claims: Claims, frame: Frame) -> Frame | None:
    """The frame with only what the caller may see, or None if that leaves nothing to send.

    A reset is always sent (it tells the console to start over), and so is a tracks frame
    to whoever reads tracks, even empty: it clears the tracks that ended. An incident goes
    out as `release.released` makes it (a partner's part only)."""
    items = tuple(_shown(claims, i) for i in frame.items if sees(claims, i))
    keep = (
        frame.kind == "reset"
        or (frame.kind == "tracks" and allowed(claims.role, "read_tracks"))
        or bool(items)
    )
    if not keep:
        return None
    if len(items) == len(frame.items) and all(
        a is b for a, b in zip(items, frame.items, strict=True)
    ):
        return frame
    return msgspec.structs.replace(frame, items=items)


def _shown(claims: Claims, item: Item) -> Item:
    if isinstance(item, Incident):
        shown = released(item, claims)
        assert shown is not None  # `sees` said it may
        return shown
    return item
