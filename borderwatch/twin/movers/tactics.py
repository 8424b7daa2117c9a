"""Adversary tactics that choose *when* and *where* to cross: into an outage, into a dust
storm, where no radar reaches, or while a decoy draws the eye elsewhere.

The sensors keep their physics; the advantage comes only from the choice. Every crossing
group is labelled with its tactic (`Mover.tactic`, `family:variant`), so the truth can score
Pd per tactic. Shared by every tactic: `cross_at`, the last part of a crossing (walk to
150 m out, crawl over the berm, walk on to a pickup), and `shifted`, which moves a route in
time so that its crossing falls when the tactic wants it.
"""

from __future__ import annotations

import numpy as np

from borderwatch.geo.sectors import Sector
from borderwatch.twin.conditions import STORM_RAMP_S
from borderwatch.twin.movers.base import Spawn
from borderwatch.twin.movers.foot import CRAWL_FROM_M, group_members
from borderwatch.twin.movers.path import Mover, Route
from borderwatch.twin.movers.stealth import blind_walk, radars_of
from borderwatch.twin.scenario import (
    DecoyCrossers,
    FootSmugglers,
    OutageCrossers,
    StormCrossers,
    UnwatchedCrossers,
)

__all__ = [
    "cross_at",
    "decoy_groups",
    "outage_groups",
    "shifted",
    "storm_groups",
    "unwatched_groups",
]

START_ACROSS_M = (4000.0, 7000.0)
# How far along the line an approach may swerve to stay out of radar reach.
UNWATCHED_SWERVE_M = 3000.0


def cross_at(
    spawn: Spawn,
    rng: np.random.Generator,
    spec: FootSmugglers,
    route: Route,
    sector: Sector,
    s: float,
    speed: float,
    pauses: bool = True,
) -> float:
    """From where `route` is, walk in (with the spec's pauses), crawl over the berm at `s`
    metres along `sector` and walk on to a pickup inside; the time the route is on the line."""
    start = route.here
    near = spawn.at(sector, s, CRAWL_FROM_M)
    if pauses:
        n = int(rng.integers(spec.pauses[0], spec.pauses[1] + 1))
        for frac in np.sort(rng.uniform(0.15, 0.9, n)):
            route.wander_to(start + (near - start) * frac, speed, rng)
            route.wait(rng.uniform(60.0, 600.0))
    route.wander_to(near, speed, rng)
    route.wait(rng.uniform(0.0, 120.0))
    route.go(spawn.at(sector, s, 0.0), spec.crawl_mps)
    t_cross = route.now
    route.go(spawn.at(sector, s, -40.0), spec.crawl_mps)
    pickup = spawn.at(sector, s + rng.uniform(-1000, 1000), -rng.uniform(1000.0, 4000.0))
    route.wander_to(pickup, speed, rng)
    return t_cross


def shifted(route: Route, dt: float) -> Route:
    """The same route `dt` seconds later."""
    route.t = [t + dt for t in route.t]
    return route


def _clear_s(spawn: Spawn, rng: np.random.Generator, sector: Sector, lo: float = 0.05) -> float:
    """A place along the sector (m) clear of the road crossings' corridors."""
    s = rng.uniform(lo, 1.0 - lo) * sector.length_m
    for _ in range(20):
        if spawn.clear_of_corridors(spawn.at(sector, s, 0.0)):
            break
        s = rng.uniform(lo, 1.0 - lo) * sector.length_m
    return float(s)


def _members(
    route: Route, spec: FootSmugglers, speed: float, rng: np.random.Generator, tactic: str
) -> list[Mover]:
    size = int(rng.integers(spec.group_size[0], spec.group_size[1] + 1))
    return group_members(route, size, speed, "foot_smuggler", "", rng, tactic=tactic)


