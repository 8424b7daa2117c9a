"""Benchmark: the engine alone replaying `full-border-day` (issue 3, bar 3).

Bars: >= 500x real time on one core (the replay is one process, one thread) and <= 500 MB
peak RSS. The twin run it replays is made first (not timed here; see twin_simulate).

With `baseline` (a git revision: by default the last before the engine package of issue 13),
the same run is also replayed by that revision's code, checked out beside this one, the two
taking turns `rounds` times, so the ratio is measured in one run on the same machine state.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.calibration import calibrate_ms
from bench.child import run_cli

__all__ = ["run"]

SPEED_BAR = 500.0
RSS_BAR_MB = 500.0
# The last commit before the engine package (issue 13): what "before this change" means.
BASELINE = "964694d"
REPO = Path(__file__).resolve().parent.parent


def run(
    scenario: str = "full-border-day",
    seed: int = 1,
    hours: float | None = None,
    baseline: str | None = BASELINE,
    rounds: int = 2,
) -> dict[str, Any]:
    """Simulate, then time the replay (and the baseline's, taking turns)."""
    with tempfile.TemporaryDirectory(prefix="bw-replay-") as tmp:
        run_dir = Path(tmp) / "run"
        sim = ["simulate", scenario, "--seed", str(seed), "--out", str(run_dir)]
        if hours is not None:
            sim += ["--hours", str(hours)]
        run_cli(*sim)
        simulated_h = json.loads((run_dir / "scenario.json").read_text())["hours"]
        calib = calibrate_ms()
        base = _checkout(baseline, Path(tmp) / "base") if baseline else None
        walls: list[float] = []
        base_walls: list[float] = []
        for _ in range(rounds if base is not None else 1):
            if base is not None:
                _, w, _ = run_cli(
                    "replay", str(run_dir), "--out", str(Path(tmp) / "b"), code=str(base)
                )
                base_walls.append(w)
            out, wall, rss = run_cli("replay", str(run_dir), "--out", str(Path(tmp) / "out"))
            walls.append(wall)
        report = json.loads(out.strip().splitlines()[-1])
        if base is not None:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)])
    wall = min(walls)
    speed = simulated_h * 3600.0 / wall
    compared = (
        {
            "baseline": baseline,
            "baseline_wall_s": round(min(base_walls), 1),
            "baseline_real_time_factor": round(simulated_h * 3600.0 / min(base_walls), 1),
            "ratio_to_baseline": round(min(base_walls) / wall, 3),
            "walls": [round(w, 1) for w in walls],
            "baseline_walls": [round(w, 1) for w in base_walls],
        }
        if base_walls
        else {}
    )
    full_day = hours is None or hours >= 24.0
    return {
        "bench": "engine_replay",
        "scenario": scenario,
        "seed": seed,
        "hours": simulated_h,
        "wall_s": round(wall, 1),
        "real_time_factor": round(speed, 1),
        "peak_rss_mb": round(rss, 1),
        "detections_accepted": report["input"].get("accepted", 0),
        "input": report["input"],
        "tracks_written": report["tracks_written"],
        "calibration_ms": round(calib, 1),
        **compared,
        "bars": {
            f"real_time_factor >= {SPEED_BAR:g}": (speed >= SPEED_BAR) if full_day else None,
            f"peak_rss_mb <= {RSS_BAR_MB:g}": rss <= RSS_BAR_MB,
        },
    }


def _checkout(revision: str, where: Path) -> Path | None:
    """`revision` of this repository checked out at `where` (None outside a git checkout)."""
    done = subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", str(where), revision],
        capture_output=True,
        text=True,
    )
    return where if done.returncode == 0 else None
