"""Fixtures for the twin's tests: library runs shared across the session."""

from __future__ import annotations

import pytest

from .runs import Runs


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Simulate a library scenario on first request; later requests reuse the run."""
    return Runs(tmp_path_factory.mktemp("runs"))
