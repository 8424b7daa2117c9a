"""The comparison benchmark end to end on a tiny scenario, and its pieces."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.__main__ import BENCHMARKS
from bench.anchor import ScenarioConfig, generate_scenario
from bench.stonesoup_compare import (
    BAR_ORACLE,
    BAR_SPEEDUP,
    BAR_STONESOUP,
    azimuth_from_bearing,
    compare,
    run_stonesoup,
    tracker_available,
)

HAVE_OURS = tracker_available()


@pytest.mark.parametrize(
    ("bearing", "azimuth"),
    [
        (0.0, math.pi / 2),
        (math.pi / 2, 0.0),
        (-math.pi / 2, math.pi),
        (math.pi, 1.5 * math.pi),
        (math.pi / 4, math.pi / 4),
        (-3 * math.pi / 4, 1.25 * math.pi),
    ],
    ids=["east", "north", "south", "west", "north-east", "south-west"],
)
def test_azimuth_is_clockwise_from_north(bearing: float, azimuth: float) -> None:
    got = float(azimuth_from_bearing(np.array([bearing]))[0])
    assert 0.0 <= got < 2 * math.pi
    assert got == pytest.approx(azimuth, abs=1e-12)


def test_azimuth_never_reaches_two_pi() -> None:
    just_past_north = np.nextafter(math.pi / 2, 4.0)
    got = azimuth_from_bearing(np.array([just_past_north, math.pi / 2, -3 * math.pi / 2]))
    assert np.all((got >= 0.0) & (got < 2 * math.pi))


def test_registered() -> None:
    assert "stonesoup_compare" in BENCHMARKS


def test_stonesoup_budget_stops_it() -> None:
    scn = generate_scenario(ScenarioConfig(n_targets=3, n_scans=10, seed=2, clutter_rate=2.0))
    res = run_stonesoup(scn, budget_s=0.0)
    assert res.aborted
    assert len(res.seconds) == len(res.estimates) == 1


@pytest.mark.parametrize(
    "ours",
    [
        pytest.param(
            True, marks=pytest.mark.skipif(not HAVE_OURS, reason="borderwatch.fusion not there yet")
        ),
        False,
    ],
    ids=["ours", "without"],
)
def test_one_row(ours: bool) -> None:
    row = compare(4, seed=3, scans=12, clutter=3.0, ours=ours, judge=True)
    assert row["n"] == 4
    assert row["scans"] == 12
    assert row["gospa_mean_oracle"] > 0.0
    assert row["gospa_mean_stonesoup"] > 0.0
    assert row["ms_per_scan_stonesoup"] > 0.0
    assert row["calibration_ms"] > 0.0
    assert set(row["bars"]) == {BAR_ORACLE, BAR_STONESOUP, BAR_SPEEDUP}
    if ours:
        assert row["ms_per_scan_ours"] > 0.0
        assert row["gospa_ours_over_oracle"] == pytest.approx(
            row["gospa_mean_ours"] / row["gospa_mean_oracle"], rel=1e-3
        )
        assert all(isinstance(v, bool) for v in row["bars"].values())
    else:
        assert row["gospa_mean_ours"] is None
        assert all(v is None for v in row["bars"].values())


def test_not_judged_when_stonesoup_is_out_of_budget() -> None:
    row = compare(3, seed=2, scans=8, clutter=2.0, ss_budget_s=0.0, ours=HAVE_OURS)
    assert row["gospa_mean_stonesoup"] is None
    assert row["ms_per_scan_stonesoup"] is None
    assert row["stonesoup"]["aborted_after_scans"] == 1
    assert row["bars"][BAR_STONESOUP] is None
    assert row["bars"][BAR_SPEEDUP] is None
