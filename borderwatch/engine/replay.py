"""Replay through the engine, to files: tracks.jsonl, alerts.jsonl and incidents.jsonl (each
written to a `.part` file and renamed when complete).

Two sources, one engine:
- a run directory of the twin (`messages.jsonl`, in arrival order): `replay_run`; its own
  times are the clock;
- a service's event log (`events.sqlite` in a data directory): `replay_log`, through the very
  `LiveEngine` the service runs, with each event's logged arrival time as the clock, the
  operators' actions included and the quarantined events skipped, so its ids and files are
  those of the live run: a reviewer can point from a replay to the incident an operator worked.

Replaying twice gives byte-identical files: the engine runs on the log alone.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from borderwatch.engine.changes import ChangeFeed, Frame, FrameKind, Item
from borderwatch.engine.config import EngineConfig
from borderwatch.engine.live import LiveEngine
from borderwatch.engine.picture import Picture
from borderwatch.errors import DataError
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.geo.sites import DEFAULT_SITES
from borderwatch.messages import Alert, Incident, Track, decode_file, encode_lines
from borderwatch.store import EventLog

__all__ = ["OUTPUTS", "replay_log", "replay_run"]


OUTPUTS: tuple[tuple[str, type[Track | Alert | Incident]], ...] = (
    ("tracks.jsonl", Track),
    ("alerts.jsonl", Alert),
    ("incidents.jsonl", Incident),
)
FLUSH_EVERY = 10_000


class _Files:
    """The three output files, written in batches and renamed into place when complete."""

    def __init__(self, stack: ExitStack, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.dst: dict[type, IO[bytes]] = {
            kind: stack.enter_context((out_dir / f"{name}.part").open("wb"))
            for name, kind in OUTPUTS
        }
        self.name_of = {kind: name for name, kind in OUTPUTS}
        self.pending: dict[type, list[Track | Alert | Incident]] = {k: [] for k in self.dst}
        self.n = dict.fromkeys((name for name, _ in OUTPUTS), 0)

    def add(self, item: Track | Alert | Incident) -> None:
        out = self.pending[type(item)]
        out.append(item)
        if len(out) >= FLUSH_EVERY:
            self._flush(type(item))

    def _flush(self, kind: type) -> None:
        out = self.pending[kind]
        self.dst[kind].write(encode_lines(out))
        self.n[self.name_of[kind]] += len(out)
        out.clear()

    def finish(self) -> None:
        for kind in self.pending:
            self._flush(kind)
            self.dst[kind].close()
        for name, _ in OUTPUTS:
            os.replace(self.out_dir / f"{name}.part", self.out_dir / name)

    def summary(self) -> dict[str, int]:
        return {
            "tracks_written": self.n["tracks.jsonl"],
            "alerts_written": self.n["alerts.jsonl"],
            "incident_updates_written": self.n["incidents.jsonl"],
        }


def replay_run(
    run_dir: Path,
    out_dir: Path,
    sites: Path | None = None,
    config: EngineConfig | None = None,
) -> dict[str, Any]:
    """Run the engine over a run's messages; write its tracks, alerts and incidents to
    `out_dir`; return how many of each and what happened to the input."""
    try:
        meta = json.loads((run_dir / "scenario.json").read_text())
        ids, epoch = set(meta["sectors"]), int(meta["start_ns"])
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{run_dir}: not a run directory ({exc})") from exc
    if sites is None and meta.get("sites", DEFAULT_SITES.name) != DEFAULT_SITES.name:
        raise DataError(f"{run_dir} used the site layout {meta['sites']}: pass it with --sites")
    layout = load_sites(sites).in_sectors(ids)
    picture = Picture(Registry.from_layout(layout), epoch, config)
    t0 = time.perf_counter()
    try:
        with ExitStack() as stack:
            src = stack.enter_context((run_dir / "messages.jsonl").open("rb"))
            files = _Files(stack, out_dir)
            for item in picture.take_all(decode_file(src)):
                files.add(item)
            files.finish()
    except OSError as exc:
        raise DataError(f"{run_dir}: {exc}") from exc
    return {
        **files.summary(),
        "wall_s": round(time.perf_counter() - t0, 2),
        "input": picture.counts,
    }


class RecordingFeed(ChangeFeed):
    """A change feed that also hands every track, alert and incident it publishes to
    `record` (a replay's files), in the order the live engine published them."""

    def __init__(self, record: _Files) -> None:
        super().__init__(keep=1, keep_tracks=1)
        self.record = record

    def publish(self, kind: FrameKind, time_ns: int, items: tuple[Item, ...]) -> Frame:
        """Publish, and record what the files hold."""
        for item in items:
            if isinstance(item, Track | Alert | Incident):
                self.record.add(item)
        return super().publish(kind, time_ns, items)


def replay_log(
    log_path: Path,
    out_dir: Path,
    registry: Registry,
    config: EngineConfig | None = None,
    skip: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """Run the live engine over an event log (skipping the seqs in `skip`: the quarantined);
    write what it published to `out_dir`; return how many of each and what happened."""
    if not log_path.is_file():
        raise DataError(f"{log_path}: no event log there")
    t0 = time.perf_counter()
    try:
        with ExitStack() as stack:
            log = stack.enter_context(EventLog(log_path))
            files = _Files(stack, out_dir)
            engine = LiveEngine(registry, RecordingFeed(files), config)
            for seq, message, arrived_ns in _events(log, skip):
                engine.take(seq, message, arrived_ns)
            files.finish()
    except OSError as exc:
        raise DataError(f"{log_path}: {exc}") from exc
    counts = engine.picture.counts if engine.picture is not None else {}
    return {
        **files.summary(),
        "events": engine.seq,
        "skipped": sorted(skip),
        "wall_s": round(time.perf_counter() - t0, 2),
        "input": counts,
    }


def _events(log: EventLog, skip: frozenset[int]) -> Iterator[tuple[int, object, int]]:
    for event in log.read():
        if event.seq not in skip:
            yield event.seq, event.message, event.arrived_ns
