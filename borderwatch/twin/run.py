"""Run a scenario: draw the movers, find their crossings, then step through time in chunks,
letting every sensor observe each chunk, and write what arrives in arrival order.

Memory stays flat whatever the length: movers are stored as knots, each chunk is sampled once
and thrown away, and messages are written as soon as nothing later can arrive before them.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np
from tqdm import tqdm

from borderwatch import __version__
from borderwatch.errors import DataError
from borderwatch.messages import encode_lines
from borderwatch.twin.conditions import build_conditions
from borderwatch.twin.movers import Mover, Spawn, spawn_movers
from borderwatch.twin.scenario import Scenario
from borderwatch.twin.sensors import Chunk, build_sensors
from borderwatch.twin.truth import Crossing, find_crossings, write_truth
from borderwatch.twin.world import World, build_world

__all__ = ["CHUNK_S", "RunSummary", "simulate"]

CHUNK_S = 600.0


@dataclass(slots=True)
class RunSummary:
    """What a run produced."""

    out_dir: Path
    messages: dict[str, int] = field(default_factory=dict)
    movers: dict[str, int] = field(default_factory=dict)
    crossings: int = 0
    hostile_crossings: int = 0

    @property
    def total_messages(self) -> int:
        """All messages written."""
        return sum(self.messages.values())


class _Writer:
    """Holds messages until no later chunk can deliver anything before them, then writes."""

    def __init__(self, f: object) -> None:
        self.f = f
        self.pending: list[msgspec.Struct] = []
        self.arrival = np.zeros(0)
        self.order_key = np.zeros(0, np.int64)
        self.seq = np.zeros(0, np.int64)
        self.counts: dict[str, int] = {}

    def add(
        self,
        messages: list[msgspec.Struct],
        arrival: np.ndarray,
        seq: np.ndarray,
        sensor_index: int,
    ) -> None:
        self.pending.extend(messages)
        self.arrival = np.r_[self.arrival, arrival]
        self.seq = np.r_[self.seq, seq]
        self.order_key = np.r_[self.order_key, np.full(len(messages), sensor_index, np.int64)]

    def flush(self, until: float) -> None:
        """Write every message arriving before `until` (s), in arrival order."""
        if not self.pending:
            return
        arr_ns = np.round(self.arrival * 1e9).astype(np.int64)
        order = np.lexsort((self.seq, self.order_key, arr_ns))
        ready = order[self.arrival[order] < until]
        rest = order[self.arrival[order] >= until]
        out = [self.pending[i] for i in ready]
        for kind, n in Counter(type(m) for m in out).items():
            tag = str(kind.__struct_config__.tag)  # the wire name: detection, status, patrol
            self.counts[tag] = self.counts.get(tag, 0) + n
        self.f.write(encode_lines(out))  # type: ignore[attr-defined]
        self.pending = [self.pending[i] for i in rest]
        self.arrival = self.arrival[rest]
        self.order_key = self.order_key[rest]
        self.seq = self.seq[rest]


def _resolved(
    scenario: Scenario, seed: int, hours: float, world: World, start_ns: int, summary: RunSummary
) -> dict[str, object]:
    doc = msgspec.to_builtins(scenario)
    assert isinstance(doc, dict)
    doc.update(
        seed=seed,
        hours=hours,
        start_ns=start_ns,
        end_ns=start_ns + round(hours * 3600e9),
        sectors=list(world.sector_ids),
        watch_km=round(world.watch_km, 3),
        border_version=world.border.version,
        sites=world.sites_source,
        borderwatch_version=__version__,
        counts={
            "messages": summary.messages,
            "movers": summary.movers,
            "crossings": summary.crossings,
            "hostile_crossings": summary.hostile_crossings,
        },
    )
    return doc


def simulate(
    scenario: Scenario,
    scenario_file: Path | None,
    seed: int,
    out_dir: Path,
    hours: float | None = None,
    progress: bool | None = None,
) -> RunSummary:
    """Run the scenario and write messages.jsonl, truth.jsonl and scenario.json to `out_dir`."""
    # `hours` runs the first hours of the very same scenario: everything is drawn for its full
    # length and then cut, so a short run is a prefix of the long one.
    hours = scenario.hours if hours is None else min(hours, scenario.hours)
    duration = hours * 3600.0
    start_ns = scenario.start_ns
    world = build_world(scenario, scenario_file)
    cond = build_conditions(scenario, world, seed, scenario.hours * 3600.0)
    movers = spawn_movers(Spawn(world, cond, scenario.hours * 3600.0, seed), scenario.movers)
    movers = [c for m in movers if (c := m.clipped(0.0, duration)) is not None]
    crossings = find_crossings(movers, world)
    sensors = build_sensors(world, movers, scenario, seed, start_ns)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"--out {out_dir}: cannot create the directory ({exc.strerror})") from exc
    summary = RunSummary(out_dir)
    for m in movers:
        summary.movers[m.kind] = summary.movers.get(m.kind, 0) + 1
    summary.crossings = len(crossings)
    summary.hostile_crossings = sum(c.hostile and c.inbound for c in crossings)

    tmp = out_dir / "truth.jsonl.part"
    with tmp.open("wb") as f:
        write_truth(f, movers, crossings, cond, start_ns)
    os.replace(tmp, out_dir / "truth.jsonl")

    show = sys.stderr.isatty() if progress is None else progress
    tmp = out_dir / "messages.jsonl.part"
    n_chunks = int(np.ceil(duration / CHUNK_S))
    with (
        tmp.open("wb") as f,
        tqdm(
            total=n_chunks, disable=not show, unit="chunk", desc=f"simulate {scenario.name}"
        ) as bar,
    ):
        writer = _Writer(f)
        for index in range(n_chunks):
            t0, t1 = index * CHUNK_S, min((index + 1) * CHUNK_S, duration)
            chunk = Chunk(index, t0, t1, _alive(movers, t0, t1), _between(crossings, t0, t1))
            for k, sensor in enumerate(sensors):
                msgs, arrival, seq = sensor.emit(chunk, cond)
                if msgs:
                    writer.add(msgs, arrival, seq, k)
            writer.flush(t1)
            bar.update(1)
        writer.flush(np.inf)
    os.replace(tmp, out_dir / "messages.jsonl")
    summary.messages = dict(sorted(writer.counts.items()))
    doc = _resolved(scenario, seed, hours, world, start_ns, summary)
    (out_dir / "scenario.json").write_bytes(msgspec.json.format(msgspec.json.encode(doc)) + b"\n")
    return summary


def _alive(movers: list[Mover], t0: float, t1: float) -> list[Mover]:
    return [m for m in movers if m.t[0] < t1 and m.t[-1] >= t0]


def _between(crossings: list[Crossing], t0: float, t1: float) -> list[Crossing]:
    return [c for c in crossings if t0 <= c.t < t1]
