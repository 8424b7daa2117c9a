"""SensorStatus: a sensor's heartbeat and health."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from borderwatch.messages.common import Id, Lat, Lon, SensorKind, TimeNs

__all__ = ["Health", "SensorStatus"]

Health = Literal["ok", "degraded", "down", "tampered"]
Azimuth = Annotated[float, msgspec.Meta(ge=0.0, lt=360.0)]


# gc=False: see `Detection`.
class SensorStatus(
    msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="status", omit_defaults=True
):
    """Sent by every sensor at least once a minute. A sensor that stops sending is `down`
    by absence, which the engine decides from heartbeat freshness, not from this message."""

    sensor_id: Id
    kind: SensorKind
    seq: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
    time_ns: TimeNs
    health: Health = "ok"
    lat: Lat | None = None
    lon: Lon | None = None
    range_m: Annotated[float, msgspec.Meta(ge=0.0, le=100_000.0)] | None = None
    az_min_deg: Azimuth | None = None
    az_max_deg: Azimuth | None = None
    detail: Annotated[str, msgspec.Meta(max_length=200)] = ""
