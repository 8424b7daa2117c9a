"""Benchmark: what `GET /api/v1/coverage` costs the engine, side by side in one run.

The whole layout's berm (every sector, 4,230 stretches of 100 m), every sensor heard, three
towers down. Timed per call, median of `repeat` calls:

- `blind_stretches`: the rules' own walk (`BermCoverage.blind_stretches`), the floor;
- `blind_runs`: that walk merged into runs with their reasons (`engine.blind.blind_runs`);
- `cached`: `BlindRuns.of` within one scene and health (what every console poll costs);
- `nearest`: the nearest free patrol of every run by dispatch's ETA along the roads (one
  road search per run; cached likewise between changes of patrols or scene).

One JSON line with the times (ms) and the ratios to `blind_stretches`.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from borderwatch.engine.blind import BlindRuns, blind_runs
from borderwatch.engine.picture import Picture
from borderwatch.geo import build_sectors, load_border, load_sites, to_lonlat
from borderwatch.geo.registry import Registry
from borderwatch.messages import Patrol
from borderwatch.ops import rank_patrols_to, road_network

__all__ = ["run"]

DOWN = ("T03", "T09", "T15")  # towers whose radar and camera report down


def _ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def run(quick: bool = False) -> dict[str, Any]:
    """Time the four steps on the whole layout (fewer repeats with `quick`)."""
    repeat = 5 if quick else 50
    picture = Picture(Registry.from_layout(load_sites(None)), 0)
    coverage = picture.coverage
    assert coverage is not None
    coverage.started = 0.0
    for sid in coverage.kind:
        coverage.heard[sid] = 0.0
    for tower in DOWN:
        coverage.health[f"{tower}-R"] = coverage.health[f"{tower}-C"] = "down"
    picture.window.now_s = 10.0
    runs = blind_runs(coverage, 10.0)
    cache = BlindRuns()
    cache.of(picture)
    sectors = build_sectors(load_border())
    roads = road_network(tuple(sectors))
    # One patrol per sector at its line's middle: the shape of the twin's day.
    patrols = []
    for s in sectors:
        mid = s.line.interpolate(0.5, normalized=True)
        lon, lat = to_lonlat([mid.x], [mid.y])
        patrols.append(
            Patrol(
                callsign=f"NG-{s.id}-1",
                agency="national_guard",
                time_ns=10_000_000_000,
                lat=float(lat[0]),
                lon=float(lon[0]),
                status="available",
            )
        )
    mids = to_lonlat([r.x for r in runs], [r.y for r in runs])

    def nearest() -> None:
        for lon, lat in zip(mids[0], mids[1], strict=True):
            rank_patrols_to(float(lat), float(lon), patrols, set(), 10_000_000_000, roads=roads)

    floor = _ms(lambda: coverage.blind_stretches(10.0), repeat)
    walk = _ms(lambda: blind_runs(coverage, 10.0), repeat)
    cached = _ms(lambda: cache.of(picture), repeat)
    near = _ms(nearest, max(1, repeat // 10))
    return {
        "bench": "blind_coverage",
        "stretches": len(coverage.stretches),
        "runs": len(runs),
        "runs_down": sum(r.kind == "down" for r in runs),
        "patrols": len(patrols),
        "blind_stretches_ms": round(floor, 3),
        "blind_runs_ms": round(walk, 3),
        "cached_ms": round(cached, 4),
        "nearest_ms": round(near, 2),
        "ratio_runs_to_floor": round(walk / floor, 2),
        "ratio_cached_to_floor": round(cached / floor, 4),
        "ratio_nearest_to_floor": round(near / floor, 1),
        "load": os.getloadavg()[0],
        "bars": {},  # none set: the numbers are for the record
    }
