"""Dispatch: the patrols that could reach an incident first, ranked by estimated time of
arrival.

The estimate: the route from the patrol's last reported position to the incident along the
layout's roads (patrol roads, the crossings' roads, open desert between them at a lower
speed, never across the berm: `borderwatch.ops.roads`), over a cruising speed by the
patrol's agency (the wire `Patrol` carries no vehicle kind; each agency fields one kind of
unit here). Without a road network (none given), the straight-line distance in UTM 32N
metres times a detour factor; `bench/dispatch_eta.py` measures both against the twin's
patrols' own driving times.

Who is left out: a patrol assigned to another open incident (it is busy), one that says
it is off duty, and a partner's patrol (joint patrols: proposed to over its link, never
assigned). Who is ranked last: a patrol whose last report is more than `stale_after_s`
old (its position is a guess; it may still be the one to call on the radio, so it is shown,
flagged `stale`, after every fresh one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from typing import Annotated

import msgspec
import numpy as np

from borderwatch.geo.projection import to_utm
from borderwatch.messages import Incident, Patrol
from borderwatch.ops.roads import RoadNetwork

__all__ = ["DispatchConfig", "PatrolEta", "busy_patrols", "rank_patrols", "rank_patrols_to"]

Speed = Annotated[float, msgspec.Meta(gt=0.0, le=100.0, description="m/s")]


class DispatchConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How an ETA is estimated, and when a patrol's report is too old to trust."""

    # Cruising speeds off the tarmac, by agency: 4x4s on the patrol road and sand tracks.
    speeds_mps: dict[str, Speed] = msgspec.field(
        default_factory=lambda: {"national_guard": 10.0, "army": 9.0, "customs": 12.0}
    )
    default_speed_mps: Speed = 8.0  # an agency not listed
    # Road distance over straight-line distance along the berm (tracks bend round the trench).
    detour: Annotated[float, msgspec.Meta(ge=1.0, le=5.0)] = 1.4
    stale_after_s: Annotated[float, msgspec.Meta(gt=0.0)] = 600.0


class PatrolEta(msgspec.Struct, frozen=True, kw_only=True):
    """One patrol that could go: where it last said it was, and how long it would take."""

    callsign: str
    agency: str
    lat: float
    lon: float
    time_ns: int  # its last report (UTC ns)
    status: str  # as the patrol reports it
    distance_m: float  # straight line, UTM metres
    eta_s: float  # along the roads when ranked with a road network, else straight x detour
    stale: bool  # no report for more than `stale_after_s`: ranked after every fresh one
    assigned_here: bool = False  # already sent to this incident


def rank_patrols(
    incident: Incident,
    patrols: Iterable[Patrol],
    incidents: Mapping[str, Incident],
    now_ns: int,
    config: DispatchConfig | None = None,
    roads: RoadNetwork | None = None,
) -> list[PatrolEta]:
    """The patrols available for `incident`, fresh ones by ETA first, then stale ones by ETA
    (ties by call sign). `incidents` are all incidents (to see who is busy); `now_ns` is the
    picture's event time; `roads`, the network ETAs are routed on (else a straight line
    times `config.detour`)."""
    return rank_patrols_to(
        incident.lat,
        incident.lon,
        patrols,
        busy_patrols(incidents, but=incident.id),
        now_ns,
        config,
        roads,
        assigned=incident.assigned_patrol,
    )


def busy_patrols(incidents: Mapping[str, Incident], but: str | None = None) -> set[str]:
    """The call signs assigned to an open incident (other than `but`): not free to send."""
    return {
        i.assigned_patrol
        for i in incidents.values()
        if i.state != "resolved" and i.id != but and i.assigned_patrol is not None
    }


def rank_patrols_to(
    lat: float,
    lon: float,
    patrols: Iterable[Patrol],
    busy: Set[str],
    now_ns: int,
    config: DispatchConfig | None = None,
    roads: RoadNetwork | None = None,
    assigned: str | None = None,
) -> list[PatrolEta]:
    """The patrols free to go to (`lat`, `lon`) (not in `busy`, on duty, ours), ranked as
    `rank_patrols` ranks them for an incident there; `assigned`: the one already sent."""
    config = config or DispatchConfig()
    # A partner's patrol (agency `partner:<iso2>`) is never ours to send: it is proposed to.
    free = [
        p
        for p in patrols
        if p.callsign not in busy and p.status != "off_duty" and not p.agency.startswith("partner:")
    ]
    if not free:
        return []
    # One batched projection for every patrol and the goal (the last point).
    x, y = to_utm([*(p.lon for p in free), lon], [*(p.lat for p in free), lat])
    distance = np.hypot(x[:-1] - x[-1], y[:-1] - y[-1])
    speed = np.array([config.speeds_mps.get(p.agency, config.default_speed_mps) for p in free])
    if roads is None:
        eta = distance * config.detour / speed
    else:
        starts = np.column_stack([x[:-1], y[:-1]])
        eta = roads.cost_m((float(x[-1]), float(y[-1])), starts) / speed
    stale_ns = config.stale_after_s * 1e9
    ranked = [
        PatrolEta(
            callsign=p.callsign,
            agency=p.agency,
            lat=p.lat,
            lon=p.lon,
            time_ns=p.time_ns,
            status=p.status,
            distance_m=round(float(d), 1),
            eta_s=round(float(e), 1),
            stale=now_ns - p.time_ns > stale_ns,
            assigned_here=assigned is not None and p.callsign == assigned,
        )
        for p, d, e in zip(free, distance, eta, strict=True)
    ]
    ranked.sort(key=lambda r: (r.stale, r.eta_s, r.callsign))
    return ranked
