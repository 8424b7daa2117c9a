"""Fixtures for the event log tests: a fresh log in a temporary directory.

The repository root goes on `sys.path` (at the end) for `bench.eventlog`, which is not
installed, as in `tests/benchmarks/conftest.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from borderwatch.store import EventLog

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def log(log_path: Path) -> Iterator[EventLog]:
    with EventLog(log_path) as opened:
        yield opened
