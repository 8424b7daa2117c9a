"""Alert: one rule fired; it carries its evidence so an operator can see why."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from borderwatch.messages.common import ClassName, GeoPoint, Id, Lat, Lon, TimeNs

__all__ = ["Alert", "AlertCategory", "Priority"]

# 1 is the most urgent. Intrusion alerts are scored by the twin; system alerts (a sensor down,
# a sector gone quiet) are about our own equipment and are not nuisance alarms. Checkpoint
# alerts (a lookout hit at a crossing post) are about a traveller at a lane: the post's, never
# the intrusion queue's, and not scored as intrusions.
Priority = Annotated[int, msgspec.Meta(ge=1, le=4)]
AlertCategory = Literal["intrusion", "system", "checkpoint", "emergency"]


class Alert(msgspec.Struct, frozen=True, kw_only=True, tag="alert", omit_defaults=True):
    """`rule` names the rule that fired (approach, crossing, line_breach, ...); `evidence` lists
    the detection keys (`sensor_id/seq`) behind it, after, for a system alert, the id of what
    it concerns (no slash): a sensor, a site then its sensors, or a sector."""

    id: Id
    rule: Id
    time_ns: TimeNs
    lat: Lat
    lon: Lon
    priority: Priority = 3
    category: AlertCategory = "intrusion"
    sector: Id | None = None
    cls: ClassName = "unknown"
    track_ids: tuple[Id, ...] = ()
    predicted_crossing: GeoPoint | None = None
    evidence: tuple[Annotated[str, msgspec.Meta(max_length=100)], ...] = ()
    summary: Annotated[str, msgspec.Meta(max_length=500)] = ""

    @property
    def detection_keys(self) -> tuple[str, ...]:
        """The evidence that names detections: a system alert's subject, a sensor, is not one."""
        return tuple(k for k in self.evidence if "/" in k)
