"""The oracle EKF: the shared ``oracle.py``'s score on the same scenario."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.anchor import ScenarioConfig, generate_scenario, oracle_estimates, score


@pytest.mark.parametrize(("n", "seed"), [(10, 1), (30, 2)], ids=str)
def test_same_score_as_shared(anchors_dir: Path, n: int, seed: int) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(anchors_dir / "oracle.py"),
            "--n",
            str(n),
            "--seed",
            str(seed),
            "--scans",
            "80",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    theirs = json.loads(done.stdout)  # rounded to 3 decimals
    scn = generate_scenario(ScenarioConfig(n_targets=n, seed=seed, n_scans=80))
    ours = score(scn.truth, oracle_estimates(scn))
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, abs=1e-3), key


def test_reports_each_target_from_its_first_detection() -> None:
    scn = generate_scenario(ScenarioConfig(n_targets=12, n_scans=30, seed=3))
    est = oracle_estimates(scn)
    seen: set[int] = set()
    for scan, e in zip(scn.scans, est, strict=True):
        seen |= {int(t) for t in scan.truth_id if t >= 0}
        assert sorted(np.asarray(e.ids, np.int64).tolist()) == sorted(seen)
    res = score(scn.truth, est)
    assert res["id_switches"] == 0
    assert res["rms_loc_assigned"] < 60.0
