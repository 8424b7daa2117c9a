"""Benchmark: the engine against the adversary's tactics (issue 14's measuring stick).

Every tactic scenario of the library (`tactic-*`: outage, herd, crawl, storm, unwatched,
decoy) and the nuisance-only `nuisance-mix`, seeds 1-10: simulate, replay through the
engine (`borderwatch.engine.replay.replay_run`), score with `borderwatch.eval.evaluate`.
One row per scenario, then one `adversary_total` row that pools every crossing:

- Pd overall and per tactic (and per family: `outage` pools `outage:*`), with the Wilson
  95 % interval on the pooled counts;
- median time to alert per tactic, over every pooled time (a median of medians is not one);
- incidents per crossing group: for each group that crossed, the distinct incidents holding
  an intrusion alert within 500 m of one of its members at the alert's time (the alert is
  about them); the bar is <= 1.5 on average;
- nuisance alarm rate on the nuisance-only scenario (per 10 km per day as eval reports it;
  the bar, 0.1 per km per day, is 1.0 there).

Bars (issue 14): Pd >= 0.97 overall; per tactic >= 0.95, with a Wilson lower bound >= 0.90
where it has >= 30 crossings; outage crossings >= 0.95; median time to alert <= -60 s for the
tactics radar covers (all but `unwatched`); <= 1.5 incidents per crossing group; NAR <= 1.0.
`--quick` runs the first hour of each scenario on seed 1 and judges nothing. Jobs run in a
pool of 2 processes, longest first.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from borderwatch.engine.config import EngineConfig
from borderwatch.engine.replay import replay_run
from borderwatch.eval import evaluate, load_truth
from borderwatch.eval.alerts import COVER_RADIUS_M, alert_set, read_alerts
from borderwatch.eval.crossings import crossing_events
from borderwatch.eval.stats import wilson
from borderwatch.twin import library, load_scenario, simulate

__all__ = ["NUISANCE_SCENARIOS", "SEEDS", "TACTIC_SCENARIOS", "bars", "incidents_per_group", "run"]

SEEDS = tuple(range(1, 11))
TACTIC_SCENARIOS = (
    "tactic-crawl",
    "tactic-decoy",
    "tactic-herd",
    "tactic-outage",
    "tactic-storm",
    "tactic-unwatched",
)
NUISANCE_SCENARIOS = ("nuisance-mix",)
# Where the degraded mode, camera confirmation and camera sightings change most, the same
# runs are also replayed with all three off (the rules before issue 14): `before` in each row.
COMPARE_SCENARIOS = ("tactic-outage", "tactic-unwatched", "nuisance-mix")
PD_BAR, TACTIC_PD_BAR, TACTIC_LOWER_BAR, TACTIC_LOWER_MIN_N = 0.97, 0.95, 0.90, 30
OUTAGE_PD_BAR = 0.95
TTA_BAR_S = -60.0
NO_RADAR_TACTICS = ("unwatched",)  # no radar reaches these crossings: no -60 s bar
INCIDENTS_BAR = 1.5
NAR_BAR_PER_10KM_DAY = 1.0
WORKERS = 2


@dataclass(frozen=True, slots=True)
class Job:
    """One simulate-replay-score run (`compare`: also replayed with the rules before)."""

    scenario: str
    seed: int
    hours: float | None
    compare: bool = False


def before_config() -> EngineConfig:
    """The engine's defaults with issue 14's additions off: no degraded mode, no camera
    confirming a trigger, no camera sightings."""
    base = EngineConfig()
    line = msgspec.structs.replace(
        base.rules.line_breach, degraded_mode=False, camera_confirms=False
    )
    sightings = msgspec.structs.replace(base.rules.sightings, enabled=False)
    rules = msgspec.structs.replace(base.rules, line_breach=line, sightings=sightings)
    return msgspec.structs.replace(base, rules=rules)


def _last_incidents(path: Path) -> dict[str, tuple[str, ...]]:
    """Incident id -> its alert ids, from the last line of each incident."""
    out: dict[str, tuple[str, ...]] = {}
    if path.is_file():
        for line in path.read_bytes().splitlines():
            doc = json.loads(line)
            out[doc["id"]] = tuple(doc.get("alert_ids", ()))
    return out


def incidents_per_group(run_dir: Path, out_dir: Path) -> list[int]:
    """For each group with a crossing event, how many distinct incidents hold an intrusion
    alert within `COVER_RADIUS_M` of one of its members at the alert's time."""
    truth = load_truth(run_dir / "truth.jsonl")
    events = crossing_events(truth.crossings)
    groups = sorted({int(g) for g in events.group.tolist() if g >= 0})
    if not groups:
        return []
    alerts, _ = (
        read_alerts(out_dir / "alerts.jsonl") if (out_dir / "alerts.jsonl").is_file() else ([], 0)
    )
    aset = alert_set(alerts)
    incident_of = {
        a: i for i, ids in _last_incidents(out_dir / "incidents.jsonl").items() for a in ids
    }
    mv = truth.movers
    members = np.flatnonzero(np.isin(mv.group, groups))
    found: dict[int, set[str]] = {g: set() for g in groups}
    for k in range(len(aset)):
        xy = truth.positions_at(aset.t_ns[k : k + 1], members)[0]
        d = np.hypot(xy[:, 0] - aset.x[k], xy[:, 1] - aset.y[k])
        near = members[np.nan_to_num(d, nan=np.inf) <= COVER_RADIUS_M]
        inc = incident_of.get(aset.ids[k], aset.ids[k])  # an alert outside any incident counts
        for g in {int(mv.group[m]) for m in near}:
            found[g].add(inc)
    return [len(found[g]) for g in groups]


