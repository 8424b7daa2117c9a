"""Patrols: each callsign reports its position every 10 s; truth marks patrols friendly and
never hostile, and every callsign on the wire is a patrol in the truth."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from borderwatch.messages import Patrol

from .runs import NS, Run, Runs

RUNS = [("quiet-night", None), ("full-border-day", 0.25), ("camel-herd", 0.25)]


@pytest.fixture(params=RUNS, ids=[f"{n}-{h or 'full'}" for n, h in RUNS])
def run(request: pytest.FixtureRequest, runs: Runs) -> Run:
    name, hours = request.param
    return runs(name, seed=1, hours=hours)


def test_every_patrol_reports_every_10_s(run: Run) -> None:
    times: dict[str, list[int]] = defaultdict(list)
    for m in run.messages:
        if isinstance(m, Patrol):
            times[m.callsign].append(m.time_ns)
    assert times
    duration = run.scenario["hours"] * 3600.0
    for callsign, t in times.items():
        gaps = np.diff(t) / NS
        assert np.abs(gaps - 10.0).max() < 1e-3, callsign  # clock drift is a few ppm
        assert abs(len(t) - duration / 10.0) <= 1, callsign


def test_patrols_are_friendly_and_never_hostile(run: Run) -> None:
    movers = run.rows("mover")
    patrols = [m for m in movers if m["kind"] == "patrol"]
    assert patrols
    assert all(m["friendly"] and not m["hostile"] for m in patrols)
    assert not [m for m in movers if m["kind"] != "patrol" and m["friendly"]]
    callsigns = {m.callsign for m in run.messages if isinstance(m, Patrol)}
    assert callsigns == {m["callsign"] for m in patrols}
