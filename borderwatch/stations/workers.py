"""Fusion workers per sector: the operations room's picture split across processes.

A `SectorWorker` owns a set of sectors. It reads `BORDER` through a durable consumer of its
own (from the start whenever it starts, as the room does: a restarted worker rebuilds its
picture), drops what it has seen by message id, merges the stations by their arrival clocks
(`stations.merge`) and takes every message into its picture, tracking only the detections
of its sectors and their neighbours; it publishes the tracks, alerts and incidents of its
own sectors to the `PICTURE` stream, one subject per sector (`bw.picture.<sector>`).
Handover at sector edges and the names that do not depend on the worker are
`stations.handover`'s.

Why every worker reads every station's messages rather than a subject filtered to its
sectors: a station stores what it takes in as bundles (`stations.bundle`), each holding
messages of all its sectors, so a subject filter could only filter by station; and the
picture's clock, its sensors' health and what the reorder window releases when must be
those of the whole border for every worker to make the very picture one worker makes.
Reading and decoding are cheap (a few microseconds a message); tracking, the dear part,
is what is split.

`PICTURE` holds each sector's outputs in the order its owner made them, in messages of
many outputs: `Bw-First` numbers a message's first output in its sector's sequence, so a
reader skips what it has (a restarted worker publishes its sectors again from the start,
and JetStream drops a message sent again with the same `Nats-Msg-Id` within an hour).
`Bw-Snapshot` is the time of the latest scene the worker's picture had made; a scene that
gave a sector nothing still gets a message (no outputs, its time), so a reader knows the
sector has no track then (`stations.picture`, the console's). `Bw-Before` says every
scene before that time is published, and on the sectors next to another worker's each
track's latest evidence keys ride along (`Bw-Keys`): a neighbour that first publishes a
track waits for the first and matches the second to take the track's name
(`stations.handover`, `stations.neighbours`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from borderwatch.engine import EngineConfig, load_config
from borderwatch.engine.live import MINUTE_NS
from borderwatch.engine.picture import Output
from borderwatch.errors import MessageError
from borderwatch.geo import build_sectors, load_border, load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, Detection, Incident, Track, decode_lines, encode_lines
from borderwatch.stations.bundle import Inbound, decode_bundle
from borderwatch.stations.handover import Handover, NamedPicture, halo, sensors_reaching
from borderwatch.stations.merge import StationMerge
from borderwatch.stations.neighbours import Neighbours
from borderwatch.stations.subjects import (
    ARRIVED,
    BEFORE,
    BORDER_STREAM,
    COUNT,
    FIRST,
    KEYS,
    MSG_ID,
    STATION,
    source_stream,
    station_stream,
)
from borderwatch.stations.watch import disconnected, retrying, stopped

__all__ = [
    "PICTURE_STREAM",
    "SNAPSHOT",
    "SectorWorker",
    "picture_subjects",
    "read_picture",
    "run_worker",
    "worker_name",
]

log = logging.getLogger(__name__)

PICTURE_STREAM = "PICTURE"
PICTURE_SUBJECTS = "bw.picture"
SNAPSHOT = "Bw-Snapshot"  # the latest scene's time (ns) when a PICTURE message was published
FETCH = 16  # JetStream messages (bundles of up to 2,000) per fetch, as the room
STREAM_NAME_IN_USE = 10058
SUBJECTS_OVERLAP = 10065
DEDUP_HORIZON_NS = 48 * 3600 * 1_000_000_000
PRUNE_EVERY = 100_000


def worker_name(own: Iterable[str]) -> str:
    """A worker's durable consumer name from its sectors (`fusion-N02-N03`)."""
    name = "fusion-" + "-".join(sorted(own))
    if len(name) <= 48:
        return name
    return "fusion-" + hashlib.blake2b(name.encode(), digest_size=6).hexdigest()


def picture_subjects(stream: str) -> str:
    """The subjects' prefix of a picture stream: `bw.picture` for `PICTURE`, else
    `bw.picture-<its name>` (a second stream, a benchmark's, never overlaps the first)."""
    if stream == PICTURE_STREAM:
        return PICTURE_SUBJECTS
    return "bw.picture-" + stream.lower().replace("_", "-")


