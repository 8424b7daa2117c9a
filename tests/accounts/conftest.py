"""Shared fixtures: a store on a temporary file with a cheap hasher, and a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from borderwatch.accounts import UserStore

from .helpers import Clock, cheap_hasher


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[UserStore]:
    with UserStore(tmp_path / "accounts.sqlite", hasher=cheap_hasher(), clock=clock.ns) as s:
        yield s
