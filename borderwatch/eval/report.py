"""`evaluate`: every metric of a run directory in one plain-JSON dict, and a short table.

Inputs: `RUN/truth.jsonl` and `RUN/scenario.json` (docs/formats.md), the alerts (a JSON-lines
file of `Alert`s, or the line-sensor baseline computed from `RUN/messages.jsonl`) and,
optionally, a JSON-lines file of `Track`s. The metrics and their exact definitions are in
`crossings` (events, Pd, time to alert), `alerts` (coverage, nuisance, friendly, corridor,
class) and `tracks` (GOSPA). Nuisance alarm rate = nuisance alerts / (watch_km / 10) /
(hours / 24): per 10 km of watch line per day.

Radar coverage (`per_coverage`, `people_radar`) comes from the run's site layout, cut to its
sectors as the twin cut it: the packaged default, or `sites` when the run used another layout.
Without it those are empty (`coverage_sites` None): the run's own file is not recorded.

Floats are rounded (rates to 4 decimals, seconds and metres to 3); absent values are None.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from borderwatch.errors import DataError
from borderwatch.eval.alerts import AlertSet, alert_set, match_alerts, read_alerts
from borderwatch.eval.baseline import BASELINE_NAME, baseline_alerts
from borderwatch.eval.crossings import (
    NO_ALERT,
    Events,
    coverage_table,
    crossing_events,
    pd_summary,
    pd_table,
    radar_covered,
    seconds_to_alert,
    subset_summary,
    tactic_table,
    time_to_alert,
    tta_stats,
)
from borderwatch.eval.tracks import evaluation_times, gospa_over_time, read_estimates
from borderwatch.eval.truth import Truth
from borderwatch.eval.truthfile import load_truth
from borderwatch.geo import Border, Layout, build_sectors, load_border, load_sites
from borderwatch.geo.sites import DEFAULT_SITES

__all__ = ["evaluate", "format_report", "load_scenario", "sectors_area"]


def load_scenario(run_dir: Path) -> dict[str, Any]:
    """`RUN/scenario.json` as a dict; DataError if it is missing or lacks start/end."""
    path = run_dir / "scenario.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise DataError(f"{path}: not a JSON object")
    for key in ("start_ns", "end_ns"):
        if not isinstance(doc.get(key), int):
            raise DataError(f"{path}: `{key}` must be an integer")
    return doc


def sectors_area(border: Border, sector_ids: list[str] | None) -> BaseGeometry:
    """Union of the areas (all three zones) of these sectors (all sectors if None)."""
    sectors = build_sectors(border)
    if sector_ids is not None:
        known = {s.id for s in sectors}
        unknown = sorted(set(sector_ids) - known)
        if unknown:
            raise DataError(f"scenario names unknown sectors: {', '.join(unknown)}")
        sectors = tuple(s for s in sectors if s.id in set(sector_ids))
    return shapely.union_all([s.area for s in sectors])


def _round(value: float | None, digits: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _rates(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("pd", "pd_lower95", "pd_wilson_lower95"):
        if key in out:
            out[key] = _round(out[key], 4)
    for key in ("pd_ci95", "pd_wilson95"):
        if key in out:
            out[key] = [_round(v, 4) for v in out[key]]
    for key in ("time_to_alert_median_s", "time_to_alert_p90_s"):
        if key in out:
            out[key] = _round(out[key], 3)
    if "time_to_alert_s" in out:
        out["time_to_alert_s"] = [_round(v, 3) for v in out["time_to_alert_s"]]
    return out


def _alerts(run_dir: Path, alerts_path: Path | None) -> tuple[str, AlertSet, int]:
    if alerts_path is None:
        return BASELINE_NAME, alert_set(baseline_alerts(run_dir / "messages.jsonl")), 0
    alerts, bad = read_alerts(alerts_path)
    return "file", alert_set(alerts), bad


def _nar(nuisance: int, scenario: dict[str, Any]) -> float | None:
    watch_km = scenario.get("watch_km")
    hours = scenario.get("hours", (scenario["end_ns"] - scenario["start_ns"]) / 3.6e12)
    if not isinstance(watch_km, int | float) or not isinstance(hours, int | float):
        return None
    if watch_km <= 0 or hours <= 0:
        return None
    return nuisance / (watch_km / 10.0) / (hours / 24.0)


def _sector_ids(scenario: dict[str, Any]) -> list[str] | None:
    ids = scenario.get("sectors")
    return [str(s) for s in ids] if isinstance(ids, list) else None


def _coverage_layout(scenario: dict[str, Any], sites: Path | None) -> Layout | None:
    """The run's site layout, cut to its sectors; None if it used a layout we were not given."""
    if sites is None and scenario.get("sites", DEFAULT_SITES.name) != DEFAULT_SITES.name:
        return None
    layout = load_sites(sites)
    ids = _sector_ids(scenario)
    return layout if ids is None else layout.in_sectors(set(ids))


