"""Alerts on legal traffic: within 200 m of a `traffic` mover inside a road corridor."""

from __future__ import annotations

from borderwatch.eval import evaluate

from .rundir import CX, CY, X0, Y0, Run


def test_alerts_on_corridor_traffic(run: Run) -> None:
    run.mover("T1", [(0, CX, CY), (100, CX, CY)], kind="traffic", cls="vehicle", hostile=False)
    run.mover("T2", [(0, X0, Y0), (100, X0, Y0)], kind="traffic", cls="vehicle", hostile=False)
    run.mover("D1", [(0, CX, CY), (100, CX, CY)], kind="dog", cls="animal", hostile=False)
    run.alert(50.0, CX + 199, CY)  # on traffic in the corridor
    run.alert(50.0, CX, CY + 201)  # too far
    run.alert(150.0, CX, CY)  # the traffic has gone
    run.alert(50.0, X0, Y0)  # traffic, but off any corridor
    run_dir, alerts = run.write()
    assert evaluate(run_dir, alerts)["alerts_on_corridor_traffic"] == 1
