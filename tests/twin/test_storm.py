"""A dust storm in a run: the radars report more plots per scan while it blows, because the
storm multiplies their false plots (clutter)."""

from __future__ import annotations

import numpy as np

from borderwatch.messages import Detection
from borderwatch.twin import load_scenario

from .runs import Runs

RAMP_S = 1200.0  # the storm blows up over twenty minutes
WEAK_DB = 17.0  # false plots come in at 8-16 dB; a mover that weak is past its range


def test_more_radar_plots_per_scan_in_the_storm(runs: Runs) -> None:
    scenario, _ = load_scenario("dust-storm")
    (storm,) = scenario.storms
    start = storm.start_h * 3600.0
    run = runs("dust-storm", seed=1, hours=storm.start_h + 1.5)
    plots = [m for m in run.messages if isinstance(m, Detection) and m.kind == "radar"]
    radars = {d.sensor_id for d in plots}
    assert len(radars) == 4  # two towers in each of N05 and N06, a scan a second each
    t = np.array([run.seconds(d.time_ns) for d in plots])
    weak = np.array([d.snr_db is not None and d.snr_db < WEAK_DB for d in plots])

    def per_scan(lo: float, hi: float, which: np.ndarray) -> float:
        return float((which & (t >= lo) & (t < hi)).sum() / (len(radars) * (hi - lo)))

    before = (0.5 * 3600.0, start)
    during = (start + RAMP_S, run.scenario["hours"] * 3600.0)
    every = np.ones(len(plots), bool)
    assert per_scan(*during, every) > per_scan(*before, every)
    # The clutter itself: 0.5 a scan in calm air, x (1 + 6 x severity 0.8) = 2.9 in the storm.
    assert 0.4 < per_scan(*before, weak) < 0.6
    assert 2.5 < per_scan(*during, weak) < 3.3
