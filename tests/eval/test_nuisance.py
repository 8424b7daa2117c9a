"""Nuisance alerts: intrusion alerts covering no event and near no hostile mover; NAR."""

from __future__ import annotations

import pytest

from borderwatch.eval import evaluate

from .rundir import HOURS, WATCH_KM, X0, Y0, Run


def test_nuisance_and_rate(run: Run) -> None:
    far = X0 + 20_000
    run.mover("H1", [(0, far, Y0), (1000, far, Y0)])  # a hostile mover that never crosses
    run.mover("C1", [(0, far + 5000, Y0), (1000, far + 5000, Y0)], kind="camel",
              cls="animal", hostile=False)  # fmt: skip
    run.crossing("M9", 100.0)
    run.alert(100.0)  # covers the event: not a nuisance
    run.alert(50.0, far + 499, Y0)  # near the hostile mover: not a nuisance
    run.alert(50.0, far + 501, Y0)  # nuisance
    run.alert(50.0, far + 5000, Y0)  # on the camel: nuisance
    run.alert(2000.0, far, Y0)  # where the hostile mover was, after it ceased to exist: nuisance
    run.alert(50.0, far, Y0, category="system")  # not scored
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert (r["alerts"], r["system_alerts"], r["nuisance_alerts"]) == (5, 1, 3)
    assert r["nar_per_10km_day"] == pytest.approx(3 / (WATCH_KM / 10) / (HOURS / 24))


def test_no_watch_line_no_rate(run: Run) -> None:
    run.scenario["watch_km"] = 0.0
    run.alert(50.0)
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert (r["nuisance_alerts"], r["nar_per_10km_day"]) == (1, None)
