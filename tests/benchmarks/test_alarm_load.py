"""The alarm-load benchmark's counting, on a small run (N03, one hour, three groups
crossing), without the baseline (that needs a git checkout): the numbers the issue's bar
judges, each consistent with the alerts written."""

from __future__ import annotations

from pathlib import Path

from bench import alarm_load
from tests.scenarios import THREE_CROSSINGS


def test_alarm_load_counts_a_small_run(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(THREE_CROSSINGS)
    row = alarm_load.run(scenario=str(path), hours=1.0, baseline=None)
    assert row["bench"] == "alarm_load"
    assert "baseline_result" not in row
    (position,) = row["positions"]  # N03 alone: one position
    assert position["alerts"] == row["intrusion_alerts"] > 0
    assert position["max"] >= position["max_outside_waves"]
    assert row["avg_per_position_per_10min"] == position["avg"]
    assert row["equipment_in_intrusion_queue"] == 0
    assert row["bars"]["equipment_in_intrusion_queue == 0"] is True
    assert row["bars"]["avg_per_position_per_10min <= 1"] is None  # not a full day
