"""Vehicles: smugglers' 4x4 convoys, our own patrols, and road traffic through the crossings.

Vehicles cannot cross the berm and its trench: convoys cross only through a breach; otherwise
they stop short and send porters over on foot. Traffic crosses only on the road, through the
legal crossing, after queueing at the post.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point
from shapely.ops import substring

from borderwatch.geo.sectors import Sector
from borderwatch.twin.movers.base import Spawn
from borderwatch.twin.movers.foot import group_members
from borderwatch.twin.movers.path import Mover, Route, follow
from borderwatch.twin.scenario import Convoys, Patrols, Traffic

__all__ = ["convoys", "patrols", "traffic"]


def convoys(spawn: Spawn, spec: Convoys, index: int) -> list[list[Mover]]:
    """Each convoy: vehicles in line; and, when it stops at the berm, its porters."""
    out: list[list[Mover]] = []
    sectors = spawn.sectors_for(spec)
    ids = {s.id for s in sectors}
    breaches = []
    for b in spawn.world.border.breaches:
        for sec in sectors:
            if sec.line.distance(b.point) < 100.0 and sec.id in ids:
                breaches.append((sec, sec.line.project(b.point)))
    for k in range(spec.convoys):
        rng = spawn.rng("convoy", index, k)
        use_breach = bool(breaches) and rng.random() < spec.use_breach_probability
        if use_breach:
            sector, s = breaches[int(rng.integers(len(breaches)))]
        else:
            sector = spawn.pick_sector(rng, sectors)
            s = rng.uniform(0.1, 0.9) * sector.length_m
        speed = rng.uniform(*spec.speed_mps)
        n = int(rng.integers(spec.vehicles[0], spec.vehicles[1] + 1))
        start = spawn.at(sector, s + rng.uniform(-4000, 4000), rng.uniform(12000.0, 18000.0))
        t0 = spawn.pick_time(rng, spec.night_preference, spawn.duration - 2.0 * 3600.0)
        route = Route().start(t0, start)
        porters: list[Mover] = []
        if use_breach:
            route.wander_to(spawn.at(sector, s, 300.0), speed, rng, step_m=1500.0, jitter_m=250.0)
            route.go(spawn.at(sector, s, -300.0), 4.0)  # slowly through the gap
            inland = spawn.at(sector, s + rng.uniform(-3000, 3000), -rng.uniform(5000.0, 9000.0))
            route.wander_to(inland, speed, rng, step_m=1500.0, jitter_m=250.0)
        else:
            stop = spawn.at(sector, s, rng.uniform(100.0, 300.0))
            route.wander_to(stop, speed, rng, step_m=1500.0, jitter_m=250.0)
            arrive = route.now
            unload = rng.uniform(15.0, 40.0) * 60.0
            route.wait(unload)
            route.wander_to(start, speed, rng, step_m=1500.0, jitter_m=250.0)
            porters = _porters(spawn, rng, spec, sector, s, stop, arrive)
        vehicles = []
        for i in range(n):
            lag = i * rng.uniform(30.0, 80.0) / speed
            t, x, y = follow(route, lag, rng.normal(0.0, 3.0, 2) if i else np.zeros(2))
            vehicles.append(Mover("", "convoy_vehicle", "", True, t, x, y, tactic="convoy"))
        out.append(vehicles)
        if porters:
            out.append(porters)
    return out


def _porters(
    spawn: Spawn,
    rng: np.random.Generator,
    spec: Convoys,
    sector: Sector,
    s: float,
    stop: np.ndarray,
    arrive: float,
) -> list[Mover]:
    """Porters carry the load over the berm to a cache and come back."""
    n = int(rng.integers(spec.porters[0], spec.porters[1] + 1))
    speed = rng.uniform(1.0, 1.4)
    route = Route().start(arrive + rng.uniform(60.0, 240.0), stop)
    route.go(spawn.at(sector, s, 40.0), speed)
    route.go(spawn.at(sector, s, -40.0), 0.4)  # over the berm, through the trench
    cache = spawn.at(sector, s + rng.uniform(-200, 200), -rng.uniform(300.0, 700.0))
    route.wander_to(cache, speed, rng, step_m=200.0, jitter_m=30.0)
    route.wait(rng.uniform(120.0, 300.0))
    route.go(spawn.at(sector, s, -40.0), speed)
    route.go(spawn.at(sector, s, 40.0), 0.4)
    route.go(stop, speed)
    return group_members(route, n, speed, "foot_smuggler", "", rng, tactic="porters")


def patrols(spawn: Spawn, spec: Patrols, index: int) -> list[list[Mover]]:
    """Patrols drive up and down their sector's patrol road, stopping now and then."""
    out = []
    prefix = "".join(w[0] for w in spec.agency.split("_")).upper() or "P"
    for sector in spawn.sectors_for(spec):
        road = spawn.world.patrol_road(sector)
        for k in range(spec.per_sector):
            rng = spawn.rng(f"patrol-{sector.id}", index, k)
            s = rng.uniform(0.0, road.length)
            route = Route().start(0.0, _xy(road.interpolate(s)))
            while route.now < spawn.duration:
                target = rng.uniform(0.0, road.length)
                speed = rng.uniform(*spec.speed_mps)
                piece = substring(road, s, target)
                coords = [piece.coords[0]] if isinstance(piece, Point) else list(piece.coords)
                for c in coords[1:]:
                    route.go(np.array(c), speed)
                s = target
                route.wait(rng.uniform(15.0, 60.0) * 60.0)  # an observation post
            t, x, y = route.knots()
            mover = Mover(
                "",
                "patrol",
                "",
                False,
                t,
                x,
                y,
                callsign=f"{prefix}-{sector.id}-{k + 1}",
                agency=spec.agency,
            )
            out.append([mover])
    return out


def traffic(spawn: Spawn, spec: Traffic, index: int) -> list[list[Mover]]:
    """Vehicles through one crossing, both ways, arriving as a Poisson stream (heavier by day)."""
    crossing = next(c for c in spawn.world.border.crossings if c.id == spec.crossing)
    road = crossing.road
    rng = spawn.rng(f"traffic-{spec.crossing}", index, 0)
    out = []
    t = -3600.0  # start an hour early so the road is busy at the scenario's start
    peak = max(spec.day_per_hour, spec.night_per_hour, 1e-9)
    while True:
        # Thinning: draw at the peak rate, keep by the rate at that hour.
        t += rng.exponential(3600.0 / peak)
        if t >= spawn.duration:
            break
        rate = spec.night_per_hour if spawn.cond.is_night(t) else spec.day_per_hour
        if rng.random() >= rate / peak:
            continue
        inbound = rng.random() < 0.5
        path = LineString(road.coords[::-1]) if inbound else road
        lane = path.offset_curve(-3.0)  # drive on the right
        if not isinstance(lane, LineString):
            lane = path
        at_post = lane.project(crossing.point)
        speed = rng.uniform(11.0, 20.0)
        route = Route().start(t, np.array(lane.coords[0]))
        before = substring(lane, 0.0, at_post - 150.0)
        after = substring(lane, at_post + 150.0, lane.length)
        for c in list(before.coords)[1:]:
            route.go(np.array(c), speed)
        route.go(_xy(lane.interpolate(at_post)), 4.0)
        route.wait(rng.uniform(*spec.queue_minutes) * 60.0)
        for c in list(after.coords):
            route.go(np.array(c), speed)
        tk, x, y = route.knots()
        if tk[-1] > 0.0:
            out.append([Mover("", "traffic", "", False, tk, x, y)])
    return out


def _xy(p: Point) -> np.ndarray:
    return np.array([p.x, p.y])
