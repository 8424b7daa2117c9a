"""Small twin scenarios several test folders run (simulated once per module that asks)."""

from __future__ import annotations

from pathlib import Path

from borderwatch.twin import load_scenario, simulate

__all__ = ["THREE_CROSSINGS", "simulate_text"]

# N03 by day: three groups on foot cross, one patrol drives the road (3 h, ~41,000 messages).
THREE_CROSSINGS = """
name = "three-crossings"
description = "N03 by day: three groups on foot cross, one patrol drives the road."
start = 2026-03-14T07:00:00Z
hours = 3.0
sectors = ["N03"]

[[movers]]
kind = "foot_smugglers"
groups = 3
group_size = [1, 3]
night_preference = 0.0
abort_probability = 0.0

[[movers]]
kind = "patrols"
per_sector = 1
"""


def simulate_text(root: Path, text: str, seed: int = 1) -> Path:
    """Write the scenario `text` under `root`, simulate it, return the run directory."""
    path = root / "scenario.toml"
    path.write_text(text)
    scenario, _ = load_scenario(str(path))
    simulate(scenario, path, seed, root / "run", progress=False)
    return root / "run"