def picture_stream_config(
    stream: str = PICTURE_STREAM, subjects: str = PICTURE_SUBJECTS, replicas: int = 3
) -> StreamConfig:
    """The stream the workers publish the room's picture to, a subject per sector."""
    return StreamConfig(
        name=stream,
        subjects=[f"{subjects}.>"],
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=3600.0,
    )


class SectorWorker:
    """The room's picture for the sectors `own`, from `BORDER` on the cluster at `urls`
    (`registry`: every sector's sensors; `stations`: every station BORDER sources)."""

    def __init__(
        self,
        urls: list[str],
        stations: Sequence[str],
        registry: Registry,
        own: Iterable[str],
        config: EngineConfig | None = None,
        replicas: int = 3,
        picture_stream: str = PICTURE_STREAM,
        neighbours: Iterable[str] | None = None,
    ) -> None:
        self.urls = urls
        self.stations = sorted(stations)
        self.registry = registry
        self.config = config or EngineConfig()
        self.own = frozenset(own)
        order = [s.id for s in build_sectors(load_border())]
        self.tracked = halo(self.own, order)
        # The sectors next to ours that other workers own (by default those the registry
        # has sensors in): a track first published here takes the name it had there.
        if neighbours is None:
            neighbours = {p.sector for p in registry.places.values()}
        self.neighbours = sorted((self.tracked - self.own) & set(neighbours))
        # Our sectors next to theirs: the ones they read, so the only ones whose messages
        # carry the tracks' keys and say how far they are published as soon as it changes.
        self.edges = frozenset(self.own & halo(self.neighbours, order))
        # The sensors whose detections this worker tracks: those that reach its sectors or
        # their neighbours (a radar or camera may see into the next sector but one).
        self.tracked_sensors = sensors_reaching(
            registry, self.tracked, self.config.bounds.radar_range_margin
        )
        self.name = worker_name(self.own)
        self.replicas = replicas
        self.picture_stream = picture_stream
        self.picture_subjects = picture_subjects(picture_stream)
        self.picture: NamedPicture | None = None  # made at the first message, as the room's
        self.handover: Handover | None = None
        self.merge: StationMerge[Inbound] = StationMerge(self.stations)
        # Ids seen, with their arrival time: forgotten 48 h of station clock later, as the
        # room forgets them (`Centre.seen`); scanned after as many new ids as are kept.
        self.seen: dict[str, int] = {}
        self._next_prune = PRUNE_EVERY
        self.clock_ns = 0
        self.received = self.duplicates = self.undecodable = self.read_failures = 0
        self.impersonations: dict[str, int] = {}  # "station-a as station-b": refused
        self.taken = 0  # messages taken into the picture
        self.tracked_in = 0  # of those, detections tracked here
        self.engine_faults = 0
        self.published: dict[str, int] = {}  # outputs published per own sector
        self.snapshots: dict[str, int] = {}  # per own sector: the latest scene said (ns)
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._task: asyncio.Task[None] | None = None
        self._stepping = asyncio.Lock()
        self._names: Neighbours | None = None
        self._scenes: list[int] = []  # the scenes made in this step (ns)
        self._last_scene = 0  # the latest scene made before it
        self.befores: dict[str, int] = {}  # per own sector: every scene before this is said

    async def start(self) -> None:
        """Connect, make `PICTURE` if need be and a fresh durable consumer on `BORDER` from
        its first message, and start reading."""
        self._nc = await nats.connect(
            self.urls, name=self.name, max_reconnect_attempts=-1, reconnect_time_wait=0.5
        )
        js = self._js = self._nc.jetstream(timeout=5.0)
        config = picture_stream_config(self.picture_stream, self.picture_subjects, self.replicas)
        if self.neighbours:
            self._names = Neighbours(
                js, self.picture_stream, self.picture_subjects, self.neighbours
            )
            await self._names.start(self._nc)

        async def stream() -> object:
            try:
                return await js.add_stream(config)
            except nats.js.errors.BadRequestError as exc:
                if exc.err_code == SUBJECTS_OVERLAP:
                    raise  # another stream has these subjects: no retry mends that
                if exc.err_code != STREAM_NAME_IN_USE:
                    raise nats.js.errors.ServiceUnavailableError from exc
                return await js.stream_info(config.name or PICTURE_STREAM)

        await retrying(f"stream {self.picture_stream}", stream)

        async def fresh_consumer() -> None:
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await js.delete_consumer(BORDER_STREAM, self.name)

        await retrying("consumer from the start", fresh_consumer)
        consumer = ConsumerConfig(
            durable_name=self.name, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL
        )
        sub = await retrying(
            "consumer",
            lambda: js.pull_subscribe("", durable=self.name, stream=BORDER_STREAM, config=consumer),
        )
        self._task = asyncio.create_task(self._run(sub), name=self.name)

    async def close(self) -> None:
        """Stop reading and disconnect."""
        await stopped(self._task)
        await disconnected(self._nc)
        self._task, self._nc = None, None

    def check(self) -> None:
        """Raise what stopped the reader, if anything did."""
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            exc = task.exception()
            if exc is not None:
                raise RuntimeError(f"{self.name} stopped reading: {exc!r}") from exc

    async def _run(self, sub: JetStreamContext.PullSubscription) -> None:
        failing = False
        while True:
            try:
                msgs: list[Msg] = await sub.fetch(FETCH, timeout=1.0)
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            except (nats.errors.Error, nats.js.errors.Error) as exc:
                if not failing:  # a node gone, a leader being elected: read on
                    log.warning("%s: reading BORDER failed (%r); retrying", self.name, exc)
                    failing = True
                self.read_failures += 1
                await asyncio.sleep(0.5)
                continue
            failing = False
            for m in msgs:
                self._hold(m)
            for m in msgs:
                with contextlib.suppress(nats.errors.Error):
                    await m.ack()
            await self._step(flush=False)

    async def _step(self, flush: bool) -> None:
        """Take in what the merge releases (everything and the rest of the reorder window,
        if `flush`) and publish what it makes. One step at a time: a sector's outputs are
        numbered and published in the order they were made."""
        async with self._stepping:
            made = self._take(self.merge.release(flush))
            if flush and self.picture is not None:
                made += list(self.picture.take_all(()))
            await self._emit(made)

    async def _emit(self, made: list[Output]) -> None:
        """Rename and publish what the picture made, in order. Before the first scene that
        publishes a track here, what came before that scene is published (`Bw-Before`: so a
        neighbour waiting for it goes on) and the neighbours are read through the scene
        before, for the track to take the name it had there (`Handover.decide`)."""
        handover = self.handover
        if handover is None:
            return
        scenes = self._scenes
        if self.picture is not None:
            scenes.extend(self.picture.scene_times)
            self.picture.scene_times.clear()
        names, owned = self._names, handover.owned
        pending: list[tuple[str, Output, tuple[str, ...]]] = []
        read_to = 0  # the neighbours are read through the scenes before this
        for out in made:
            if names is not None and type(out) is Track and handover.undecided(out):
                t = out.time_ns
                if t != read_to and not await names.ready(t):
                    # About to wait: first say how far we are, for a neighbour may be
                    # waiting for us (it waits for scenes before its own, never ours).
                    earlier = [s for s in scenes if s < t]
                    await self._publish(pending, max(earlier, default=self._last_scene), t)
                    pending = []
                    await names.through(t)
                read_to = t
                handover.decide(out, names.heard)
            pending.extend(owned((out,)))
        scene = max(scenes, default=self._last_scene)
        self._last_scene, self._scenes = scene, []
        await self._publish(pending, scene, scene + 1 if scene else 0)

    def _hold(self, m: Msg) -> None:
        """A bundle of BORDER into the merge; its messages seen before dropped by id."""
        headers = m.headers or {}
        station = headers.get(STATION)
        if station not in self.merge.queues or ARRIVED not in headers:
            self.undecodable += 1
            return
        source = source_stream(headers)
        if source != station_stream(station):  # a station speaking as another (subjects.py)
            key = f"{(source or 'no source').lower().replace('_', '-')} as {station}"
            self.impersonations[key] = self.impersonations.get(key, 0) + 1
            return
        if m.subject.endswith(".clock"):
            with contextlib.suppress(ValueError):
                self.merge.tick(station, int(headers[ARRIVED]))
            return
        if not m.subject.endswith(".batch"):
            # single messages of the first version's stations: the room takes them; the
            # workers, made after bundles, do not
            self.undecodable += 1
            return
        try:
            bundle = decode_bundle(m.data)
        except MessageError:
            self.undecodable += 1
            return
        seen, add = self.seen, self.merge.add
        for mid, arrived, message in zip(bundle.ids, bundle.arrived, bundle.messages, strict=True):
            if mid in seen:
                self.duplicates += 1
                continue
            seen[mid] = arrived
            if isinstance(message, MessageError):
                self.undecodable += 1
                continue
            add(station, arrived, message)
            self.received += 1
        if bundle.arrived:
            self.clock_ns = max(self.clock_ns, bundle.arrived[-1])
        if len(seen) >= self._next_prune:
            oldest = self.clock_ns - DEDUP_HORIZON_NS
            self.seen = {k: t for k, t in seen.items() if t >= oldest}
            self._next_prune = len(self.seen) + max(PRUNE_EVERY, len(self.seen))

    def _take(self, released: Iterable[tuple[str, int, Inbound]]) -> list[Output]:
        """Each released message into the picture; what it made, in order."""
        out: list[Output] = []
        tracked_sensors, places = self.tracked_sensors, self.registry.places
        for station, arrived, message in released:
            picture = self.picture
            if picture is None:
                # The room's epoch: the minute of the first message (every worker reads the
                # same first message, so computes with the very same numbers).
                epoch = message.time_ns - message.time_ns % MINUTE_NS
                picture = self.picture = NamedPicture(
                    self.registry, epoch, self.config, own=self.own
                )
                self.handover = Handover(self.own, picture)
            track = True
            if type(message) is Detection:
                sid = message.sensor_id
                # a sensor the registry does not place (a patrol's report): every worker
                track = sid in tracked_sensors or sid not in places
                self.tracked_in += track
            self.taken += 1
            try:
                out.extend(picture.take(message, arrived, track))
            except Exception as exc:  # one event must not stop the picture
                self.engine_faults += 1
                log.warning("%s: the engine failed on %s's message: %r", self.name, station, exc)
        return out

    async def _publish(
        self, owned: list[tuple[str, Output, tuple[str, ...]]], scene_ns: int, before_ns: int
    ) -> None:
        """The owned outputs to PICTURE: one message per sector, numbered in its sequence,
        stamped with the latest scene's time and with `before_ns` (every scene before it
        is published), its tracks' evidence keys beside; a sector with nothing new whose
        latest scene, or `before_ns`, is newer than it said gets a message without outputs
        saying so."""
        if self._js is None:
            return
        by_sector: dict[str, list[Output]] = {}
        keys: dict[str, list[tuple[str, ...]]] = {}
        edges = self.edges
        for sector, item, held in owned:
            by_sector.setdefault(sector, []).append(item)
            if sector in edges and type(item) is Track:
                keys.setdefault(sector, []).append(held)
        if scene_ns or before_ns:
            for sector in self.own:
                if scene_ns > self.snapshots.get(sector, 0) or (
                    sector in edges and before_ns > self.befores.get(sector, 0)
                ):
                    by_sector.setdefault(sector, [])
        acks = []
        for sector, items in sorted(by_sector.items()):
            first = self.published.get(sector, 0)
            self.published[sector] = first + len(items)
            self.snapshots[sector] = max(self.snapshots.get(sector, 0), scene_ns)
            self.befores[sector] = max(self.befores.get(sector, 0), before_ns)
            # An empty message's id names its scene and how far it says the sector is
            # published: two in a row have the same first.
            mid = (
                f"{sector}/{first}/{len(items)}"
                if items
                else f"{sector}/{first}/0@{scene_ns}<{before_ns}"
            )
            headers = {
                MSG_ID: mid,
                FIRST: str(first),
                COUNT: str(len(items)),
                STATION: self.name,
                SNAPSHOT: str(scene_ns),
                BEFORE: str(before_ns),
            }
            if sector in keys:
                headers[KEYS] = json.dumps(keys[sector], separators=(",", ":"))
            subject = f"{self.picture_subjects}.{sector}"
            acks.append(await self._js.publish_async(subject, encode_lines(items), headers=headers))
        await asyncio.gather(*acks)

    @property
    def busy(self) -> bool:
        """Whether a step is under way (taking in, publishing, or waiting for a neighbour)."""
        return self._stepping.locked()

    async def finish(self) -> None:
        """Take in whatever the merge still holds and the rest of the reorder window, and
        publish it (the run is over: nothing more comes). Workers of neighbouring sectors in
        one process finish together (`asyncio.gather`): one may wait for the other's last
        scenes."""
        self.check()
        await self._step(flush=True)

    def summary(self) -> dict[str, object]:
        """What the worker took in and published."""
        return {
            "worker": self.name,
            "own": sorted(self.own),
            "tracked_sectors": sorted(self.tracked),
            "received": self.received,
            "duplicates": self.duplicates,
            "undecodable": self.undecodable,
            "impersonations": dict(sorted(self.impersonations.items())),
            "read_failures": self.read_failures,
            "engine_faults": self.engine_faults,
            "taken": self.taken,
            "tracked": self.tracked_in,
            "published": dict(sorted(self.published.items())),
            "unnamed": 0 if self.handover is None else self.handover.unnamed,
            "neighbours": self.neighbours,
            "names_taken": 0 if self.handover is None else self.handover.adopted,
            "neighbour_waits": 0 if self._names is None else self._names.waits,
            "neighbour_waited_s": 0.0 if self._names is None else round(self._names.waited_s, 3),
        }


