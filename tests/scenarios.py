"""Small twin scenarios several test folders run (simulated once per module that asks)."""

from __future__ import annotations

from pathlib import Path

from borderwatch.twin import load_scenario, simulate

__all__ = ["TEN_MINUTES", "THREE_CROSSINGS", "simulate_text"]

_N03_BY_DAY = """
name = "{name}"
description = "N03 by day: three groups on foot cross, one patrol drives the road."
start = 2026-03-14T07:00:00Z
hours = {hours}
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

# N03 by day: three groups on foot cross, one patrol drives the road (3 h, ~41,000 messages).
THREE_CROSSINGS = _N03_BY_DAY.format(name="three-crossings", hours=3.0)
# The first ten minutes of it (~4,300 messages, 6 sensors).
TEN_MINUTES = _N03_BY_DAY.format(name="ten-minutes", hours=0.1667)


def simulate_text(root: Path, text: str, seed: int = 1) -> Path:
    """Write the scenario `text` under `root`, simulate it, return the run directory."""
    path = root / "scenario.toml"
    path.write_text(text)
    scenario, _ = load_scenario(str(path))
    simulate(scenario, path, seed, root / "run", progress=False)
    return root / "run"
