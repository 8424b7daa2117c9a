"""Fixtures for the measuring stick's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .rundir import Run


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """An empty run directory to fill."""
    return Run(tmp_path / "run")
