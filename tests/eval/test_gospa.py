"""GOSPA agrees with Stone Soup's GOSPAMetric and with the anchor benchmark's scorer."""

from __future__ import annotations

import importlib.util
import math
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stonesoup.measures import Euclidean
from stonesoup.metricgenerator.ospametric import GOSPAMetric
from stonesoup.types.state import State

from borderwatch.eval import gospa

C, P = 100.0, 2.0
_T = datetime(2025, 1, 1)
_ANCHOR = Path(__file__).resolve().parents[2].parent / "shared" / "anchors" / "radar_bench.py"

Points = list[tuple[float, float]]
points = st.integers(0, 7).flatmap(
    lambda n: st.lists(
        st.tuples(st.floats(0.0, 400.0), st.floats(0.0, 400.0)), min_size=n, max_size=n
    )
)


def _xy(pts: list[tuple[float, float]]) -> npt.NDArray[np.float64]:
    return np.asarray(pts, np.float64).reshape(-1, 2)


def _stonesoup(est: npt.NDArray[np.float64], truth: npt.NDArray[np.float64]) -> dict[str, Any]:
    metric = GOSPAMetric(c=C, p=P, measure=Euclidean(mapping=[0, 2]))
    es = [State(np.array([[x], [0.0], [y], [0.0]]), timestamp=_T) for x, y in est]
    ts = [State(np.array([[x], [0.0], [y], [0.0]]), timestamp=_T) for x, y in truth]
    value: dict[str, Any] = metric.compute_gospa_metric(es, ts)[0].value
    return value


def _check_against_stonesoup(est: npt.NDArray[np.float64], truth: npt.NDArray[np.float64]) -> None:
    ours = gospa(est, truth, C, P)
    if len(est) == 0 and len(truth) == 0:
        assert (ours.distance, ours.localisation, ours.missed, ours.false) == (0.0, 0.0, 0, 0)
        return
    ss = _stonesoup(est, truth)
    half = C**P / 2
    assert ours.distance == pytest.approx(float(ss["distance"]), abs=1e-6)
    assert ours.localisation == pytest.approx(float(ss["localisation"]), abs=1e-6)
    assert ours.missed * half == pytest.approx(float(ss["missed"]), abs=1e-6)
    assert ours.false * half == pytest.approx(float(ss["false"]), abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(est=points, truth=points)
def test_matches_stonesoup(est: Points, truth: Points) -> None:
    _check_against_stonesoup(_xy(est), _xy(truth))


def test_matches_stonesoup_seeded_larger_sets() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        m, n = rng.integers(0, 25, size=2)
        _check_against_stonesoup(rng.uniform(0, 1000, (m, 2)), rng.uniform(0, 1000, (n, 2)))


def test_closed_form() -> None:
    # One pair 30 m apart, one truth far from everything: 30^2 + 100^2/2 under the root.
    r = gospa([[0.0, 0.0]], [[30.0, 0.0], [5000.0, 0.0]])
    assert r.distance == pytest.approx(math.sqrt(900 + 5000))
    assert r.localisation == pytest.approx(900.0)
    assert (r.missed, r.false) == (1, 0)
    # A pair beyond the cut-off is one missed and one false.
    r = gospa([[0.0, 0.0]], [[150.0, 0.0]])
    assert r.distance == pytest.approx(100.0)
    assert (r.localisation, r.missed, r.false) == (0.0, 1, 1)
    assert gospa(np.zeros((0, 2)), [[1.0, 2.0]] * 3).distance == pytest.approx(math.sqrt(15000))


def _anchor() -> ModuleType:
    if not _ANCHOR.exists():
        pytest.skip(f"anchor benchmark not found at {_ANCHOR}")
    spec = importlib.util.spec_from_file_location("radar_bench_anchor", _ANCHOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_matches_anchor() -> None:
    anchor = _anchor()
    rng = np.random.default_rng(11)
    for _ in range(200):
        m, n = rng.integers(0, 12, size=2)
        est, truth = rng.uniform(0, 500, (m, 2)), rng.uniform(0, 500, (n, 2))
        g, loc, missed, false, _ = anchor.gospa(est, truth, C, P)
        ours = gospa(est, truth, C, P)
        assert ours.distance == pytest.approx(g, abs=1e-6)
        assert ours.localisation == pytest.approx(loc, abs=1e-6)
        assert (ours.missed, ours.false) == (missed, false)
