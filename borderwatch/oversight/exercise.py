"""An exercise: days of the twin run into a data directory through the live engine, with a
scripted operations room that works the incidents as people would, so a report has
something real to count.

Each day runs the scenario from the same time of day (`start` moved on by whole days, a new
seed each day), its messages appended to `DATA/events.sqlite` in arrival order with their
arrival times, as the service's ingest appends them. Beside them the live engine runs on the
same events, and the room reacts to what it publishes: a new intrusion incident is
acknowledged by the sector's operator after a delay, then either closed as a nuisance
(animals) or given to a national-guard patrol, which drives to it reporting its position
every 30 s, and is resolved once the patrol is there, with an outcome drawn at random. Each
action is checked against the picture (`LiveEngine.check`, as the API does) before it is
logged, and logged when its time comes, so the log holds what a real shift would. Some
incidents are left open. The audit rows are signed with `DATA/audit.key`.

Deterministic: the same scenario, days and seed give the same log, byte for byte (but for
the checkpoints' signing times).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from borderwatch.engine.changes import Frame, FrameKind, Item
from borderwatch.engine.config import EngineConfig
from borderwatch.engine.live import ActionError
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Incident, OperatorAction, Patrol
from borderwatch.messages.action import ActionKind
from borderwatch.oversight.derive import ReviewEngine
from borderwatch.oversight.journal import Journal, fingerprint
from borderwatch.oversight.recorder import JournalFeed, Recorder
from borderwatch.store import EventLog
from borderwatch.store.chain import AuditKey
from borderwatch.store.eventlog import EncodedBatch
from borderwatch.twin.scenario import Scenario
from borderwatch.twin.stream import prepare

__all__ = ["ExerciseSummary", "run_exercise"]

NS = 1_000_000_000
PATROL_MPS = 12.0
REPORT_S = 30.0
OUTCOMES = (("apprehended", 4), ("turned_back", 3), ("got_away", 2), ("false_alarm", 1))


@dataclass
class ExerciseSummary:
    """What the exercise logged."""

    events: int = 0
    messages: int = 0
    actions: int = 0
    patrol_reports: int = 0
    incidents_seen: int = 0
    left_open: int = 0
    # What the live engine published as the room watched: a record a report's replay
    # must agree with.
    incidents: dict[str, Incident] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    # Every incident update, with the seq of the event whose taking published it.
    updates: list[tuple[int, Incident]] = field(default_factory=list)


class _NewIncidents(JournalFeed):
    """The feed the room watches: each intrusion incident the first time it appears."""

    def __init__(self, summary: ExerciseSummary) -> None:
        super().__init__(keep=1, keep_tracks=1)
        self.summary = summary
        self.new: list[Incident] = []
        self.seq = 0  # the event being taken

    def publish(self, kind: FrameKind, time_ns: int, items: tuple[Item, ...]) -> Frame:
        """Note new incidents for the room, and keep what was published."""
        for item in items:
            if isinstance(item, Alert):
                self.summary.alerts[item.id] = item
            elif isinstance(item, Incident):
                if item.id not in self.summary.incidents and item.category == "intrusion":
                    self.new.append(item)
                self.summary.incidents[item.id] = item
                self.summary.updates.append((self.seq, item))
        return super().publish(kind, time_ns, items)


@dataclass(order=True)
class _Due:
    time_ns: int
    order: int
    message: OperatorAction | Patrol = field(compare=False)


class _Room:
    """The scripted operations room: who does what, when."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.due: list[_Due] = []
        self.n = 0
        self.patrols = 0

    def _at(self, time_ns: int, message: OperatorAction | Patrol) -> None:
        self.n += 1
        heapq.heappush(self.due, _Due(time_ns, self.n, message))

    def _act(
        self, t: int, user: str, agency: str, action: ActionKind, target: str, **params: str
    ) -> None:
        self._at(
            t,
            OperatorAction(
                id=f"ex-{self.n + 1}",
                user=user,
                agency=agency,
                role="operator",
                time_ns=t,
                action=action,
                target=target,
                why="exercise",
                params=params,
            ),
        )

    def work(self, inc: Incident, animal: bool) -> bool:
        """Plan the incident's steps; False if it is left open."""
        r = self.rng
        if r.random() < 0.1:
            return False
        op = f"op-{inc.sector.lower()}"
        t = inc.opened_ns + round(r.uniform(20, 180) * NS)
        self._act(t, op, "army", "acknowledge", inc.id)
        if animal:
            self._act(t + round(r.uniform(60, 300) * NS), op, "army", "resolve", inc.id,
                      outcome="nuisance")  # fmt: skip
            return True
        t += round(r.uniform(30, 240) * NS)
        self.patrols += 1
        callsign = f"NG-{self.patrols}"
        self._act(t, "ng-desk", "national_guard", "assign", inc.id, patrol=callsign)
        # The patrol sets out from 2-6 km away and drives straight at it.
        dist = r.uniform(2000, 6000)
        bearing = r.uniform(0, 2 * math.pi)
        dlat = dist * math.cos(bearing) / 111_320.0
        dlon = dist * math.sin(bearing) / (111_320.0 * math.cos(math.radians(inc.lat)))
        steps = math.ceil(dist / (PATROL_MPS * REPORT_S))
        for k in range(steps + 1):
            f = 1.0 - min(1.0, k * PATROL_MPS * REPORT_S / dist)
            self._at(
                t + round(k * REPORT_S * NS),
                Patrol(
                    callsign=callsign,
                    agency="national_guard",
                    time_ns=t + round(k * REPORT_S * NS),
                    lat=inc.lat + f * dlat,
                    lon=inc.lon + f * dlon,
                    speed_mps=PATROL_MPS if f > 0 else 0.0,
                    status="assigned",
                    seq=k,
                ),
            )
        there = t + round(steps * REPORT_S * NS)
        outcome = r.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
        self._act(there + round(r.uniform(120, 900) * NS), "ng-desk", "national_guard",
                  "resolve", inc.id, outcome=outcome)  # fmt: skip
        if r.random() < 0.3:
            self._act(there + NS, "op-roam", "army", "note", inc.id)
        return True


