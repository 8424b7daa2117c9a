"""Reading `truth.jsonl` (docs/formats.md) into `truth.Truth`.

Files can be large (thousands of movers, thousands of knots each), so each mover's knots go
straight into compact typed buffers as the line is decoded, and become arrays without a copy.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np

from borderwatch.errors import DataError
from borderwatch.eval.truth import (
    Crossings,
    Fault,
    Movers,
    StrArray,
    Truth,
    Weather,
)

__all__ = ["load_truth"]


class _MoverLine(msgspec.Struct, tag="mover"):
    id: str
    kind: str
    cls: str
    hostile: bool
    friendly: bool
    group: str
    t_ns: list[int]
    x: list[float]
    y: list[float]


class _CrossingLine(msgspec.Struct, tag="crossing"):
    mover: str
    group: str
    kind: str
    cls: str
    hostile: bool
    t_ns: int
    x: float
    y: float
    lat: float
    lon: float
    sector: str
    inbound: bool
    corridor: bool
    tactic: str = ""  # runs written before tactics were labelled have none


_decoder = msgspec.json.Decoder(_MoverLine | _CrossingLine | Weather | Fault)


def _strs(values: list[str]) -> StrArray:
    return np.array(values, dtype=np.str_) if values else np.zeros(0, dtype="<U1")


@dataclass(slots=True)
class _MoverColumns:
    """Movers as read: per-mover fields, and the knots appended to compact typed buffers
    (8 bytes a value, grown in place), never kept as the decoded Python lists (~100 bytes a
    knot) nor as one small array per mover (which fragments the heap)."""

    meta: list[_MoverLine] = field(default_factory=list)  # with t_ns, x, y emptied
    counts: list[int] = field(default_factory=list)
    t_ns: array[int] = field(default_factory=lambda: array("q"))
    x: array[float] = field(default_factory=lambda: array("d"))
    y: array[float] = field(default_factory=lambda: array("d"))

    def add(self, m: _MoverLine) -> None:
        self.t_ns.extend(m.t_ns)
        self.x.extend(m.x)
        self.y.extend(m.y)
        self.counts.append(len(m.t_ns))
        m.t_ns, m.x, m.y = [], [], []
        self.meta.append(m)


def _movers(cols: _MoverColumns) -> Movers:
    counts = np.array(cols.counts, np.int64)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    t_ns = np.frombuffer(cols.t_ns, np.int64)  # zero-copy views of the buffers
    x = np.frombuffer(cols.x, np.float64)
    y = np.frombuffer(cols.y, np.float64)
    meta = cols.meta
    order = sorted(range(len(meta)), key=lambda i: meta[i].id)
    if order != list(range(len(meta))):  # the file says sorted by id; reorder if it is not
        knots = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in order])
        t_ns, x, y = t_ns[knots], x[knots], y[knots]
        meta, counts = [meta[i] for i in order], counts[order]
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    groups = tuple(sorted({m.group for m in meta}))
    gidx = {g: i for i, g in enumerate(groups)}
    back = np.flatnonzero(np.diff(t_ns) < 0) + 1  # knots earlier than the one before
    back = back[~np.isin(back, offsets)]  # a mover's first knot may be earlier, of course
    if back.size:
        mover = int(np.searchsorted(offsets, back[0], side="right")) - 1
        raise DataError(f"truth: mover {meta[mover].id} has knots out of time order")
    first, last = t_ns[offsets[:-1]], t_ns[offsets[1:] - 1]
    origin = int(t_ns.min()) if t_ns.size else 0
    stride = int((int(t_ns.max()) - origin) // 1000 + 2) if t_ns.size else 1
    if len(meta) * stride >= 2**62:
        raise DataError(f"truth spans too long a time for {len(meta)} movers")
    key = t_ns - origin
    key //= 1000
    key += np.repeat(np.arange(len(meta), dtype=np.int64) * stride, counts)
    return Movers(
        ids=tuple(m.id for m in meta),
        kind=_strs([m.kind for m in meta]),
        cls=_strs([m.cls for m in meta]),
        hostile=np.array([m.hostile for m in meta], bool),
        friendly=np.array([m.friendly for m in meta], bool),
        group=np.array([gidx[m.group] for m in meta], np.int64),
        groups=groups,
        offsets=offsets,
        t_ns=t_ns,
        x=x,
        y=y,
        first_ns=first,
        last_ns=last,
        key=key,
        origin_ns=origin,
        stride_us=stride,
    )


def _crossings(lines: list[_CrossingLine], movers: Movers) -> Crossings:
    lines.sort(key=lambda c: c.t_ns)
    midx = {m: i for i, m in enumerate(movers.ids)}
    gidx = {g: i for i, g in enumerate(movers.groups)}
    return Crossings(
        mover=np.array([midx.get(c.mover, -1) for c in lines], np.int64),
        group=np.array([gidx.get(c.group, -1) for c in lines], np.int64),
        group_id=_strs([c.group for c in lines]),
        kind=_strs([c.kind for c in lines]),
        cls=_strs([c.cls for c in lines]),
        hostile=np.array([c.hostile for c in lines], bool),
        t_ns=np.array([c.t_ns for c in lines], np.int64),
        x=np.array([c.x for c in lines], np.float64),
        y=np.array([c.y for c in lines], np.float64),
        lat=np.array([c.lat for c in lines], np.float64),
        lon=np.array([c.lon for c in lines], np.float64),
        sector=_strs([c.sector for c in lines]),
        inbound=np.array([c.inbound for c in lines], bool),
        corridor=np.array([c.corridor for c in lines], bool),
        tactic=_strs([c.tactic for c in lines]),
    )


def _check_mover(m: _MoverLine, where: str) -> None:
    if not len(m.t_ns) == len(m.x) == len(m.y) or not m.t_ns:
        raise DataError(f"{where}: mover {m.id} needs t_ns, x, y of one non-zero length")


def load_truth(path: Path) -> Truth:
    """Load `truth.jsonl` (movers, crossings, weather, faults) into arrays."""
    movers = _MoverColumns()
    crossings: list[_CrossingLine] = []
    weather: list[Weather] = []
    faults: list[Fault] = []
    try:
        with path.open("rb") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    item = _decoder.decode(line)
                except msgspec.MsgspecError as exc:
                    raise DataError(f"{path}:{n}: {exc}") from exc
                if isinstance(item, _MoverLine):
                    _check_mover(item, f"{path}:{n}")
                    movers.add(item)
                elif isinstance(item, _CrossingLine):
                    crossings.append(item)
                elif isinstance(item, Weather):
                    weather.append(item)
                else:
                    faults.append(item)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    mv = _movers(movers)
    del movers
    return Truth(mv, _crossings(crossings, mv), tuple(weather), tuple(faults))
