"""Benchmark: the engine's alerts on the twin, against issue 3's bars.

Every library scenario, seeds 1-5: simulate, replay through the engine
(`borderwatch.engine.replay.replay_run`: tracks.jsonl and alerts.jsonl), score with
`borderwatch.eval.evaluate`. One row per scenario, pooled over its seeds, then one
`twin_alerts_total` row pooled over everything, which carries the bars:

- people on foot crossing under radar: Pd >= 0.97, its lower 95 % bound >= 0.90, and median
  time to alert <= -60 s (warned a minute before they cross);
- vehicles: Pd >= 0.99;
- nuisance alarm rate <= 0.1 per km per day, i.e. <= 1.0 per 10 km per day as eval reports it,
  for camel-herd, dust-storm and full-border-day (each the mean over its seeds);
- no alert on a friendly patrol, none on traffic inside a road corridor.

Pd pools events, not rates: sums of crossings and detections over seeds, with a Clopper-Pearson
interval on the sums; the median time to alert is over the pooled times (a median of medians is
not the median). `--quick` runs the first hour of each scenario on seed 1 and judges nothing.
Jobs run in a pool of 2 processes (the machine has 2 cores), longest first.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from borderwatch.engine.replay import replay_run
from borderwatch.eval import evaluate
from borderwatch.eval.stats import clopper_pearson
from borderwatch.twin import library, load_scenario, simulate

__all__ = [
    "NAR_SCENARIOS",
    "SEEDS",
    "Job",
    "bars",
    "pool_subset",
    "run",
    "run_job",
]

SEEDS = (1, 2, 3, 4, 5)
NAR_SCENARIOS = ("camel-herd", "dust-storm", "full-border-day")
PEOPLE_PD_BAR = 0.97
PEOPLE_PD_LOWER_BAR = 0.90
PEOPLE_TTA_BAR_S = -60.0
VEHICLE_PD_BAR = 0.99
# The 0.1 per km per day, in eval's unit (per 10 km of watch line per day).
NAR_BAR_PER_10KM_DAY = 1.0
WORKERS = 2
SUBSET_KEYS = (
    "crossings",
    "detected",
    "pd",
    "pd_lower95",
    "time_to_alert_median_s",
    "time_to_alert_p90_s",
)


@dataclass(frozen=True, slots=True)
class Job:
    """One simulate-replay-score run."""

    scenario: str
    seed: int
    hours: float | None


def run_job(job: Job) -> dict[str, Any]:
    """Simulate, replay, score one (scenario, seed); the figures the rows pool."""
    scenario, path = load_scenario(job.scenario)
    with tempfile.TemporaryDirectory(prefix="bw-twin-alerts-") as tmp:
        run_dir, out_dir = Path(tmp) / "run", Path(tmp) / "out"
        t0 = time.perf_counter()
        simulate(scenario, path, job.seed, run_dir, hours=job.hours, progress=False)
        t1 = time.perf_counter()
        replay_run(run_dir, out_dir)
        t2 = time.perf_counter()
        alerts = out_dir / "alerts.jsonl"
        engine_alerts = alerts.is_file()
        if not engine_alerts:
            # A replay without alerts is scored as "no alerts", not as the line-sensor
            # baseline that `evaluate` falls back to; the row says so.
            alerts = out_dir / "no-alerts.jsonl"
            alerts.write_bytes(b"")
        result = evaluate(run_dir, alerts, out_dir / "tracks.jsonl")
        t3 = time.perf_counter()
    keys = (
        "crossings",
        "detected",
        "people_radar",
        "vehicles",
        "alerts",
        "nuisance_alerts",
        "nar_per_10km_day",
        "alerts_on_friendly",
        "alerts_on_corridor_traffic",
        "gospa_mean_m",
    )
    return {
        "scenario": job.scenario,
        "seed": job.seed,
        "hours": min(job.hours, scenario.hours) if job.hours else scenario.hours,
        "engine_alerts": engine_alerts,
        "simulate_s": t1 - t0,
        "replay_s": t2 - t1,
        "eval_s": t3 - t2,
        **{k: result[k] for k in keys},
    }


def _cost(job: Job) -> float:
    """Rough relative run time, to start the longest jobs first."""
    scenario, _ = load_scenario(job.scenario)
    sectors = 16 if "all" in scenario.sectors else len(scenario.sectors)
    return min(job.hours or scenario.hours, scenario.hours) * sectors


def _run_jobs(jobs: list[Job], workers: int) -> list[dict[str, Any]]:
    if workers <= 1 or len(jobs) <= 1:
        results = [run_job(j) for j in jobs]
    else:
        order = sorted(jobs, key=lambda j: (-_cost(j), j.scenario, j.seed))
        # spawn, not fork: a clean interpreter per worker, whatever threads the parent holds.
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(min(workers, len(jobs))) as pool:
            results = list(pool.imap_unordered(run_job, order, chunksize=1))
    return sorted(results, key=lambda r: (r["scenario"], r["seed"]))


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _pd(detected: int, crossings: int) -> dict[str, Any]:
    lo, hi = clopper_pearson(detected, crossings)
    return {
        "crossings": crossings,
        "detected": detected,
        "pd": _r(detected / crossings, 4) if crossings else None,
        "pd_ci95": [_r(lo, 4), _r(hi, 4)],
        "pd_lower95": _r(lo, 4),
    }


def pool_subset(subsets: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """Pool `people_radar` or `vehicles` over runs: sums, Clopper-Pearson on the sums, and the
    time to alert over every pooled time."""
    subs = [s for s in subsets if s is not None]
    times = np.sort(np.array([t for s in subs for t in s["time_to_alert_s"]], float))
    return _pd(sum(s["detected"] for s in subs), sum(s["crossings"] for s in subs)) | {
        "time_to_alert_median_s": _r(float(np.median(times)), 3) if times.size else None,
        "time_to_alert_p90_s": _r(float(np.percentile(times, 90)), 3) if times.size else None,
        "time_to_alert_s": [float(t) for t in times],
    }


def _mean(values: Iterable[float | None], digits: int) -> float | None:
    got = [v for v in values if v is not None]
    return _r(float(np.mean(got)), digits) if got else None


def _alerts_note(results: Sequence[dict[str, Any]]) -> str:
    missing = sum(not r["engine_alerts"] for r in results)
    if missing == 0:
        return "engine"
    return (
        f"replay wrote no alerts.jsonl in {missing} of {len(results)} runs:"
        " those were scored with an empty alerts file"
    )


def _pooled(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What a scenario row and the total row share."""
    people = pool_subset(r["people_radar"] for r in results)
    vehicles = pool_subset(r["vehicles"] for r in results)
    return _pd(sum(r["detected"] for r in results), sum(r["crossings"] for r in results)) | {
        # The pooled times stay out of the rows: they are long, and the quantiles say it.
        "people_radar": {k: people[k] for k in SUBSET_KEYS},
        "vehicles": {k: vehicles[k] for k in SUBSET_KEYS},
        "alerts": sum(r["alerts"] for r in results),
        "nuisance_alerts": sum(r["nuisance_alerts"] for r in results),
        "alerts_on_friendly": sum(r["alerts_on_friendly"] for r in results),
        "alerts_on_corridor_traffic": sum(r["alerts_on_corridor_traffic"] for r in results),
        "alerts_file": _alerts_note(results),
        "simulate_s": round(sum(r["simulate_s"] for r in results), 1),
        "replay_s": round(sum(r["replay_s"] for r in results), 1),
        "eval_s": round(sum(r["eval_s"] for r in results), 1),
    }


