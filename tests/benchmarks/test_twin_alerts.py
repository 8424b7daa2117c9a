"""bench/twin_alerts.py: the quick path runs end to end (short runs only: the full benchmark is
for `make bench`), the rows pool what they say, and the bars fail when they should."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest

from bench import twin_alerts
from bench.__main__ import BENCHMARKS
from borderwatch.eval.stats import clopper_pearson

ROW_KEYS = {
    "bench", "scenario", "seeds", "hours", "crossings", "detected", "pd", "pd_ci95", "pd_lower95",
    "people_radar", "vehicles", "alerts", "nuisance_alerts", "alerts_on_friendly",
    "alerts_on_corridor_traffic", "alerts_file", "simulate_s", "replay_s", "eval_s",
    "nar_per_10km_day", "gospa_mean_m", "bars",
}  # fmt: skip
SUBSET_KEYS = set(twin_alerts.SUBSET_KEYS)


def test_registered() -> None:
    assert "twin_alerts" in BENCHMARKS


def test_quick_path_in_a_pool() -> None:
    t = time.perf_counter()
    rows = twin_alerts.run(hours=0.25, scenarios=["quiet-night", "convoy"], workers=2)
    assert time.perf_counter() - t < 30.0
    assert json.loads(json.dumps(rows, allow_nan=False)) == rows
    assert [r["bench"] for r in rows] == ["twin_alerts", "twin_alerts", "twin_alerts_total"]
    assert [r["scenario"] for r in rows[:2]] == ["convoy", "quiet-night"]  # sorted, not finished
    for row in rows[:2]:
        assert set(row) == ROW_KEYS
        assert (row["seeds"], row["hours"], row["bars"]) == ([1], 0.25, {})
        assert set(row["people_radar"]) == set(row["vehicles"]) == SUBSET_KEYS
        assert row["alerts_file"] == "engine" or "empty alerts file" in row["alerts_file"]
        assert row["gospa_mean_m"] is not None  # the replay's tracks were scored
    total = rows[-1]
    assert total["scenarios"] == ["convoy", "quiet-night"]
    assert total["bars"] == {}  # quick: not judged
    assert total["crossings"] == sum(r["crossings"] for r in rows[:2])
    assert set(total["nar_per_10km_day"]) == {"convoy", "quiet-night"}


def _good_total() -> dict[str, Any]:
    return {
        "people_radar": {
            "crossings": 150,
            "detected": 149,
            "pd": 149 / 150,
            "pd_lower95": clopper_pearson(149, 150)[0],
            "time_to_alert_median_s": -240.0,
        },
        "vehicles": {"crossings": 20, "detected": 20, "pd": 1.0},
        "nar_per_10km_day": {"camel-herd": 0.2, "dust-storm": 0.9, "full-border-day": 1.0},
        "alerts_on_friendly": 0,
        "alerts_on_corridor_traffic": 0,
    }


def test_good_numbers_pass() -> None:
    judged = twin_alerts.bars(_good_total())
    assert len(judged) == 9
    assert all(judged.values()), judged


@pytest.mark.parametrize(
    ("path", "value", "bar"),
    [
        (("people_radar", "pd"), 0.96, "people_radar pd >= 0.97"),
        (("people_radar", "pd"), None, "people_radar pd >= 0.97"),
        # Pd 1.0 on 30 crossings: the lower bound is 0.884, under 0.90.
        (("people_radar", "pd_lower95"), clopper_pearson(30, 30)[0], "people_radar pd_lower95"),
        (("people_radar", "time_to_alert_median_s"), -59.0, "time_to_alert_median_s <= -60"),
        (("people_radar", "time_to_alert_median_s"), None, "time_to_alert_median_s <= -60"),
        (("vehicles", "pd"), 0.98, "vehicles pd >= 0.99"),
        (("nar_per_10km_day", "dust-storm"), 1.01, "(dust-storm)"),
        (("nar_per_10km_day", "camel-herd"), None, "(camel-herd)"),
        (("alerts_on_friendly",), 1, "alerts_on_friendly == 0"),
        (("alerts_on_corridor_traffic",), 2, "alerts_on_corridor_traffic == 0"),
    ],
)
def test_each_bar_fails_alone(path: tuple[str, ...], value: Any, bar: str) -> None:
    total = copy.deepcopy(_good_total())
    holder = total
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    judged = twin_alerts.bars(total)
    failed = [name for name, ok in judged.items() if not ok]
    assert len(failed) == 1, judged
    assert bar in failed[0]


def test_a_scenario_that_did_not_run_fails_its_nar_bar() -> None:
    total = _good_total()
    del total["nar_per_10km_day"]["full-border-day"]
    assert not twin_alerts.bars(total)["nar_per_10km_day <= 1 (full-border-day)"]


def test_pooling_sums_events_and_pools_times() -> None:
    a = {"crossings": 3, "detected": 3, "time_to_alert_s": [-300.0, -200.0, -100.0]}
    b = {"crossings": 2, "detected": 1, "time_to_alert_s": [50.0]}
    pooled = twin_alerts.pool_subset([a, b, None])
    assert (pooled["crossings"], pooled["detected"], pooled["pd"]) == (5, 4, 0.8)
    assert pooled["pd_lower95"] == round(clopper_pearson(4, 5)[0], 4)
    # Median of the four times (-150), not the median of the two medians (-75).
    assert pooled["time_to_alert_median_s"] == -150.0
    empty = twin_alerts.pool_subset([])
    assert (empty["crossings"], empty["pd"], empty["time_to_alert_median_s"]) == (0, None, None)
