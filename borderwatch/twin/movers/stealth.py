"""Adversary tactics that choose *how* to move: hidden in a camel herd, or stop-and-go across
the radars' beams.

A pulse-Doppler ground radar loses a target whose radial speed is under its minimum
detectable velocity (MDV). A crawler who keeps every leg across the beam of each radar that
can see him, slowed until the radial part of his speed is under that MDV, and who lies still
for minutes every few hundred metres, leaves the radar little to hold; the thermal camera
still sees him, as it sees anyone. A person walking inside a herd moves as the camels do and
is as big as one to a radar. Neither tactic weakens a sensor: they only exploit the physics
the twin's sensors already have.
"""

from __future__ import annotations

import itertools

import numpy as np

from borderwatch.arrays import FloatArray
from borderwatch.geo.projection import grid_azimuth, in_field
from borderwatch.geo.sites import RadarSpec, TowerSpec
from borderwatch.twin.movers.base import Spawn
from borderwatch.twin.movers.foot import CRAWL_FROM_M, group_members
from borderwatch.twin.movers.path import Mover, Route
from borderwatch.twin.scenario import CrawlCrossers, HerdCrossers

__all__ = ["blind_leg", "blind_walk", "crawl_groups", "herd_groups", "radars_of"]

# A radar's Pd falls off past its person range; the crawler keeps clear of it further out.
REACH_MARGIN = 1.3
# The crawler keeps his radial speed this far under the MDV (his sense of it is rough).
MDV_MARGIN = 0.8
# Headings tried every 5 degrees; a heading must bring him this much closer per metre.
HEADINGS = np.deg2rad(np.arange(0.0, 360.0, 5.0))
MIN_PROGRESS = 0.2
STEP_M = 100.0


def radars_of(spawn: Spawn, silent: tuple[str, ...] = ()) -> list[tuple[float, float, RadarSpec]]:
    """(x, y, spec) of every radar of the world but the `silent` ones (by sensor id)."""
    out = []
    for site in spawn.world.layout.towers:
        spec = site.spec
        if isinstance(spec, TowerSpec) and spec.radar is not None and f"{site.id}-R" not in silent:
            c = site.geometry.centroid
            out.append((float(c.x), float(c.y), spec.radar))
    return out


def blind_leg(
    p: FloatArray,
    target: FloatArray,
    radars: list[tuple[float, float, RadarSpec]],
    walk_mps: float,
    crawl_mps: float,
) -> tuple[FloatArray, float]:
    """The heading (unit vector) and speed of the next leg from `p` towards `target`.

    On a heading h the fastest speed that stays Doppler-blind to every radar that can see
    `p` is v(h) = MDV_MARGIN x MDV / max_j |h . u_j| (u_j: the unit line of sight from radar
    j), held between a crawl and a walk; a crawl is blind on any heading (its radial speed
    is under any MDV). The leg takes the heading that closes on the target fastest,
    max v(h) (h . d), d the unit direction to the target, among headings with h . d at
    least `MIN_PROGRESS`."""
    to = target - p
    dist = float(np.hypot(*to))
    direct = to / max(dist, 1e-9)
    los, mdv = [], []
    for rx, ry, spec in radars:
        dx, dy = p[0] - rx, p[1] - ry
        r = float(np.hypot(dx, dy))
        az = grid_azimuth(np.array([dx]), np.array([dy]))
        seen = 50.0 <= r <= REACH_MARGIN * spec.person_range_m
        if seen and bool(in_field(az, spec.az_center_deg, spec.az_width_deg)[0]):
            los.append((dx / r, dy / r))
            mdv.append(spec.min_radial_speed_mps)
    if not los:
        return direct, walk_mps
    h = np.c_[np.cos(HEADINGS), np.sin(HEADINGS)]
    radial = np.abs(h @ np.array(los).T).max(axis=1)
    speed = np.clip(MDV_MARGIN * min(mdv) / np.maximum(radial, 1e-6), crawl_mps, walk_mps)
    progress = h @ direct
    closing = np.where(progress >= MIN_PROGRESS, speed * progress, -np.inf)
    best = int(np.argmax(closing))
    heading: FloatArray = h[best]
    return heading, float(speed[best])


