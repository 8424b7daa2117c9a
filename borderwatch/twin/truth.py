"""Ground truth: every mover's exact path, and every crossing of the watch line, with time,
place, direction and whether it was inside a legal crossing's road corridor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

import msgspec
import numpy as np

from borderwatch.geo.lines import crossings_of_path
from borderwatch.geo.projection import to_lonlat
from borderwatch.twin.conditions import Conditions
from borderwatch.twin.movers import Mover
from borderwatch.twin.world import World

__all__ = ["Crossing", "find_crossings", "write_truth"]


@dataclass(frozen=True, slots=True)
class Crossing:
    """One mover crossing the watch line. `t` in s from the start, `x`, `y` UTM metres."""

    mover: str
    group: str
    kind: str
    cls: str
    hostile: bool
    t: float
    x: float
    y: float
    sector: str
    inbound: bool
    corridor: bool
    tactic: str = ""


def find_crossings(movers: list[Mover], world: World) -> list[Crossing]:
    """All crossings of the scenario's sectors' watch lines, in time order."""
    out: list[Crossing] = []
    boxes = [(s, s.line.bounds) for s in world.sectors]
    for m in movers:
        lo_x, lo_y, hi_x, hi_y = m.x.min(), m.y.min(), m.x.max(), m.y.max()
        for sector, (bx0, by0, bx1, by1) in boxes:
            if hi_x < bx0 or lo_x > bx1 or hi_y < by0 or lo_y > by1:
                continue
            c = crossings_of_path(m.t, m.x, m.y, sector.line)
            if c.t.size == 0:
                continue
            corridor = world.border.corridor_contains(c.x, c.y)
            for k in range(c.t.size):
                out.append(
                    Crossing(
                        m.id,
                        m.group,
                        m.kind,
                        m.cls,
                        m.hostile,
                        float(c.t[k]),
                        float(c.x[k]),
                        float(c.y[k]),
                        sector.id,
                        bool(c.inbound[k]),
                        bool(corridor[k]),
                        m.tactic,
                    )
                )
    out.sort(key=lambda c: (c.t, c.mover))
    return out


def _ns(start_ns: int, t: np.ndarray | float) -> np.ndarray:
    return start_ns + np.round(np.asarray(t, float) * 1e9).astype(np.int64)


def write_truth(
    f: IO[bytes], movers: list[Mover], crossings: list[Crossing], cond: Conditions, start_ns: int
) -> None:
    """truth.jsonl: movers, then crossings, weather and faults (docs/formats.md)."""
    enc = msgspec.json.Encoder()
    for m in movers:
        f.write(
            enc.encode(
                {
                    "type": "mover",
                    "id": m.id,
                    "kind": m.kind,
                    "cls": m.cls,
                    "hostile": m.hostile,
                    "friendly": m.friendly,
                    "group": m.group,
                    "callsign": m.callsign,
                    "tactic": m.tactic,
                    "t_ns": _ns(start_ns, m.t).tolist(),
                    "x": np.round(m.x, 2).tolist(),
                    "y": np.round(m.y, 2).tolist(),
                }
            )
            + b"\n"
        )
    if crossings:
        lon, lat = to_lonlat(np.array([c.x for c in crossings]), np.array([c.y for c in crossings]))
    for k, c in enumerate(crossings):
        f.write(
            enc.encode(
                {
                    "type": "crossing",
                    "mover": c.mover,
                    "group": c.group,
                    "kind": c.kind,
                    "cls": c.cls,
                    "hostile": c.hostile,
                    "t_ns": int(_ns(start_ns, c.t)),
                    "x": round(c.x, 2),
                    "y": round(c.y, 2),
                    "lat": round(float(lat[k]), 7),
                    "lon": round(float(lon[k]), 7),
                    "sector": c.sector,
                    "inbound": c.inbound,
                    "corridor": c.corridor,
                    "tactic": c.tactic,
                }
            )
            + b"\n"
        )
    for s in cond.storms:
        f.write(
            enc.encode(
                {
                    "type": "weather",
                    "kind": "dust_storm",
                    "start_ns": int(_ns(start_ns, s.start)),
                    "end_ns": int(_ns(start_ns, s.end)),
                    "severity": s.severity,
                    "sectors": sorted(s.sectors),
                }
            )
            + b"\n"
        )
    for sensor_id in sorted(cond.faults):
        for w in cond.faults[sensor_id]:
            f.write(
                enc.encode(
                    {
                        "type": "fault",
                        "sensor_id": sensor_id,
                        "kind": w.kind,
                        "start_ns": int(_ns(start_ns, w.start)),
                        "end_ns": int(_ns(start_ns, w.end)),
                    }
                )
                + b"\n"
            )
