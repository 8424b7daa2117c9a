"""The dispatch ETA benchmark: trips cut from a twin path, and a quick run that compares."""

from __future__ import annotations

import numpy as np

from bench import dispatch_eta


def test_trips_are_cut_at_the_stops() -> None:
    t = np.array([0.0, 10.0, 20.0, 80.0, 90.0])
    x = np.array([0.0, 100.0, 200.0, 200.0, 200.0])
    y = np.array([0.0, 0.0, 0.0, 0.0, 50.0])
    assert dispatch_eta.trips(t, x, y) == [
        ((0.0, 0.0), (200.0, 0.0), 20.0, 200.0),
        ((200.0, 0.0), (200.0, 50.0), 10.0, 50.0),
    ]


def test_a_quick_run_puts_both_side_by_side() -> None:
    out = dispatch_eta.run(quick=True)
    assert out["trips"] > 20
    road, straight = out["distance"]["road"], out["distance"]["straight_x1.4"]
    # The twin drives the patrol road: routing on it gets the distance nearly exactly.
    assert road["median_abs_rel_error"] < 0.02 < straight["median_abs_rel_error"]
    assert set(out["time"]) == {"road", "straight_x1.4"}
    assert all(out["bars"].values())
