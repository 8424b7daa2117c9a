"""evaluate() returns plain JSON with a fixed set of keys; format_report prints a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderwatch.errors import DataError
from borderwatch.eval import evaluate, format_report

from .rundir import X0, Y0, Run

KEYS = {
    "run", "alerter", "crossings", "detected", "pd", "pd_ci95", "pd_lower95", "per_sector",
    "per_class", "time_to_alert_median_s", "time_to_alert_p90_s", "alerts", "system_alerts",
    "bad_alert_lines", "nuisance_alerts", "nar_per_10km_day", "alerts_on_friendly",
    "alerts_on_corridor_traffic", "class_checked_alerts", "class_accuracy", "track_reports",
    "bad_track_lines", "gospa_times", "gospa_mean_m", "gospa_localisation_mean_m",
    "gospa_missed_mean", "gospa_false_mean", "coverage_sites", "per_coverage", "people_radar",
    "vehicles", "per_tactic",
}  # fmt: skip


def test_plain_json_and_table(run: Run) -> None:
    run.mover("M1", [(0, X0, Y0), (100, X0, Y0)])
    run.crossing("M1", 50.0)
    run.alert(40.0)
    run_dir, alerts = run.write()
    with alerts.open("ab") as f:
        f.write(b'{"type": "alert", "id": "x"}\n')
    r = evaluate(run_dir, alerts)
    assert set(r) == KEYS
    assert r["alerter"] == "file"
    assert r["bad_alert_lines"] == 1
    assert json.loads(json.dumps(r, allow_nan=False)) == r
    text = format_report(r)
    assert "Pd 1.000" in text
    assert "by sector" in text
    assert "by class" in text
    assert any(line.startswith("N01 ") for line in text.splitlines())
    assert any(line.startswith("person ") for line in text.splitlines())


def test_empty_run(run: Run) -> None:
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert (r["crossings"], r["pd"], r["alerts"], r["class_accuracy"]) == (0, None, 0, None)
    assert "Pd -" in format_report(r)


def test_missing_scenario(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"scenario\.json"):
        evaluate(tmp_path)
