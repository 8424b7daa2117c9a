"""Fixtures for the event log tests: a fresh log in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from borderwatch.store import EventLog


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def log(log_path: Path) -> Iterator[EventLog]:
    with EventLog(log_path) as opened:
        yield opened