def run_exercise(
    data_root: Path,
    scenario: Scenario,
    days: int,
    seed: int = 1,
    hours: float | None = None,
    config: EngineConfig | None = None,
    journal: bool = False,
) -> ExerciseSummary:
    """Run `days` days of `scenario` (each `hours` long) into `data_root`; see the module.
    With `journal`, the engine's derivations are recorded into the data directory's derived
    journal as it runs, as the running service records them (`oversight.recorder`)."""
    data_root.mkdir(parents=True, exist_ok=True)
    layout = load_sites(None)
    key = AuditKey.load_or_create(data_root / "audit.key")
    summary = ExerciseSummary()
    feed = _NewIncidents(summary)
    room = _Room(random.Random(seed))
    with EventLog(data_root / "events.sqlite", synchronous="NORMAL", audit_key=key) as log:
        registry = Registry.from_layout(layout)
        engine = ReviewEngine(registry, feed, config)
        recorder = None
        if journal:
            mark = fingerprint(config or EngineConfig(), registry)
            recorder = Recorder(Journal.open(data_root, mark), engine, feed)
        pending: list[tuple[object, int, str]] = []
        seq = log.last_seq()

        def write() -> None:
            # The twin's messages go to the log in batches (one transaction per source run);
            # the engine has already taken them with the seqs they get here.
            batches, run = [], 0
            while run < len(pending):
                _, arrived, source = pending[run]
                end = run
                while end < len(pending) and pending[end][1:] == (arrived, source):
                    end += 1
                msgs = [m for m, _, _ in pending[run:end]]
                batches.append(EncodedBatch.of(msgs, source, arrived))  # type: ignore[arg-type]
                run = end
            if batches:
                log.append_encoded(batches)
            pending.clear()
            if recorder is not None:
                recorder.commit()

        def take(message: object, arrived_ns: int, source: str) -> None:
            nonlocal seq
            seq += 1
            pending.append((message, arrived_ns, source))
            feed.seq = seq
            engine.take(seq, message, arrived_ns)
            if recorder is not None:
                recorder.took(seq, message, arrived_ns, False)
            summary.events += 1
            for inc in feed.new:
                alert = engine.alerts.get(min(inc.alert_ids, default=""))
                summary.incidents_seen += 1
                if not room.work(inc, alert is not None and alert.cls == "animal"):
                    summary.left_open += 1
            feed.new.clear()

        def flush(until_ns: int) -> None:
            while room.due and room.due[0].time_ns <= until_ns:
                due = heapq.heappop(room.due)
                m = due.message
                if isinstance(m, OperatorAction):
                    try:
                        engine.check(m)
                    except ActionError:
                        continue  # the picture moved on (already closed): as the API refuses
                    take(m, due.time_ns, m.user)
                    summary.actions += 1
                else:
                    take(m, due.time_ns + NS, m.callsign)
                    summary.patrol_reports += 1

        for day in range(days):
            today = msgspec.structs.replace(scenario, start=scenario.start + dt.timedelta(days=day))
            run = prepare(today, None, seed + day, hours)
            for arrivals in run.chunks():
                for t, m in zip(arrivals.arrival_s, arrivals.messages, strict=True):
                    arrived = today.start_ns + round(float(t) * NS)
                    flush(arrived)
                    take(m, arrived, "twin")
                    summary.messages += 1
                if len(pending) > 5000:
                    write()
            flush(today.start_ns + round((hours or scenario.hours) * 3600 * NS) + 3 * 3600 * NS)
            write()
    if recorder is not None:
        recorder.journal.close()
    return summary
