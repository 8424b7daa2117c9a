"""Same scenario, seed and hours: byte-identical files; another seed: another night."""

from __future__ import annotations

from pathlib import Path

from .runs import simulate_library

FILES = ("messages.jsonl", "truth.jsonl", "scenario.json")


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = simulate_library("quiet-night", 1, 1.0, tmp_path / "a")
    b = simulate_library("quiet-night", 1, 1.0, tmp_path / "b")
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert sorted(p.name for p in a.iterdir()) == sorted(FILES)  # no .part left behind


def test_another_seed_differs(tmp_path: Path) -> None:
    a = simulate_library("quiet-night", 1, 1.0, tmp_path / "a")
    b = simulate_library("quiet-night", 2, 1.0, tmp_path / "b")
    for name in FILES:
        assert (a / name).read_bytes() != (b / name).read_bytes(), name
