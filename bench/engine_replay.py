"""Benchmark: the engine alone replaying `full-border-day` (issue 3, bar 3).

Bars: >= 500x real time on one core (the replay is one process, one thread) and <= 500 MB
peak RSS. The twin run it replays is made first (not timed here; see twin_simulate).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.calibration import calibrate_ms
from bench.child import run_cli

__all__ = ["run"]

SPEED_BAR = 500.0
RSS_BAR_MB = 500.0


def run(
    scenario: str = "full-border-day", seed: int = 1, hours: float | None = None
) -> dict[str, Any]:
    """Simulate, then time the replay."""
    with tempfile.TemporaryDirectory(prefix="bw-replay-") as tmp:
        run_dir = Path(tmp) / "run"
        sim = ["simulate", scenario, "--seed", str(seed), "--out", str(run_dir)]
        if hours is not None:
            sim += ["--hours", str(hours)]
        run_cli(*sim)
        simulated_h = json.loads((run_dir / "scenario.json").read_text())["hours"]
        calib = calibrate_ms()
        out, wall, rss = run_cli("replay", str(run_dir), "--out", str(Path(tmp) / "out"))
        report = json.loads(out.strip().splitlines()[-1])
    speed = simulated_h * 3600.0 / wall
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
        "bars": {
            f"real_time_factor >= {SPEED_BAR:g}": (speed >= SPEED_BAR) if full_day else None,
            f"peak_rss_mb <= {RSS_BAR_MB:g}": rss <= RSS_BAR_MB,
        },
    }
