"""What every mover behaviour needs: where the sectors are, what time of night it is, and a
way to say "a point 3 km out from the berm at km 12 of sector N03"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point

from borderwatch.arrays import FloatArray
from borderwatch.geo.sectors import Sector
from borderwatch.twin.conditions import Conditions
from borderwatch.twin.scenario import MoverSpec
from borderwatch.twin.world import World, rng_for

__all__ = ["Spawn"]


@dataclass(frozen=True, slots=True)
class Spawn:
    """The context mover behaviours are drawn in."""

    world: World
    cond: Conditions
    duration: float
    seed: int

    def rng(self, kind: str, index: int, k: int) -> np.random.Generator:
        """The random stream of the k-th group of the index-th mover spec."""
        return rng_for(self.seed, "mover", kind, index, k)

    def sectors_for(self, spec: MoverSpec) -> tuple[Sector, ...]:
        """The spec's own sectors if it names any (within the scenario), else the scenario's."""
        if spec.sectors:
            chosen = tuple(s for s in self.world.sectors if s.id in set(spec.sectors))
            if chosen:
                return chosen
        return self.world.sectors

    def pick_sector(self, rng: np.random.Generator, sectors: tuple[Sector, ...]) -> Sector:
        """A sector, chosen in proportion to its length."""
        w = np.array([s.length_m for s in sectors])
        return sectors[int(rng.choice(len(sectors), p=w / w.sum()))]

    def at(self, sector: Sector, s: float, across: float) -> FloatArray:
        """The point `across` metres from the watch line (positive into Libya) at `s` metres
        along the sector."""
        s = float(np.clip(s, 0.0, sector.length_m))
        p, _, left = self.world.frame(sector, s)
        return p + across * left

    def pick_time(
        self, rng: np.random.Generator, night_preference: float, latest: float | None = None
    ) -> float:
        """A start time in [0, latest], at night with probability `night_preference` when the
        window has any night in it."""
        latest = max(self.duration if latest is None else latest, 0.0)
        tries = rng.uniform(0.0, latest, 64)
        if rng.random() < night_preference:
            night = tries[self.cond.is_night(tries)]
            if night.size:
                return float(night[0])
        return float(tries[0])

    def clear_of_corridors(self, xy: FloatArray, margin_m: float = 1000.0) -> bool:
        """True if `xy` is at least `margin_m` from every crossing's road."""
        p = Point(float(xy[0]), float(xy[1]))
        return all(c.road.distance(p) >= margin_m for c in self.world.border.crossings)
