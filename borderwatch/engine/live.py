"""The live engine: the event log in, in seq order; the picture and its change feed out.

It is the picture (`engine.picture.Picture`) fed from the log, with each event's arrival
time as the clock, plus
the operators' actions, which are events in the same log: so the picture after a restart,
rebuilt by reading the log from the start, is the picture before it, frame for frame.

What it keeps for the API is the current picture (`Picture*` below): the confirmed tracks of
the latest snapshot, every alert, every incident in its latest state, each patrol's latest
position, each sensor's health, and the notes on each incident; and each track's path over
its last hours (`history`, a `TrackHistory`). Everything it changes is published on the
`ChangeFeed` as numbered frames.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

import msgspec
import numpy as np

from borderwatch.engine.changes import ChangeFeed, Frame, Item, SensorState
from borderwatch.engine.config import EngineConfig
from borderwatch.engine.history import TrackHistory, named_by_open
from borderwatch.engine.lookout import (
    LookoutError,
    check_decision,
    check_lookout_hit,
    decision_outcome,
    lookout_alert,
    passages_of,
)
from borderwatch.engine.picture import Picture
from borderwatch.errors import BorderwatchError
from borderwatch.geo import build_sectors, load_border
from borderwatch.geo.projection import to_utm
from borderwatch.geo.registry import Registry
from borderwatch.messages import (
    Alert,
    Detection,
    Incident,
    OperatorAction,
    Patrol,
    SensorStatus,
    Track,
)
from borderwatch.messages.incident import NEXT_STATES, Outcome
from borderwatch.rules import LifecycleError
from borderwatch.rules.emergency import emergency_alert

__all__ = ["DESK_PARAM", "ActionError", "LiveEngine", "check_incident_action", "is_desk_record"]

log = logging.getLogger(__name__)

# The engine counts float seconds from the minute of the first event it is given (as replay
# counts from the start of a run): the log's first event, so a rebuild computes with the very
# same numbers as the first run did.
MINUTE_NS = 60_000_000_000

INCIDENT_ACTIONS = frozenset(
    {"acknowledge", "assign", "resolve", "release", "note", "shelve", "unshelve"}
)
OUTCOMES: frozenset[str] = frozenset(get_args(Outcome))
# The crossing posts' actions (engine.lookout): a lookout hit raises an alert; a decision.
LOOKOUT_ACTIONS = frozenset({"lookout_hit", "decide"})
# An action the room's desk took on a fusion workers' incident (`stations.desk`), logged for
# the audit trail with its `DESK` seq in this param: the workers own that incident and the
# desk's fold applied it, so this engine neither checks nor applies it (nor, not knowing
# the incident, counts it refused: the reports' refused actions stay races lost here).
DESK_PARAM = "desk"


class ActionError(BorderwatchError):
    """An operator action the picture cannot take (unknown incident, a step the lifecycle
    does not allow, a missing patrol or outcome)."""


class LiveEngine:
    """Feeds the picture from logged events and keeps what the API shows."""

    def __init__(
        self,
        registry: Registry,
        feed: ChangeFeed | None = None,
        config: EngineConfig | None = None,
    ) -> None:
        self.registry = registry
        self.config = config or EngineConfig()
        # A setting naming no sector is said now, not at the first message (`Picture`);
        # without one there is nothing to check, and no layout to cut at every start.
        if self.config.rules.sections.impact:
            self.config.rules.sections.check(s.id for s in build_sectors(load_border()))
        self.picture: Picture | None = None  # made at the first sensor message
        self.feed = feed or ChangeFeed()
        self.tracks: dict[str, Track] = {}
        self.tracks_time_ns = 0
        self.history = TrackHistory()
        self.alerts: dict[str, Alert] = {}
        self.incidents: dict[str, Incident] = {}
        self.notes: dict[str, list[OperatorAction]] = {}
        self.patrols: dict[str, Patrol] = {}
        self.sensors: dict[str, SensorState] = {}
        self.seq = 0  # the last log seq taken in
        self.refused_actions = 0
        self.lookouts: dict[str, str] = {}  # passage id -> its lookout incident
        self.decisions: dict[str, dict[str, str]] = {}  # incident -> passage -> decision
        self._patrols_changed = False  # a patrol reported since the last patrols frame
        self._processed = asyncio.Condition()
        for sid in sorted(registry.places):
            self.sensors[sid] = self._sensor_state(sid)

    # -- taking events in ----------------------------------------------------------------
    def take(self, seq: int, message: object, arrived_ns: int | None = None) -> None:
        """One logged event (seq order) and when it arrived; publishes what it changes."""
        if isinstance(message, OperatorAction):
            self._act(message)
        elif isinstance(message, Detection | SensorStatus | Patrol):
            if isinstance(message, Patrol):
                self.patrols[message.callsign] = message
                self._patrols_changed = True
            if self.picture is None:
                epoch = message.time_ns - message.time_ns % MINUTE_NS
                self.picture = Picture(self.registry, epoch, self.config)
            picture = self.picture
            before = picture.next_snapshot
            out = picture.take(message, arrived_ns)
            if out or picture.next_snapshot != before:
                self._publish(picture, out, before)
        self.seq = seq

    async def take_all(
        self, seqs: Iterable[int], messages: Sequence[object], arrived_ns: int | None = None
    ) -> None:
        """A run of logged events that arrived together. After any event that published
        frames it lets the loop run, so the WebSockets send them before the rest of the run
        is taken in (one of the rest may release a second of event time: a tracker step of
        tens of milliseconds)."""
        feed = self.feed
        for seq, m in zip(seqs, messages, strict=True):
            published = feed.last_seq
            self.take(seq, m, arrived_ns)
            if feed.last_seq != published:
                await asyncio.sleep(0)

    # -- its state, for the supervisor's last good one -------------------------------------
    STATE = (
        "picture",
        "tracks",
        "tracks_time_ns",
        "history",
        "alerts",
        "incidents",
        "notes",
        "patrols",
        "sensors",
        "seq",
        "refused_actions",
        "lookouts",
        "decisions",
        "_patrols_changed",
    )

    def state(self) -> dict[str, Any]:
        """Everything the engine has derived from the log (not its feed or its waiters)."""
        return {name: getattr(self, name) for name in self.STATE}

    def restore(self, state: dict[str, Any]) -> None:
        """Go back to a `state()` (a copy of it: the supervisor unpickles one)."""
        for name in self.STATE:
            setattr(self, name, state[name])

    async def processed(self, seq: int) -> None:
        """Wait until the event `seq` has been taken in."""
        async with self._processed:
            await self._processed.wait_for(lambda: self.seq >= seq)

    async def notify(self) -> None:
        """Wake everyone waiting in `processed` (after a run of events)."""
        async with self._processed:
            self._processed.notify_all()

    # -- what a take releases ------------------------------------------------------------
    def _publish(self, picture: Picture, out: Sequence[object], snapshot_before: float) -> None:
        """Frames for one step: per snapshot (each scene yields its tracks, then its alerts,
        stamped with the scene's time, then the incidents those changed), in time order.
        A snapshot without tracks still gets its (empty) tracks frame: a console clears them."""
        segments: dict[int, _Segment] = {}
        t = snapshot_before
        while t < picture.next_snapshot:
            segments[picture.epoch_ns + round(t * 1e9)] = _Segment(snapshot=True)
            t += picture.snapshot_s
        current: int | None = min(segments, default=None)
        for item in out:
            if isinstance(item, Track):
                current = item.time_ns
                segments.setdefault(current, _Segment(snapshot=True)).tracks.append(item)
            elif isinstance(item, Alert):
                current = item.time_ns
                segments.setdefault(current, _Segment()).alerts.append(item)
            elif isinstance(item, Incident):
                key = item.updated_ns if current is None else current
                segments.setdefault(key, _Segment()).incidents.append(item)
        for tn in sorted(segments):
            seg = segments[tn]
            if seg.snapshot:  # not for a sensor's fault report, out between snapshots
                self.tracks = {tr.id: tr for tr in seg.tracks}
                self.tracks_time_ns = tn
                self.history.add(tn, seg.tracks, self._named_by_open_incidents)
                self.feed.publish("tracks", tn, tuple(seg.tracks))
            for alert in seg.alerts:
                self.alerts[alert.id] = alert
                self.feed.publish("alert", alert.time_ns, (alert,))
            for inc in seg.incidents:
                self.incidents[inc.id] = inc
                self.feed.publish("incident", inc.updated_ns, (inc,))
            if self._patrols_changed:
                # Every patrol's latest report, not only the changed ones: a patrols frame
                # is a snapshot, so the feed need keep only the latest few.
                self.feed.publish(
                    "patrols", tn, tuple(self.patrols[c] for c in sorted(self.patrols))
                )
                self._patrols_changed = False
            self._publish_sensors(tn)

    def _named_by_open_incidents(self) -> set[str]:
        return named_by_open(self.incidents.values())

    def _publish_sensors(self, time_ns: int) -> None:
        changed = []
        for sid, old in self.sensors.items():
            new = self._sensor_state(sid)
            if new.health != old.health:
                changed.append(new)
            self.sensors[sid] = new
        if changed:
            self.feed.publish("sensors", time_ns, tuple(changed))

    def sensor_now(self, sid: str) -> SensorState | None:
        """A sensor's state as of the last event taken in (not the last snapshot: its last
        message counts the moment it is taken in, before the reorder window releases it)."""
        return self._sensor_state(sid) if sid in self.sensors else None

    def _sensor_state(self, sid: str) -> SensorState:
        site = self.registry.places[sid]
        health, heard, seen, epoch = "unknown", None, None, 0
        if self.config.rules.sensors.expect_unheard:
            health = "ok"
        if self.picture is not None:
            eq, epoch = self.picture.alerter.equipment, self.picture.epoch_ns
            health = eq.state(sid)
            heard, seen = eq.heard.get(sid), eq.detected.get(sid)
        return SensorState(
            sensor_id=sid,
            kind=site.kind,
            sector=site.sector,
            lat=site.lat,
            lon=site.lon,
            health=health,
            last_heard_ns=None if heard is None else epoch + round(heard * 1e9),
            last_detection_ns=None if seen is None else epoch + round(seen * 1e9),
        )

    # -- operator actions ----------------------------------------------------------------
    def check(self, action: OperatorAction) -> None:
        """Raise `ActionError` if `action` would be refused now (the API asks before logging
        it, so an operator hears why at once and the log holds only actions that took)."""
        if is_desk_record(action):
            return  # checked and taken by the room's desk
        if action.action in LOOKOUT_ACTIONS:
            try:
                if action.action == "lookout_hit":
                    check_lookout_hit(action)
                else:
                    inc = self.incidents.get(action.target or "")
                    passages = [] if inc is None else passages_of(inc, self.alerts)
                    decided = self.decisions.get(action.target or "", {})
                    check_decision(action, inc, passages, decided)
            except LookoutError as exc:
                raise ActionError(str(exc)) from exc
            return
        if action.action not in INCIDENT_ACTIONS:
            return
        inc = self.incidents.get(action.target or "")
        if inc is None:
            raise ActionError(f"no incident {action.target}")
        check_incident_action(action, inc, self.config.rules.alarms.shelve_max_s)

    def _act(self, action: OperatorAction) -> None:
        if is_desk_record(action):
            return  # the room console shows it, from `DESK`
        if action.action == "emergency":
            self._emergency(action)
            return
        if action.action in LOOKOUT_ACTIONS:
            self._lookout(action)
            return
        if action.action not in INCIDENT_ACTIONS:
            self.feed.publish("action", action.time_ns, (action,))
            return
        try:
            self.check(action)
            inc = self._apply(action)
        except (ActionError, LifecycleError) as exc:
            # Two operators racing for one incident: the later one loses, and it is counted.
            self.refused_actions += 1
            log.info("operator action %s refused: %s", action.id, exc)
            return
        self.feed.publish("action", action.time_ns, (action,))
        if inc is not None:
            self.incidents[inc.id] = inc
            self.feed.publish("incident", inc.updated_ns, (inc,))

    def _emergency(self, action: OperatorAction) -> None:
        """A patrol's emergency, logged for its device: a P1 alert at its position in the
        sector nearest it, filed into an incident like any alert (`rules.emergency`)."""
        self.feed.publish("action", action.time_ns, (action,))
        alert = emergency_alert(action, None)
        if alert is None or alert.id in self.alerts:
            return  # a cancellation, or the same alarm delivered twice
        barrier = self._picture_for(action).barrier
        x, y = to_utm([alert.lon], [alert.lat])
        along = barrier.locate(np.atleast_1d(x), np.atleast_1d(y))
        self._file(msgspec.structs.replace(alert, sector=barrier.sector_ids(along)[0]))

    def _picture_for(self, action: OperatorAction) -> Picture:
        """The picture, made at `action`'s minute if no sensor has spoken yet (an alert
        raised by an action needs its incident book)."""
        if self.picture is None:
            epoch = action.time_ns - action.time_ns % MINUTE_NS
            self.picture = Picture(self.registry, epoch, self.config)
        return self.picture

    def _file(self, alert: Alert) -> list[Incident]:
        """An alert an action raised (an emergency, a lookout hit): published, then filed
        into the picture's incident book like the rules' alerts; the incidents it changed."""
        assert self.picture is not None  # `_picture_for` made it
        changed = self.picture.incidents.take([alert])
        self.alerts[alert.id] = alert
        self.feed.publish("alert", alert.time_ns, (alert,))
        for inc in changed:
            self.incidents[inc.id] = inc
            self.feed.publish("incident", inc.updated_ns, (inc,))
        return changed

    def _apply(self, action: OperatorAction) -> Incident | None:
        if self.picture is None:
            raise ActionError(f"no incident {action.target}")
        book = self.picture.incidents
        iid = action.target or ""
        if action.action == "note":
            self.notes.setdefault(iid, []).append(action)
            return None
        if action.action == "release":
            return book.release(iid, action.params["agency"], action.time_ns)
        if action.action == "shelve":
            until = int(action.params["until_ns"])
            return book.shelve(iid, until, action.why, action.user, action.time_ns)
        if action.action == "unshelve":
            return book.shelve(iid, None, "", None, action.time_ns)
        if action.action == "acknowledge":
            return book.transition(iid, "acknowledged", action.time_ns)
        if action.action == "assign":
            return book.transition(iid, "assigned", action.time_ns, patrol=action.params["patrol"])
        outcome = msgspec.convert(action.params["outcome"], Outcome)
        return book.transition(iid, "resolved", action.time_ns, outcome=outcome)

    def _lookout(self, action: OperatorAction) -> None:
        """A lookout hit files its alert; a decision notes it and moves the incident on."""
        try:
            self.check(action)
        except ActionError as exc:
            self.refused_actions += 1
            log.info("operator action %s refused: %s", action.id, exc)
            return
        self.feed.publish("action", action.time_ns, (action,))
        if action.action == "lookout_hit":
            self._picture_for(action)  # a post's hit before any sensor spoke
            for inc in self._file(lookout_alert(action)):
                self.lookouts[action.target or ""] = inc.id
            return
        assert self.picture is not None  # check(): the incident exists, so the picture does
        iid, passage = action.target or "", action.params["passage"]
        decided = self.decisions.setdefault(iid, {})
        decided[passage] = action.params["decision"]
        self.notes.setdefault(iid, []).append(action)
        inc = self.incidents[iid]
        outcome = decision_outcome(passages_of(inc, self.alerts), decided)
        book = self.picture.incidents
        if outcome is not None:
            inc = book.transition(iid, "resolved", action.time_ns, outcome=outcome)
        elif inc.state == "new":
            inc = book.transition(iid, "acknowledged", action.time_ns)
        self.incidents[iid] = inc
        self.feed.publish("incident", inc.updated_ns, (inc,))

    # -- a whole picture, for a console that starts from scratch --------------------------
    def reset_frame(self) -> Frame:
        """Everything current, as one frame numbered like the feed's last."""
        items: tuple[Item, ...] = (
            *self.tracks.values(),
            *self.alerts.values(),
            *self.incidents.values(),
            *self.patrols.values(),
            *self.sensors.values(),
        )
        return Frame(seq=self.feed.last_seq, kind="reset", time_ns=self.tracks_time_ns, items=items)