def _replay_and_score(run_dir: Path, out_dir: Path, config: EngineConfig | None) -> dict[str, Any]:
    replay_run(run_dir, out_dir, config=config)
    alerts = out_dir / "alerts.jsonl"
    if not alerts.is_file():
        alerts.write_bytes(b"")  # no alerts is scored as none, not as the baseline
    result = evaluate(run_dir, alerts)
    return {
        "crossings": result["crossings"],
        "detected": result["detected"],
        "per_tactic": result["per_tactic"],
        "alerts": result["alerts"],
        "nuisance_alerts": result["nuisance_alerts"],
        "nar_per_10km_day": result["nar_per_10km_day"],
        "incidents_per_group": incidents_per_group(run_dir, out_dir),
    }


def run_job(job: Job) -> dict[str, Any]:
    """Simulate, replay, score one (scenario, seed); with `compare`, the rules before too."""
    scenario, path = load_scenario(job.scenario)
    with tempfile.TemporaryDirectory(prefix="bw-adversary-") as tmp:
        run_dir = Path(tmp) / "run"
        t0 = time.perf_counter()
        simulate(scenario, path, job.seed, run_dir, hours=job.hours, progress=False)
        t1 = time.perf_counter()
        now = _replay_and_score(run_dir, Path(tmp) / "out", None)
        t2 = time.perf_counter()
        before = (
            _replay_and_score(run_dir, Path(tmp) / "before", before_config())
            if job.compare
            else None
        )
    return {
        "scenario": job.scenario,
        "seed": job.seed,
        "hours": min(job.hours, scenario.hours) if job.hours else scenario.hours,
        **now,
        "before": before,
        "simulate_s": t1 - t0,
        "replay_s": t2 - t1,
    }


def _run_jobs(jobs: list[Job], workers: int) -> list[dict[str, Any]]:
    if workers <= 1 or len(jobs) <= 1:
        results = [run_job(j) for j in jobs]
    else:
        ctx = multiprocessing.get_context("spawn")
        results = []
        with ctx.Pool(min(workers, len(jobs))) as pool:
            for r in pool.imap_unordered(run_job, jobs, chunksize=1):
                results.append(r)
                # Progress on stderr (the rows on stdout stay JSON lines): a long run shows
                # how far it is, and a killed one what it had measured.
                print(json.dumps(r | {"done": f"{len(results)}/{len(jobs)}"}), file=sys.stderr)
    return sorted(results, key=lambda r: (r["scenario"], r["seed"]))


