"""The service's parts, wired: the event log and its writer, admission, the live engine, the
accounts and tokens, the ingest counters. One `Service` per process; the API and the ingest
adapters reach everything through it.

Order of start: open the log, start its writer, subscribe the engine from seq 0 (so it first
rebuilds the picture from everything logged, then follows new events live), then open ingest
and the API. The engine runs under its supervisor (`engine.supervisor`: a failing event is
quarantined and undone), and the loop that feeds it is itself restarted, with back-off, if it
ever fails outside an event. Operator actions go through `act`: checked against the current
picture, logged (durable), then applied by the engine, which is the only writer of the
picture; an action never waits on the engine longer than `ACTION_WAIT_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from borderwatch.accounts import DataDir, TokenService, UserStore, signing_key
from borderwatch.engine import DESK_PARAM, ChangeFeed, EngineConfig, LiveEngine, is_desk_record
from borderwatch.engine.bounds import MessageBounds
from borderwatch.engine.supervisor import EngineStatus
from borderwatch.errors import DataError
from borderwatch.geo import Layout, load_sites
from borderwatch.geo.registry import Registry
from borderwatch.ingest.base import IngestStats
from borderwatch.ingest.identity import IdentityPolicy, PlainPolicy, load_policy
from borderwatch.messages import Incident, OperatorAction
from borderwatch.oversight.journal import Journal
from borderwatch.oversight.journal import fingerprint as journal_fingerprint
from borderwatch.oversight.library import ReportLibrary
from borderwatch.oversight.recorder import JournalFeed, JournalledSupervisor, Recorder
from borderwatch.oversight.schedule import ReportSchedule
from borderwatch.service.admission import Admission
from borderwatch.service.heap import HeapTrim
from borderwatch.service.tak import TakClients
from borderwatch.service.tak_filters import load_filters
from borderwatch.store import EventLog, LogWriter, Synchronous
from borderwatch.store.chain import AuditKey
from borderwatch.store.quarantine import Quarantine

__all__ = ["Service", "ServiceOptions"]

_ID = re.compile(r"^[A-Za-z0-9_.:/\-]{1,64}$")  # messages.common.Id

log = logging.getLogger(__name__)

# An operator's action is durable once logged; the API answers after the engine applied it,
# or after this long whatever the engine is doing (the action is then applied when it can).
ACTION_WAIT_S = 5.0
# Ready: rebuilt from the log and at most this many events behind it.
READY_LAG_EVENTS = 50_000
# The loop feeding the engine, if it fails outside an event: wait this long, doubling, then
# follow the log again from the last event taken in.
RESTART_BACKOFF_S = (0.5, 30.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceOptions:
    """What a service is started with (the command line's `run` options)."""

    data: DataDir = field(default_factory=DataDir)
    sites: Path | None = None
    # Watch only these sectors (a sector station, a test); None: every sector of the layout.
    sectors: tuple[str, ...] | None = None
    config: EngineConfig = field(default_factory=EngineConfig)
    synchronous: Synchronous = "FULL"
    gateways: tuple[str, ...] = ()
    # Who may speak for what (ingest.identity); None: DATA/identity.toml, if there is one.
    identity: IdentityPolicy | None = None
    # Added to that policy from the command line: sensors the plain CoT ports may carry ("*":
    # all), and the embedded twin's patrols from loopback (`run --twin`).
    plain_sensors: tuple[str, ...] = ()
    loopback_patrols: bool = False
    # How often the identity refusals since the last time go into the audit trail.
    audit_refusals_s: float = 10.0
    # Frames the change feed keeps for consoles that reconnect (older ones get a reset); of
    # the tracks frames (each holds every track) only the last 60, 5 min of snapshots.
    keep_frames: int = 2_000
    # The engine's last good state is taken (and written to the data directory) this often,
    # wall seconds: what a fault goes back to, and what a restart starts from.
    checkpoint_every_s: float = 30.0
    # Record the engine's derivations into the derived journal (DATA/oversight), written
    # about every `journal_every_s` of wall time, and at the end.
    journal: bool = True
    journal_every_s: float = 1.0
    # The daily, weekly and monthly reports made when due (oversight.schedule), checked this
    # often (wall s; None: never, e.g. where `borderwatch report due` runs from cron), in
    # these languages and formats.
    reports_every_s: float | None = 300.0
    report_langs: tuple[str, ...] = ("ar", "fr", "en")
    report_formats: tuple[str, ...] = ("pdf",)
    # How often the C heap's free pages go back to the system (service.heap; wall s; None:
    # never): without it resident memory creeps up under a steady feed.
    heap_trim_every_s: float | None = 60.0


def _fingerprint(options: ServiceOptions, registry: Registry) -> str:
    """What the engine's picture depends on besides the log: the code, the settings, the
    sensors (a checkpoint of other ones is not this picture)."""
    import hashlib

    import borderwatch

    h = hashlib.sha256(msgspec.json.encode(options.config))
    h.update(repr(sorted(registry.places.items())).encode())
    # The code itself, not only its version number: a checkpoint pickles the engine's objects.
    for path in sorted(Path(borderwatch.__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return f"{borderwatch.__version__}:{h.hexdigest()}"


def _journal(options: ServiceOptions, registry: Registry, quarantine: Quarantine) -> Journal | None:
    """The derived journal of this code, settings and sensors (emptied if it was made with
    another quarantine), or None if it cannot be opened (reports then replay the log)."""
    if not options.journal:
        return None
    try:
        journal = Journal.open(options.data.root, journal_fingerprint(options.config, registry))
        if not journal.trusted(quarantine.held()):
            log.info("the derived journal was made with another quarantine: emptied")
            journal.reset()
    except DataError as exc:
        log.warning("no derived journal (%s): reports will replay the log", exc)
        return None
    return journal


def _identity(options: ServiceOptions) -> IdentityPolicy:
    """The identity policy: given, or the data directory's file, plus the command line's."""
    policy = options.identity or load_policy(options.data.root / "identity.toml")
    plain = PlainPolicy(
        sensors=policy.plain.sensors | frozenset(options.plain_sensors),
        loopback_patrols=policy.plain.loopback_patrols or options.loopback_patrols,
    )
    return IdentityPolicy(plain=plain, grants=policy.grants)


class Service:
    """Everything one running borderwatch holds. Use `async with Service.start(...)`."""

    def __init__(
        self,
        options: ServiceOptions,
        layout: Layout,
        registry: Registry,
        log_: EventLog,
        writer: LogWriter,
        users: UserStore,
        quarantine: Quarantine,
        clock: Callable[[], int],
    ) -> None:
        self.options = options
        self.layout = layout
        self.registry = registry
        self.log = log_
        self.writer = writer
        self.users = users
        self.tokens = TokenService(signing_key(options.data.token_key), users)
        self.stats = IngestStats()
        self.feed: ChangeFeed = JournalFeed(keep=options.keep_frames)
        config = options.config
        self.engine = LiveEngine(registry, self.feed, config)
        self.quarantine = quarantine
        self.supervisor = JournalledSupervisor(
            self.engine,
            log_,
            quarantine,
            snapshot_every_s=options.checkpoint_every_s,
            checkpoint=options.data.root / "engine.checkpoint",
            fingerprint=_fingerprint(options, registry),
        )
        # What the engine derives goes into the journal as it happens (oversight.recorder):
        # a report then reads a week of it instead of replaying the week.
        self.journal = _journal(options, registry, quarantine)
        if self.journal is not None:
            self.supervisor.recorder = Recorder(self.journal, self.engine, self.feed)
        self._journal_at = 0.0
        self.supervisor.resume()
        first = next(iter(log_.read(limit=1)), None)
        self._log_start_ns = None if first is None else first.time_ns
        self.reports = ReportSchedule(
            ReportLibrary(options.data.root),
            clock,
            self._log_start,
            config,
            registry,
            options.report_langs,
            options.report_formats,
        )
        filters = load_filters(options.data.root / "tak.toml")
        self.admission = Admission(
            MessageBounds.of(registry, config.bounds),
            writer,
            gateways=options.gateways,
            identity=_identity(options),
            time_bounds=config.time,
            clock=clock,
            log_start_ns=None if first is None else first.time_ns,
            links={name: link.partner for name, link in filters.federation.items()},
        )
        self.engine_restarts = 0
        self.clock = clock
        # The picture out to TAK clients, their tasking and what their devices send: the
        # CoT listeners' hub (`tak.py`), following the change feed.
        self.tak = TakClients(
            self,
            filters=filters,
            data_root=options.data.root,
        )
        self.started_ns = clock()
        self.rebuilt = asyncio.Event()
        self._actions = asyncio.Lock()
        every = options.heap_trim_every_s
        self.heap = HeapTrim(every) if every is not None else None
        self._engine_task: asyncio.Task[None] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls, options: ServiceOptions, clock: Callable[[], int] = time.time_ns
    ) -> AsyncIterator[Service]:
        """Open the data directory and run the engine until the block ends."""
        data = options.data.create()
        layout = load_sites(options.sites)
        if options.sectors is not None:
            layout = layout.in_sectors(set(options.sectors))
        registry = Registry.from_layout(layout)
        event_log = EventLog(
            data.root / "events.sqlite",
            synchronous=options.synchronous,
            audit_key=AuditKey.load_or_create(data.root / "audit.key"),
        )
        users = UserStore(data.accounts)
        quarantine = Quarantine(data.root / "quarantine.sqlite")
        try:
            writer = LogWriter(event_log, clock=clock)
            service = cls(options, layout, registry, event_log, writer, users, quarantine, clock)
            service._engine_task = asyncio.create_task(service._supervise(), name="engine")
            audits = asyncio.create_task(service._audit_refusals(), name="audit-refusals")
            tak = asyncio.create_task(service.tak.run(), name="tak-out")
            reports = asyncio.create_task(service._scheduled_reports(), name="reports")
            heap = asyncio.create_task(service._trim_heap(), name="heap-trim")
            try:
                yield service
            finally:
                for task in (audits, tak, reports, heap):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                with contextlib.suppress(Exception):
                    await service.flush_refusals()  # the last of them, before the log closes
                await writer.close()
                if service._engine_task is not None:
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.wait_for(service._engine_task, timeout=30)
                service.commit_journal(now=True)
                if service.journal is not None:
                    service.journal.close()
        finally:
            users.close()
            quarantine.close()
            event_log.close()

    async def _supervise(self) -> None:
        """Follow the log until it closes; if following fails (not an event: the supervisor
        takes those), say so, wait, and follow again from the last event taken in."""
        backoff = RESTART_BACKOFF_S[0]
        while True:
            try:
                await self._follow()
                return
            except Exception:
                self.engine_restarts += 1
                log.exception(
                    "the engine's loop failed; following the log again in %.1f s", backoff
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RESTART_BACKOFF_S[1])

    async def _follow(self) -> None:
        """The engine's loop: everything logged so far, then each commit as it comes."""
        target = self.writer.last_seq
        if target <= self.engine.seq:
            self.rebuilt.set()
        t0 = time.perf_counter()
        async for committed in self.writer.subscribe(after=self.engine.seq):
            await self.supervisor.take_all(committed.seqs, committed.messages, committed.arrived_ns)
            await self.engine.notify()
            self.commit_journal()
            if not self.rebuilt.is_set() and self.engine.seq >= target:
                log.info(
                    "picture rebuilt from %d logged events in %.1f s",
                    target,
                    time.perf_counter() - t0,
                )
                self.rebuilt.set()
            await asyncio.sleep(0)  # let ingest and the API run between batches

    def _log_start(self) -> int | None:
        """The event time of the log's first event (None while it is empty)."""
        if self._log_start_ns is None:
            first = next(iter(self.log.read(limit=1)), None)
            self._log_start_ns = None if first is None else first.time_ns
        return self._log_start_ns

    async def _trim_heap(self) -> None:
        if self.heap is not None:
            await self.heap.run()

    async def _scheduled_reports(self) -> None:
        """Make each report when it is due (`oversight.schedule`), one at a time in a
        worker thread: a report reads files, never the engine."""
        every = self.options.reports_every_s
        if every is None:
            return
        while True:
            await asyncio.sleep(every)
            for kind, day in self.reports.due():
                self.commit_journal(now=True)  # the report reads what the engine has taken
                await asyncio.to_thread(self.reports.make, kind, day)

    def commit_journal(self, now: bool = False) -> None:
        """Write what the engine derived since the last time into the journal, if
        `journal_every_s` has passed (or `now`); a failure costs reports a replay, never
        the engine."""
        if self.supervisor.recorder is None:
            return
        t = time.monotonic()
        if not now and t - self._journal_at < self.options.journal_every_s:
            return
        self._journal_at = t
        self.supervisor.commit_journal()

    async def act(self, action: OperatorAction) -> Incident | None:
        """Check, log and apply one operator action; returns the incident it changed.

        Actions are taken one at a time, so what is checked is what the engine will see:
        an action refused here is never logged, and one logged is never refused later.
        """
        async with self._actions:
            self.engine.check(action)
            seqs = await self.writer.append([action], f"user:{action.user}")
            if is_desk_record(action):
                return None  # the engine has nothing to apply: the desk did
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.engine.processed(seqs[-1]), ACTION_WAIT_S)
        return self.engine.incidents.get(action.target or "")

    async def record_desk(self, seq: int, action: OperatorAction) -> None:
        """Log an operator's action the room's desk took (`DESK` seq `seq`, on a fusion
        workers' incident: `stations.desk`) into the audit trail, as `act` logs any, unless
        it is there already: a console folds `DESK` from its start at every start, so what
        a failed log or a crash left out is logged then."""
        if await asyncio.to_thread(self._in_trail, action):
            return
        await self.act(
            msgspec.structs.replace(action, params={**action.params, DESK_PARAM: str(seq)})
        )

    def _in_trail(self, action: OperatorAction) -> bool:
        return any(
            isinstance(e.message, OperatorAction) and e.message.id == action.id
            for e in self.log.audit(target=action.target)
        )

    def engine_status(self) -> EngineStatus:
        """The engine's status: lag, last step, faults, quarantine (the API, /readyz)."""
        status = self.supervisor.status(self.writer.last_seq, self.clock(), self.rebuilt.is_set())
        ready = status.ready and status.lag_events <= READY_LAG_EVENTS
        return msgspec.structs.replace(status, ready=ready)

    async def _audit_refusals(self) -> None:
        while True:
            await asyncio.sleep(self.options.audit_refusals_s)
            try:
                await self.flush_refusals()
            except Exception:  # the log refused (full disk): the counters still have them
                log.exception("identity refusals not audited")

    async def flush_refusals(self) -> int:
        """Log one `ingest_refused` action per principal and code refused since the last
        flush (who, which code, how many, one reason); returns how many were logged."""
        drained = self.admission.speakers.drain()
        for principal, code, count, reason in drained:
            user = principal if _ID.match(principal) else "unknown"
            action = OperatorAction(
                id=self.new_action_id(),
                user=user,
                agency="system",
                role="system",
                time_ns=self.clock(),
                action="ingest_refused",
                params={
                    "source": principal[:200],
                    "code": code,
                    "count": str(count),
                    "reason": reason[:200],
                },
            )
            await self.act(action)
        return len(drained)

    def new_action_id(self) -> str:
        """A fresh id for an operator action (random: ids must never repeat across restarts)."""
        return f"A{uuid.uuid4().hex[:20]}"
