"""EUROSUR-style reports: each incident as an event report with an impact level and a
confidence, each sector with a section impact level.

EUROSUR (Regulation (EU) 2019/1896, Art. 25-26, 34) describes events by an impact level
(low, medium, high, critical) and gives each border section an impact level that sets how
strongly it is watched. Here, with what the picture knows:

- an incident's impact comes from its priority (P1 critical ... P4 low), raised one level
  when its tracks show a group of several people (more to stop), and low once it is
  resolved as a nuisance or a false alarm;
- its confidence is how sure the picture is that something real happened: the best quality
  of its tracks (the tracker's own 0-1 score) where they are still known, else grows with
  the number of distinct sensors in its alerts' evidence (one sensor 0.5, two 0.65, ...);
- a sector's section impact is the highest impact among its open incidents, raised one level
  when three or more are open at once (a saturated section), and low when none is.

Beside it, each sector's designated level (`designated`): the one EUROSUR attributes to the
section by risk analysis, set in the engine's settings (`[rules.sections]`), which is what
moves the priority of the intrusion alerts raised there (`rules.config.Sections.priority`).
The situation's level above never feeds back into priority: an incident's priority making
its section's level making its next alert's priority would climb on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Literal

import msgspec

from borderwatch.messages import Alert, Incident, IncidentState, Outcome, Track
from borderwatch.messages.common import Id, Lat, Lon, Probability, TimeNs
from borderwatch.rules.config import IMPACT_LEVELS, ImpactLevel, Sections

__all__ = [
    "IMPACT_LEVELS",
    "EventReport",
    "ImpactLevel",
    "SectorStatus",
    "event_report",
    "incident_confidence",
    "incident_impact",
    "sector_statuses",
]

_BY_PRIORITY: dict[int, ImpactLevel] = {1: "critical", 2: "high", 3: "medium", 4: "low"}
# Three open incidents at once in one sector saturate it: its section impact goes up a level.
SATURATED = 3
Count = Annotated[int, msgspec.Meta(ge=0)]


class EventReport(msgspec.Struct, frozen=True, kw_only=True, tag="event_report"):
    """One incident as a EUROSUR-style event: where, when, what, how bad, how sure."""

    id: Id  # the incident's id
    sector: Id
    opened_ns: TimeNs
    time_ns: TimeNs  # the incident's last change: the report is as of then
    lat: Lat
    lon: Lon
    state: IncidentState
    impact: ImpactLevel
    confidence: Probability
    category: Literal["illegal_crossing", "suspected_crossing", "system"]
    outcome: Outcome | None = None
    people: Count = 0  # the largest group seen among its tracks (0: none known)
    vehicles: Count = 0


class SectorStatus(msgspec.Struct, frozen=True, kw_only=True, tag="sector_status"):
    """A sector's state for partners and reports: its section impact level and why."""

    sector: Id
    time_ns: TimeNs  # the sector's last change (an incident's or alert's time): as of then
    impact: ImpactLevel  # the situation's, from its open incidents
    open_incidents: Count = 0
    alerts_last_hour: Count = 0
    confidence: Probability = 1.0
    designated: ImpactLevel = "medium"  # by risk analysis: moves its alerts' priority


def _up(level: ImpactLevel) -> ImpactLevel:
    return IMPACT_LEVELS[min(IMPACT_LEVELS.index(level) + 1, len(IMPACT_LEVELS) - 1)]


def incident_impact(incident: Incident, tracks: Iterable[Track] = ()) -> ImpactLevel:
    """The incident's impact level (module docstring)."""
    if incident.outcome in ("nuisance", "false_alarm"):
        return "low"
    level = _BY_PRIORITY[incident.priority]
    if any(t.group_size > 1 and t.classes.best() == "person" for t in tracks):
        level = _up(level)
    return level


