"""Need to know: the one decision of what of an incident leaves for whom (issue 15).

`released(incident, claims)` is called by every exit that hands an incident out: the list,
the detail, the WebSocket stream. National roles that read incidents get it whole. A partner
agency gets it only when it is released to that agency, and then only what it needs to act
on: where, when, how urgent, in what state, with what outcome. Not who else it was released
to (`releasable_to` holds the partner alone), not which patrol went (a call sign is an
operator's business), not our alert and track ids; notes, history and operators' names never
reach a partner at all (the detail and the stream give a partner the incident alone).
"""

from __future__ import annotations

import msgspec

from borderwatch.accounts import Claims, allowed, may_read_incident
from borderwatch.messages import Incident

__all__ = ["released"]


def released(incident: Incident, claims: Claims) -> Incident | None:
    """What of `incident` the token's holder may see: all of it, a partner's part, or None."""
    if not may_read_incident(claims.role, claims.agency, incident.releasable_to):
        return None
    if allowed(claims.role, "read_incidents"):
        return incident
    return msgspec.structs.replace(
        incident,
        releasable_to=(claims.agency,),
        assigned_patrol=None,
        alert_ids=(),
        track_ids=(),
        # Assigned is an internal step; to a partner it is still being worked.
        state="acknowledged" if incident.state == "assigned" else incident.state,
    )
