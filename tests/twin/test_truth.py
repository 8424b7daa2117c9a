"""Ground truth: each crossing lies on its mover's path at the crossing time; the library
scenarios have the movers their descriptions promise."""

from __future__ import annotations

import numpy as np
import pytest

from .runs import NS, Run, Runs

RUNS = [("quiet-night", None), ("crossing-traffic", 2.0), ("sensor-outage", None)]


@pytest.mark.parametrize(("name", "hours"), RUNS, ids=[n for n, _ in RUNS])
def test_crossings_lie_on_the_mover_path(runs: Runs, name: str, hours: float | None) -> None:
    run = runs(name, seed=1, hours=hours)
    movers = {m["id"]: m for m in run.rows("mover")}
    crossings = run.rows("crossing")
    assert crossings
    for c in crossings:
        m = movers[c["mover"]]
        t = (np.array(m["t_ns"]) - run.start_ns) / NS
        tc = (c["t_ns"] - run.start_ns) / NS
        assert t[0] <= tc <= t[-1]
        x, y = np.interp(tc, t, m["x"]), np.interp(tc, t, m["y"])
        assert np.hypot(x - c["x"], y - c["y"]) < 1.0, c
        assert (c["group"], c["kind"], c["cls"], c["hostile"]) == (
            m["group"],
            m["kind"],
            m["cls"],
            m["hostile"],
        )
    t_ns = [c["t_ns"] for c in crossings]
    assert t_ns == sorted(t_ns)


def _run(runs: Runs, name: str, hours: float | None = None) -> Run:
    return runs(name, seed=1, hours=hours)


def test_quiet_night_has_hostile_inbound_crossings(runs: Runs) -> None:
    crossings = _run(runs, "quiet-night").rows("crossing")
    assert [c for c in crossings if c["hostile"] and c["inbound"]]
    assert all(c["sector"] == "N03" for c in crossings)


def test_camel_herd_has_no_one_hostile(runs: Runs) -> None:
    movers = _run(runs, "camel-herd", 3.0).rows("mover")
    assert [m for m in movers if m["kind"] == "camel"]
    assert not [m for m in movers if m["hostile"]]


def test_crossing_traffic_crosses_in_the_corridor(runs: Runs) -> None:
    crossings = _run(runs, "crossing-traffic", 2.0).rows("crossing")
    traffic = [c for c in crossings if c["kind"] == "traffic"]
    assert traffic
    assert all(c["corridor"] for c in traffic)
    assert not [c for c in crossings if c["hostile"] and c["corridor"]]
