"""The engine's supervisor: no event can stop the live picture.

Admission keeps what no engine can process out of the log (`engine.bounds`), but a border that
goes blind because of one bad packet is worse than no system, so the supervisor does not rely
on that alone. It feeds the live engine event by event; if taking one in raises anyway:

1. the event is quarantined (`store.Quarantine`: its seq, the exception and the traceback,
   durable before anything else happens), so no replay, restart or rebuild meets it again and
   a poison row can never loop;
2. the engine goes back to its last good state: a snapshot (pickled, in memory) taken every
   `snapshot_every_s` of wall time, then the events logged since, minus the quarantined ones,
   taken in again without publishing (their frames went out the first time); the picture is
   then exactly the one a rebuild that skips the event would give;
3. it carries on with the next event, within a fraction of a second; the fault is counted,
   logged, and shown (`status()`: the API's engine status, the console's status bar).

`borderwatch quarantine list | show N | release N` reads and releases the quarantine; a
released event is taken in again at the next rebuild (a restart).

The last good state is also written to the data directory (`checkpoint`, atomically: a new
file renamed over the old), so a restart, even after kill -9, starts from it and takes in only
the events logged since, instead of rebuilding a day from the first event. It is used only if
it was written by the same borderwatch, settings, sensors and quarantine (`fingerprint`), and
taking events in from it gives what a rebuild from the first event gives: the picture is a
function of the log alone, and a pickle restores its numbers exactly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from borderwatch.engine.changes import ChangeFeed
from borderwatch.engine.live import LiveEngine
from borderwatch.store import EventLog
from borderwatch.store.quarantine import Quarantine

__all__ = ["EngineStatus", "Supervisor"]

log = logging.getLogger(__name__)


class EngineStatus(msgspec.Struct, frozen=True, kw_only=True):
    """How the engine is doing, for whoever runs it and for the equipment view."""

    ready: bool  # rebuilt from the log and following it
    seq: int  # the last event taken in
    logged_seq: int  # the last event in the log
    lag_events: int  # logged, not yet taken in
    lag_s: float  # the service's clock minus the arrival time of the last event taken in
    last_step_ms: float  # how long the last run of events took
    clock_ns: int  # the service's clock now (the twin's, when it drives the system)
    picture_ns: int  # the event time of the picture's latest scene (0: none yet)
    faults: int  # events that raised since start
    quarantined: int  # events held in quarantine (skipped by every rebuild)
    last_fault: str = ""  # the latest fault, one line


class Supervisor:
    """Feeds `engine` from `log` so that a failing event is quarantined, not fatal."""

    def __init__(
        self,
        engine: LiveEngine,
        log_: EventLog,
        quarantine: Quarantine,
        *,
        snapshot_every_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        checkpoint: Path | None = None,
        fingerprint: str = "",
    ) -> None:
        self.engine = engine
        self.log = log_
        self.quarantine = quarantine
        self.skip = quarantine.held()
        self.snapshot_every_s = snapshot_every_s
        self.clock = clock
        self.faults = 0
        self.last_fault = ""
        self.last_step_ms = 0.0
        self.last_arrived_ns = 0
        self.checkpoint = checkpoint
        # What the checkpoint must have been written with to be used (`_mark`).
        self.fingerprint = fingerprint
        self._snapshot = (engine.seq, self._freeze())
        self._snapshot_at = clock()

    def resume(self) -> bool:
        """Start from the checkpoint, if there is a usable one; whether it was used."""
        if self.checkpoint is None or not self.checkpoint.exists():
            return False
        try:
            fingerprint, seq, feed_seq, frozen = pickle.loads(self.checkpoint.read_bytes())
            if fingerprint != self._mark(seq) or seq > self.log.last_seq():
                log.info("the engine's checkpoint is of other settings or another log: unused")
                return False
            self.engine.restore(pickle.loads(frozen))
        except Exception as exc:  # an unreadable checkpoint costs a rebuild, nothing more
            log.warning("the engine's checkpoint could not be read (%s): rebuilding", exc)
            self.engine.restore(pickle.loads(self._snapshot[1]))
            return False
        self.engine.feed.last_seq = feed_seq
        self._snapshot = (seq, frozen)
        log.info("the engine resumed from its checkpoint at event %d", seq)
        return True

    # -- taking events in ------------------------------------------------------------------
    def take(self, seq: int, message: object, arrived_ns: int | None) -> None:
        """One logged event, unless quarantined; a failure is quarantined and undone."""
        if seq in self.skip:
            self.engine.seq = seq
            return
        try:
            self.engine.take(seq, message, arrived_ns)
        except Exception as exc:  # the point: nothing an event does may stop the engine
            self._fault(seq, exc)
        if arrived_ns is not None:
            self.last_arrived_ns = arrived_ns

    async def take_all(
        self, seqs: Sequence[int], messages: Sequence[object], arrived_ns: int | None
    ) -> None:
        """A run of logged events that arrived together (see `LiveEngine.take_all`: the
        loop runs after any event that published frames)."""
        t0 = time.perf_counter()
        feed = self.engine.feed
        for seq, m in zip(seqs, messages, strict=True):
            published = feed.last_seq
            self.take(seq, m, arrived_ns)
            if feed.last_seq != published:
                await asyncio.sleep(0)
        self.last_step_ms = (time.perf_counter() - t0) * 1e3
        if self.clock() - self._snapshot_at >= self.snapshot_every_s:
            self.snapshot()

    # -- the last good state ---------------------------------------------------------------
    def snapshot(self) -> None:
        """Keep the engine's state as of now as the last good one (and write it down)."""
        self._snapshot = (self.engine.seq, self._freeze())
        self._snapshot_at = self.clock()
        if self.checkpoint is not None:
            self._write_checkpoint()

    def _write_checkpoint(self) -> None:
        assert self.checkpoint is not None
        seq, frozen = self._snapshot
        record = (self._mark(seq), seq, self.engine.feed.last_seq, frozen)
        part = self.checkpoint.with_suffix(".part")
        try:
            with part.open("wb") as f:
                pickle.dump(record, f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())
            os.replace(part, self.checkpoint)
        except OSError as exc:  # a full disk costs the next restart time, not the picture
            log.warning("the engine's checkpoint could not be written: %s", exc)

    def _mark(self, seq: int) -> str:
        """What a state as of event `seq` was made with: the code, settings and sensors, and
        the events up to `seq` it skipped as quarantined. A checkpoint is used only where its
        mark is what the quarantine says now: an event released since (re-run at the next
        start) or quarantined since (a fault met after the checkpoint was written, before the
        release of another) makes it another picture."""
        return f"{self.fingerprint}|{sorted(s for s in self.skip if s <= seq)}"

    def _freeze(self) -> bytes:
        return pickle.dumps(self.engine.state(), protocol=pickle.HIGHEST_PROTOCOL)

    def _fault(self, seq: int, exc: Exception) -> None:
        text = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        self.quarantine.add(seq, text, traceback.format_exc())
        self.skip = self.skip | {seq}
        # A checkpoint written from now on skipped this event: say so, or a restart after its
        # release would resume from a picture that never took it in.
        self.faults += 1
        self.last_fault = f"event {seq}: {text}"
        log.error("engine fault on event %d, quarantined: %s", seq, text)
        self._restore(seq)
        self.engine.seq = seq

    def _restore(self, upto: int) -> None:
        """The last good state, then every event after it before `upto`, not published."""
        after, frozen = self._snapshot
        state: dict[str, Any] = pickle.loads(frozen)
        engine = self.engine
        engine.restore(state)
        real_feed = engine.feed
        engine.feed = ChangeFeed(keep=1, keep_tracks=1)  # what they published went out before
        try:
            for event in self.log.read(after=after):
                if event.seq >= upto:
                    break
                if event.seq in self.skip:
                    engine.seq = event.seq
                    continue
                try:
                    engine.take(event.seq, event.message, event.arrived_ns)
                except Exception as exc:  # an earlier event was the poison after all
                    engine.feed = real_feed
                    self._fault(event.seq, exc)
                    return self._restore(upto)
        finally:
            engine.feed = real_feed
        return None

    # -- how it is doing -------------------------------------------------------------------
    def status(self, logged_seq: int, now_ns: int, ready: bool) -> EngineStatus:
        """The engine's status as of now (the service's clock `now_ns`)."""
        lag_s = (now_ns - self.last_arrived_ns) / 1e9 if self.last_arrived_ns else 0.0
        return EngineStatus(
            ready=ready,
            seq=self.engine.seq,
            logged_seq=logged_seq,
            lag_events=max(0, logged_seq - self.engine.seq),
            lag_s=round(max(0.0, lag_s), 3) if logged_seq > self.engine.seq else 0.0,
            last_step_ms=round(self.last_step_ms, 3),
            clock_ns=now_ns,
            picture_ns=self.engine.tracks_time_ns,
            faults=self.faults,
            quarantined=len(self.skip),
            last_fault=self.last_fault,
        )
