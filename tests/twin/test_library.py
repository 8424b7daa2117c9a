"""Every library scenario runs (a quarter of an hour of it) and says what it sent."""

from __future__ import annotations

from collections import Counter

import pytest

from borderwatch.messages import validate
from borderwatch.twin import library

from .runs import Runs

NAMES = list(library())


def test_the_library_has_fourteen_scenarios() -> None:
    assert len(NAMES) == 14  # seven of them the adversary's tactics and a nuisance mix


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_runs_and_validates(runs: Runs, name: str) -> None:
    run = runs(name, seed=1, hours=0.25)
    assert run.messages
    for m in run.messages:
        validate(m)
    meta = run.scenario
    assert (meta["name"], meta["seed"], meta["hours"]) == (name, 1, 0.25)
    assert meta["end_ns"] - meta["start_ns"] == 900 * 10**9
    sent = Counter(type(m).__struct_config__.tag for m in run.messages)
    assert meta["counts"]["messages"] == dict(sent)
    movers = Counter(m["kind"] for m in run.rows("mover"))
    assert meta["counts"]["movers"] == dict(movers)
    assert meta["counts"]["crossings"] == len(run.rows("crossing"))
