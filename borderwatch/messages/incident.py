"""Incident: the alerts about the same movers, with the operators' workflow around them."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from borderwatch.messages.alert import AlertCategory
from borderwatch.messages.common import Id, Lat, Lon, TimeNs

__all__ = ["Incident", "IncidentState", "Outcome"]

IncidentState = Literal["new", "acknowledged", "assigned", "resolved"]
Outcome = Literal["apprehended", "turned_back", "got_away", "nuisance", "false_alarm"]

# The lifecycle of DESIGN §4: which state may follow which.
NEXT_STATES: dict[str, frozenset[str]] = {
    "new": frozenset({"acknowledged", "resolved"}),
    "acknowledged": frozenset({"assigned", "resolved"}),
    "assigned": frozenset({"assigned", "resolved"}),
    "resolved": frozenset(),
}


class Incident(msgspec.Struct, frozen=True, kw_only=True, tag="incident", omit_defaults=True):
    """`outcome` is set exactly when `state` is `resolved`; `releasable_to` lists the agencies
    (beyond the owner) cleared to see it. `category` is its alerts' (an intrusion, or our own
    equipment: those go to the health queue, never the intrusion queue)."""

    id: Id
    sector: Id
    opened_ns: TimeNs
    updated_ns: TimeNs
    lat: Lat
    lon: Lon
    state: IncidentState = "new"
    priority: Annotated[int, msgspec.Meta(ge=1, le=4)] = 3
    alert_ids: tuple[Id, ...] = ()
    track_ids: tuple[Id, ...] = ()
    assigned_patrol: Id | None = None
    outcome: Outcome | None = None
    releasable_to: tuple[Id, ...] = ()
    category: AlertCategory = "intrusion"
    # Shelved by an operator (ISA-18.2): out of its queue until this time (UTC ns, the
    # service's clock), with the reason and who; an alert that raises its priority unshelves it.
    shelved_until_ns: TimeNs | None = None
    shelved_reason: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    shelved_by: Id | None = None

    def __post_init__(self) -> None:
        if (self.state == "resolved") != (self.outcome is not None):
            raise ValueError("`outcome` is required when `state` is resolved, and only then")
        if self.state == "assigned" and self.assigned_patrol is None:
            raise ValueError("an assigned incident needs `assigned_patrol`")
        if self.updated_ns < self.opened_ns:
            raise ValueError("`updated_ns` is before `opened_ns`")
