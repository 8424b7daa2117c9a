"""Alerts on friendly movers (our patrols): within 200 m at the alert time."""

from __future__ import annotations

from borderwatch.eval import evaluate

from .rundir import X0, Y0, Run


def test_alerts_on_friendly(run: Run) -> None:
    run.mover("P1", [(0, X0, Y0), (100, X0 + 1000, Y0)], kind="patrol", cls="vehicle",
              hostile=False, friendly=True)  # fmt: skip
    run.alert(50.0, X0 + 500, Y0 + 199)  # on the patrol
    run.alert(50.0, X0 + 500, Y0 + 201)
    run.alert(10.0, X0 + 500, Y0)  # where the patrol will be, 400 m ahead of it
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert r["alerts_on_friendly"] == 1
    assert r["nuisance_alerts"] == 3  # a friendly is no hostile mover
