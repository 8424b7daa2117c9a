"""Pd per tactic: each crossing event keeps its group's tactic; eval reports Pd with its
Wilson interval and the time to alert per tactic and per tactic family."""

from __future__ import annotations

import pytest

from borderwatch.eval import evaluate, format_report
from borderwatch.eval.stats import wilson

from .rundir import X0, Y0, Run


@pytest.mark.parametrize(
    ("k", "n", "lo", "hi"),
    [
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (5, 10, 0.2366, 0.7634),
        (29, 30, 0.8333, 0.9941),
    ],
)
def test_wilson_matches_the_textbook(k: int, n: int, lo: float, hi: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-4)


def test_wilson_edges_and_errors() -> None:
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="k <= n"):
        wilson(3, 2)
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 2, confidence=1.0)


def test_pd_and_time_to_alert_per_tactic_and_family(run: Run) -> None:
    far = X0 + 5000.0
    # Three groups: a tower-outage crossing warned 120 s early, a fibre-outage crossing
    # never alerted on, a herd crossing warned 30 s late; and one without a tactic.
    for i, (tactic, x) in enumerate(
        [("outage:tower", X0), ("outage:fibre", far), ("herd", X0 + 10_000.0), (None, X0)]
    ):
        m = f"M{i}"
        t = 1000.0 * (i + 1)
        run.mover(m, [(t - 600, x, Y0), (t + 600, x, Y0)])
        run.crossing(m, t, x, Y0, tactic=tactic)
    run.alert(880.0)  # 120 s before M0's crossing, at its place
    run.alert(3030.0, X0 + 10_000.0)  # 30 s after M2's
    run.alert(3950.0)  # 50 s before M3's
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    per = r["per_tactic"]
    assert set(per) == {"outage:tower", "outage:fibre", "herd", "untagged", "outage"}
    assert (per["outage"]["crossings"], per["outage"]["detected"]) == (2, 1)
    assert per["outage"]["pd"] == 0.5
    assert per["outage"]["pd_wilson95"] == [round(v, 4) for v in wilson(1, 2)]
    assert per["outage:fibre"]["pd"] == 0.0
    assert per["outage:fibre"]["time_to_alert_median_s"] is None
    assert per["outage:tower"]["time_to_alert_median_s"] == -120.0
    assert per["herd"]["time_to_alert_s"] == [30.0]
    assert per["untagged"]["detected"] == 1
    text = format_report(r)
    assert "by tactic" in text
    assert "outage:fibre" in text
