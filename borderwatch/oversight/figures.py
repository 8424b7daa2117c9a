"""Every number of a governance report, computed from the event log (and the two files
beside it) for one period. Definitions, as the report prints them:

- an incident is in the period when it was opened in it; only intrusion incidents count
  (equipment faults are the engineers' queue). Its class is its first alert's; its outcome
  the one it was resolved with before the period's end, else `open`;
- the response chain, per incident: to acknowledge (opened -> acknowledged), to assign
  (acknowledged -> assigned), to reach the scene (assigned -> the patrol's first report
  within 300 m), to resolve (opened -> resolved); medians and 90th percentiles by nearest
  rank, per sector (the incident's) and per agency (whoever took that step: the operator's,
  or the patrol's for reaching the scene);
- interdiction effectiveness, as the US DHS border metrics define it: known crossings
  interdicted or turned back over all known crossings, here (apprehended + turned back) /
  (apprehended + turned back + got away) over the incidents of the period so resolved;
- a sensor's availability: the share of the period covered by its own health reports that
  said ok or degraded, each counting until the next report or for `missed_heartbeats` of its
  kind's heartbeat period (3 x 60 s for a radar), whichever comes first (down, tampered or
  silent: not available); a sector's, the mean
  over its sensors; a sector's coverage, the share of its 100 m berm stretches that at least
  one sensor of the layout can confirm;
- coordination: an incident's chain of steps (acknowledged, assigned, on scene, resolved)
  in time order, each taken by an agency; a hand-over is a step taken by another agency than
  the step before it (an army operator's acknowledgement, then a national-guard desk's
  assignment), and lasts from that step to the next; per pair of agencies, how many and
  how long (median and 90th percentile);
- alarm load per operator position (rules.alarms.load: intrusion alerts per 10 min);
- nuisance alarms: incidents resolved as nuisance or false alarm, by cause (the first
  alert's rule and class);
- accountability: every action logged in the period by person and role; unusual access;
  the audit chain's verification.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import msgspec

from borderwatch.engine.config import EngineConfig
from borderwatch.geo import build_sectors, load_border
from borderwatch.messages import Alert, Incident
from borderwatch.oversight.derive import Derived
from borderwatch.oversight.period import NS, Period
from borderwatch.oversight.records import (
    CheckpointFigures,
    PartnerRow,
    UnusualRow,
    checkpoint_figures,
    released_figures,
)
from borderwatch.oversight.response import HandOver, StepStats, handovers, response
from borderwatch.oversight.settings import OversightSettings
from borderwatch.rules.alarms import load
from borderwatch.store.chain import ChainReport

__all__ = [
    "ChainFigures",
    "Figures",
    "HandOver",
    "Interdiction",
    "LoadRow",
    "LogRange",
    "PersonRow",
    "SectorCoverage",
    "SensorAvailability",
    "StepStats",
    "compute",
]

AVAILABLE = frozenset({"ok", "degraded"})
INTERDICTED = ("apprehended", "turned_back")
INCIDENT_ACTIONS = frozenset({"acknowledge", "assign", "resolve", "note", "release", "shelve"})


class LogRange(msgspec.Struct, frozen=True, kw_only=True):
    """The events of the log in the period: first and last seq and event time, how many;
    and the seq the log was read to (the replay that derived incidents stopped there)."""

    first_seq: int
    last_seq: int
    first_ns: int
    last_ns: int
    events: int
    read_to_seq: int


class Interdiction(msgspec.Struct, frozen=True, kw_only=True):
    """Known crossings and how they ended; `rate` None when there were none."""

    apprehended: int
    turned_back: int
    got_away: int
    known: int
    rate: float | None


class SectorCoverage(msgspec.Struct, frozen=True, kw_only=True):
    """One sector's berm stretches, those covered, its sensors and their mean availability."""

    sector: str
    stretches: int
    covered: int
    sensors: int
    availability: float | None


class SensorAvailability(msgspec.Struct, frozen=True, kw_only=True):
    """One sensor's availability over the period."""

    sensor_id: str
    kind: str
    sector: str
    lat: float
    lon: float
    availability: float