def _r(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _pd(detected: int, crossings: int) -> dict[str, Any]:
    lo, hi = wilson(detected, crossings)
    return {
        "crossings": crossings,
        "detected": detected,
        "pd": _r(detected / crossings, 4) if crossings else None,
        "pd_wilson95": [_r(lo, 4), _r(hi, 4)],
        "pd_wilson_lower95": _r(lo, 4),
    }


def _tactics(results: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Pool `per_tactic` over runs: sums, Wilson on the sums, times over every pooled time."""
    pooled: dict[str, dict[str, Any]] = {}
    for r in results:
        for name, row in r["per_tactic"].items():
            acc = pooled.setdefault(name, {"crossings": 0, "detected": 0, "times": []})
            acc["crossings"] += row["crossings"]
            acc["detected"] += row["detected"]
            acc["times"] += row["time_to_alert_s"]
    out = {}
    for name in sorted(pooled):
        acc = pooled[name]
        times = np.array(acc["times"], float)
        out[name] = _pd(acc["detected"], acc["crossings"]) | {
            "time_to_alert_median_s": _r(float(np.median(times)), 1) if times.size else None,
            "time_to_alert_p90_s": _r(float(np.percentile(times, 90)), 1) if times.size else None,
        }
    return out


def _pooled(results: Sequence[dict[str, Any]], timed: bool = True) -> dict[str, Any]:
    groups = [n for r in results for n in r["incidents_per_group"]]
    out = _pd(sum(r["detected"] for r in results), sum(r["crossings"] for r in results)) | {
        "per_tactic": _tactics(results),
        "crossing_groups": len(groups),
        "incidents_per_group_mean": _r(float(np.mean(groups)), 3) if groups else None,
        "incidents_per_group_max": max(groups) if groups else None,
        "alerts": sum(r["alerts"] for r in results),
        "nuisance_alerts": sum(r["nuisance_alerts"] for r in results),
    }
    if timed:
        out["simulate_s"] = round(sum(r["simulate_s"] for r in results), 1)
        out["replay_s"] = round(sum(r["replay_s"] for r in results), 1)
    return out


def bars(total: dict[str, Any]) -> dict[str, bool]:
    """Issue 14's bars on the pooled total row; nothing measured is not a pass."""

    def at_least(value: float | None, bar: float) -> bool:
        return value is not None and value >= bar

    def at_most(value: float | None, bar: float) -> bool:
        return value is not None and value <= bar

    out = {f"pd >= {PD_BAR:g}": at_least(total["pd"], PD_BAR)}
    for name, row in total["per_tactic"].items():
        out[f"{name} pd >= {TACTIC_PD_BAR:g}"] = at_least(row["pd"], TACTIC_PD_BAR)
        if row["crossings"] >= TACTIC_LOWER_MIN_N:
            out[f"{name} wilson lower >= {TACTIC_LOWER_BAR:g}"] = at_least(
                row["pd_wilson_lower95"], TACTIC_LOWER_BAR
            )
        if name.split(":")[0] not in NO_RADAR_TACTICS:
            out[f"{name} time_to_alert_median_s <= {TTA_BAR_S:g}"] = at_most(
                row["time_to_alert_median_s"], TTA_BAR_S
            )
    outage = total["per_tactic"].get("outage")
    out[f"crossings during outages pd >= {OUTAGE_PD_BAR:g}"] = at_least(
        outage and outage["pd"], OUTAGE_PD_BAR
    )
    out[f"incidents per crossing group <= {INCIDENTS_BAR:g}"] = at_most(
        total["incidents_per_group_mean"], INCIDENTS_BAR
    )
    for name, nar in total["nar_per_10km_day"].items():
        out[f"nar_per_10km_day <= {NAR_BAR_PER_10KM_DAY:g} ({name})"] = at_most(
            nar, NAR_BAR_PER_10KM_DAY
        )
    return out


def run(
    hours: float | None = None,
    scenarios: Sequence[str] | None = None,
    seeds: Sequence[int] | None = None,
    workers: int = WORKERS,
) -> list[dict[str, Any]]:
    """Rows per scenario and the total. `hours` set (quick): seed 1 only, bars not judged."""
    quick = hours is not None
    known = set(library())
    names = list(scenarios) if scenarios is not None else [*TACTIC_SCENARIOS, *NUISANCE_SCENARIOS]
    missing = sorted(set(names) - known)
    if missing:
        raise ValueError(f"no library scenario {missing}")
    seeds = tuple(seeds) if seeds is not None else ((1,) if quick else SEEDS)
    t0 = time.perf_counter()
    jobs = [Job(n, s, hours, n in COMPARE_SCENARIOS) for s in seeds for n in names]
    results = _run_jobs(jobs, workers)
    wall = time.perf_counter() - t0
    rows: list[dict[str, Any]] = []
    nar: dict[str, float | None] = {}
    for name in names:
        mine = [r for r in results if r["scenario"] == name]
        got = [r["nar_per_10km_day"] for r in mine if r["nar_per_10km_day"] is not None]
        row_nar = _r(float(np.mean(got)), 4) if got else None
        if name in NUISANCE_SCENARIOS:
            nar[name] = row_nar
        row = {
            "bench": "adversary",
            "scenario": name,
            "seeds": list(seeds),
            "hours": mine[0]["hours"],
            **_pooled(mine),
            "nar_per_10km_day": row_nar,
        }
        earlier = [r["before"] for r in mine if r["before"] is not None]
        if earlier:
            nars = [r["nar_per_10km_day"] for r in earlier if r["nar_per_10km_day"] is not None]
            row["before"] = {
                **_pooled(earlier, timed=False),
                "nar_per_10km_day": _r(float(np.mean(nars)), 4) if nars else None,
                "rules": "degraded_mode, camera_confirms and sightings off",
            }
        rows.append(row | {"bars": {}})
    hostile = [r for r in results if r["scenario"] not in NUISANCE_SCENARIOS]
    total: dict[str, Any] = {
        "bench": "adversary_total",
        "scenarios": names,
        "seeds": list(seeds),
        **_pooled(hostile),
        "nar_per_10km_day": nar,
        "wall_s": round(wall, 1),
        "workers": workers,
    }
    total["bars"] = {} if quick else bars(total)
    return [*rows, total]
