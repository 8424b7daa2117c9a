"""Incidents: the alerts about the same movers, grouped, with the lifecycle of DESIGN §4
(new → acknowledged → assigned → resolved with an outcome).

An alert joins an open incident of its category when it names a track the incident already
has; else, for an intrusion, within `merge_window_s` of the incident's last alert (or of when
it said its movers would reach the line, if later: walkers crawl the last stretch), when it
is within `merge_radius_m` of the incident's latest place (the same group seen again under a
new track, the line sensor and the radar on one crossing), or it and the incident are aimed
at the same place on the line, each where it is predicted to cross (an approach alert's
`predicted_crossing`) or broke through (a breach on the line), within `merge_radius_m`: a
group that stops, is lost and is picked up a few km on still heads for its gap, and the
fibre firing at that gap is the crossing the incident warned of; for a system alert, when it
is about the same site (a tower's radar and camera are one site: a tower down is one fault,
however its sensors say it), or about a sector with an open fault of its own (a sector gone
silent: its sensors' faults are that one fault); for a lookout hit at a crossing post
(category `checkpoint`), as an intrusion, but only when it is also about the same passage or
a listed person the incident is already about (its evidence names them): two different
travellers listed at one post are two incidents, each decided on its own. Otherwise it opens
a new incident. A resolved incident takes no more alerts.

Every change of an incident is published as a whole new `Incident` message (the latest one
with an id is its state), so a log of them replays to the same picture.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec
import numpy as np

from borderwatch.errors import BorderwatchError
from borderwatch.geo.projection import to_utm
from borderwatch.messages import Alert, Incident
from borderwatch.messages.incident import NEXT_STATES, IncidentState, Outcome
from borderwatch.rules.config import Incidents as IncidentsConfig

__all__ = ["IncidentBook", "LifecycleError"]

# Categories filed by what they are about (a site, a sector, a patrol's callsign), not by
# place: equipment faults, and patrols' emergencies (two patrols' alarms side by side are two).
_BY_SUBJECT = frozenset({"system", "emergency"})
# Rules whose alert stands on the line itself: where it fired is where they cross.
_ON_THE_LINE = frozenset({"line_breach", "crossing"})


class LifecycleError(BorderwatchError):
    """An operator asked for a change the lifecycle does not allow."""


@dataclass(slots=True)
class _Open:
    incident: Incident
    category: str
    x: float
    y: float
    last_alert_ns: int
    subjects: set[str] = field(default_factory=set)
    aim: tuple[float, float] | None = None  # where on the line its movers head (UTM m)
    aim_ns: int = 0  # ... and when they were expected there


class IncidentBook:
    """Every incident of a run, by id; ids are `I` + a running number."""

    def __init__(self, config: IncidentsConfig, sites: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.sites = dict(sites or {})  # sensor id -> its site (a tower's), for system alerts
        self.open: dict[str, _Open] = {}
        self.next_id = 1

    def take(self, alerts: list[Alert]) -> list[Incident]:
        """File each alert; the incidents opened or changed, each once, in id order."""
        if not alerts:
            return []
        x, y = to_utm([a.lon for a in alerts], [a.lat for a in alerts])
        aims = [a.predicted_crossing for a in alerts]
        px, py = to_utm(
            [np.nan if p is None else p.lon for p in aims],
            [np.nan if p is None else p.lat for p in aims],
        )
        changed: set[str] = set()
        for a, ax, ay, qx, qy, p in zip(
            alerts,
            np.atleast_1d(x).tolist(),
            np.atleast_1d(y).tolist(),
            np.atleast_1d(px).tolist(),
            np.atleast_1d(py).tolist(),
            aims,
            strict=True,
        ):
            aim = (qx, qy, p.time_ns) if p is not None else None
            if aim is None and a.rule in _ON_THE_LINE:
                aim = (ax, ay, a.time_ns)
            changed.add(self._file(a, ax, ay, aim))
        return [self.open[i].incident for i in sorted(changed)]

    def _match(
        self, a: Alert, x: float, y: float, aim: tuple[float, float, int] | None
    ) -> _Open | None:
        c = self.config
        window = round(c.merge_window_s * 1e9)
        best: tuple[float, str] | None = None
        for iid, o in self.open.items():
            if o.incident.state == "resolved" or o.category != a.category:
                continue
            if set(a.track_ids) & set(o.incident.track_ids):
                return o
            # An incident that said when its movers would reach the line is about them until
            # then too: walkers crawl the last stretch slower than their walk predicted.
            if a.time_ns - max(o.last_alert_ns, o.aim_ns) > window:
                continue
            if a.category in _BY_SUBJECT:
                if self._subjects(a) & o.subjects or a.sector in o.subjects:
                    return o
                continue
            if a.category == "checkpoint" and not set(a.evidence) & o.subjects:
                # A lookout hit is about a traveller and the entries hit: every hit at a post
                # is within the merge radius of every other, so place alone merges nothing.
                continue
            d = float(np.hypot(x - o.x, y - o.y))
            if aim is not None and o.aim is not None:
                d = min(d, float(np.hypot(aim[0] - o.aim[0], aim[1] - o.aim[1])))
            if d <= c.merge_radius_m and (best is None or (d, iid) < best):
                best = (d, iid)
        return None if best is None else self.open[best[1]]

    def _file(self, a: Alert, x: float, y: float, aim: tuple[float, float, int] | None) -> str:
        o = self._match(a, x, y, aim)
        if o is None:
            iid = f"I{self.next_id:06d}"
            self.next_id += 1
            o = _Open(
                Incident(
                    id=iid,
                    sector=a.sector or "-",
                    opened_ns=a.time_ns,
                    updated_ns=a.time_ns,
                    lat=a.lat,
                    lon=a.lon,
                    priority=a.priority,
                    alert_ids=(a.id,),
                    track_ids=a.track_ids,
                    category=a.category,
                ),
                a.category,
                x,
                y,
                a.time_ns,
            )
            self.open[iid] = o
        else:
            inc = o.incident
            # A shelved alarm that escalates (a nuisance that turns out a breach) is back.
            escalates = a.priority < inc.priority and inc.shelved_until_ns is not None
            o.incident = msgspec.structs.replace(
                inc,
                shelved_until_ns=None if escalates else inc.shelved_until_ns,
                shelved_reason="" if escalates else inc.shelved_reason,
                shelved_by=None if escalates else inc.shelved_by,
                updated_ns=max(inc.updated_ns, a.time_ns),
                lat=a.lat,
                lon=a.lon,
                priority=min(inc.priority, a.priority),
                alert_ids=(*inc.alert_ids, a.id),
                track_ids=tuple(dict.fromkeys((*inc.track_ids, *a.track_ids))),
            )
            o.x, o.y, o.last_alert_ns = x, y, max(o.last_alert_ns, a.time_ns)
        if aim is not None:
            o.aim, o.aim_ns = (aim[0], aim[1]), aim[2]
        if a.category in _BY_SUBJECT:
            o.subjects |= self._subjects(a)
        elif a.category == "checkpoint":
            o.subjects |= set(a.evidence)
        return o.incident.id

    def _subjects(self, a: Alert) -> set[str]:
        """What a system alert is about: the sites of the sensors it names, or its sector."""
        return {self.sites.get(k, k) for k in a.evidence if "/" not in k}

    def transition(
        self,
        incident_id: str,
        state: IncidentState,
        time_ns: int,
        patrol: str | None = None,
        outcome: Outcome | None = None,
    ) -> Incident:
        """An operator's step in the lifecycle; LifecycleError if it is not allowed."""
        o = self.open.get(incident_id)
        if o is None:
            raise LifecycleError(f"no incident {incident_id}")
        inc = o.incident
        if state not in NEXT_STATES[inc.state]:
            raise LifecycleError(f"incident {incident_id} is {inc.state}: cannot become {state}")
        if state == "assigned" and patrol is None:
            raise LifecycleError("assigning an incident needs a patrol")
        if state == "resolved" and outcome is None:
            raise LifecycleError("resolving an incident needs an outcome")
        o.incident = msgspec.structs.replace(
            inc,
            state=state,
            updated_ns=max(inc.updated_ns, time_ns),
            assigned_patrol=patrol if patrol is not None else inc.assigned_patrol,
            outcome=outcome if state == "resolved" else None,
        )
        return o.incident

    def shelve(
        self, incident_id: str, until_ns: int | None, reason: str, user: str | None, time_ns: int
    ) -> Incident:
        """An operator shelves the incident (out of its queue until `until_ns`, for
        `reason`), or unshelves it (`until_ns` None); LifecycleError if it is resolved or
        unknown, or, unshelving, not shelved."""
        o = self.open.get(incident_id)
        if o is None:
            raise LifecycleError(f"no incident {incident_id}")
        inc = o.incident
        if inc.state == "resolved":
            raise LifecycleError(f"incident {incident_id} is resolved: nothing to shelve")
        if until_ns is None and inc.shelved_until_ns is None:
            raise LifecycleError(f"incident {incident_id} is not shelved")
        o.incident = msgspec.structs.replace(
            inc,
            shelved_until_ns=until_ns,
            shelved_reason=reason if until_ns is not None else "",
            shelved_by=user if until_ns is not None else None,
            updated_ns=max(inc.updated_ns, time_ns),
        )
        return o.incident

    def release(self, incident_id: str, agency: str, time_ns: int) -> Incident:
        """A commander clears `agency` (a partner) to see the incident; LifecycleError if
        there is no such incident. Releasing twice to one agency changes nothing."""
        o = self.open.get(incident_id)
        if o is None:
            raise LifecycleError(f"no incident {incident_id}")
        inc = o.incident
        if agency in inc.releasable_to:
            return inc
        o.incident = msgspec.structs.replace(
            inc,
            releasable_to=(*inc.releasable_to, agency),
            updated_ns=max(inc.updated_ns, time_ns),
        )
        return o.incident