@dataclass(slots=True)
class _Segment:
    """What one snapshot (or a sensor's fault report, between snapshots) released."""

    snapshot: bool = False
    tracks: list[Track] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)


def is_desk_record(action: OperatorAction) -> bool:
    """Whether `action` is the audit trail's record of one the room's desk took (an
    operator's step, or the desk's own `reopen`)."""
    return (action.action in INCIDENT_ACTIONS or action.action == "reopen") and (
        DESK_PARAM in action.params
    )


def check_incident_action(action: OperatorAction, inc: Incident, shelve_max_s: float) -> None:
    """Raise `ActionError` if an operator's `action` on `inc` breaks the incident's lifecycle
    (the engine's check, and the room's desk's when fusion workers hold the incidents)."""
    kind = action.action
    if kind == "note":
        return
    if kind == "release":
        if not action.params.get("agency"):
            raise ActionError("releasing an incident needs params.agency")
        return
    if kind in ("shelve", "unshelve"):
        if inc.state == "resolved":
            raise ActionError(f"incident {inc.id} is resolved: nothing to shelve")
        if kind == "unshelve":
            if inc.shelved_until_ns is None:
                raise ActionError(f"incident {inc.id} is not shelved")
            return
        if not action.why.strip():
            raise ActionError("shelving an alarm needs a reason (why)")
        until = action.params.get("until_ns", "")
        if not until.isdigit():
            raise ActionError("shelving an alarm needs params.until_ns, UTC ns")
        if not action.time_ns < int(until) <= action.time_ns + round(shelve_max_s * 1e9):
            raise ActionError(
                "a shelf must end after it starts and within"
                f" {shelve_max_s / 3600:g} h (rules.alarms.shelve_max_s)"
            )
        return
    state = {"acknowledge": "acknowledged", "assign": "assigned", "resolve": "resolved"}[kind]
    if state not in NEXT_STATES[inc.state]:
        raise ActionError(f"incident {inc.id} is {inc.state}: cannot become {state}")
    if kind == "assign" and not action.params.get("patrol"):
        raise ActionError("assigning an incident needs params.patrol")
    if kind == "resolve" and action.params.get("outcome") not in OUTCOMES:
        raise ActionError(f"resolving an incident needs params.outcome, one of {sorted(OUTCOMES)}")
