"""Animals: camel herds that graze near the berm by day, and jackals and dogs that roam it.

Positions are drawn in (along, across) coordinates of the watch line, so a herd on the
Tunisian side stays there unless the scenario lets it cross.
"""

from __future__ import annotations

import numpy as np

from borderwatch.twin.movers.base import Spawn
from borderwatch.twin.movers.path import Mover, MoverKind, Route
from borderwatch.twin.scenario import Camels, Wildlife

__all__ = ["camels", "wildlife"]


def camels(spawn: Spawn, spec: Camels, index: int) -> list[list[Mover]]:
    """Herds: a wandering centre (amble a little, graze a long time), animals spread round it."""
    out = []
    sectors = spawn.sectors_for(spec)
    for k in range(spec.herds):
        rng = spawn.rng("camels", index, k)
        sector = spawn.pick_sector(rng, sectors)
        side = 1.0 if rng.random() < 0.4 else -1.0
        s = rng.uniform(0.1, 0.9) * sector.length_m
        across = side * rng.uniform(400.0, 2500.0)
        # Out at dawn, back to camp at dusk; inside the scenario window.
        day0, day1 = spec.day_hours
        hour0 = float(spawn.cond.local_hour(0.0))
        t_out = ((day0 - hour0) % 24.0) * 3600.0 + rng.uniform(0.0, 3600.0)
        t_home = t_out + ((day1 - day0) % 24.0) * 3600.0 - rng.uniform(0.0, 3600.0)
        if hour0 >= day0 and hour0 < day1:  # the scenario starts in daylight: herds are out
            t_out, t_home = 0.0, ((day1 - hour0) * 3600.0) - rng.uniform(0.0, 3600.0)
        t_home = min(t_home, spawn.duration)
        if t_home - t_out < 1800.0:
            continue
        crosses = rng.random() < spec.cross_probability
        cross_at = rng.uniform(t_out, t_home) if crosses else np.inf
        route = Route().start(t_out, spawn.at(sector, s, across))
        while route.now < t_home:
            if route.now >= cross_at:
                across = -np.sign(across) * rng.uniform(400.0, 1000.0)
                cross_at = np.inf
            s = float(np.clip(s + rng.uniform(-300.0, 300.0), 0.0, sector.length_m))
            lim = (400.0, 2500.0)
            across = float(np.sign(across) * np.clip(abs(across) + rng.uniform(-250, 250), *lim))
            # Grazing camels amble (often below a radar's minimum detectable velocity)
            # and stop for long spells.
            route.go(spawn.at(sector, s, across), rng.uniform(0.15, 0.6))
            route.wait(rng.uniform(600.0, 2400.0))
        tc, xc, yc = route.knots()
        size = int(rng.integers(spec.herd_size[0], spec.herd_size[1] + 1))
        spread = rng.uniform(40.0, 120.0)
        herd = []
        for _ in range(size):
            offset = np.clip(rng.normal(0.0, spread, 2), -2.5 * spread, 2.5 * spread)
            jitter = rng.normal(0.0, 8.0, (len(tc), 2))
            herd.append(
                Mover(
                    "",
                    "camel",
                    "",
                    False,
                    tc.copy(),
                    xc + offset[0] + jitter[:, 0],
                    yc + offset[1] + jitter[:, 1],
                )
            )
        out.append(herd)
    return out


def wildlife(spawn: Spawn, spec: Wildlife, index: int) -> list[list[Mover]]:
    """Jackals and dogs: trot, sprint, stop, sniff; an hour or two each, mostly at night."""
    out = []
    sectors = spawn.sectors_for(spec)
    for k in range(spec.animals):
        rng = spawn.rng("wildlife", index, k)
        kind: MoverKind = "dog" if rng.random() < spec.dog_fraction else "jackal"
        sector = spawn.pick_sector(rng, sectors)
        s = rng.uniform(0.05, 0.95) * sector.length_m
        across = rng.choice([-1.0, 1.0]) * rng.uniform(50.0, 2000.0)
        crosses = rng.random() < spec.cross_probability
        life = rng.uniform(20.0, 120.0) * 60.0
        t0 = spawn.pick_time(rng, 0.9, spawn.duration - life)
        route = Route().start(t0, spawn.at(sector, s, across))
        while route.now < t0 + life:
            s = float(np.clip(s + rng.uniform(-200.0, 200.0), 0.0, sector.length_m))
            step = rng.uniform(-200.0, 200.0)
            if not crosses and np.sign(across + step) != np.sign(across):
                step = -step
            across = float(np.clip(across + step, -2500.0, 2500.0))
            if abs(across) < 20.0:
                across = 20.0 * np.sign(step or 1.0)
            route.go(spawn.at(sector, s, across), rng.uniform(1.5, 6.0))
            route.wait(rng.exponential(40.0))
        t, x, y = route.knots()
        out.append([Mover("", kind, "", False, t, x, y)])
    return out
