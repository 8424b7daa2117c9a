"""Class accuracy: alerts whose nearest true mover is within 500 m name its class."""

from __future__ import annotations

import pytest

from borderwatch.eval import evaluate

from .rundir import X0, Y0, Run


def test_class_accuracy(run: Run) -> None:
    run.mover("P", [(0, X0, Y0), (100, X0, Y0)], hostile=True)
    run.mover("V", [(0, X0 + 5000, Y0), (100, X0 + 5000, Y0)], cls="vehicle", kind="traffic")
    run.mover("C", [(0, X0 + 400, Y0), (100, X0 + 400, Y0)], kind="camel", cls="animal",
              hostile=False)  # fmt: skip
    run.alert(50.0, X0 + 100, Y0, cls="person")  # nearest is P (100 m, camel 300 m): right
    run.alert(50.0, X0 + 300, Y0, cls="person")  # nearest is the camel (100 m): wrong
    run.alert(50.0, X0 + 5000, Y0 + 499, cls="unknown")  # V within 500 m: wrong
    run.alert(50.0, X0 + 5000, Y0 + 501, cls="vehicle")  # nothing within 500 m: not checked
    run.alert(200.0, X0, Y0, cls="person")  # the movers are gone: not checked
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert r["class_checked_alerts"] == 3
    assert r["class_accuracy"] == pytest.approx(1 / 3, abs=1e-4)


def test_none_when_nothing_checked(run: Run) -> None:
    run.alert(50.0)
    run_dir, alerts = run.write()
    assert evaluate(run_dir, alerts)["class_accuracy"] is None
