"""A patrol's emergency: its device's alarm (ATAK's `b-a-o-tbl` 911, `b-a-o-opn` troops in
contact, ...) becomes a P1 alert at the patrol's position.

It comes to the engine as an `emergency` action the TAK hub logs on behalf of the patrol's
authenticated device (its certificate's callsign: never a name typed in a message), so it is
in the event log, attributable, and raised the same in every replay. The alert is about our
own people, neither an intruder nor our equipment: category `emergency`, a queue of its own
(never scored as a nuisance alarm, never counted as a sector's equipment fault), P1, its
subject the patrol's callsign (a patrol's repeated alarms are one incident, two patrols'
alarms side by side are two). A cancellation is logged and raises nothing: the operators
close the incident.
"""

from __future__ import annotations

import math

from borderwatch.messages import Alert, OperatorAction

__all__ = ["emergency_alert"]


def emergency_alert(action: OperatorAction, sector: str | None) -> Alert | None:
    """The P1 alert of an `emergency` action (params `lat`, `lon`, `kind`, `device`), in
    `sector` (None outside every sector); None for a cancellation (`cancel`) or an action
    without a usable position."""
    p = action.params
    if action.action != "emergency" or p.get("cancel"):
        return None
    try:
        lat, lon = float(p["lat"]), float(p["lon"])
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Alert(
        id=action.id,
        rule="emergency",
        time_ns=action.time_ns,
        lat=lat,
        lon=lon,
        priority=1,
        category="emergency",
        sector=sector,
        evidence=(action.user,),
        summary=f"EMERGENCY ({p.get('kind', 'alarm')}) from patrol {action.user}"[:500],
    )
