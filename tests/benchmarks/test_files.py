"""Scenario files: our save/load round trip, and the shared anchor reads ours and we read its."""

from __future__ import annotations

import filecmp
import json
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np

from bench.anchor import ScenarioConfig, generate_scenario, load_scenario, save_scenario

CFG = ScenarioConfig(n_targets=6, n_scans=25, seed=9, clutter_rate=5.0)


def _save_shared(shared_bench: ModuleType, out: Path) -> None:
    """The shared anchor's scenario for CFG, written by the shared anchor."""
    cfg = shared_bench.ScenarioConfig(n_targets=6, n_scans=25, seed=9, clutter_rate=5.0)
    shared_bench.save_scenario(shared_bench.generate_scenario(cfg), str(out))


def test_round_trip(tmp_path: Path) -> None:
    scn = generate_scenario(CFG)
    save_scenario(scn, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {
        "meta.json",
        "truth.csv",
        "detections.csv",
        "detections.jsonl",
    }
    back = load_scenario(tmp_path)
    assert back.cfg == CFG
    assert np.array_equal(back.cls, scn.cls)
    np.testing.assert_allclose(back.truth, scn.truth, rtol=0, atol=5e-4)  # written to mm
    for a, b in zip(back.scans, scn.scans, strict=True):
        np.testing.assert_allclose(a.bearing_rad, b.bearing_rad, rtol=0, atol=5e-8)
        np.testing.assert_allclose(a.range_m, b.range_m, rtol=0, atol=5e-4)
        assert np.array_equal(a.truth_id, b.truth_id)
    lines = (tmp_path / "detections.jsonl").read_text().splitlines()
    assert len(lines) == CFG.n_scans
    assert sum(len(json.loads(x)["detections"]) for x in lines) == sum(map(len, scn.scans))


def test_same_files_as_shared(shared_bench: ModuleType, tmp_path: Path) -> None:
    """Byte for byte, except meta.json's free-text conventions."""
    _save_shared(shared_bench, tmp_path / "theirs")
    save_scenario(generate_scenario(CFG), tmp_path / "ours")
    for name in ("truth.csv", "detections.csv", "detections.jsonl"):
        assert filecmp.cmp(tmp_path / "theirs" / name, tmp_path / "ours" / name, shallow=False)
    theirs = json.loads((tmp_path / "theirs" / "meta.json").read_text())
    ours = json.loads((tmp_path / "ours" / "meta.json").read_text())
    assert ours.keys() == theirs.keys()
    assert ours["config"] == theirs["config"]
    assert ours["sensors"] == theirs["sensors"]


def test_each_reads_the_others(shared_bench: ModuleType, tmp_path: Path) -> None:
    ours = generate_scenario(CFG)
    save_scenario(ours, tmp_path / "ours")
    _save_shared(shared_bench, tmp_path / "theirs")
    with warnings.catch_warnings():  # the shared loader leaves its files to the GC
        warnings.simplefilter("ignore", ResourceWarning)
        read_by_them = shared_bench.load_scenario(tmp_path / "ours")
    read_by_us = load_scenario(tmp_path / "theirs")
    assert np.array_equal(read_by_them["truth"], read_by_us.truth)
    assert np.array_equal(read_by_them["cls"], read_by_us.cls)
    for a, b in zip(read_by_them["scans"], read_by_us.scans, strict=True):
        assert np.array_equal(a["bearing"], b.bearing_rad)
        assert np.array_equal(a["range"], b.range_m)
        assert np.array_equal(a["truth_id"], b.truth_id)
