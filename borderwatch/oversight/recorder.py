"""Filling the derived journal (`oversight.journal`) as the engine takes events in: the
running service's engine, a report's pass, or the exercise's.

The engine publishes what it derives on its change feed; a `JournalFeed` is that feed, and
notes the alerts, incidents and accepted actions each event publishes. After the engine
took an event, `Recorder.took` turns them, and the event itself (a sensor's health report,
a patrol's position, an operator action), into journal rows with the event's seq, as
`derive` does in its replay: a step per accepted acknowledge, assign and resolve; an
assigned patrol on scene at its first report within `ON_SCENE_M` of the incident (as the
incident was before the report was taken). Rows are buffered and written by `commit`
(the service commits about once a second; a crash loses only what the next start derives
again: the journal's `covered` is where the recorder picks up).

Events up to the journal's `covered` are not recorded again (the engine is replayed from
its checkpoint or from the start, the recorder from its own state as of `covered`).
"""

from __future__ import annotations

import logging
import math
import pickle
from typing import Any

import msgspec

from borderwatch.engine.changes import ChangeFeed, Frame, FrameKind, Item
from borderwatch.engine.live import LiveEngine
from borderwatch.engine.supervisor import Supervisor
from borderwatch.errors import DataError
from borderwatch.messages import Alert, Incident, OperatorAction, Patrol, SensorStatus
from borderwatch.oversight.journal import Journal, Rows

__all__ = ["ON_SCENE_M", "JournalFeed", "JournalledSupervisor", "Recorder", "metres"]

# A patrol is on scene at its first position report within this distance of the incident
# after it was assigned (a patrol reports every 30 s; at 300 m it is in sight on foot).
ON_SCENE_M = 300.0
STEPS = {"acknowledge": "acknowledged", "assign": "assigned", "resolve": "resolved"}
_EARTH_M = 6_371_000.0
_KEPT: frozenset[str] = frozenset({"alert", "incident", "action"})

log = logging.getLogger(__name__)


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the sphere (equirectangular: exact enough within a few km)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2.0))
    y = math.radians(lat2 - lat1)
    return _EARTH_M * math.hypot(x, y)


