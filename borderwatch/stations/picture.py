"""The room's whole-border picture as the fusion workers publish it to `PICTURE`, for the
console: each sector's tracks at its latest snapshot, and every sector's alerts and
incidents, merged (`RoomPicture`); followed on the cluster by `PictureFollower`.

Each worker publishes its own sectors' outputs on `bw.picture.<sector>`, in the order it
made them, numbered in the sector's sequence (`Bw-First`), with the time of the latest
scene its picture had made (`Bw-Snapshot`, `workers.SNAPSHOT`); a scene that gave a sector
no track still gets a message saying so (no outputs, its snapshot time), so a sector whose
tracks have all ended is cleared, as the engine's own picture clears them. A message seen
before (a restarted worker publishes its sectors again from the start) is skipped by its
numbers, as `workers.read_picture` skips it.

`PictureFollower` also follows the operators' `DESK` (`stations.desk`) and hands every
change, the incidents as the desk shows them, to the room console (`stations.console`);
each action the desk takes it hands to `audit` (`Service.record_desk`: the room's audit
trail), before an operator's action returns.

The merged tracks are every sector's latest snapshot's (the sectors' snapshots are the same
scenes: every worker reads the whole border's messages); `tracks_time_ns` is the latest of
them. Each track's path is kept as the engine keeps its own (`history`, an
`engine.history.TrackHistory`: its last hours, kept after it ended while an open incident
names it), a point per snapshot of the track taken in. Alerts and incidents are kept by
their (worker-independent) names, the latest version of each. The same attribute names as
`LiveEngine`'s, so the API serves either.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from borderwatch.engine import ActionError
from borderwatch.engine.changes import FrameKind, Item
from borderwatch.engine.history import TrackHistory, named_by_open
from borderwatch.errors import MessageError
from borderwatch.messages import Alert, Incident, OperatorAction, Track, decode_lines
from borderwatch.stations.desk import (
    DESK_STREAM,
    DESK_SUBJECT,
    Desk,
    desk_config,
    reopen_action,
)
from borderwatch.stations.subjects import FIRST, MSG_ID
from borderwatch.stations.watch import disconnected, stopped
from borderwatch.stations.workers import (
    PICTURE_STREAM,
    SNAPSHOT,
    STREAM_NAME_IN_USE,
    picture_subjects,
)

__all__ = ["Audit", "Change", "PictureFollower", "RoomPicture"]

log = logging.getLogger(__name__)

RETRY_S = 1.0  # how often the follower looks again for the system, the stream, the cluster
ACT_WAIT_S = 5.0  # how long an operator's action waits for the desk to have taken it

# A change of the picture, as a frame of the change feed says it: its kind, time, items.
Change = tuple[FrameKind, int, tuple[Item, ...]]
# Puts an action the desk took (its `DESK` seq) in the room's audit trail, once.
Audit = Callable[[int, OperatorAction], Awaitable[None]]


class RoomPicture:
    """The whole-border picture from `PICTURE`'s messages, taken in stream order; `named()`
    gives the track ids open incidents name (default: any incident's), whose paths outlive
    their tracks."""

    def __init__(self, named: Callable[[], Collection[str]] | None = None) -> None:
        self.tracks: dict[str, Track] = {}
        self.tracks_time_ns = 0
        self.history = TrackHistory()
        self._named = named or self._named_by_incidents
        self.alerts: dict[str, Alert] = {}
        self.incidents: dict[str, Incident] = {}
        self.messages = 0  # PICTURE messages taken in
        self.skipped = 0  # outputs seen before (a restarted worker's), skipped
        self.undecodable = 0  # messages or outputs that are not a picture's
        self._next: dict[str, int] = {}  # per sector: the number of its next output
        self._snapshot: dict[str, int] = {}  # per sector: its latest snapshot (ns)
        self._sector_tracks: dict[str, dict[str, Track]] = {}

    @property
    def sectors(self) -> list[str]:
        """The sectors heard of so far."""
        return sorted(self._next)

    def take(self, subject: str, headers: dict[str, str], data: bytes) -> list[Change]:
        """One message of `PICTURE` (`bw.picture.<sector>`); the changes it made, as the
        engine's change feed says them: each alert and incident taken, then the merged
        tracks if they changed."""
        sector = subject.rsplit(".", 1)[-1]
        try:
            first = int(headers[FIRST])
            snapshot = int(headers.get(SNAPSHOT, "0"))
            items = decode_lines(data.splitlines(keepends=True))
        except (KeyError, ValueError, MessageError):
            self.undecodable += 1
            return []
        self.messages += 1
        changes: list[Change] = []
        at = self._next.setdefault(sector, 0)
        changed = False
        for k, item in enumerate(items):
            if first + k < at:
                self.skipped += 1
                continue
            if first + k > at:  # a gap: cannot be, JetStream keeps the order; say so
                log.warning("PICTURE: %s jumps from output %d to %d", sector, at, first + k)
            at = first + k + 1
            if isinstance(item, Track):
                changed |= self._track(sector, item)
            elif isinstance(item, Alert):
                self.alerts[item.id] = item
                changes.append(("alert", item.time_ns, (item,)))
            elif isinstance(item, Incident):
                self.incidents[item.id] = item
                changes.append(("incident", item.updated_ns, (item,)))
            else:
                self.undecodable += 1
        self._next[sector] = at
        if snapshot > self._snapshot.get(sector, 0):
            # the sector's latest scene: no track of it in this message means none at all
            self._snapshot[sector] = snapshot
            tracks = self._sector_tracks.get(sector)
            if tracks and next(iter(tracks.values())).time_ns < snapshot:
                self._sector_tracks[sector] = {}
                changed = True
        if changed or snapshot > self.tracks_time_ns:
            self._merge()
            changes.append(("tracks", self.tracks_time_ns, tuple(self.tracks.values())))
        return changes

    def _track(self, sector: str, track: Track) -> bool:
        tracks = self._sector_tracks.setdefault(sector, {})
        if tracks and next(iter(tracks.values())).time_ns < track.time_ns:
            tracks.clear()  # a later snapshot of the sector: the earlier one's tracks are gone
        tracks[track.id] = track
        self._snapshot[sector] = max(self._snapshot.get(sector, 0), track.time_ns)
        path = self.history.paths.get(track.id)
        if path is None or path.last_ns < track.time_ns:  # a track two sectors both gave
            self.history.add(track.time_ns, (track,), self._named)
        return True

    def _named_by_incidents(self) -> set[str]:
        return named_by_open(self.incidents.values())

    def _merge(self) -> None:
        merged: dict[str, Track] = {}
        for sector in sorted(self._sector_tracks):
            merged.update(self._sector_tracks[sector])
        self.tracks = {k: merged[k] for k in sorted(merged)}
        self.tracks_time_ns = max(self._snapshot.values(), default=0)


class PictureFollower:
    """Follows `PICTURE` on the cluster of the system running under `root` (its
    `stations.json`) into `picture`, and the operators' `DESK` (`stations.desk`, made here
    if it is not there yet) into `desk`, each from its stream's first message, for as long
    as it runs; waits for the system and `PICTURE` (the workers make it) to be there. Each
    change is handed to `on_change`, the incidents as the desk shows them, and each action
    the desk took to `audit`."""

    def __init__(
        self,
        root: Path,
        stream: str = PICTURE_STREAM,
        shelve_max_s: float = 8 * 3600.0,
        on_change: Callable[[Change], None] | None = None,
        audit: Audit | None = None,
    ) -> None:
        self.root = root
        self.stream = stream
        self.picture = RoomPicture(named=self._named_by_open_incidents)
        self.desk = Desk(shelve_max_s)
        self.on_change = on_change
        self.audit = audit
        self.audited_seq = 0  # DESK's seq up to which what the desk took is audited
        self.failures = 0
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._task: asyncio.Task[None] | None = None
        self._acting = asyncio.Lock()
        self._desk_moved = asyncio.Event()
        self._reopening: set[str] = set()  # reopen actions put (or being put) in DESK
        self._putting: set[asyncio.Task[None]] = set()

    @property
    def active(self) -> bool:
        """Whether the workers' picture is what to show (`PICTURE` has said something)."""
        return self.picture.messages > 0

    @property
    def incidents(self) -> dict[str, Incident]:
        """The workers' incidents by id, with the operators' work on them (`Desk.shown`)."""
        shown = self.desk.shown
        return {k: shown(v) for k, v in self.picture.incidents.items()}

    def _named_by_open_incidents(self) -> set[str]:
        """The track ids an incident not resolved on the desk names (`LiveEngine`'s rule)."""
        return named_by_open(self.incidents.values())

    def start(self) -> None:
        """Start following (a task of the running loop)."""
        self._task = asyncio.create_task(self._run(), name="picture follower")

    async def close(self) -> None:
        """Stop following and disconnect."""
        for task in list(self._putting):
            await stopped(task)
        await stopped(self._task)
        await disconnected(self._nc)
        self._task, self._nc, self._js = None, None, None

    async def act(self, action: OperatorAction) -> tuple[OperatorAction, Incident]:
        """Check an operator's action on a workers' incident, put it in `DESK`, and return
        it as put there (a resolve says its alerts) and the incident, once the desk has
        taken it and it is audited; `ActionError` if it cannot be taken (or another
        console's action on the incident came first)."""
        async with self._acting:
            target = action.target or ""
            shown = self.incidents.get(target)
            self.desk.check(action, shown)
            if action.action == "resolve" and shown is not None:
                # the alerts the operator closed it with: one more from the workers
                # reopens it (`stations.desk`)
                params = {**action.params, "alerts": str(len(shown.alert_ids))}
                action = msgspec.structs.replace(action, params=params)
            if self._js is None:
                raise ActionError("the room's cluster is not reachable: try again")
            headers = {MSG_ID: action.id}
            ack = await self._js.publish(DESK_SUBJECT, _action_json(action), headers=headers)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ACT_WAIT_S):
                    while self.audited_seq < ack.seq:
                        self._desk_moved.clear()
                        await self._desk_moved.wait()
        if self.desk.outcomes.get(action.id) is False:
            raise ActionError(f"incident {target} was changed by another action first")
        return action, self.incidents[target]

    def _urls(self) -> list[str] | None:
        try:
            state = json.loads((self.root / "stations.json").read_text())
            return [str(n["url"]) for n in state["cluster"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    async def _run(self) -> None:
        while (urls := self._urls()) is None:
            await asyncio.sleep(RETRY_S)
        nc = self._nc = await nats.connect(
            urls, name="console-picture", max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        js = self._js = nc.jetstream(timeout=5.0)
        await self._desk_stream(js, min(3, len(urls)))
        # Ordered consumers: the server's own, made again from where they were should a
        # node go; nothing to acknowledge, nothing left behind on the cluster when we stop.
        subs = [
            await js.subscribe(
                DESK_SUBJECT,
                stream=DESK_STREAM,
                cb=self._desk_message,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.ALL,
            )
        ]
        try:
            while True:
                try:
                    await js.stream_info(self.stream)
                    break
                except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                    await asyncio.sleep(RETRY_S)  # no workers yet: the engine's picture is shown
            subs.append(
                await js.subscribe(
                    f"{picture_subjects(self.stream)}.>",
                    stream=self.stream,
                    cb=self._picture_message,
                    ordered_consumer=True,
                    deliver_policy=DeliverPolicy.ALL,
                )
            )
            await asyncio.Event().wait()
        finally:
            for sub in subs:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

    async def _desk_stream(self, js: JetStreamContext, replicas: int) -> None:
        while True:
            try:
                await js.add_stream(desk_config(replicas))
                return
            except nats.js.errors.BadRequestError as exc:
                if exc.err_code == STREAM_NAME_IN_USE:
                    return  # made before (by this console or another)
                raise
            except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                await asyncio.sleep(RETRY_S)  # the cluster has no leader yet

    async def _picture_message(self, m: Msg) -> None:
        changes = self.picture.take(m.subject, m.headers or {}, m.data)
        if self.on_change is None:
            return
        shown = self.desk.shown
        for kind, time_ns, items in changes:
            if kind == "incident":
                for item in items:
                    if isinstance(item, Incident):
                        self._reopen_if_alerted(item)
                items = tuple(shown(i) if isinstance(i, Incident) else i for i in items)
            self.on_change((kind, time_ns, items))

    def _reopen_if_alerted(self, worked: Incident) -> None:
        """Put a `reopen` in `DESK` if the workers' incident took an alert since the desk
        resolved it (`stations.desk`), once, in the background until `DESK` has it."""
        action = reopen_action(worked, self.desk.work.get(worked.id), self.picture.alerts)
        if action is None or action.id in self._reopening:
            return
        self._reopening.add(action.id)
        task = asyncio.create_task(self._put(action), name=f"reopen {worked.id}")
        self._putting.add(task)
        task.add_done_callback(self._putting.discard)

    async def _put(self, action: OperatorAction) -> None:
        headers = {MSG_ID: action.id}  # the same from every console: DESK keeps one
        while True:
            js = self._js
            if js is not None:
                try:
                    await js.publish(DESK_SUBJECT, _action_json(action), headers=headers)
                    return
                except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                    log.warning("DESK unreachable: %s waits", action.id)
            await asyncio.sleep(RETRY_S)

    async def _desk_message(self, m: Msg) -> None:
        try:
            action = msgspec.json.decode(m.data, type=OperatorAction)
            seq = m.metadata.sequence.stream
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError):
            self.picture.undecodable += 1
            return
        target = action.target or ""
        worked = self.picture.incidents.get(target)
        taken = self.desk.take(seq, action, None if worked is None else self.desk.shown(worked))
        if taken and self.on_change is not None:
            self.on_change(("action", action.time_ns, (action,)))
            if worked is not None and action.action != "note":
                inc = self.desk.shown(worked)
                self.on_change(("incident", inc.updated_ns, (inc,)))
        if taken and worked is not None and action.action == "resolve":
            self._reopen_if_alerted(worked)  # an alert that came while it was being resolved
        # Only what the desk took is audited: one it refused (a race lost) changed nothing,
        # and its operator had a 409, as the embedded mode's refused actions, never logged.
        # It stays in `DESK`, and counted (`Desk.refused`).
        if taken and self.audit is not None:
            try:
                await self.audit(seq, action)
            except Exception:  # the log refused it: audited at the next start (record_desk)
                log.exception("DESK action %s (seq %d) not in the audit trail", action.id, seq)
        self.audited_seq = seq
        self._desk_moved.set()


def _action_json(action: OperatorAction) -> bytes:
    return msgspec.json.encode(action)
