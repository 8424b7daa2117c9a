"""Pd: which crossings are events, and which alerts cover them (60 s late, 500 m)."""

from __future__ import annotations

from typing import Any

import pytest

from borderwatch.eval import evaluate

from .rundir import X0, Y0, Run


def _pd(run: Run) -> dict[str, Any]:
    run_dir, alerts = run.write()
    return evaluate(run_dir, alerts)


@pytest.mark.parametrize(("late_s", "detected"), [(59.0, 1), (60.0, 1), (61.0, 0)])
def test_late_limit(run: Run, late_s: float, detected: int) -> None:
    run.crossing("M1", 100.0)
    run.alert(100.0 + late_s)
    r = _pd(run)
    assert (r["crossings"], r["detected"]) == (1, detected)


@pytest.mark.parametrize(("dist_m", "detected"), [(499.0, 1), (501.0, 0)])
def test_distance_limit(run: Run, dist_m: float, detected: int) -> None:
    run.crossing("M1", 100.0)
    run.alert(100.0, X0 + 0.6 * dist_m, Y0 - 0.8 * dist_m)
    assert _pd(run)["detected"] == detected


def test_group_crossing_is_one_event(run: Run) -> None:
    for i, t in enumerate([100.0, 105.0, 110.0]):
        run.crossing(f"M{i}", t, X0 + 1000 * i, Y0, group="G1")
    run.crossing("M0", 700.0, X0 + 3000, Y0, group="G1")  # 600 s after the first: same event
    run.crossing("M0", 701.0, X0 + 9000, Y0, group="G1")  # 601 s: a new event
    run.alert(110.0, X0 + 2000, Y0)  # at the third crossing only: not the event's place
    run.alert(700.0, X0 + 9000, Y0)
    r = _pd(run)
    assert (r["crossings"], r["detected"]) == (2, 1)


@pytest.mark.parametrize(
    ("inbound", "corridor", "hostile"),
    [(False, False, True), (True, True, True), (True, False, False)],
    ids=["outbound", "corridor", "not-hostile"],
)
def test_not_an_event(run: Run, inbound: bool, corridor: bool, hostile: bool) -> None:
    run.crossing("M1", 100.0, inbound=inbound, corridor=corridor, hostile=hostile)
    run.alert(100.0)
    r = _pd(run)
    assert (r["crossings"], r["detected"], r["pd"], r["pd_ci95"]) == (0, 0, None, [0.0, 1.0])


def test_alert_on_a_group_member(run: Run) -> None:
    # M2 walks 2 km behind M1; an alert on M2 at t=50 covers the group's crossing at t=100.
    run.mover("M1", [(0, X0 - 1000, Y0), (200, X0 + 1000, Y0)], group="G1")
    run.mover("M2", [(40, X0 - 3000, Y0), (240, X0 - 1000, Y0)], group="G1")
    run.crossing("M1", 100.0, group="G1")
    run.alert(50.0, X0 - 2900 + 400, Y0)  # M2 is at X0 - 2900 then: 400 m off
    assert _pd(run)["detected"] == 1


def test_alert_where_the_group_member_no_longer_is(run: Run) -> None:
    run.mover("M1", [(0, X0 - 1000, Y0), (200, X0 + 1000, Y0)], group="G1")
    run.mover("M2", [(40, X0 - 3000, Y0), (45, X0 - 3000, Y0)], group="G1")
    run.crossing("M1", 100.0, group="G1")
    run.alert(50.0, X0 - 3000, Y0)  # where M2 was, after M2 ceased to exist
    assert _pd(run)["detected"] == 0


@pytest.mark.parametrize(("off_m", "detected"), [(499.0, 1), (501.0, 0)])
def test_predicted_crossing(run: Run, off_m: float, detected: int) -> None:
    run.crossing("M1", 100.0)
    run.alert(0.0, X0 + 5000, Y0 + 5000, predicted=(X0, Y0 + off_m))
    assert _pd(run)["detected"] == detected


def test_per_sector_and_class(run: Run) -> None:
    run.crossing("M1", 100.0, sector="N01", cls="person")
    run.crossing("M2", 100.0, X0 + 5000, Y0, sector="N02", cls="vehicle")
    run.crossing("M3", 100.0, X0 + 10000, Y0, sector="N02", cls="vehicle")
    run.alert(100.0)
    run.alert(100.0, X0 + 5000, Y0)
    r = _pd(run)
    assert (r["crossings"], r["detected"], r["pd"]) == (3, 2, pytest.approx(2 / 3, abs=1e-4))
    lo, hi = r["pd_ci95"]
    assert r["pd_lower95"] == lo == pytest.approx(0.0943, abs=1e-4)
    assert hi == pytest.approx(0.9916, abs=1e-4)
    assert r["per_sector"] == {
        "N01": {"crossings": 1, "detected": 1, "pd": 1.0, "pd_lower95": 0.025},
        "N02": {"crossings": 2, "detected": 1, "pd": 0.5, "pd_lower95": 0.0126},
    }
    assert r["per_class"] == {
        "person": {"crossings": 1, "detected": 1, "pd": 1.0, "pd_lower95": 0.025},
        "vehicle": {"crossings": 2, "detected": 1, "pd": 0.5, "pd_lower95": 0.0126},
    }
