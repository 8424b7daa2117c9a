"""Sectors: the watch line cut into pieces of ~20 km (berm) or ~40 km (open desert), each
with its zones. A sector is the unit of fusion, of scale-out and of degraded operation.

Zones, left and right taken walking the watch line north to south (left = Libyan side):
- `approach`: the strip on the Libyan side, `APPROACH_DEPTH_M` deep (the 1–3 km between berm
  and boundary, and beyond: the radars see into Libya, which is where warning comes from);
- `barrier`: the berm (or, in the south, the boundary) ± `BARRIER_HALF_WIDTH_M`;
- `inner`: the strip on the Tunisian side, `INNER_DEPTH_M` deep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, Polygon
from shapely.ops import substring

from borderwatch.geo.border import Border

__all__ = [
    "APPROACH_DEPTH_M",
    "BARRIER_HALF_WIDTH_M",
    "INNER_DEPTH_M",
    "Sector",
    "build_sectors",
    "sector_index",
]

APPROACH_DEPTH_M = 6000.0
BARRIER_HALF_WIDTH_M = 50.0
INNER_DEPTH_M = 4000.0
NORTH_SECTOR_M = 20_000.0
SOUTH_SECTOR_M = 40_000.0

Segment = Literal["berm", "open"]


@dataclass(frozen=True, slots=True)
class Sector:
    """One sector, in UTM metres. `line` is its piece of the watch line, north to south."""

    id: str
    segment: Segment
    line: LineString
    approach: Polygon
    barrier: Polygon
    inner: Polygon
    area: Polygon  # all three zones together: where this sector looks (built once)

    @property
    def length_m(self) -> float:
        """Length of the sector's watch line."""
        return float(self.line.length)


def _cut(line: LineString, target_m: float) -> list[LineString]:
    n = max(1, round(line.length / target_m))
    edges = np.linspace(0.0, line.length, n + 1)
    return [substring(line, a, b) for a, b in pairwise(edges)]


def _zones(line: LineString) -> tuple[Polygon, Polygon, Polygon]:
    # Single-sided buffers: positive to the left of the line (Libyan side), negative right.
    approach = line.buffer(APPROACH_DEPTH_M, single_sided=True)
    # GEOS's single-sided buffer can spill a sliver across the line where a short last segment
    # follows a bend (N05: 3.7 m2); a point is never in both zones, and it is on the left.
    inner = line.buffer(-INNER_DEPTH_M, single_sided=True).difference(approach)
    barrier = line.buffer(BARRIER_HALF_WIDTH_M, cap_style="flat")
    return approach, barrier, inner


def build_sectors(border: Border) -> tuple[Sector, ...]:
    """Cut the berm into ~20 km sectors N01.. from Ras Ajdir, the open south into ~40 km S01.."""
    sectors: list[Sector] = []
    pieces: tuple[tuple[str, Segment, LineString, float], ...] = (
        ("N", "berm", border.berm, NORTH_SECTOR_M),
        ("S", "open", border.open_line, SOUTH_SECTOR_M),
    )
    for prefix, segment, line, target in pieces:
        for i, piece in enumerate(_cut(line, target), start=1):
            approach, barrier, inner = _zones(piece)
            sectors.append(
                Sector(
                    f"{prefix}{i:02d}",
                    segment,
                    piece,
                    approach,
                    barrier,
                    inner,
                    shapely.union_all([approach, barrier, inner]),
                )
            )
    return tuple(sectors)


def sector_index(
    sectors: tuple[Sector, ...], x: npt.ArrayLike, y: npt.ArrayLike, max_m: float = math.inf
) -> npt.NDArray[np.int64]:
    """Index into `sectors` of the sector whose watch line is nearest each point; -1 where
    the nearest line is farther than `max_m`. Vectorised over points."""
    pts = shapely.points(np.asarray(x, float), np.asarray(y, float))
    dist = np.stack([shapely.distance(s.line, pts) for s in sectors])
    best = dist.argmin(axis=0)
    return np.where(dist.min(axis=0) <= max_m, best, -1).astype(np.int64)