class JournalFeed(ChangeFeed):
    """A change feed that also notes, for the recorder, each alert, incident and accepted
    action published (not the tracks, patrols or sensors: a report needs none of them)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.noted: list[tuple[FrameKind, Item]] = []

    def publish(self, kind: FrameKind, time_ns: int, items: tuple[Item, ...]) -> Frame:
        """Note, then publish as usual."""
        if kind in _KEPT:
            self.noted.extend((kind, item) for item in items)
        return super().publish(kind, time_ns, items)


class Recorder:
    """Journal rows from each event an engine takes (see the module's comment)."""

    def __init__(self, journal: Journal, engine: LiveEngine, feed: JournalFeed) -> None:
        self.journal = journal
        self.engine = engine
        self.feed = feed
        self.covered = journal.covered
        state = journal.recorder_state()
        # patrol callsign -> [incident id, assigned at] it was sent to, not yet on scene
        self.sent: dict[str, list[tuple[str, int]]] = {
            k: [(i, t) for i, t in v] for k, v in state.get("sent", {}).items()
        }
        # incident id -> (lat, lon, state) as last published, for those a patrol is sent to
        self.watched: dict[str, tuple[float, float, str]] = {
            k: (a, b, c) for k, (a, b, c) in state.get("watched", {}).items()
        }
        self.agency: dict[str, str] = dict(state.get("agency", {}))
        self.rows = Rows(last_seq=self.covered)
        self._refused = engine.refused_actions
        self._picture = journal.picture_seq() > 0
        self._encode = msgspec.msgpack.Encoder()

    def took(self, seq: int, message: object, arrived_ns: int | None, skipped: bool) -> None:
        """The engine has taken (or, `skipped`, not taken) the event `seq`."""
        noted, self.feed.noted = self.feed.noted, []
        refused, self._refused = self._refused, self.engine.refused_actions
        if seq <= self.rows.last_seq:
            return  # recorded before: the engine is catching up from an earlier state
        rows = self.rows
        rows.last_seq = seq
        t = int(getattr(message, "time_ns", 0))
        rows.events.append((seq, t, t if arrived_ns is None else min(arrived_ns, t), skipped))
        if skipped:
            return  # what it published before it failed was undone
        if not self._picture and self.engine.picture is not None:
            self._picture = True
            rows.picture_seq = seq
        if self.engine.refused_actions > refused:
            rows.refused.append(seq)
        if isinstance(message, SensorStatus):
            rows.health.append((seq, message.sensor_id, message.time_ns, message.health))
        elif isinstance(message, Patrol):
            self._patrol(seq, message)
        elif isinstance(message, OperatorAction):
            rows.actions.append((seq, message.time_ns, self._encode.encode(message)))
        for kind, item in noted:
            if isinstance(item, Alert):
                rows.alerts.append((seq, item.id, item.time_ns, self._encode.encode(item)))
            elif isinstance(item, Incident):
                rows.incidents.append((seq, item.id, item.opened_ns, self._encode.encode(item)))
                if item.id in self.watched:
                    self.watched[item.id] = (item.lat, item.lon, item.state)
            elif isinstance(item, OperatorAction) and kind == "action":
                self._step(seq, item)

    def _patrol(self, seq: int, m: Patrol) -> None:
        if self.agency.get(m.callsign) != m.agency:
            self.agency[m.callsign] = m.agency
            self.rows.patrols.append((seq, m.callsign, m.agency))
        for iid, at in self.sent.pop(m.callsign, []):
            inc = self.watched.get(iid)
            keep = inc is not None and inc[2] != "resolved"
            there = inc is not None and metres(m.lat, m.lon, inc[0], inc[1]) <= ON_SCENE_M
            if there and m.time_ns >= at:
                self.rows.steps.append((seq, iid, "on_scene", m.time_ns, m.callsign, m.agency))
                keep = False
            if keep:
                self.sent.setdefault(m.callsign, []).append((iid, at))
        still = {iid for v in self.sent.values() for iid, _ in v}
        for iid in [i for i in self.watched if i not in still]:
            del self.watched[iid]

    def _step(self, seq: int, action: OperatorAction) -> None:
        state = STEPS.get(action.action)
        if state is None or action.target is None:
            return
        self.rows.steps.append((seq, action.target, state, action.time_ns, action.user,
                                action.agency))  # fmt: skip
        if state == "assigned":
            patrol = action.params.get("patrol", "")
            self.sent.setdefault(patrol, []).append((action.target, action.time_ns))
            inc = self.engine.incidents.get(action.target)
            if inc is not None:
                self.watched[action.target] = (inc.lat, inc.lon, inc.state)

    def state(self) -> dict[str, Any]:
        """The recorder's own state (kept in the journal with what it covers)."""
        return {"sent": self.sent, "watched": self.watched, "agency": self.agency}

    def commit(self) -> int:
        """Write what was recorded since the last commit; the journal's `covered` now."""
        rows = self.rows
        if rows.last_seq > self.covered:
            self.covered = self.journal.commit(rows, self.state())
        self.rows = Rows(last_seq=max(rows.last_seq, self.covered))
        return self.covered

    def save_engine(self) -> None:
        """Keep the engine's state as of `covered` in the journal, so the next report's
        pass goes on from there instead of from the first event (reports only: the service
        has its own checkpoint)."""
        if self.engine.seq == self.covered:
            self.journal.save_state(self.covered, pickle.dumps(self.engine.state(), 5))


class JournalledSupervisor(Supervisor):
    """The service's supervisor, with each event's derivations handed to a `Recorder`."""

    recorder: Recorder | None = None

    def take(self, seq: int, message: object, arrived_ns: int | None) -> None:
        """Take the event as the supervisor does; then record what it derived."""
        super().take(seq, message, arrived_ns)
        if self.recorder is not None:
            self.recorder.took(seq, message, arrived_ns, seq in self.skip)

    def commit_journal(self) -> None:
        """Write what was recorded into the journal. A failure costs reports a replay, never
        the engine: recording stops (what is not written would pile up in memory), reports
        derive what the journal lacks from the log, and the next start fills the gap."""
        if self.recorder is None:
            return
        try:
            self.recorder.commit()
        except DataError as exc:
            log.warning("%s: the derived journal is not recorded until the next start", exc)
            self.recorder = None

    def snapshot(self) -> None:
        """Commit the journal first, then keep the last good state: so the journal covers
        the checkpoint it is written with, and a restart after kill -9 resumes from that
        checkpoint instead of rebuilding from the first event (`resume`)."""
        self.commit_journal()
        super().snapshot()

    def resume(self) -> bool:
        """Resume from the checkpoint only if the journal covers it: a journal behind the
        checkpoint (the first start with one, a reset one) needs the events between, so
        the engine rebuilds from the first event instead, and the journal with it."""
        fresh = self._snapshot
        if not super().resume():
            return False
        if self.recorder is None or self.recorder.covered >= self.engine.seq:
            return True
        log.info("the journal is behind the engine's checkpoint: rebuilding from the log")
        self.engine.restore(pickle.loads(fresh[1]))
        self.engine.feed.last_seq = 0
        self._snapshot = fresh
        self.recorder._refused = self.engine.refused_actions
        return False