def evaluate(
    run_dir: Path,
    alerts_path: Path | None = None,
    tracks_path: Path | None = None,
    sites: Path | None = None,
) -> dict[str, Any]:
    """Score a run's alerts (the line-sensor baseline if `alerts_path` is None) and tracks.
    `sites` is the site layout the run used, needed only if it was not the default."""
    run_dir = Path(run_dir)
    scenario = load_scenario(run_dir)
    truth = load_truth(run_dir / "truth.jsonl")
    border = load_border()
    layout = _coverage_layout(scenario, sites)
    alerter, alerts, bad_alert_lines = _alerts(run_dir, alerts_path)
    result: dict[str, Any] = {"run": str(run_dir), "alerter": alerter}
    result |= _alert_metrics(alerts, truth, border, scenario, layout)
    result["bad_alert_lines"] = bad_alert_lines
    result |= _tracking(tracks_path, truth, border, scenario)
    return result


def _coverage_metrics(
    events: Events, detected: np.ndarray, first_alert_ns: np.ndarray, layout: Layout | None
) -> dict[str, Any]:
    seconds = seconds_to_alert(events, first_alert_ns)
    vehicles = _rates(subset_summary(detected, seconds, events.cls == "vehicle"))
    if layout is None:
        return {
            "coverage_sites": None,
            "per_coverage": {},
            "people_radar": None,
            "vehicles": vehicles,
        }
    covered = radar_covered(events, layout)
    people = (events.cls == "person") & covered
    return {
        "coverage_sites": Path(layout.source).name,
        "per_coverage": {k: _rates(v) for k, v in coverage_table(detected, covered).items()},
        "people_radar": _rates(subset_summary(detected, seconds, people)),
        "vehicles": vehicles,
    }


def _alert_metrics(
    alerts: AlertSet,
    truth: Truth,
    border: Border,
    scenario: dict[str, Any],
    layout: Layout | None,
) -> dict[str, Any]:
    events = crossing_events(truth.crossings)
    match = match_alerts(alerts, events, truth, border.corridor_contains)
    detected = match.first_alert_ns != NO_ALERT
    tta = time_to_alert(events, match.first_alert_ns)
    per_sector, per_class = pd_table(events, detected, tuple(_sector_ids(scenario) or ()))
    checked = match.nearest_cls != ""
    right = alerts.cls[checked] == match.nearest_cls[checked]
    nuisance = int(match.nuisance.sum())
    per_tactic = tactic_table(events, detected, seconds_to_alert(events, match.first_alert_ns))
    return (
        _rates(pd_summary(detected))
        | {
            "per_sector": {k: _rates(v) for k, v in per_sector.items()},
            "per_class": {k: _rates(v) for k, v in per_class.items()},
            "per_tactic": {k: _rates(v) for k, v in per_tactic.items()},
            **{k: _round(v, 3) for k, v in tta_stats(tta).items()},
            "alerts": len(alerts),
            "system_alerts": alerts.system,
            "nuisance_alerts": nuisance,
            "nar_per_10km_day": _round(_nar(nuisance, scenario), 4),
            "alerts_on_friendly": int(match.on_friendly.sum()),
            "alerts_on_corridor_traffic": int(match.on_corridor.sum()),
            "class_checked_alerts": int(checked.sum()),
            "class_accuracy": _round(float(right.mean()), 4) if right.size else None,
        }
        | _coverage_metrics(events, detected, match.first_alert_ns, layout)
    )


