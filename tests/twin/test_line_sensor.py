"""The fibre along the berm: most crossings where there is fibre give a line detection close
by in place and time; a crossing inside a road corridor (legal traffic) never does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from borderwatch.geo import load_sites, to_utm
from borderwatch.geo.sites import LineSensorSpec
from borderwatch.messages import Detection

from .runs import NS, Run, Runs

FIBRE_SECTORS = {
    s.spec.sector for s in load_sites().line_sensors if isinstance(s.spec, LineSensorSpec)
}


def _line_hits(run: Run) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_ns, x, y) of every line detection of the run, UTM metres."""
    dets = [m for m in run.messages if isinstance(m, Detection) and m.kind == "line"]
    t = np.array([d.time_ns for d in dets], np.int64)
    lon = np.array([d.lon for d in dets], float)
    lat = np.array([d.lat for d in dets], float)
    x, y = to_utm(lon, lat)
    return t, x, y


def _answered(
    crossing: dict[str, Any],
    hits: tuple[np.ndarray, np.ndarray, np.ndarray],
    dist_m: float,
    window_s: float,
) -> bool:
    t, x, y = hits
    close = np.hypot(x - crossing["x"], y - crossing["y"]) <= dist_m
    soon = np.abs(t - crossing["t_ns"]) <= window_s * NS
    return bool((close & soon).any())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_most_crossings_are_detected(runs: Runs, seed: int) -> None:
    run = runs("quiet-night", seed=seed)
    crossings = [
        c for c in run.rows("crossing") if c["sector"] in FIBRE_SECTORS and not c["corridor"]
    ]
    assert len(crossings) >= 3
    hits = _line_hits(run)
    found = sum(_answered(c, hits, 60.0, 10.0) for c in crossings)
    assert found >= 0.8 * len(crossings)


def test_nothing_in_a_road_corridor(runs: Runs) -> None:
    run = runs("crossing-traffic", seed=1, hours=2.0)
    corridor = [c for c in run.rows("crossing") if c["corridor"]]
    assert len(corridor) >= 20
    hits = _line_hits(run)
    assert len(hits[0]) > 0  # the fibre works elsewhere
    assert not [c for c in corridor if _answered(c, hits, 100.0, 3600.0)]
