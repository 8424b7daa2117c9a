"""Ground truth of a run (`truth.jsonl`) as arrays, and where every mover was at any time.

Movers are stored as one struct of arrays: their knots (`t_ns`, `x`, `y`, UTM 32N metres,
EPSG:32632) concatenated mover after mover, `offsets[m]:offsets[m + 1]` being mover `m`'s.
A mover moves in a straight line at constant speed between knots and exists only from its
first knot to its last; outside that interval its position is NaN.

Interpolating many (mover, time) pairs at once is one `np.searchsorted` over a sorted key,
``key = m * stride + (t_ns - origin) // 1000`` (microseconds): the key orders knots by mover,
then time, so a query key lands among the knots of its own mover. The microsecond bracket is
only used to find the segment; the interpolation itself uses exact nanoseconds.
`truthfile.load_truth` reads `truth.jsonl` into these types.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import msgspec
import numpy as np
import numpy.typing as npt

__all__ = [
    "PAIR_BUDGET",
    "Crossings",
    "Fault",
    "Movers",
    "PositionChunk",
    "Truth",
    "Weather",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

# (mover, time) pairs interpolated at once: bounds the temporaries to ~30 MB.
PAIR_BUDGET = 1 << 18


class Weather(msgspec.Struct, frozen=True, tag="weather"):
    """A weather episode (a dust storm) over some sectors."""

    kind: str
    start_ns: int
    end_ns: int
    severity: float = 1.0
    sectors: tuple[str, ...] = ()


class Fault(msgspec.Struct, frozen=True, tag="fault"):
    """A sensor fault: `outage`, `degraded` or `tampered`, from `start_ns` to `end_ns`."""

    sensor_id: str
    kind: str
    start_ns: int
    end_ns: int


@dataclass(frozen=True, slots=True)
class Movers:
    """All movers, (M,) per-mover arrays and (K,) concatenated knots."""

    ids: tuple[str, ...]
    kind: StrArray
    cls: StrArray
    hostile: BoolArray
    friendly: BoolArray
    group: IntArray  # index into `groups`
    groups: tuple[str, ...]
    offsets: IntArray  # (M + 1,)
    t_ns: IntArray
    x: FloatArray
    y: FloatArray
    first_ns: IntArray
    last_ns: IntArray
    key: IntArray  # (K,) sorted search key, see the module docstring
    origin_ns: int
    stride_us: int

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class Crossings:
    """Every crossing of the watch line, (C,) arrays in time order; `mover` indexes `Movers`
    (-1 if the mover is unknown), `group` indexes `Movers.groups` (-1 likewise)."""

    mover: IntArray
    group: IntArray
    group_id: StrArray
    kind: StrArray
    cls: StrArray
    hostile: BoolArray
    t_ns: IntArray
    x: FloatArray
    y: FloatArray
    lat: FloatArray
    lon: FloatArray
    sector: StrArray
    inbound: BoolArray
    corridor: BoolArray
    tactic: StrArray  # how the mover tried to get across ("" where the truth does not say)

    def __len__(self) -> int:
        return len(self.t_ns)


@dataclass(frozen=True, slots=True)
class PositionChunk:
    """Positions of movers `cols` at times `times_ns[lo:hi]`: `xy` is (hi - lo, len(cols), 2),
    NaN where a mover does not exist."""

    lo: int
    hi: int
    cols: IntArray
    xy: FloatArray


@dataclass(frozen=True, slots=True)
class Truth:
    """What really happened in a run."""

    movers: Movers
    crossings: Crossings
    weather: tuple[Weather, ...]
    faults: tuple[Fault, ...]

    def positions_of(self, mover: npt.ArrayLike, times_ns: npt.ArrayLike) -> FloatArray:
        """Position (P, 2) of mover `mover[i]` at `times_ns[i]` (broadcast), NaN where the
        mover does not exist at that time."""
        m, t = np.broadcast_arrays(np.asarray(mover, np.int64), np.asarray(times_ns, np.int64))
        return self._interpolate(m.ravel(), t.ravel(), None)

    def positions_at(
        self, times_ns: npt.ArrayLike, movers: npt.ArrayLike | None = None
    ) -> FloatArray:
        """Positions (T, M, 2) of `movers` (all by default) at each time, NaN where a mover does
        not exist; for many times use `chunks`, which bounds memory."""
        t = np.asarray(times_ns, np.int64).ravel()
        cols = np.arange(len(self.movers)) if movers is None else np.asarray(movers, np.int64)
        out = np.full((t.size, cols.size, 2), np.nan)
        step = max(1, PAIR_BUDGET // max(cols.size, 1))
        for lo in range(0, t.size, step):
            tt = t[lo : lo + step]
            # Search only the knots of these movers around these times (a small, cache-sized
            # array), in mover-major order so the search keys come (mostly) sorted.
            near = self._knots_near(cols, int(tt.min()), int(tt.max()))
            m, tq = np.repeat(cols, tt.size), np.tile(tt, cols.size)
            xy = self._interpolate(m, tq, near)
            out[lo : lo + step] = xy.reshape(cols.size, tt.size, 2).transpose(1, 0, 2)
        return out

    def _query_key(self, m: IntArray, t: IntArray) -> IntArray:
        mv = self.movers
        rel = np.clip((t - mv.origin_ns) // 1000, 0, mv.stride_us - 1)
        key: IntArray = m * mv.stride_us + rel
        return key

    def _knots_near(self, cols: IntArray, t0_ns: int, t1_ns: int) -> IntArray:
        """Sorted indices of the knots of `cols` from the last at or before t0 to t1."""
        mv = self.movers
        k0 = self._query_key(cols, np.full(cols.size, t0_ns))
        k1 = self._query_key(cols, np.full(cols.size, t1_ns))
        a = np.maximum(np.searchsorted(mv.key, k0, side="right") - 1, mv.offsets[cols])
        b = np.maximum(np.searchsorted(mv.key, k1, side="right"), a)
        n = b - a
        starts = np.repeat(a - np.r_[0, np.cumsum(n)[:-1]], n)
        idx: IntArray = starts + np.arange(int(n.sum()), dtype=np.int64)
        return idx

    def _interpolate(self, m: IntArray, t: IntArray, near: IntArray | None) -> FloatArray:
        """Positions at (m[i], t[i]); `near`, if given, holds every knot the search needs."""
        mv = self.movers
        out = np.full((m.size, 2), np.nan)
        if m.size == 0 or len(mv) == 0:
            return out
        qkey = self._query_key(m, t)
        if near is None:
            j0 = np.searchsorted(mv.key, qkey, side="right") - 1
        elif near.size:
            j = np.searchsorted(mv.key[near], qkey, side="right") - 1
            j0 = near[np.maximum(j, 0)]
        else:
            j0 = mv.offsets[m]
        start, stop = mv.offsets[m], mv.offsets[m + 1]
        j0 = np.clip(j0, start, np.maximum(start, stop - 2))
        j1 = np.minimum(j0 + 1, stop - 1)
        span = (mv.t_ns[j1] - mv.t_ns[j0]).astype(np.float64)
        w = np.divide(
            (t - mv.t_ns[j0]).astype(np.float64), span, out=np.zeros(m.size), where=span > 0
        )
        w = np.clip(w, 0.0, 1.0)
        alive = (t >= mv.first_ns[m]) & (t <= mv.last_ns[m])
        out[alive, 0] = (mv.x[j0] + w * (mv.x[j1] - mv.x[j0]))[alive]
        out[alive, 1] = (mv.y[j0] + w * (mv.y[j1] - mv.y[j0]))[alive]
        return out

    def alive_between(self, t0_ns: int, t1_ns: int) -> IntArray:
        """Indices of the movers that exist at some time in [t0_ns, t1_ns]."""
        mv = self.movers
        return np.flatnonzero((mv.first_ns <= t1_ns) & (mv.last_ns >= t0_ns)).astype(np.int64)

    def chunks(
        self,
        times_ns: IntArray,
        movers: BoolArray | None = None,
        max_step: int | None = None,
        budget: int = PAIR_BUDGET,
    ) -> Iterator[PositionChunk]:
        """Positions at sorted `times_ns`, a block of times at a time, of the movers (of the
        mask `movers`) that exist during the block; at most `budget` pairs per block."""
        mask = np.ones(len(self.movers), bool) if movers is None else movers
        n = int(mask.sum())
        step = max(1, budget // max(n, 1))
        if max_step is not None:
            step = max(1, min(step, max_step))
        for lo in range(0, len(times_ns), step):
            hi = min(lo + step, len(times_ns))
            alive = self.alive_between(int(times_ns[lo]), int(times_ns[hi - 1]))
            cols = alive[mask[alive]]
            yield PositionChunk(lo, hi, cols, self.positions_at(times_ns[lo:hi], cols))
