"""Time to alert: earliest covering alert − event time, as a median and a 90th percentile."""

from __future__ import annotations

import pytest

from borderwatch.eval import evaluate

from .rundir import X0, Y0, Run


def test_median_and_p90(run: Run) -> None:
    for i, t in enumerate([100.0, 200.0, 300.0]):
        run.crossing(f"M{i}", t, X0 + 10_000 * i, Y0)
    run.alert(120.0)  # covers event 0, but a later alert than the next one
    run.alert(90.0)  # event 0: -10 s
    run.alert(230.0, X0 + 10_000, Y0)  # event 1: +30 s
    run_dir, alerts = run.write()  # event 2: missed
    r = evaluate(run_dir, alerts)
    assert (r["crossings"], r["detected"]) == (3, 2)
    assert r["time_to_alert_median_s"] == pytest.approx(10.0)
    assert r["time_to_alert_p90_s"] == pytest.approx(-10 + 0.9 * 40)


def test_none_when_nothing_detected(run: Run) -> None:
    run.crossing("M1", 100.0)
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert r["time_to_alert_median_s"] is None
    assert r["time_to_alert_p90_s"] is None


def test_an_alert_at_the_place_long_before_is_not_a_warning(run: Run) -> None:
    # Hours before the crossing, at the very spot: the alert is about the place, not the group.
    run.crossing("M1", 4 * 3600.0)
    run.alert(4 * 3600.0 - 1801.0)
    run_dir, alerts = run.write()
    assert evaluate(run_dir, alerts)["detected"] == 0


def test_an_alert_at_the_place_within_the_look_back_counts(run: Run) -> None:
    run.crossing("M1", 4 * 3600.0)
    run.alert(4 * 3600.0 - 1799.0)
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert r["detected"] == 1
    assert r["time_to_alert_median_s"] == pytest.approx(-1799.0)


def test_an_alert_on_the_group_itself_counts_however_early(run: Run) -> None:
    # The group walks in from 6 km out; an alert on it two hours before it crosses is a warning.
    run.mover("M1", [(0.0, X0 + 6000.0, Y0), (4 * 3600.0, X0, Y0)])
    run.crossing("M1", 4 * 3600.0)
    run.alert(2 * 3600.0, X0 + 3000.0, Y0)
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert r["detected"] == 1
    assert r["time_to_alert_median_s"] == pytest.approx(-7200.0)
