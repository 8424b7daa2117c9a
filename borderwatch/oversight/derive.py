"""One pass over the event log for a report: the live engine rebuilt from the log (the
incidents and alerts are derived state, never stored), and beside it what the report needs
that the engine does not keep: each incident's steps with who took them, when each assigned
patrol first reported itself on scene, each sensor's own health reports, and the log range.

The engine is the service's own `LiveEngine`, fed exactly as a restart feeds it (each
event's logged arrival time as the clock, quarantined events skipped), so the incident ids
and states in a report are the ones the operators saw. The pass stops at the first event
that arrived, and happened, more than `SETTLE_NS` after the period's end: nothing later can
change what happened inside it (the reorder window is seconds). A log loaded in bulk, long after the
events happened (a recorded run), is read on: its arrival times say nothing about the period.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from borderwatch.engine.changes import ChangeFeed, Frame, FrameKind, Item
from borderwatch.engine.config import EngineConfig
from borderwatch.engine.live import LiveEngine
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Incident, OperatorAction, Patrol, SensorStatus
from borderwatch.oversight.period import Period
from borderwatch.oversight.recorder import ON_SCENE_M, STEPS, metres
from borderwatch.rules.coverage import BermCoverage
from borderwatch.store import EventLog

__all__ = ["ON_SCENE_M", "SETTLE_NS", "Derived", "ReviewEngine", "Step", "derive"]

SETTLE_NS = 600 * 1_000_000_000


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an incident's response chain: when, and who (a person or a patrol)."""

    state: str  # acknowledged, assigned, on_scene, resolved
    time_ns: int
    who: str
    agency: str


@dataclass(slots=True)
class Derived:
    """What one pass over the log gives (see the module's comment)."""

    period: Period
    alerts: dict[str, Alert] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)  # latest state, by id
    steps: dict[str, list[Step]] = field(default_factory=dict)  # by incident id
    actions: list[tuple[int, OperatorAction]] = field(default_factory=list)  # in the period
    health_before: dict[str, tuple[int, str]] = field(default_factory=dict)  # the last before
    health_in: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    patrol_agency: dict[str, str] = field(default_factory=dict)
    sensors: dict[str, tuple[str, str, float, float]] = field(default_factory=dict)
    first_seq: int = 0
    last_seq: int = 0
    first_ns: int = 0
    last_ns: int = 0
    events: int = 0
    read_to_seq: int = 0
    refused_actions: int = 0
    # The berm's stretches and their confirmers (None before the engine made its picture).
    coverage: BermCoverage | None = None
    source: str = "replay"  # or "journal" (`oversight.reading`)


class _Recorder(ChangeFeed):
    """A change feed that keeps every alert and each incident's latest state, and hands the
    actions the engine accepted to the pass."""

    def __init__(self, out: Derived) -> None:
        super().__init__(keep=1, keep_tracks=1)
        self.out = out
        self.accepted: list[OperatorAction] = []

    def publish(self, kind: FrameKind, time_ns: int, items: tuple[Item, ...]) -> Frame:
        """Record, then publish as usual."""
        for item in items:
            if isinstance(item, Alert):
                self.out.alerts[item.id] = item
            elif isinstance(item, Incident):
                self.out.incidents[item.id] = item
            elif isinstance(item, OperatorAction) and kind == "action":
                self.accepted.append(item)
        return super().publish(kind, time_ns, items)


class ReviewEngine(LiveEngine):
    """The live engine without the console's sensor frames: after each step the live one
    recomputes every sensor's health for the console (half the replay's time on a layout
    of 80 sensors); the picture, its alerts and incidents are the same without it, and a
    report reads the sensors' own reports itself."""

    def _publish_sensors(self, time_ns: int) -> None:
        pass


def derive(
    log: EventLog,
    registry: Registry,
    period: Period,
    config: EngineConfig | None = None,
    skip: Collection[int] = frozenset(),
) -> Derived:
    """Replay `log` through the live engine up to the period's end; see the module."""
    out = Derived(period=period)
    feed = _Recorder(out)
    engine = ReviewEngine(registry, feed, config)
    for sid, s in engine.sensors.items():
        out.sensors[sid] = (s.kind, s.sector, s.lat, s.lon)
    # patrol callsign -> the incidents it was sent to: (incident id, assigned at)
    sent: dict[str, list[tuple[str, int]]] = {}
    stop_after = period.end_ns + SETTLE_NS
    for event in log.read():
        if event.arrived_ns > stop_after and event.time_ns > stop_after:
            break
        out.read_to_seq = event.seq
        if event.seq in skip:
            continue
        m = event.message
        if period.holds(event.time_ns):
            if not out.first_seq:
                out.first_seq, out.first_ns = event.seq, event.time_ns
            out.last_seq = event.seq
            out.first_ns = min(out.first_ns, event.time_ns)
            out.last_ns = max(out.last_ns, event.time_ns)
            out.events += 1
            if isinstance(m, OperatorAction):
                out.actions.append((event.seq, m))
        if isinstance(m, SensorStatus):
            if m.time_ns < period.start_ns:
                last = out.health_before.get(m.sensor_id)
                if last is None or m.time_ns >= last[0]:
                    out.health_before[m.sensor_id] = (m.time_ns, m.health)
            elif m.time_ns < period.end_ns:
                out.health_in.setdefault(m.sensor_id, []).append((m.time_ns, m.health))
        elif isinstance(m, Patrol):
            out.patrol_agency[m.callsign] = m.agency
            for iid, at in sent.pop(m.callsign, []):
                inc = out.incidents.get(iid)
                keep = inc is not None and inc.state != "resolved"
                there = inc is not None and metres(m.lat, m.lon, inc.lat, inc.lon) <= ON_SCENE_M
                if there and m.time_ns >= at:
                    out.steps.setdefault(iid, []).append(
                        Step("on_scene", m.time_ns, m.callsign, m.agency)
                    )
                    keep = False
                if keep:
                    sent.setdefault(m.callsign, []).append((iid, at))
        engine.take(event.seq, m, event.arrived_ns)
        for action in feed.accepted:
            state = STEPS.get(action.action)
            if state is None or action.target is None:
                continue
            out.steps.setdefault(action.target, []).append(
                Step(state, action.time_ns, action.user, action.agency)
            )
            if state == "assigned":
                patrol = action.params.get("patrol", "")
                sent.setdefault(patrol, []).append((action.target, action.time_ns))
        feed.accepted.clear()
    out.refused_actions = engine.refused_actions
    out.coverage = None if engine.picture is None else engine.picture.coverage
    return out
