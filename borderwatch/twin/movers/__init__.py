"""Who moves in the twin: behaviours by kind, each turning a scenario spec into movers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from borderwatch.twin.movers.animals import camels, wildlife
from borderwatch.twin.movers.base import Spawn
from borderwatch.twin.movers.foot import foot_groups
from borderwatch.twin.movers.path import CLASS_OF, Mover, MoverKind, Route
from borderwatch.twin.movers.stealth import crawl_groups, herd_groups
from borderwatch.twin.movers.tactics import (
    decoy_groups,
    outage_groups,
    storm_groups,
    unwatched_groups,
)
from borderwatch.twin.movers.vehicles import convoys, patrols, traffic
from borderwatch.twin.scenario import (
    Camels,
    Convoys,
    CrawlCrossers,
    DecoyCrossers,
    FootSmugglers,
    HerdCrossers,
    Infiltrators,
    OutageCrossers,
    Patrols,
    StormCrossers,
    Traffic,
    UnwatchedCrossers,
    Wildlife,
)

__all__ = ["CLASS_OF", "Mover", "MoverKind", "Route", "Spawn", "spawn_movers"]

# One behaviour per spec type: a new kind of mover is a new row.
BEHAVIOURS: dict[type[Any], Callable[[Spawn, Any, int], list[list[Mover]]]] = {
    FootSmugglers: foot_groups,
    Infiltrators: foot_groups,
    Convoys: convoys,
    Camels: camels,
    Wildlife: wildlife,
    Patrols: patrols,
    Traffic: traffic,
    OutageCrossers: outage_groups,
    HerdCrossers: herd_groups,
    CrawlCrossers: crawl_groups,
    StormCrossers: storm_groups,
    UnwatchedCrossers: unwatched_groups,
    DecoyCrossers: decoy_groups,
}


def spawn_movers(spawn: Spawn, specs: tuple[Any, ...]) -> list[Mover]:
    """Every mover of the scenario, clipped to its window, with ids M00001.. and groups
    G0001.. in a fixed order."""
    movers: list[Mover] = []
    n_group = 0
    for index, spec in enumerate(specs):
        for group in BEHAVIOURS[type(spec)](spawn, spec, index):
            if not group:
                continue
            group = [c for m in group if (c := m.clipped(0.0, spawn.duration)) is not None]
            if not group:
                continue
            n_group += 1
            for m in group:
                m.id = f"M{len(movers) + 1:05d}"
                m.group = f"G{n_group:04d}"
                movers.append(m)
    return movers
