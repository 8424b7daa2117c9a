"""The measuring stick end to end: every library scenario simulated and scored with the
trivial reference alerter (an alert on every raw line-sensor trigger).

These are the numbers any real engine has to beat; they are printed, not checked against bars
(the bars for the engine arrive with the fusion issue).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from borderwatch.eval import evaluate
from borderwatch.twin import library, load_scenario, simulate

__all__ = ["KEYS", "run"]

KEYS = (
    "crossings",
    "detected",
    "pd",
    "pd_lower95",
    "time_to_alert_median_s",
    "time_to_alert_p90_s",
    "alerts",
    "nuisance_alerts",
    "nar_per_10km_day",
    "alerts_on_friendly",
    "alerts_on_corridor_traffic",
    "class_accuracy",
)


def run(seed: int = 1, hours: float | None = None) -> list[dict[str, Any]]:
    """Simulate and score each library scenario; one row per scenario."""
    rows = []
    for name, path in library().items():
        scenario, _ = load_scenario(path)
        with tempfile.TemporaryDirectory(prefix="bw-baseline-") as tmp:
            t = time.perf_counter()
            summary = simulate(scenario, path, seed, Path(tmp), hours=hours, progress=False)
            sim_s = time.perf_counter() - t
            t = time.perf_counter()
            result = evaluate(Path(tmp))
            eval_s = time.perf_counter() - t
        rows.append(
            {
                "bench": "baseline_scores",
                "scenario": name,
                "seed": seed,
                "hours": min(hours, scenario.hours) if hours else scenario.hours,
                "messages": summary.total_messages,
                "simulate_s": round(sim_s, 1),
                "eval_s": round(eval_s, 1),
                **{k: result[k] for k in KEYS},
                "bars": {},
            }
        )
    return rows