class LoadRow(msgspec.Struct, frozen=True, kw_only=True):
    """One operator position's intrusion alerts per 10-minute window."""

    position: str
    alerts: int
    per_window_avg: float
    per_window_max: int
    flood_windows: int


class PersonRow(msgspec.Struct, frozen=True, kw_only=True):
    """What one person did in the period, under one role."""

    person: str
    role: str
    agency: str
    actions: int
    by_kind: dict[str, int]


class ChainFigures(msgspec.Struct, frozen=True, kw_only=True):
    """The audit chain's verification, as `borderwatch audit verify` gives it."""

    intact: bool
    rows: int
    checkpoints: int
    last_signed_seq: int
    findings: int
    first: str
    signatures_checked: bool


class Figures(msgspec.Struct, frozen=True, kw_only=True):
    """Every number of one report."""

    period: Period
    log: LogRange
    incidents: int
    by_sector: dict[str, int]
    by_class: dict[str, int]
    by_outcome: dict[str, int]
    response_by_sector: list[StepStats]
    response_by_agency: list[StepStats]
    interdiction: Interdiction
    cross_agency: int
    handovers: list[HandOver]
    coverage: list[SectorCoverage]
    sensors: list[SensorAvailability]
    load: list[LoadRow]
    nuisance: dict[str, int]
    checkpoints: CheckpointFigures
    released: list[PartnerRow] | None
    people: list[PersonRow]
    unusual: list[UnusualRow]
    chain: ChainFigures
    names_shown: bool
    refused_actions: int


def _first_alert(inc: Incident, alerts: dict[str, Alert]) -> Alert | None:
    known = [alerts[a] for a in inc.alert_ids if a in alerts]
    return min(known, key=lambda a: (a.time_ns, a.id)) if known else None


def _availability(d: Derived, config: EngineConfig) -> dict[str, float]:
    """Each sensor's share of the period covered by its own ok or degraded reports, a report
    counting until the next or for `missed_heartbeats` heartbeats of its kind at most."""
    out: dict[str, float] = {}
    p = d.period
    sensors = config.rules.sensors
    for sid, (kind, _, _, _) in d.sensors.items():
        fresh = round(sensors.missed_heartbeats * getattr(sensors.heartbeat_s, kind, 60.0) * NS)
        reports = sorted(d.health_in.get(sid, []))
        if sid in d.health_before:
            reports.insert(0, d.health_before[sid])
        up = 0
        for k, (t, health) in enumerate(reports):
            if health not in AVAILABLE:
                continue
            until = t + fresh
            if k + 1 < len(reports):
                until = min(until, reports[k + 1][0])
            up += max(0, min(until, p.end_ns) - max(t, p.start_ns))
        out[sid] = round(up / max(1, p.end_ns - p.start_ns), 4)  # 0 outside 1970-2100
    return out


def _coverage(d: Derived, avail: dict[str, float]) -> list[SectorCoverage]:
    stretches: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    if d.coverage is not None:
        for s in d.coverage.stretches:
            stretches[s.sector] += 1
            covered[s.sector] += bool(s.confirmers)
    per: dict[str, list[float]] = {}
    for sid, (_, sector, _, _) in d.sensors.items():
        per.setdefault(sector, []).append(avail[sid])
    order = [s.id for s in build_sectors(load_border()) if s.id in per]
    return [
        SectorCoverage(
            sector=s,
            stretches=stretches[s],
            covered=covered[s],
            sensors=len(per[s]),
            availability=round(sum(per[s]) / len(per[s]), 4) if per[s] else None,
        )
        for s in order
    ]


def _people(
    d: Derived, settings: OversightSettings, name: Callable[[str], str]
) -> tuple[list[PersonRow], list[UnusualRow]]:
    kinds: dict[tuple[str, str, str], Counter[str]] = {}
    outside: Counter[str] = Counter()
    for _, a in d.actions:
        kinds.setdefault((a.user, a.role, a.agency), Counter())[a.action] += 1
        allowed = settings.sectors.get(a.user)
        inc = d.incidents.get(a.target or "")
        acted = allowed is not None and a.action in INCIDENT_ACTIONS and inc is not None
        if acted and inc is not None and allowed is not None and inc.sector not in allowed:
            outside[a.user] += 1
    people = [
        PersonRow(
            person=name(user),
            role=role,
            agency=agency,
            actions=sum(c.values()),
            by_kind=dict(sorted(c.items())),
        )
        for (user, role, agency), c in sorted(kinds.items())
    ]
    unusual = [
        UnusualRow(kind="outside_sectors", person=name(u), count=n, detail="")
        for u, n in sorted(outside.items())
    ]
    return people, unusual


