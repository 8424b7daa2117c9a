"""Benchmark: the alarm load an operator bears on `full-border-day` (issue 14, bar 3), with
the rules as they are and as they were (`BASELINE`, checked out beside this one), in one run.

The twin's day is simulated once (`borderwatch simulate`), then replayed by each revision
(`borderwatch replay`, a child process each, as a user runs them). Both alert files are then
counted the same way (`rules.alarms.load`, the API's `GET /alarms/load`): intrusion alerts per
operator position (`[rules.alarms] sectors_per_position` neighbouring sectors) per 10 min,
on average and at most, and at most outside real crossing waves (a window is in a wave when
a hostile crossing event of the position's sectors falls within 30 min after it starts or
10 min before: approach alerts come before a crossing, crossing alerts after); and how many
equipment faults reach the intrusion queue (before this change the console listed every
alert in one queue, so every system alert did; now the queue is `rules.alarms.queue` of
category intrusion).

Bars (issue 14): average <= 1 per position per 10 min; never > 10 outside crossing waves;
no equipment fault in the intrusion queue.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.child import run_cli
from bench.engine_replay import REPO, _checkout
from borderwatch.eval.crossings import crossing_events
from borderwatch.eval.truthfile import load_truth
from borderwatch.geo import build_sectors, load_border
from borderwatch.messages import Alert, Incident, decode_lines
from borderwatch.rules.alarms import load, positions, queue
from borderwatch.rules.config import Alarms

__all__ = ["run"]

# The last commit before this work (issue 14): the rules as they were.
BASELINE = "50df7b2"
EQUIPMENT_RULES = frozenset(
    {"sensor_down", "sensor_tampered", "sensor_degraded", "site_down", "sector_silent"}
    | {"sector_quiet"}
)
WAVE_BEFORE_S = 1800.0  # approach alerts up to 30 min before a crossing ...
WAVE_AFTER_S = 600.0  # ... and crossing alerts up to 10 min after it


def run(
    scenario: str = "full-border-day",
    seed: int = 1,
    hours: float | None = None,
    baseline: str | None = BASELINE,
) -> dict[str, Any]:
    """Simulate once; replay with this code and the baseline's; count both the same way."""
    with tempfile.TemporaryDirectory(prefix="bw-alarms-") as tmp:
        run_dir = Path(tmp) / "run"
        sim = ["simulate", scenario, "--seed", str(seed), "--out", str(run_dir)]
        if hours is not None:
            sim += ["--hours", str(hours)]
        run_cli(*sim)
        meta = json.loads((run_dir / "scenario.json").read_text())
        truth = crossing_events(load_truth(run_dir / "truth.jsonl").crossings)
        sides: dict[str, dict[str, Any]] = {}
        run_cli("replay", str(run_dir), "--out", str(Path(tmp) / "now"))
        sides["now"] = _count(Path(tmp) / "now", meta, truth)
        base = _checkout(baseline, Path(tmp) / "base") if baseline else None
        if base is not None:
            try:
                run_cli("replay", str(run_dir), "--out", str(Path(tmp) / "was"), code=str(base))
                sides["baseline"] = _count(Path(tmp) / "was", meta, truth, old_console=True)
            finally:
                subprocess.run(
                    ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)],
                    check=False,
                )
    now = sides["now"]
    full_day = hours is None or hours >= 24.0
    out: dict[str, Any] = {
        "bench": "alarm_load",
        "scenario": scenario,
        "seed": seed,
        "hours": meta["hours"],
        "crossing_events": len(truth),
        **{k: v for k, v in now.items() if k != "positions"},
        "positions": now["positions"],
    }
    if "baseline" in sides:
        was = sides["baseline"]
        out["baseline"] = baseline
        out["baseline_result"] = {k: v for k, v in was.items() if k != "positions"}
        out["ratio_avg_to_baseline"] = (
            round(now["avg_per_position_per_10min"] / was["avg_per_position_per_10min"], 3)
            if was["avg_per_position_per_10min"]
            else None
        )
    out["bars"] = {
        "avg_per_position_per_10min <= 1": (now["avg_per_position_per_10min"] <= 1.0)
        if full_day
        else None,
        "max_outside_waves <= 10": now["max_outside_waves"] <= 10,
        "equipment_in_intrusion_queue == 0": now["equipment_in_intrusion_queue"] == 0,
    }
    return out


def _read(path: Path, kind: type[Alert] | type[Incident]) -> list[Any]:
    with path.open("rb") as f:
        return [m for m in decode_lines(f) if isinstance(m, kind)]


def _count(
    out: Path, meta: dict[str, Any], truth: Any, old_console: bool = False
) -> dict[str, Any]:
    alerts: list[Alert] = _read(out / "alerts.jsonl", Alert)
    latest: dict[str, Incident] = {}
    for inc in _read(out / "incidents.jsonl", Incident):
        latest[inc.id] = inc
    incidents = list(latest.values())
    config = Alarms()
    watched = set(meta["sectors"])
    sectors = [s.id for s in build_sectors(load_border()) if s.id in watched]
    start = int(meta["start_ns"])
    end = start + round(float(meta["hours"]) * 3600e9)
    found = load(alerts, incidents, sectors, start, end, config)
    window = round(config.load_window_s * 1e9)
    outside_max = 0
    rows = []
    for group, pos in zip(
        positions(sectors, config.sectors_per_position), found.positions, strict=True
    ):
        members = set(group)
        waves = [
            (int(t) - round(WAVE_BEFORE_S * 1e9), int(t) + round(WAVE_AFTER_S * 1e9))
            for t, s in zip(truth.t_ns, truth.sector, strict=True)
            if str(s) in members
        ]
        counts = [0] * pos.windows
        for a in alerts:
            if a.category == "intrusion" and a.sector in members and start <= a.time_ns <= end:
                counts[min(pos.windows - 1, (a.time_ns - start) // window)] += 1
        quiet = [
            c
            for k, c in enumerate(counts)
            if not any(
                lo < start + (k + 1) * window and hi > start + k * window for lo, hi in waves
            )
        ]
        busiest = max(quiet, default=0)
        outside_max = max(outside_max, busiest)
        rows.append(
            {
                "position": pos.position,
                "alerts": pos.alerts,
                "avg": pos.per_window_avg,
                "max": pos.per_window_max,
                "max_outside_waves": busiest,
                "flood_windows": pos.flood_windows,
            }
        )
    if old_console:  # one queue held every alert: each system alert was in it
        in_queue = sum(1 for a in alerts if a.category == "system" or a.rule in EQUIPMENT_RULES)
    else:
        entries = queue(alerts, incidents, end, "intrusion", config)
        by_id = {a.id: a for a in alerts}
        in_queue = sum(
            1 for e in entries for aid in e.alert_ids if by_id[aid].rule in EQUIPMENT_RULES
        )
    n_pos = max(1, len(found.positions))
    return {
        "alerts": len(alerts),
        "intrusion_alerts": sum(1 for a in alerts if a.category == "intrusion"),
        "system_alerts": sum(1 for a in alerts if a.category == "system"),
        "avg_per_position_per_10min": round(
            sum(p.per_window_avg for p in found.positions) / n_pos, 3
        ),
        "max_per_position_per_10min": max((p.per_window_max for p in found.positions), default=0),
        "max_outside_waves": outside_max,
        "flood_windows": sum(p.flood_windows for p in found.positions),
        "standing": len(found.standing),
        "chattering": len(found.chattering),
        "equipment_in_intrusion_queue": in_queue,
        "positions": rows,
    }
