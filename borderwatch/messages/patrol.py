"""Patrol: a friendly unit's own position report (from its TAK device, every ~10 s)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from borderwatch.messages.common import Id, Lat, Lon, TimeNs

__all__ = ["Patrol", "PatrolStatus"]

PatrolStatus = Literal["available", "assigned", "returning", "off_duty"]
Agency = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


# gc=False: see `Detection`.
class Patrol(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="patrol", omit_defaults=True):
    """A friendly patrol says where it is. Tracks near it are ours, never intruders."""

    callsign: Id
    agency: Agency
    time_ns: TimeNs
    lat: Lat
    lon: Lon
    speed_mps: Annotated[float, msgspec.Meta(ge=0.0, le=100.0)] = 0.0
    course_deg: Annotated[float, msgspec.Meta(ge=0.0, lt=360.0)] = 0.0
    status: PatrolStatus = "available"
    seq: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] = 0
