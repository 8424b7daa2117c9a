"""Tracking accuracy: mean GOSPA of a tracks file against the truth.

Evaluation times are t_k = start + k·10 s (`STEP_S`) from the scenario's `start_ns` to
`end_ns` inclusive. At each t_k:

- estimates: for every track id, its latest report at or before t_k (ties: the later line)
  counts if its `status` is `confirmed` or `coasting` and its time is in (t_k − 5 s, t_k]
  (`HOLD_S`); the state [x, vx, y, vy] (UTM 32N m, m/s) is extrapolated to t_k at constant
  velocity;
- truths: the movers existing at t_k whose true position lies in the union of the scenario's
  sectors' areas (approach, barrier and inner zones).

GOSPA (c = 100 m, p = 2, alpha = 2) is averaged over the times where either set is non-empty:
`distance` (m), `localisation` (mean of localisation^(1/p): the assigned pairs' part, m),
`missed` and `false` (mean counts).

Reading streams: a report at t matters only for the first evaluation time at or after it, and
only if that is less than 5 s away (a later report of the same track that could supersede it
then lies in the same window). So each batch of lines keeps just the latest windowed report per
(track, evaluation time), and memory grows with the answer, not with the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from borderwatch.errors import DataError
from borderwatch.eval.gospa import gospa
from borderwatch.eval.truth import Truth

__all__ = [
    "GOSPA_C_M",
    "GOSPA_P",
    "HOLD_S",
    "STEP_S",
    "Estimates",
    "GospaSummary",
    "evaluation_times",
    "gospa_over_time",
    "read_estimates",
]

STEP_S = 10.0
HOLD_S = 5.0
GOSPA_C_M = 100.0
GOSPA_P = 2.0
_ACTIVE = ("confirmed", "coasting")
_BATCH_BYTES = 1 << 22

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class _Row(msgspec.Struct, tag="track"):
    """The fields of a `borderwatch.messages.Track` that scoring needs; the rest is skipped."""

    id: str
    time_ns: int
    state: tuple[float, float, float, float]
    status: str = "tentative"


_rows = msgspec.json.Decoder(list[_Row])
_row = msgspec.json.Decoder(_Row)


@dataclass(frozen=True, slots=True)
class Estimates:
    """Track estimates at evaluation times: `k` (E,) sorted evaluation-time index, `xy` (E, 2)
    UTM 32N m; `reports` lines read as tracks, `tracks` distinct ids, `bad_lines` rejected."""

    k: IntArray
    xy: FloatArray
    reports: int
    tracks: int
    bad_lines: int


@dataclass(frozen=True, slots=True)
class GospaSummary:
    """Means over the evaluation times that had a truth or an estimate (`times` of them)."""

    times: int
    distance: float | None
    localisation: float | None
    missed: float | None
    false: float | None


@dataclass(frozen=True, slots=True)
class _Kept:
    """Windowed reports in file order: track, evaluation index k, time, active, and the
    position extrapolated to t_k, (n, 2)."""

    track: IntArray
    k: IntArray
    t: IntArray
    active: BoolArray
    xy: FloatArray

    def latest(self) -> _Kept:
        """Only the latest report per (track, k): greatest time, then the later line (the
        sort is stable and the rows are in file order)."""
        if self.t.size == 0:
            return self
        order = np.lexsort((self.t, self.k, self.track))
        tr, k = self.track[order], self.k[order]
        sel = order[np.r_[(tr[1:] != tr[:-1]) | (k[1:] != k[:-1]), True]]
        sel.sort()  # back to file order, so that a later batch still wins a tie
        return _Kept(self.track[sel], self.k[sel], self.t[sel], self.active[sel], self.xy[sel])


def evaluation_times(start_ns: int, end_ns: int) -> IntArray:
    """Every STEP_S from start_ns to end_ns inclusive, ns."""
    step = round(STEP_S * 1e9)
    n = max(0, (end_ns - start_ns) // step + 1)
    return start_ns + np.arange(n, dtype=np.int64) * step


def _decode_batch(lines: list[bytes]) -> tuple[list[_Row], int]:
    body = [line for line in lines if line.strip()]
    try:
        return _rows.decode(b"[" + b",".join(body) + b"]"), 0
    except msgspec.MsgspecError:
        rows, bad = [], 0
        for line in body:
            try:
                rows.append(_row.decode(line))
            except msgspec.MsgspecError:
                bad += 1
        return rows, bad


def _window(rows: list[_Row], index: dict[str, int], times: IntArray) -> _Kept:
    n = len(rows)
    t = np.fromiter((r.time_ns for r in rows), np.int64, n)
    step, hold = round(STEP_S * 1e9), round(HOLD_S * 1e9)
    start = int(times[0])
    k = -((start - t) // step)  # ceil((t - start) / step): first evaluation at or after t
    keep = np.flatnonzero((k >= 0) & (k < times.size) & (start + k * step - t < hold))
    picked = [rows[i] for i in keep.tolist()]
    s = np.array([r.state for r in picked], np.float64).reshape(-1, 4)
    dt = (times[k[keep]] - t[keep]).astype(np.float64) / 1e9
    return _Kept(
        track=np.array([index.setdefault(r.id, len(index)) for r in picked], np.int64),
        k=k[keep],
        t=t[keep],
        active=np.array([r.status in _ACTIVE for r in picked], bool),
        xy=np.c_[s[:, 0] + s[:, 1] * dt, s[:, 2] + s[:, 3] * dt],
    )


def _concat(parts: list[_Kept]) -> _Kept:
    """One _Kept from many, a field at a time, dropping the parts as it goes."""
    fields = {f: [getattr(p, f) for p in parts] for f in _Kept.__slots__}
    parts.clear()
    empty = {"active": np.zeros(0, bool), "xy": np.zeros((0, 2))}
    out = {}
    for f, arrays in fields.items():
        out[f] = np.concatenate(arrays) if arrays else empty.get(f, np.zeros(0, np.int64))
        arrays.clear()
    return _Kept(**out)


def read_estimates(path: Path, times: IntArray) -> Estimates:
    """Track estimates at evaluation `times` (evenly STEP_S apart) from a JSON-lines file of
    Track messages, streamed in batches (definitions in the module doc)."""
    index: dict[str, int] = {}
    parts: list[_Kept] = []
    reports = bad = 0
    try:
        with path.open("rb") as f:
            while lines := f.readlines(_BATCH_BYTES):
                rows, nbad = _decode_batch(lines)
                del lines
                bad += nbad
                reports += len(rows)
                if times.size:
                    parts.append(_window(rows, index, times).latest())
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    kept = _concat(parts).latest()
    on = np.flatnonzero(kept.active)
    order = on[np.argsort(kept.k[on], kind="stable")]
    return Estimates(kept.k[order], kept.xy[order], reports, len(index), bad)


def gospa_over_time(
    estimates: Estimates, truth: Truth, area: BaseGeometry, times: IntArray
) -> GospaSummary:
    """Mean GOSPA of the estimates against the movers inside `area` at each evaluation time."""
    bounds = np.searchsorted(estimates.k, np.arange(times.size + 1))
    shapely.prepare(area)
    sums = np.zeros(4)
    count = 0
    for chunk in truth.chunks(times):
        xy = chunk.xy
        inside = shapely.contains_xy(area, xy[..., 0], xy[..., 1])
        for i in range(chunk.hi - chunk.lo):
            k = chunk.lo + i
            est = estimates.xy[bounds[k] : bounds[k + 1]]
            tru = xy[i][inside[i]]
            if len(est) == 0 and len(tru) == 0:
                continue
            r = gospa(est, tru, GOSPA_C_M, GOSPA_P)
            sums += (r.distance, r.localisation ** (1 / GOSPA_P), r.missed, r.false)
            count += 1
    if count == 0:
        return GospaSummary(0, None, None, None, None)
    d, loc, missed, false = (float(v) for v in sums / count)
    return GospaSummary(count, d, loc, missed, false)