def bars(total: dict[str, Any]) -> dict[str, bool]:
    """Issue 3's alert bars on the pooled total row. Nothing measured is not a pass: a bar on
    a rate with no events (or a scenario that did not run) fails."""
    people, vehicles, nar = total["people_radar"], total["vehicles"], total["nar_per_10km_day"]

    def at_least(value: float | None, bar: float) -> bool:
        return value is not None and value >= bar

    def at_most(value: float | None, bar: float) -> bool:
        return value is not None and value <= bar

    out = {
        f"people_radar pd >= {PEOPLE_PD_BAR:g}": at_least(people["pd"], PEOPLE_PD_BAR),
        f"people_radar pd_lower95 >= {PEOPLE_PD_LOWER_BAR:g}": at_least(
            people["pd_lower95"], PEOPLE_PD_LOWER_BAR
        ),
        f"people_radar time_to_alert_median_s <= {PEOPLE_TTA_BAR_S:g}": at_most(
            people["time_to_alert_median_s"], PEOPLE_TTA_BAR_S
        ),
        f"vehicles pd >= {VEHICLE_PD_BAR:g}": at_least(vehicles["pd"], VEHICLE_PD_BAR),
    }
    for name in NAR_SCENARIOS:
        out[f"nar_per_10km_day <= {NAR_BAR_PER_10KM_DAY:g} ({name})"] = at_most(
            nar.get(name), NAR_BAR_PER_10KM_DAY
        )
    out["alerts_on_friendly == 0"] = total["alerts_on_friendly"] == 0
    out["alerts_on_corridor_traffic == 0"] = total["alerts_on_corridor_traffic"] == 0
    return out


def run(
    hours: float | None = None,
    scenarios: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    workers: int = WORKERS,
) -> list[dict[str, Any]]:
    """Rows per scenario and the total. `hours` set (quick): seed 1 only, bars not judged."""
    quick = hours is not None
    names = sorted(scenarios) if scenarios is not None else list(library())
    seeds = tuple(seeds) if seeds is not None else ((1,) if quick else SEEDS)
    t0 = time.perf_counter()
    results = _run_jobs([Job(n, s, hours) for n in names for s in seeds], workers)
    wall = time.perf_counter() - t0
    rows: list[dict[str, Any]] = []
    for name in names:
        mine = [r for r in results if r["scenario"] == name]
        rows.append(
            {
                "bench": "twin_alerts",
                "scenario": name,
                "seeds": list(seeds),
                "hours": mine[0]["hours"],
                **_pooled(mine),
                "nar_per_10km_day": _mean((r["nar_per_10km_day"] for r in mine), 4),
                "gospa_mean_m": _mean((r["gospa_mean_m"] for r in mine), 3),
                "bars": {},
            }
        )
    total: dict[str, Any] = {
        "bench": "twin_alerts_total",
        "scenarios": names,
        "seeds": list(seeds),
        **_pooled(results),
        "nar_per_10km_day": {row["scenario"]: row["nar_per_10km_day"] for row in rows},
        "wall_s": round(wall, 1),
        "workers": workers,
    }
    total["bars"] = {} if quick else bars(total)
    return [*rows, total]