def outage_groups(spawn: Spawn, spec: OutageCrossers, index: int) -> list[list[Mover]]:
    """Each group waits out of sight for its outage (`Conditions.planned`), walks in once it
    has begun and crosses where the silent sensor watched, timed to be over before it ends."""
    out = []
    for k in range(spec.groups):
        plan = spawn.cond.planned.get((index, k))
        if plan is None:
            continue
        rng = spawn.rng("outage", index, k)
        sector = next(s for s in spawn.world.sectors if s.id == plan.sector)
        speed = rng.uniform(*spec.walk_mps)
        t0 = plan.start + rng.uniform(*spec.wait_minutes) * 60.0
        # They walk in across the beams of the radars still working (the silent ones they
        # can ignore), and start no further out than lets them cross well inside the outage:
        # they know how long it takes them.
        radars = radars_of(spawn, plan.sensors)
        across = rng.uniform(3000.0, 5000.0)
        lateral = rng.uniform(-800, 800)
        for _ in range(8):
            route = Route().start(t0, spawn.at(sector, plan.along_m + lateral, across))
            blind_walk(
                route,
                spawn.at(sector, plan.along_m, CRAWL_FROM_M),
                radars,
                speed,
                spec.crawl_mps,
                rng,
            )
            if route.now + 900.0 <= plan.end or across <= 600.0:
                break
            across = max(0.7 * across, 600.0)
        cross_at(spawn, rng, spec, route, sector, plan.along_m, speed, pauses=False)
        out.append(_members(route, spec, speed, rng, f"outage:{spec.outage}"))
    return out


def storm_groups(spawn: Spawn, spec: StormCrossers, index: int) -> list[list[Mover]]:
    """Each group crosses while a dust storm over its sector is at full strength."""
    out = []
    sectors = spawn.sectors_for(spec)
    stormy = [(sec, st) for sec in sectors for st in spawn.cond.storms if sec.id in st.sectors]
    for k in range(spec.groups if stormy else 0):
        rng = spawn.rng("storm", index, k)
        sector, storm = stormy[int(rng.integers(len(stormy)))]
        s = _clear_s(spawn, rng, sector)
        full = max(storm.end - storm.start - 2.0 * STORM_RAMP_S, 0.0)
        target = storm.start + STORM_RAMP_S + rng.uniform(0.0, full)
        speed = rng.uniform(*spec.walk_mps)
        start = spawn.at(sector, s + rng.uniform(-1500, 1500), rng.uniform(*START_ACROSS_M))
        route = Route().start(0.0, start)
        t_cross = cross_at(spawn, rng, spec, route, sector, s, speed)
        out.append(_members(shifted(route, target - t_cross), spec, speed, rng, "storm"))
    return out


def _unwatched_points(spawn: Spawn, sector: Sector) -> np.ndarray:
    """Places along the sector (m, every 100 m) where no radar reaches a person."""
    s = np.arange(0.02 * sector.length_m, 0.98 * sector.length_m, 100.0)
    xy = np.array([spawn.at(sector, float(v), 0.0) for v in s])
    if xy.size == 0:
        return s
    open_ = ~spawn.world.layout.radar_covers(xy[:, 0], xy[:, 1], "person")
    # Not at the very edge of radar reach: a group is a few metres wide.
    open_ &= np.r_[False, open_[:-1]] & np.r_[open_[1:], False]
    clear = np.array([spawn.clear_of_corridors(p) for p in xy], bool)
    out: np.ndarray = s[open_ & clear]
    return out


def _unwatched_way_in(spawn: Spawn, sector: Sector, s: float, depth: float) -> list[np.ndarray]:
    """Waypoints from `depth` metres out in to the berm at `s`: every 300 m out, the place
    nearest the previous one (within `UNWATCHED_SWERVE_M` along the line) that no radar
    reaches; where every place is reached, straight on."""
    layout = spawn.world.layout
    offsets = np.arange(-UNWATCHED_SWERVE_M, UNWATCHED_SWERVE_M + 1.0, 100.0)
    offsets = offsets[np.argsort(np.abs(offsets), kind="stable")]
    points, along = [], s
    for d in np.arange(300.0, depth + 1.0, 300.0):
        cand = np.array([spawn.at(sector, along + o, float(d)) for o in offsets])
        free = np.flatnonzero(~layout.radar_covers(cand[:, 0], cand[:, 1], "person"))
        if free.size:
            along += float(offsets[free[0]])
        points.append(spawn.at(sector, along, float(d)))
    return points[::-1]


def unwatched_groups(spawn: Spawn, spec: UnwatchedCrossers, index: int) -> list[list[Mover]]:
    """Each group crosses where no radar reaches a person, and comes in by ground no radar
    reaches where there is any. A scenario whose sectors have no such place gets none."""
    out = []
    choices = [
        (sec, pts) for sec in spawn.sectors_for(spec) if (pts := _unwatched_points(spawn, sec)).size
    ]
    for k in range(spec.groups if choices else 0):
        rng = spawn.rng("unwatched", index, k)
        sector, points = choices[int(rng.integers(len(choices)))]
        s = float(points[int(rng.integers(points.size))]) + rng.uniform(-30.0, 30.0)
        speed = rng.uniform(*spec.walk_mps)
        way = _unwatched_way_in(spawn, sector, s, rng.uniform(*START_ACROSS_M))
        t0 = spawn.pick_time(rng, spec.night_preference, spawn.duration - 2.5 * 3600.0)
        route = Route().start(t0, way[0])
        for p in way[1:]:
            route.go(p, speed * rng.uniform(0.85, 1.15))
        cross_at(spawn, rng, spec, route, sector, s, speed, pauses=False)
        out.append(_members(route, spec, speed, rng, "unwatched"))
    return out


