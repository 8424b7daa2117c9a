"""The twin as a stream: draw the movers, find their crossings, then step through time in
10-minute chunks, letting every sensor observe each chunk, and hand out what arrives in
arrival order. `simulate` writes the stream to files; `stream_live` sends it over CoT.

Memory stays flat whatever the length: movers are stored as knots, each chunk is sampled once
and thrown away, and messages leave as soon as nothing later can arrive before them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.twin.conditions import Conditions, build_conditions
from borderwatch.twin.movers import Mover, Spawn, spawn_movers
from borderwatch.twin.scenario import Scenario
from borderwatch.twin.sensors import Chunk, Sensor, build_sensors
from borderwatch.twin.truth import Crossing, find_crossings
from borderwatch.twin.world import World, build_world

__all__ = ["CHUNK_S", "Arrivals", "TwinRun", "prepare", "stream_chunks"]

CHUNK_S = 600.0


@dataclass(frozen=True, slots=True)
class Arrivals:
    """The messages arriving in [t0, t1) s of scenario time (the last chunk's t1 is inf).

    arrival_s: (N,) float64, s since the scenario's start, non-decreasing; sender: (N,) int64,
    the index in `TwinRun.sensors` of the sensor (or patrol device) that sent each message.
    """

    index: int
    t0: float
    t1: float
    arrival_s: FloatArray
    sender: IntArray
    messages: list[msgspec.Struct]


class _Pending:
    """Holds messages until no later chunk can deliver anything before them."""

    def __init__(self) -> None:
        self.messages: list[msgspec.Struct] = []
        self.arrival = np.zeros(0)
        self.sender = np.zeros(0, np.int64)
        self.seq = np.zeros(0, np.int64)

    def add(
        self, messages: list[msgspec.Struct], arrival: FloatArray, seq: IntArray, sender: int
    ) -> None:
        self.messages.extend(messages)
        self.arrival = np.r_[self.arrival, arrival]
        self.seq = np.r_[self.seq, seq]
        self.sender = np.r_[self.sender, np.full(len(messages), sender, np.int64)]

    def take(self, index: int, t0: float, until: float) -> Arrivals:
        """Every message arriving before `until` (s), in arrival order (ties: by sender, seq)."""
        arr_ns = np.round(self.arrival * 1e9).astype(np.int64)
        order = np.lexsort((self.seq, self.sender, arr_ns))
        ready = order[self.arrival[order] < until]
        rest = order[self.arrival[order] >= until]
        out = Arrivals(
            index,
            t0,
            until,
            self.arrival[ready],
            self.sender[ready],
            [self.messages[i] for i in ready],
        )
        self.messages = [self.messages[i] for i in rest]
        self.arrival, self.sender, self.seq = self.arrival[rest], self.sender[rest], self.seq[rest]
        return out


@dataclass(slots=True)
class TwinRun:
    """A scenario made ready to run: its world, conditions, movers, crossings and sensors.

    `chunks()` runs it once (the sensors keep state: sequence numbers, clocks, what they saw).
    """

    scenario: Scenario
    seed: int
    hours: float
    world: World
    cond: Conditions
    movers: list[Mover]
    crossings: list[Crossing]
    sensors: list[Sensor]

    @property
    def duration_s(self) -> float:
        """How much scenario time the run covers (s)."""
        return self.hours * 3600.0

    @property
    def n_chunks(self) -> int:
        """Chunks of scenario time; `chunks()` yields one more, what arrives after the end."""
        return int(np.ceil(self.duration_s / CHUNK_S))

    def chunks(self) -> Iterator[Arrivals]:
        """What arrives in each chunk, in arrival order: `n_chunks + 1` items (some empty)."""
        duration = self.duration_s
        pending = _Pending()
        for index in range(self.n_chunks):
            t0, t1 = index * CHUNK_S, min((index + 1) * CHUNK_S, duration)
            alive = [m for m in self.movers if m.t[0] < t1 and m.t[-1] >= t0]
            crossing = [c for c in self.crossings if t0 <= c.t < t1]
            chunk = Chunk(index, t0, t1, alive, crossing)
            for k, sensor in enumerate(self.sensors):
                msgs, arrival, seq = sensor.emit(chunk, self.cond)
                if msgs:
                    pending.add(msgs, arrival, seq, k)
            yield pending.take(index, t0, t1)
        yield pending.take(self.n_chunks, duration, np.inf)


def prepare(
    scenario: Scenario, scenario_file: Path | None, seed: int, hours: float | None = None
) -> TwinRun:
    """Build the world and draw everything random that is not a sensor's: ready to run."""
    # `hours` runs the first hours of the very same scenario: everything is drawn for its full
    # length and then cut, so a short run is a prefix of the long one.
    hours = scenario.hours if hours is None else min(hours, scenario.hours)
    duration = hours * 3600.0
    world = build_world(scenario, scenario_file)
    cond = build_conditions(scenario, world, seed, scenario.hours * 3600.0)
    movers = spawn_movers(Spawn(world, cond, scenario.hours * 3600.0, seed), scenario.movers)
    movers = [c for m in movers if (c := m.clipped(0.0, duration)) is not None]
    crossings = find_crossings(movers, world)
    sensors = build_sensors(world, movers, scenario, seed, scenario.start_ns)
    return TwinRun(scenario, seed, hours, world, cond, movers, crossings, sensors)


def stream_chunks(
    scenario: Scenario, scenario_file: Path | None, seed: int, hours: float | None = None
) -> Iterator[Arrivals]:
    """Run the scenario and yield what arrives, chunk by chunk, in arrival order."""
    return prepare(scenario, scenario_file, seed, hours).chunks()