async def run_worker(
    root: Path, own: list[str], stream: str = PICTURE_STREAM, until_idle_s: float | None = None
) -> dict[str, object]:
    """A worker for the system running under `root` (`ROOT/stations.json`: its cluster and
    stations), owning `own`, until cancelled or, with `until_idle_s`, until nothing new came
    for that long; then what it holds is taken in and published. Its summary."""
    state_file = root / "stations.json"
    try:
        state = json.loads(state_file.read_text())
        urls = [n["url"] for n in state["cluster"]]
        stations = {st["name"]: st["sectors"] for st in state["stations"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{state_file}: no running system described there ({exc})") from exc
    sectors = {s for ss in stations.values() for s in ss}
    unknown = set(own) - sectors
    if unknown or not own:
        raise ValueError(
            f"sectors {', '.join(sorted(unknown)) or '(none)'}: the system runs "
            f"{', '.join(sorted(sectors))}"
        )
    registry = Registry.from_layout(load_sites().in_sectors(sectors))
    worker = SectorWorker(
        urls, sorted(stations), registry, own, load_config(), picture_stream=stream
    )
    await worker.start()
    try:
        received, quiet_since = -1, time.monotonic()
        while until_idle_s is None or time.monotonic() - quiet_since < until_idle_s:
            worker.check()
            # a worker waiting for a neighbour reads nothing meanwhile: not idle
            if worker.received != received or worker.busy:
                received, quiet_since = worker.received, time.monotonic()
            await asyncio.sleep(0.2)
        await worker.finish()
    finally:
        await worker.close()
    return worker.summary()


async def read_picture(
    nc: Client, stream: str = PICTURE_STREAM, timeout_s: float = 5.0
) -> dict[str, list[Output]]:
    """Every sector's outputs in `stream`, in order, each once (a message republished by a
    restarted worker skipped by its numbers)."""
    js = nc.jetstream(timeout=timeout_s)
    info = await js.stream_info(stream)
    parts: dict[str, list[tuple[int, bytes]]] = {}
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        raw = await js.get_msg(stream, seq)
        sector = (raw.subject or "").rsplit(".", 1)[-1]
        parts.setdefault(sector, []).append((int((raw.headers or {})[FIRST]), raw.data or b""))
    out: dict[str, list[Output]] = {}
    for sector, pieces in sorted(parts.items()):
        have = out[sector] = []
        for first, data in sorted(pieces, key=lambda p: p[0]):
            for k, item in enumerate(decode_lines(data.splitlines(keepends=True))):
                if first + k == len(have) and isinstance(item, Track | Alert | Incident):
                    have.append(item)
    return out