def blind_walk(
    route: Route,
    target: FloatArray,
    radars: list[tuple[float, float, RadarSpec]],
    walk_mps: float,
    crawl_mps: float,
    rng: np.random.Generator,
    stops: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> Route:
    """Move to `target` by blind legs of `STEP_M`; with `stops` ((leg_m range), (minutes
    range)), lie still for some minutes every few hundred metres."""
    next_stop = rng.uniform(*stops[0]) if stops else np.inf
    for _ in range(2000):  # every step closes at least MIN_PROGRESS x its length
        to = target - route.here
        dist = float(np.hypot(*to))
        if dist < 1.0:
            break
        heading, speed = blind_leg(route.here, target, radars, walk_mps, crawl_mps)
        step = min(STEP_M, dist)
        if dist <= STEP_M:
            heading = to / dist
        route.go(route.here + heading * step, speed)
        next_stop -= step
        if stops and next_stop <= 0.0:
            route.wait(rng.uniform(*stops[1]) * 60.0)
            next_stop = rng.uniform(*stops[0])
    return route


def _mid_gap(
    spawn: Spawn, rng: np.random.Generator, sector_len: float, towers: list[float]
) -> float:
    """A place mid-way between two towers along the line (m): there a walk straight at the
    berm is already across both beams."""
    marks = sorted([-5000.0, *towers, sector_len + 5000.0])
    mids = [(a + b) / 2.0 for a, b in itertools.pairwise(marks)]
    mids = [m for m in mids if 300.0 <= m <= sector_len - 300.0] or [sector_len / 2.0]
    s = mids[int(rng.integers(len(mids)))] + rng.uniform(-1000.0, 1000.0)
    return float(np.clip(s, 300.0, sector_len - 300.0))


def crawl_groups(spawn: Spawn, spec: CrawlCrossers, index: int) -> list[list[Mover]]:
    """Each group: blind legs and long stops from a few km out to 150 m from the berm, a
    crawl over it, and blind legs on to a pickup."""
    radars = radars_of(spawn)
    out = []
    for k in range(spec.groups):
        rng = spawn.rng("crawl", index, k)
        sector = spawn.pick_sector(rng, spawn.sectors_for(spec))
        towers = [
            sector.line.project(site.geometry.centroid)
            for site in spawn.world.layout.towers
            if sector.line.distance(site.geometry.centroid) < 3000.0
        ]
        s = _mid_gap(spawn, rng, sector.length_m, towers)
        walk = rng.uniform(*spec.walk_mps)
        start = spawn.at(sector, s + rng.uniform(-1500, 1500), rng.uniform(*spec.start_m))
        route = Route().start(0.0, start)
        stops = (spec.leg_m, spec.stop_minutes)
        near = spawn.at(sector, s, CRAWL_FROM_M)
        blind_walk(route, near, radars, walk, spec.crawl_mps, rng, stops)
        route.go(spawn.at(sector, s, 0.0), spec.crawl_mps)
        t_cross = route.now
        route.go(spawn.at(sector, s, -40.0), spec.crawl_mps)
        pickup = spawn.at(sector, s + rng.uniform(-500, 500), -rng.uniform(600.0, 1500.0))
        blind_walk(route, pickup, radars, walk, spec.crawl_mps, rng, stops)
        latest = spawn.duration - t_cross - 600.0
        t0 = spawn.pick_time(rng, spec.night_preference, max(latest, 0.0))
        route.t = [t + t0 for t in route.t]
        size = int(rng.integers(spec.group_size[0], spec.group_size[1] + 1))
        out.append(group_members(route, size, walk, "foot_smuggler", "", rng, tactic="crawl"))
    return out


def herd_groups(spawn: Spawn, spec: HerdCrossers, index: int) -> list[list[Mover]]:
    """Each: a herd grazing in towards the berm with people walking inside it; a few hundred
    metres out the people slip away and cross, and the herd grazes on and goes back out."""
    out: list[list[Mover]] = []
    for k in range(spec.groups):
        rng = spawn.rng("herd", index, k)
        sector = spawn.pick_sector(rng, spawn.sectors_for(spec))
        s = rng.uniform(0.1, 0.9) * sector.length_m
        for _ in range(20):
            if spawn.clear_of_corridors(spawn.at(sector, s, 0.0)):
                break
            s = rng.uniform(0.1, 0.9) * sector.length_m
        t0 = spawn.pick_time(rng, spec.night_preference, spawn.duration - 3.5 * 3600.0)
        hold = rng.uniform(*spec.break_out_m)
        herd = Route().start(
            t0, spawn.at(sector, s + rng.uniform(-800, 800), rng.uniform(1500, 3000))
        )
        # Grazing in: short ambles (often under a radar's MDV) and long stops.
        while float(np.hypot(*(spawn.at(sector, s, hold) - herd.here))) > 150.0:
            to = spawn.at(sector, s, hold) - herd.here
            step = min(rng.uniform(150.0, 400.0), float(np.hypot(*to)))
            side = np.array([-to[1], to[0]]) / max(float(np.hypot(*to)), 1e-9)
            p = herd.here + to / np.hypot(*to) * step + side * rng.uniform(-60.0, 60.0)
            herd.go(p, rng.uniform(*spec.herd_mps))
            herd.wait(rng.uniform(120.0, 600.0))
        herd.go(spawn.at(sector, s, hold), rng.uniform(*spec.herd_mps))
        herd.wait(rng.uniform(60.0, 900.0))
        # The people leave here; the herd grazes near the berm a while, then goes back out.
        leader = Route()
        leader.t, leader.x, leader.y = list(herd.t), list(herd.x), list(herd.y)
        for _ in range(int(rng.integers(2, 5))):
            herd.go(
                spawn.at(sector, s + rng.uniform(-300, 300), rng.uniform(150, 600)),
                rng.uniform(*spec.herd_mps),
            )
            herd.wait(rng.uniform(300.0, 1200.0))
        herd.go(
            spawn.at(sector, s + rng.uniform(-800, 800), rng.uniform(2000, 3500)),
            rng.uniform(*spec.herd_mps),
        )
        walk = rng.uniform(0.5, 1.0)  # bent low, slipping away
        leader.go(spawn.at(sector, s + rng.uniform(-100, 100), CRAWL_FROM_M), walk)
        leader.go(spawn.at(sector, s, 0.0), spec.crawl_mps)
        leader.go(spawn.at(sector, s, -40.0), spec.crawl_mps)
        leader.wander_to(
            spawn.at(sector, s + rng.uniform(-1000, 1000), -rng.uniform(1000.0, 3000.0)),
            rng.uniform(*spec.walk_mps),
            rng,
        )
        tc, xc, yc = herd.knots()
        size = int(rng.integers(spec.herd_size[0], spec.herd_size[1] + 1))
        spread = rng.uniform(40.0, 100.0)
        camels = []
        for _ in range(size):
            off = np.clip(rng.normal(0.0, spread, 2), -2.5 * spread, 2.5 * spread)
            jitter = rng.normal(0.0, 8.0, (len(tc), 2))
            x, y = xc + off[0] + jitter[:, 0], yc + off[1] + jitter[:, 1]
            camels.append(Mover("", "camel", "", False, tc.copy(), x, y))
        out.append(camels)
        # The people walk among the camels: same path, their own place in the herd.
        people = []
        n = int(rng.integers(spec.group_size[0], spec.group_size[1] + 1))
        for i in range(n):
            off = np.clip(rng.normal(0.0, spread / 2.0, 2), -spread, spread) if i else np.zeros(2)
            t, x, y = leader.knots()
            lag = i * rng.uniform(3.0, 10.0)
            people.append(
                Mover("", "foot_smuggler", "", True, t + lag, x + off[0], y + off[1], tactic="herd")
            )
        out.append(people)
    return out
