"""Fixtures for the benchmark's tests.

The benchmarks live in the top-level ``bench`` package, which is not installed: the repository
root is put on ``sys.path`` (at the end, so nothing installed is shadowed). The shared anchor
programs are used when they sit beside the repository, as in CI (``<repo>/../shared/anchors``);
tests that need them skip otherwise.

(This folder is ``tests/benchmarks`` rather than ``tests/bench``: ``tests`` is not a package,
so a ``tests/bench`` package would be imported by pytest and mypy as ``bench`` itself.)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANCHORS = ROOT.parent / "shared" / "anchors"

if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


@pytest.fixture(scope="session")
def anchors_dir() -> Path:
    """The shared anchors folder (skips when absent)."""
    if not (ANCHORS / "radar_bench.py").is_file() or not (ANCHORS / "oracle.py").is_file():
        pytest.skip(f"shared anchors not found at {ANCHORS}")
    return ANCHORS


@pytest.fixture(scope="session")
def shared_bench(anchors_dir: Path) -> ModuleType:
    """The shared ``radar_bench.py``, imported from its file (no Stone Soup at import)."""
    path = anchors_dir / "radar_bench.py"
    spec = importlib.util.spec_from_file_location("_shared_radar_bench", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
