"""Our scenario generator draws exactly what the shared anchor draws for the same seed."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from bench.anchor import ScenarioConfig, generate_scenario


@pytest.mark.parametrize(
    ("n", "seed", "clutter"), [(10, 1, 20.0), (100, 3, 20.0), (7, 11, 0.0)], ids=str
)
def test_same_numbers_as_shared(
    shared_bench: ModuleType, n: int, seed: int, clutter: float
) -> None:
    theirs = shared_bench.generate_scenario(
        shared_bench.ScenarioConfig(n_targets=n, seed=seed, clutter_rate=clutter)
    )
    ours = generate_scenario(ScenarioConfig(n_targets=n, seed=seed, clutter_rate=clutter))
    assert np.array_equal(ours.truth, theirs["truth"])
    assert np.array_equal(ours.cls, theirs["cls"])
    assert len(ours.scans) == len(theirs["scans"]) == 300
    for mine, ref in zip(ours.scans, theirs["scans"], strict=True):
        assert np.array_equal(mine.bearing_rad, ref["bearing"])
        assert np.array_equal(mine.range_m, ref["range"])
        assert np.array_equal(mine.truth_id, ref["truth_id"])


def test_deterministic_and_seeded() -> None:
    a = generate_scenario(ScenarioConfig(n_targets=5, n_scans=20, seed=4))
    b = generate_scenario(ScenarioConfig(n_targets=5, n_scans=20, seed=4))
    c = generate_scenario(ScenarioConfig(n_targets=5, n_scans=20, seed=5))
    assert np.array_equal(a.truth, b.truth)
    assert not np.array_equal(a.truth, c.truth)


def test_detections_follow_the_conventions() -> None:
    """Detections of real targets sit where atan2(dy, dx) and the range put them, within noise
    (bearing counter-clockwise from +x); every target is in truth for every scan."""
    cfg = ScenarioConfig(n_targets=20, n_scans=30, seed=2)
    scn = generate_scenario(cfg)
    assert scn.truth.shape == (30, 20, 4)
    xr, yr = cfg.radar_xy
    for k, scan in enumerate(scn.scans):
        real = scan.truth_id >= 0
        x = xr + scan.range_m[real] * np.cos(scan.bearing_rad[real])
        y = yr + scan.range_m[real] * np.sin(scan.bearing_rad[real])
        t = scn.truth[k, scan.truth_id[real]]
        # 0.5 deg at <= 13 km is <= 115 m per sigma; 6 sigma plus range noise
        assert np.all(np.hypot(x - t[:, 0], y - t[:, 2]) < 800.0)
        assert np.all((scan.bearing_rad >= -np.pi) & (scan.bearing_rad < np.pi))
