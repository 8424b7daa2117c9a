"""What every simulated sensor shares: the chunk of movers it observes, its own clock (a small
offset and drift), its link latency, its sequence numbers and its heartbeats.

A sensor's `observe` returns batches of (true time, builder); `emit` orders them, stamps each
message with the sensor's clock and next sequence number, and works out when it arrives.
Per sensor, messages arrive in order (as over TCP); across sensors they interleave.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.messages import SensorKind, SensorStatus
from borderwatch.twin.conditions import TAMPER_REPORT_S, Conditions
from borderwatch.twin.movers import Mover
from borderwatch.twin.truth import Crossing
from borderwatch.twin.world import rng_for

__all__ = ["Batch", "Chunk", "Placement", "Sensor"]

CLASS_INDEX = {"person": 0, "vehicle": 1, "animal": 2}
# (fixed part s, mean of the exponential part s) of the link latency, by sensor kind.
LATENCY_S: dict[str, tuple[float, float]] = {
    "radar": (0.15, 0.10),
    "camera": (0.30, 0.20),
    "line": (1.0, 0.5),
    "ugs": (2.0, 3.0),
    "patrol_report": (0.5, 1.0),
}


@dataclass(frozen=True, slots=True)
class Batch:
    """Messages a sensor will send: their true times (s) and a builder that makes them once
    their sequence numbers and sensor-clock times (ns) are known."""

    t: FloatArray
    build: Callable[[IntArray, IntArray], list[msgspec.Struct]]


class Chunk:
    """The movers alive in [t0, t1), sampled once at 1 Hz for every sensor to share.

    X, Y, VX, VY: (M, T) float64, UTM metres and m/s; ALIVE: (M, T) bool; lo, hi: (M, 2)
    bounding box of each mover over the chunk, so a sensor finds its candidates cheaply.
    """

    def __init__(
        self,
        index: int,
        t0: float,
        t1: float,
        movers: Sequence[Mover],
        crossings: Sequence[Crossing],
    ) -> None:
        self.index, self.t0, self.t1 = index, t0, t1
        self.grid = t0 + np.arange(int(np.ceil(t1 - t0)), dtype=float)
        self.movers = list(movers)
        self.crossings = list(crossings)
        m, n = len(self.movers), len(self.grid)
        self.X, self.Y = np.zeros((m, n)), np.zeros((m, n))
        self.VX, self.VY = np.zeros((m, n)), np.zeros((m, n))
        self.ALIVE = np.zeros((m, n), bool)
        for i, mover in enumerate(self.movers):
            self.X[i], self.Y[i], self.VX[i], self.VY[i], self.ALIVE[i] = mover.sample(self.grid)
        big = np.where(self.ALIVE, 0.0, np.inf)
        self.lo = np.c_[
            (self.X + big).min(axis=1, initial=np.inf), (self.Y + big).min(axis=1, initial=np.inf)
        ]
        self.hi = np.c_[
            (self.X - big).max(axis=1, initial=-np.inf), (self.Y - big).max(axis=1, initial=-np.inf)
        ]
        self.cls = np.array([CLASS_INDEX[mv.cls] for mv in self.movers], dtype=np.int64)

    def near(self, x: float, y: float, radius: float) -> IntArray:
        """Rows of movers whose chunk bounding box comes within `radius` of (x, y)."""
        if not self.movers:
            return np.zeros(0, np.int64)
        dx = np.maximum(np.maximum(self.lo[:, 0] - x, x - self.hi[:, 0]), 0.0)
        dy = np.maximum(np.maximum(self.lo[:, 1] - y, y - self.hi[:, 1]), 0.0)
        return np.flatnonzero(np.hypot(dx, dy) <= radius).astype(np.int64)

    def ticks(self, period: float, phase: float) -> FloatArray:
        """Times `phase + k * period` inside [t0, t1): a sensor's scans, frames or reports."""
        k0 = np.ceil((self.t0 - phase) / period)
        k1 = np.ceil((self.t1 - phase) / period)
        out: FloatArray = phase + period * np.arange(k0, k1)
        return out

    def near_geometry(self, geometry: BaseGeometry, radius: float) -> IntArray:
        """Rows of movers whose chunk bounding box comes within `radius` of `geometry`."""
        rows = np.flatnonzero(np.isfinite(self.lo[:, 0]))  # movers seen in the chunk
        if rows.size == 0:
            return rows.astype(np.int64)
        boxes = shapely.box(self.lo[rows, 0], self.lo[rows, 1], self.hi[rows, 0], self.hi[rows, 1])
        hit: npt.NDArray[np.bool_] = shapely.dwithin(boxes, geometry, radius)
        return rows[hit].astype(np.int64)

    def at(
        self, rows: IntArray, ts: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """(x, y, vx, vy, alive) of `rows` at times `ts` (inside the chunk): (len(rows), len(ts)).
        Between 1 Hz samples the mover keeps its velocity, exact except across a knot."""
        j = np.clip(np.floor(ts - self.t0).astype(np.int64), 0, len(self.grid) - 1)
        frac = (ts - self.grid[j])[None, :]
        vx, vy = self.VX[np.ix_(rows, j)], self.VY[np.ix_(rows, j)]
        return (
            self.X[np.ix_(rows, j)] + vx * frac,
            self.Y[np.ix_(rows, j)] + vy * frac,
            vx,
            vy,
            self.ALIVE[np.ix_(rows, j)],
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """Who and where a sensor is: its id, sector, and place in degrees and UTM metres."""

    id: str
    sector: str
    lon: float
    lat: float
    x: float
    y: float


class Sensor:
    """A sensor: identity, place, clock, link; subclasses say what it observes."""

    kind: SensorKind = "radar"
    heartbeat_s: float | None = 60.0

    def __init__(self, place: Placement, seed: int, start_ns: int) -> None:
        self.id, self.sector = place.id, place.sector
        self.lon, self.lat, self.x, self.y = place.lon, place.lat, place.x, place.y
        self.seed, self.start_ns = seed, start_ns
        sensor_id = place.id
        rng = rng_for(seed, "clock", sensor_id)
        self.skew_s = float(rng.normal(0.0, 0.02))
        self.drift = float(rng.normal(0.0, 2e-6))
        self.phase = float(rng.uniform(0.0, 1.0))
        self.hb_phase = float(rng.uniform(0.0, self.heartbeat_s or 1.0))
        self.next_seq = 0
        self.last_arrival = -np.inf

    def rng(self, chunk: Chunk, stream: str = "") -> np.random.Generator:
        """This sensor's random stream for one chunk."""
        return rng_for(self.seed, "sensor", self.id, stream, chunk.index)

    def observe(self, chunk: Chunk, cond: Conditions) -> list[Batch]:
        """Detections (and other reports) in the chunk; subclasses implement."""
        raise NotImplementedError

    def status_fields(self) -> dict[str, Any]:
        """Extra fields for this sensor's heartbeats (coverage)."""
        return {}

    def heartbeats(self, chunk: Chunk, cond: Conditions) -> Batch | None:
        """SensorStatus every `heartbeat_s` while the sensor is up; `tampered` when tampered."""
        if self.heartbeat_s is None:
            return None
        p = self.heartbeat_s
        ts = chunk.ticks(p, self.hb_phase)
        state = cond.state(self.id, ts)
        # A tampered sensor shouts at once, then every 10 s while it still can: not at its next
        # heartbeat, which may come after the two minutes it has.
        shouts = [
            f.start + np.arange(0.0, TAMPER_REPORT_S, 10.0)
            for f in cond.faults.get(self.id, ())
            if f.kind == "tampered"
        ]
        if shouts:
            extra = np.concatenate(shouts)
            extra = extra[(extra >= chunk.t0) & (extra < chunk.t1)]
            extra = extra[cond.state(self.id, extra) == "tampered"]
            ts = np.unique(np.r_[ts, extra])
            state = cond.state(self.id, ts)
        up = state != "down"
        ts, state = ts[up], state[up]
        extra_fields = self.status_fields()

        def build(seq: IntArray, tns: IntArray) -> list[msgspec.Struct]:
            return [
                SensorStatus(
                    sensor_id=self.id,
                    kind=self.kind,
                    seq=q,
                    time_ns=n,
                    health=h,
                    lat=self.lat,
                    lon=self.lon,
                    **extra_fields,
                )
                for q, n, h in zip(seq.tolist(), tns.tolist(), state.tolist(), strict=True)
            ]

        return Batch(ts, build)

    def emit(
        self, chunk: Chunk, cond: Conditions
    ) -> tuple[list[msgspec.Struct], FloatArray, IntArray]:
        """All this sensor sends in the chunk, in its own order: the messages, when each
        arrives (s) and each one's sequence number."""
        batches = self.observe(chunk, cond)
        hb = self.heartbeats(chunk, cond)
        if hb is not None:
            batches.append(hb)
        batches = [b for b in batches if len(b.t)]
        if not batches:
            return [], np.zeros(0), np.zeros(0, np.int64)
        t = np.concatenate([b.t for b in batches])
        which = np.concatenate([np.full(len(b.t), i) for i, b in enumerate(batches)])
        order = np.lexsort((which, t))
        n = len(t)
        seq = np.empty(n, np.int64)
        seq[order] = self.next_seq + np.arange(n)
        self.next_seq += n
        clock = t + self.skew_s + self.drift * t
        tns = self.start_ns + np.round(clock * 1e9).astype(np.int64)
        msgs: list[msgspec.Struct] = []
        start = 0
        for b in batches:
            msgs.extend(b.build(seq[start : start + len(b.t)], tns[start : start + len(b.t)]))
            start += len(b.t)
        fixed, mean = LATENCY_S[self.kind]
        lat = fixed + self.rng(chunk, "latency").exponential(mean, n)
        arrival = np.maximum.accumulate(np.maximum(t[order] + lat, self.last_arrival))
        self.last_arrival = float(arrival[-1])
        return [msgs[i] for i in order], arrival, seq[order]