def incident_confidence(
    incident: Incident, alerts: Iterable[Alert], tracks: Iterable[Track]
) -> float:
    """How sure the picture is (module docstring), in [0, 1]."""
    if incident.outcome == "false_alarm":
        return 0.0
    if incident.outcome in ("apprehended", "turned_back"):
        return 1.0  # a patrol saw them
    qualities = [t.quality for t in tracks]
    if qualities:
        return round(max(qualities), 3)
    sensors = {k.split("/", 1)[0] for a in alerts for k in a.detection_keys}
    if not sensors:
        return 0.5
    return round(min(0.95, 0.5 + 0.15 * (len(sensors) - 1)), 3)


def event_report(
    incident: Incident, alerts: Mapping[str, Alert], tracks: Mapping[str, Track]
) -> EventReport:
    """The incident as an event report; `alerts` and `tracks` are the picture's, by id."""
    mine_a = [alerts[a] for a in incident.alert_ids if a in alerts]
    mine_t = [tracks[t] for t in incident.track_ids if t in tracks]
    # Our equipment's faults and our patrols' emergencies: not a crossing of anyone.
    system = bool(mine_a) and all(a.category in ("system", "emergency") for a in mine_a)
    crossed = any(a.rule in ("crossing", "line_breach") for a in mine_a)
    people = [t.group_size for t in mine_t if t.classes.best() == "person"]
    vehicles = [t.group_size for t in mine_t if t.classes.best() == "vehicle"]
    return EventReport(
        id=incident.id,
        sector=incident.sector,
        opened_ns=incident.opened_ns,
        time_ns=incident.updated_ns,
        lat=incident.lat,
        lon=incident.lon,
        state=incident.state,
        impact=incident_impact(incident, mine_t),
        confidence=incident_confidence(incident, mine_a, mine_t),
        category="system" if system else "illegal_crossing" if crossed else "suspected_crossing",
        outcome=incident.outcome,
        people=sum(people),
        vehicles=sum(vehicles),
    )


def sector_statuses(
    sectors: Iterable[str],
    incidents: Iterable[Incident],
    alerts: Iterable[Alert],
    tracks: Mapping[str, Track],
    now_ns: int,
    quiet_ns: int = 0,
    sections: Sections | None = None,
) -> list[SectorStatus]:
    """Every sector's section impact level as of `now_ns` (module docstring). Each is
    stamped with its sector's last change (an incident's or an alert's time; `quiet_ns`,
    e.g. when watching began, for none):
    a partner's delay then runs from it, so a status goes out only once nothing in its
    sector is younger than the delay (it then says nothing the delay would hold back).
    `sections`: the engine's designated levels (`[rules.sections]`)."""
    sections = sections or Sections()
    open_by: dict[str, list[ImpactLevel]] = {}
    changed: dict[str, int] = {}
    for inc in incidents:
        if inc.updated_ns <= now_ns:
            changed[inc.sector] = max(changed.get(inc.sector, 0), inc.updated_ns)
        if inc.state != "resolved":
            mine = [tracks[t] for t in inc.track_ids if t in tracks]
            open_by.setdefault(inc.sector, []).append(incident_impact(inc, mine))
    hour_ago = now_ns - 3600 * 1_000_000_000
    recent: dict[str, int] = {}
    for a in alerts:
        if a.sector is not None and a.time_ns <= now_ns:
            changed[a.sector] = max(changed.get(a.sector, 0), a.time_ns)
            if hour_ago <= a.time_ns:
                recent[a.sector] = recent.get(a.sector, 0) + 1
    out = []
    for sector in sectors:
        levels = open_by.get(sector, [])
        level: ImpactLevel = max(levels, key=IMPACT_LEVELS.index) if levels else "low"
        if len(levels) >= SATURATED:
            level = _up(level)
        out.append(
            SectorStatus(
                sector=sector,
                time_ns=changed.get(sector, quiet_ns),
                impact=level,
                open_incidents=len(levels),
                alerts_last_hour=recent.get(sector, 0),
                designated=sections.level(sector),
            )
        )
    return out
