"""People on foot: smugglers, infiltrators, and the porters a convoy sends across.

A crossing on foot: appear a few km out in Libya, walk in with a few pauses (standing still,
so Doppler-blind), crawl the last ~150 m to the berm, cross, and walk on to a pickup point
1–4 km inside. Some groups lose their nerve and turn back short of the berm.
"""

from __future__ import annotations

import numpy as np

from borderwatch.twin.movers.base import Spawn
from borderwatch.twin.movers.path import Mover, MoverKind, Route, follow
from borderwatch.twin.scenario import FootSmugglers, Infiltrators

__all__ = ["crossing_group", "foot_groups", "group_members"]

CRAWL_FROM_M = 150.0
SPACING_M = (2.0, 5.0)


def group_members(
    route: Route,
    size: int,
    speed: float,
    kind: MoverKind,
    group: str,
    rng: np.random.Generator,
    hostile: bool = True,
    tactic: str = "",
) -> list[Mover]:
    """The leader on `route` and `size - 1` followers in file behind, a few metres apart."""
    members = []
    lag = 0.0
    for i in range(size):
        if i:
            lag += rng.uniform(*SPACING_M) / max(speed, 0.3)
        offset = rng.normal(0.0, 1.5, 2) if i else np.zeros(2)
        t, x, y = follow(route, lag, offset)
        members.append(Mover("", kind, group, hostile, t, x, y, tactic=tactic))
    return members


def crossing_group(
    spawn: Spawn,
    rng: np.random.Generator,
    spec: FootSmugglers,
    kind: MoverKind,
    group: str,
) -> list[Mover]:
    """One group's attempt, start to pickup (or back where it came from)."""
    sectors = spawn.sectors_for(spec)
    for _ in range(20):
        sector = spawn.pick_sector(rng, sectors)
        s = rng.uniform(0.05, 0.95) * sector.length_m
        if spawn.clear_of_corridors(spawn.at(sector, s, 0.0)):
            break
    speed = rng.uniform(*spec.walk_mps)
    size = int(rng.integers(spec.group_size[0], spec.group_size[1] + 1))
    start = spawn.at(sector, s + rng.uniform(-1500, 1500), rng.uniform(4000.0, 7000.0))
    near = spawn.at(sector, s, CRAWL_FROM_M)
    t0 = spawn.pick_time(rng, spec.night_preference, spawn.duration - 2.5 * 3600.0)
    route = Route().start(t0, start)
    n_pauses = int(rng.integers(spec.pauses[0], spec.pauses[1] + 1))
    for frac in np.sort(rng.uniform(0.15, 0.9, n_pauses)):
        route.wander_to(start + (near - start) * frac, speed, rng)
        route.wait(rng.uniform(60.0, 600.0))
    if rng.random() < spec.abort_probability:
        # Turn back short of the berm: no crossing, but every sensor saw them coming.
        route.wander_to(spawn.at(sector, s, rng.uniform(200.0, 1000.0)), speed, rng)
        route.wait(rng.uniform(60.0, 300.0))
        route.wander_to(start, speed, rng)
    else:
        route.wander_to(near, speed, rng)
        route.wait(rng.uniform(0.0, 120.0))
        route.go(spawn.at(sector, s, 0.0), spec.crawl_mps)
        route.go(spawn.at(sector, s, -40.0), spec.crawl_mps)
        pickup = spawn.at(sector, s + rng.uniform(-1000, 1000), -rng.uniform(1000.0, 4000.0))
        route.wander_to(pickup, speed, rng)
    return group_members(route, size, speed, kind, group, rng, tactic="walk-in")


def foot_groups(spawn: Spawn, spec: FootSmugglers, index: int) -> list[list[Mover]]:
    """All the groups of one spec."""
    kind: MoverKind = "infiltrator" if isinstance(spec, Infiltrators) else "foot_smuggler"
    out = []
    for g in range(spec.groups):
        rng = spawn.rng(kind, index, g)
        out.append(crossing_group(spawn, rng, spec, kind, ""))
    return out