def _tracking(
    tracks_path: Path | None, truth: Truth, border: Border, scenario: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "track_reports": 0,
        "bad_track_lines": 0,
        "gospa_times": 0,
        "gospa_mean_m": None,
        "gospa_localisation_mean_m": None,
        "gospa_missed_mean": None,
        "gospa_false_mean": None,
    }
    if tracks_path is None:
        return out
    times = evaluation_times(scenario["start_ns"], scenario["end_ns"])
    est = read_estimates(tracks_path, times)
    out |= {"track_reports": est.reports, "bad_track_lines": est.bad_lines}
    if est.reports == 0:
        return out
    area = sectors_area(border, _sector_ids(scenario))
    g = gospa_over_time(est, truth, area, times)
    return out | {
        "gospa_times": g.times,
        "gospa_mean_m": _round(g.distance, 3),
        "gospa_localisation_mean_m": _round(g.localisation, 3),
        "gospa_missed_mean": _round(g.missed, 4),
        "gospa_false_mean": _round(g.false, 4),
    }


def _fmt(value: Any, spec: str = "") -> str:
    return "-" if value is None else format(value, spec)


def _subset_line(title: str, sub: dict[str, Any] | None) -> str:
    if sub is None:
        return f"{title}: - (the run used another site layout: pass it as `sites`)"
    return (
        f"{title}: crossings {sub['crossings']}  detected {sub['detected']}"
        f"  Pd {_fmt(sub['pd'], '.3f')} [lo95 {_fmt(sub['pd_lower95'], '.3f')}]"
        f"  time to alert median {_fmt(sub['time_to_alert_median_s'], '.1f')} s"
        f"  p90 {_fmt(sub['time_to_alert_p90_s'], '.1f')} s"
    )


def format_report(result: dict[str, Any]) -> str:
    """A short human-readable table of `evaluate`'s result."""
    r = result
    lo, hi = r["pd_ci95"]
    lines = [
        f"run {r['run']}  (alerter: {r['alerter']})",
        f"crossings {r['crossings']}  detected {r['detected']}  Pd {_fmt(r['pd'], '.3f')}"
        f"  95% CI [{_fmt(lo, '.3f')}, {_fmt(hi, '.3f')}]",
        f"time to alert  median {_fmt(r['time_to_alert_median_s'], '.1f')} s"
        f"  p90 {_fmt(r['time_to_alert_p90_s'], '.1f')} s",
        _subset_line("people on foot under radar", r["people_radar"]),
        _subset_line("vehicles", r["vehicles"]),
        f"alerts {r['alerts']}  nuisance {r['nuisance_alerts']}"
        f"  NAR {_fmt(r['nar_per_10km_day'], '.3f')} /10 km/day  system {r['system_alerts']}",
        f"on friendly {r['alerts_on_friendly']}  on corridor traffic"
        f" {r['alerts_on_corridor_traffic']}  class accuracy {_fmt(r['class_accuracy'], '.3f')}",
    ]
    if r["gospa_mean_m"] is not None:
        lines.append(
            f"GOSPA mean {r['gospa_mean_m']:.1f} m  (localisation"
            f" {_fmt(r['gospa_localisation_mean_m'], '.1f')} m, missed"
            f" {_fmt(r['gospa_missed_mean'], '.2f')}, false {_fmt(r['gospa_false_mean'], '.2f')})"
        )
    tables = [("by sector", r["per_sector"]), ("by class", r["per_class"])]
    if r["per_coverage"]:
        tables.append(("by radar", r["per_coverage"]))
    for title, table in tables:
        lines += ["", f"{title:<10}{'crossings':>10}{'detected':>10}{'Pd':>8}{'Pd lo95':>9}"]
        for key, row in table.items():
            lines.append(
                f"{key:<10}{row['crossings']:>10}{row['detected']:>10}"
                f"{_fmt(row['pd'], '.3f'):>8}{_fmt(row['pd_lower95'], '.3f'):>9}"
            )
    if r.get("per_tactic"):
        lines += [
            "",
            f"{'by tactic':<16}{'crossings':>10}{'detected':>10}{'Pd':>8}"
            f"{'Wilson 95%':>16}{'TTA med s':>11}{'p90 s':>9}",
        ]
        for key, row in r["per_tactic"].items():
            lo, hi = row["pd_wilson95"]
            interval = f"[{_fmt(lo, '.3f')}, {_fmt(hi, '.3f')}]"
            lines.append(
                f"{key:<16}{row['crossings']:>10}{row['detected']:>10}"
                f"{_fmt(row['pd'], '.3f'):>8}{interval:>16}"
                f"{_fmt(row['time_to_alert_median_s'], '.0f'):>11}"
                f"{_fmt(row['time_to_alert_p90_s'], '.0f'):>9}"
            )
    return "\n".join(lines)