def _chain(report: ChainReport, checked: bool) -> ChainFigures:
    first = report.first
    return ChainFigures(
        intact=report.intact,
        rows=report.rows,
        checkpoints=report.checkpoints,
        last_signed_seq=report.last_signed_seq,
        findings=len(report.findings),
        first="" if first is None else f"seq {first.seq}: {first.what}: {first.detail}",
        signatures_checked=checked,
    )


def _count(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def compute(
    d: Derived,
    data_root: Path,
    chain: ChainReport,
    signatures_checked: bool,
    settings: OversightSettings,
    name: Callable[[str], str],
    config: EngineConfig | None = None,
) -> Figures:
    """The figures of the period from one pass (`d`) and the files in `data_root`."""
    config = config or EngineConfig()
    p = d.period
    mine = sorted(
        (i for i in d.incidents.values() if i.category == "intrusion" and p.holds(i.opened_ns)),
        key=lambda i: (i.opened_ns, i.id),
    )
    first = {i.id: _first_alert(i, d.alerts) for i in mine}
    by_sector, by_agency, outcome, chains = response(d, mine)
    cross_agency, handed = handovers(chains)
    counted = Counter(outcome.values())
    known = sum(counted[o] for o in (*INTERDICTED, "got_away"))
    stopped = sum(counted[o] for o in INTERDICTED)
    avail = _availability(d, config)
    coverage = _coverage(d, avail)
    sectors = [c.sector for c in coverage]
    opload = load(d.alerts.values(), d.incidents.values(), sectors, p.start_ns, p.end_ns,
                  config.rules.alarms)  # fmt: skip
    checkpoints, unusual = checkpoint_figures(
        data_root / "checkpoints.sqlite", p, settings.unusual.bulk_views_per_hour
    )
    unusual = [msgspec.structs.replace(u, person=name(u.person)) for u in unusual]
    people, outside = _people(d, settings, name)
    nuisance = [
        f"{a.rule} / {a.cls}" if (a := first[i.id]) is not None else "unknown"
        for i in mine
        if outcome[i.id] in ("nuisance", "false_alarm")
    ]
    return Figures(
        period=p,
        log=LogRange(
            first_seq=d.first_seq,
            last_seq=d.last_seq,
            first_ns=d.first_ns,
            last_ns=d.last_ns,
            events=d.events,
            read_to_seq=d.read_to_seq,
        ),
        incidents=len(mine),
        by_sector=_count(i.sector for i in mine),
        by_class=_count((a.cls if (a := first[i.id]) else "unknown") for i in mine),
        by_outcome=dict(sorted(counted.items())),
        response_by_sector=by_sector,
        response_by_agency=by_agency,
        interdiction=Interdiction(
            apprehended=counted["apprehended"],
            turned_back=counted["turned_back"],
            got_away=counted["got_away"],
            known=known,
            rate=round(stopped / known, 4) if known else None,
        ),
        cross_agency=cross_agency,
        handovers=handed,
        coverage=coverage,
        sensors=[
            SensorAvailability(
                sensor_id=sid, kind=k, sector=s, lat=lat, lon=lon, availability=avail[sid]
            )
            for sid, (k, s, lat, lon) in sorted(d.sensors.items())
        ],
        load=[
            LoadRow(
                position=r.position,
                alerts=r.alerts,
                per_window_avg=r.per_window_avg,
                per_window_max=r.per_window_max,
                flood_windows=r.flood_windows,
            )
            for r in opload.positions
        ],
        nuisance=_count(nuisance),
        checkpoints=checkpoints,
        released=released_figures(data_root / "disclosures.sqlite", p),
        people=people,
        unusual=unusual + outside,
        chain=_chain(chain, signatures_checked),
        names_shown=settings.law.personal_data,
        refused_actions=d.refused_actions,
    )
