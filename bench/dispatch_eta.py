"""Benchmark: dispatch ETA along the roads against a straight line x 1.4, side by side, each
against the twin's patrols' actual driving times.

The twin (`full-border-day`, seed 1) drives one patrol per sector up and down its patrol
road between observation posts, each trip at its own speed (6-14 m/s). Every trip is a
dispatch whose answer is known: from where it starts to where it stops, how long it drove.
Both estimators see what dispatch sees, the two points and the agency's cruising speed
(10 m/s for the national guard), and neither knows the trip's own speed, so part of each
error is the speed's spread (common to both). The distance errors (route length against the
length actually driven) isolate the geometry: what the road network is there to get right.

One JSON line: trips, and for each estimator the median and 90th percentile of |error| /
actual, and the mean signed error (bias), for time and distance; plus the ratio of the two
medians and the time of one road query.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from borderwatch.ops.dispatch import DispatchConfig
from borderwatch.ops.roads import RoadNetwork
from borderwatch.twin.conditions import build_conditions
from borderwatch.twin.movers import Spawn
from borderwatch.twin.movers.vehicles import patrols
from borderwatch.twin.scenario import Patrols, load_scenario
from borderwatch.twin.world import build_world

__all__ = ["run", "trips"]

SCENARIO = "full-border-day"
SEED = 1


def trips(
    t: np.ndarray, x: np.ndarray, y: np.ndarray
) -> list[tuple[tuple[float, float], tuple[float, float], float, float]]:
    """(start, end, seconds, metres driven) of each trip between two stops of one path."""
    seg = np.hypot(np.diff(x), np.diff(y))
    moving = seg > 0.01
    out = []
    i = 0
    n = len(seg)
    while i < n:
        if not moving[i]:
            i += 1
            continue
        j = i
        while j < n and moving[j]:
            j += 1
        out.append(
            (
                (float(x[i]), float(y[i])),
                (float(x[j]), float(y[j])),
                float(t[j] - t[i]),
                float(seg[i:j].sum()),
            )
        )
        i = j
    return out


def _errors(estimate: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    rel = (estimate - actual) / actual
    return {
        "median_abs_rel_error": round(float(np.median(np.abs(rel))), 4),
        "p90_abs_rel_error": round(float(np.percentile(np.abs(rel), 90)), 4),
        "mean_rel_error": round(float(np.mean(rel)), 4),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Measure both estimators on every patrol trip of the scenario (a few sectors if quick)."""
    scenario, path = load_scenario(SCENARIO)
    world = build_world(scenario, path)
    if quick:
        world = type(world)(world.border, world.sectors[:3], world.layout, world.sites_source)
    duration = scenario.hours * 3600.0
    cond = build_conditions(scenario, world, SEED, duration)
    spawn = Spawn(world, cond, duration, SEED)
    spec = next(m for m in scenario.movers if isinstance(m, Patrols))
    movers = [m for group in patrols(spawn, spec, 0) for m in group]
    legs = [leg for m in movers for leg in trips(m.t, m.x, m.y) if leg[3] > 200.0]

    t0 = time.perf_counter()
    network = RoadNetwork.build(world.sectors)
    build_s = time.perf_counter() - t0
    config = DispatchConfig()
    speed = config.speeds_mps[spec.agency]
    starts = np.array([leg[0] for leg in legs])
    ends = np.array([leg[1] for leg in legs])
    actual_s = np.array([leg[2] for leg in legs])
    driven_m = np.array([leg[3] for leg in legs])

    t0 = time.perf_counter()
    road_m = np.array(
        [network.cost_m(tuple(e), s[None, :])[0] for s, e in zip(starts, ends, strict=True)]
    )
    query_ms = (time.perf_counter() - t0) / len(legs) * 1000.0
    straight_m = np.hypot(*(ends - starts).T) * config.detour

    road_time = _errors(road_m / speed, actual_s)
    straight_time = _errors(straight_m / speed, actual_s)
    return {
        "benchmark": "dispatch_eta",
        "scenario": SCENARIO,
        "seed": SEED,
        "quick": quick,
        "sectors": len(world.sectors),
        "trips": len(legs),
        "speed_mps": speed,
        "road_nodes": len(network.nodes),
        "build_s": round(build_s, 3),
        "query_ms": round(query_ms, 3),
        "time": {"road": road_time, "straight_x1.4": straight_time},
        "distance": {
            "road": _errors(road_m, driven_m),
            "straight_x1.4": _errors(straight_m, driven_m),
        },
        "bars": {
            "road ETA's median time error below straight x 1.4's": road_time["median_abs_rel_error"]
            < straight_time["median_abs_rel_error"],
        },
        "time_error_ratio_straight_over_road": round(
            straight_time["median_abs_rel_error"] / max(road_time["median_abs_rel_error"], 1e-9),
            2,
        ),
    }
