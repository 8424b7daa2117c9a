"""Fixtures for the rule tests."""

from __future__ import annotations

import pytest

from borderwatch.geo import load_border
from borderwatch.rules import BarrierLine


@pytest.fixture(scope="session")
def barrier() -> BarrierLine:
    return BarrierLine(load_border())