def _decoy_movers(
    spawn: Spawn, rng: np.random.Generator, spec: DecoyCrossers, sector: Sector, s: float
) -> tuple[list[Mover], float]:
    """The decoy, built from time 0: people who go up to the berm, work at it and go back
    (`feint`), or dogs driven at it (`animals`); and when it reaches the berm."""
    size = int(rng.integers(spec.decoy_size[0], spec.decoy_size[1] + 1))
    if spec.decoy == "feint":
        speed = rng.uniform(*spec.walk_mps)
        out = spawn.at(sector, s, rng.uniform(3000.0, 5000.0))
        # Up to the berm and along it, close enough for the fibre to feel them (10 m), in
        # steps short enough that a bend of the line never puts them over it.
        route = Route().start(0.0, out).wander_to(spawn.at(sector, s, 7.0), speed, rng)
        at_berm = route.now
        along = s
        for _ in range(int(rng.integers(2, 6))):  # working at the berm, along it
            along += rng.uniform(-15.0, 15.0)
            route.go(spawn.at(sector, along, rng.uniform(6.0, 9.0)), 0.3)
            route.wait(rng.uniform(30.0, 180.0))
        route.wander_to(out, speed, rng)
        return group_members(route, size, speed, "foot_smuggler", "", rng, tactic="feint"), at_berm
    dogs, at_berm = [], np.inf
    for _ in range(size + 2):
        route = Route().start(rng.uniform(0.0, 60.0), spawn.at(sector, s, rng.uniform(800, 1500)))
        route.go(spawn.at(sector, s + rng.uniform(-50, 50), 3.0), rng.uniform(3.0, 5.0))
        at_berm = min(at_berm, route.now)
        for _ in range(int(rng.integers(3, 8))):  # milling about the berm, over and back
            route.go(spawn.at(sector, s + rng.uniform(-80, 80), rng.uniform(-30, 30)), 2.0)
            route.wait(rng.exponential(30.0))
        route.go(spawn.at(sector, s + rng.uniform(-500, 500), rng.uniform(600, 1500)), 4.0)
        t, x, y = route.knots()
        dogs.append(Mover("", "dog", "", False, t, x, y))
    return dogs, float(at_berm)


def decoy_groups(spawn: Spawn, spec: DecoyCrossers, index: int) -> list[list[Mover]]:
    """Each group crosses `lag_minutes` after its decoy reaches the berm `separation_m` away."""
    out = []
    for k in range(spec.groups):
        rng = spawn.rng("decoy", index, k)
        sector = spawn.pick_sector(rng, spawn.sectors_for(spec))
        s = _clear_s(spawn, rng, sector, lo=0.1)
        gap = rng.uniform(*spec.separation_m)
        room_up = sector.length_m - s
        s_decoy = s + gap if room_up >= s else s - gap
        s_decoy = float(np.clip(s_decoy, 100.0, sector.length_m - 100.0))
        decoy, at_berm = _decoy_movers(spawn, rng, spec, sector, s_decoy)
        speed = rng.uniform(*spec.walk_mps)
        start = spawn.at(sector, s + rng.uniform(-1500, 1500), rng.uniform(*START_ACROSS_M))
        route = Route().start(0.0, start)
        t_cross = cross_at(spawn, rng, spec, route, sector, s, speed)
        lag = rng.uniform(*spec.lag_minutes) * 60.0
        t_decoy = spawn.pick_time(rng, spec.night_preference, spawn.duration - 1.5 * 3600.0)
        t_decoy = max(t_decoy, t_cross - lag, at_berm)  # both walk in from the scenario's start
        shifted(route, t_decoy + lag - t_cross)
        for m in decoy:
            m.t = m.t + (t_decoy - at_berm)
        out.append(decoy)
        out.append(_members(route, spec, speed, rng, f"decoy:{spec.decoy}"))
    return out
