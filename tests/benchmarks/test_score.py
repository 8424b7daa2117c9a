"""The per-scan GOSPA score: zero for perfect estimates, and the shared anchor's numbers."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from bench.anchor import (
    ScanEstimate,
    ScenarioConfig,
    generate_scenario,
    read_tracks_csv,
    score,
)

CFG = ScenarioConfig(n_targets=8, n_scans=40, seed=5)


def _perturbed(seed: int = 0) -> list[list[tuple[int, float, float]]]:
    """Estimates near the truth, with misses, false tracks and identity swaps."""
    truth = generate_scenario(CFG).truth
    rng = np.random.default_rng(seed)
    out = []
    for k in range(CFG.n_scans):
        rows = []
        for i in range(CFG.n_targets):
            if rng.random() < 0.1:
                continue  # missed
            tid = i if k < 20 or i > 1 else 1 - i  # targets 0 and 1 swap ids at scan 20
            x, y = truth[k, i, [0, 2]] + rng.normal(0, 30.0, 2)
            rows.append((tid, float(x), float(y)))
        if rng.random() < 0.3:
            rows.append((100 + k, float(rng.uniform(0, 2e4)), float(rng.uniform(0, 1e4))))
        out.append(rows)
    return out


def test_perfect_estimates_score_zero() -> None:
    truth = generate_scenario(CFG).truth
    est = [ScanEstimate(list(range(CFG.n_targets)), truth[k][:, [0, 2]]) for k in range(40)]
    res = score(truth, est)
    assert res["gospa_mean"] == pytest.approx(0.0, abs=1e-9)
    assert res["id_switches"] == 0
    assert res["unique_track_ids"] == CFG.n_targets
    assert res["missed_mean_steady"] == res["false_mean_steady"] == 0.0


def test_no_estimates_cost_every_truth() -> None:
    truth = generate_scenario(CFG).truth
    res = score(truth, [ScanEstimate([], np.zeros((0, 2)))] * CFG.n_scans)
    assert res["gospa_mean"] == pytest.approx(math.sqrt(100.0**2 / 2 * CFG.n_targets))
    assert res["unique_track_ids"] == 0


def test_counts_the_swap() -> None:
    truth = generate_scenario(CFG).truth
    res = score(truth, [ScanEstimate.of(r) for r in _perturbed()])
    assert res["id_switches"] >= 2
    assert 0.0 < res["gospa_mean"] < math.sqrt(100.0**2 / 2 * CFG.n_targets)  # < none at all


def test_same_as_shared(shared_bench: ModuleType) -> None:
    truth = generate_scenario(CFG).truth
    rows = _perturbed(1)
    ours = score(truth, [ScanEstimate.of(r) for r in rows])
    theirs = shared_bench.score(truth, rows)
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, rel=1e-12), key


def test_reads_tracks_csv(tmp_path: Path) -> None:
    path = tmp_path / "tracks.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["scan", "track_id", "x", "y"])
        w.writerows([[0, "a", 1.0, 2.0], [0, "b", 3.0, 4.0], [2, "a", 5.0, 6.0], [9, "c", 0, 0]])
    est = read_tracks_csv(path, 3)
    assert [list(e.ids) for e in est] == [["a", "b"], [], ["a"]]
    assert est[0].xy.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert est[1].xy.shape == (0, 2)
