"""`borderwatch run --twin`: the terminal says when the twin's first crossing is due, so a
newcomer facing an empty queue knows when to look (and that it is not broken)."""

from __future__ import annotations

from pathlib import Path

from borderwatch.run import first_crossing
from tests.scenarios import THREE_CROSSINGS

START_NS = 1_800_000_000 * 10**9


def test_the_first_hostile_crossing_is_due_on_the_services_clock(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(THREE_CROSSINGS)
    found = first_crossing(str(path), 1, START_NS, 1.0)
    assert found is not None
    due_ns, sector, cls = found
    assert sector == "N03"
    assert cls == "person"
    assert START_NS < due_ns <= START_NS + 3 * 3600 * 10**9
    faster = first_crossing(str(path), 1, START_NS, 4.0)
    assert faster is not None
    assert abs((faster[0] - START_NS) * 4 - (due_ns - START_NS)) < 10


def test_a_scenario_without_hostile_crossings_says_so(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(THREE_CROSSINGS.replace("groups = 3", "groups = 0"))
    assert first_crossing(str(path), 1, START_NS, 1.0) is None
