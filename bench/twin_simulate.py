"""Benchmark: the digital twin on `full-border-day` (every sector, 24 h of simulated time).

Bars (issue 2): a run finishes in <= 120 s on the 2-core machine, peaks at <= 1 GB RSS, and
two runs with the same seed write byte-identical files. Each run is a separate process (as a
user runs it), so its peak RSS is its own.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.calibration import calibrate_ms
from bench.child import run_cli

__all__ = ["run"]

WALL_BAR_S = 120.0
RSS_BAR_MB = 1024.0


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _simulate(scenario: str, seed: int, hours: float | None, out: Path) -> dict[str, Any]:
    args = ["simulate", scenario, "--seed", str(seed), "--out", str(out)]
    if hours is not None:
        args += ["--hours", str(hours)]
    _, wall, rss = run_cli(*args)
    scen = json.loads((out / "scenario.json").read_text())
    files = ("messages.jsonl", "truth.jsonl", "scenario.json")
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(rss, 1),
        "messages": sum(scen["counts"]["messages"].values()),
        "messages_by_type": scen["counts"]["messages"],
        "movers": sum(scen["counts"]["movers"].values()),
        "hostile_inbound_crossings": scen["counts"]["hostile_crossings"],
        "bytes": sum((out / f).stat().st_size for f in files),
        "sha256": {f: _digest(out / f) for f in files},
    }


def run(
    scenario: str = "full-border-day", seed: int = 1, hours: float | None = None
) -> dict[str, Any]:
    """Simulate twice, compare, and report against the bars."""
    calib_before = calibrate_ms()
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        first = _simulate(scenario, seed, hours, Path(tmp) / "a")
        second = _simulate(scenario, seed, hours, Path(tmp) / "b")
    calib_after = calibrate_ms()
    identical = first["sha256"] == second["sha256"]
    wall = min(first["wall_s"], second["wall_s"])
    rss = max(first["peak_rss_mb"], second["peak_rss_mb"])
    calib = min(calib_before, calib_after)
    full_day = hours is None or hours >= 24.0
    return {
        "bench": "twin_simulate",
        "scenario": scenario,
        "seed": seed,
        "hours": hours if hours is not None else 24.0,
        "wall_s": wall,
        "wall_s_runs": [first["wall_s"], second["wall_s"]],
        "peak_rss_mb": rss,
        "messages": first["messages"],
        "messages_by_type": first["messages_by_type"],
        "messages_per_s": round(first["messages"] / wall),
        "simulated_s_per_wall_s": round((hours or 24.0) * 3600.0 / wall, 1),
        "movers": first["movers"],
        "hostile_inbound_crossings": first["hostile_inbound_crossings"],
        "output_mb": round(first["bytes"] / 1e6, 1),
        "byte_identical": identical,
        "calibration_ms": round(calib, 1),
        "wall_per_calibration": round(wall * 1e3 / calib, 1),
        "bars": {
            f"wall_s <= {WALL_BAR_S:g}": (wall <= WALL_BAR_S) if full_day else None,
            f"peak_rss_mb <= {RSS_BAR_MB:g}": rss <= RSS_BAR_MB,
            "byte_identical": identical,
        },
    }
