"""The exercise's script: the live day starts a minute before the first crossing group can
raise an approach alert (worked out from the scenario's truth and the rule's own settings), and
says when each next crossing is due, lap after lap."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from borderwatch.rules.config import Approach
from borderwatch.twin import load_scenario
from borderwatch.twin.script import LEAD_S, first_alertable_s, live_script, live_start_s
from borderwatch.twin.stream import TwinRun, prepare
from tests.scenarios import THREE_CROSSINGS

NS = 10**9


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> TwinRun:
    path = tmp_path_factory.mktemp("script") / "scenario.toml"
    path.write_text(THREE_CROSSINGS)
    scenario, _ = load_scenario(str(path))
    return prepare(scenario, path, 1)


def test_the_day_starts_a_minute_before_the_first_group_can_raise_an_approach_alert(
    run: TwinRun,
) -> None:
    approach = Approach()
    first_t = min(c.t for c in run.crossings if c.hostile and c.inbound)
    alertable = first_alertable_s(run, approach)
    assert alertable is not None
    # Not before the rule's horizon and age allow, and before the crossing itself.
    assert first_t - approach.horizon_s + approach.min_age_s <= alertable < first_t
    # The group is in the approach strip by then (its mover is within depth_m of the line).
    assert live_start_s(run, approach) == pytest.approx(max(0.0, alertable - LEAD_S))
    # It follows the rule's settings: a shorter horizon makes the first alert possible later.
    shorter = msgspec.structs.replace(approach, horizon_s=600.0)
    later = first_alertable_s(run, shorter)
    assert later is not None
    assert later >= alertable
    assert later >= first_t - 600.0 + approach.min_age_s


def test_next_crossing_is_due_on_the_services_clock_lap_after_lap(run: TwinRun) -> None:
    script = live_script(run, Approach(), speed=4.0)
    assert script.from_s > 0.0
    assert live_script(run, Approach(), 4.0, from_start=True).from_s == 0.0
    assert script.next_crossing(0) is None  # not started yet
    assert [d.sector for d in script.due] == ["N03"] * len(script.due)
    assert len({d.group for d in script.due}) == len(script.due) == 3
    script.start_ns = start = 1_800_000_000 * NS
    now = start + round(script.from_s * NS)
    found = script.next_crossing(now)
    assert found is not None
    assert found[0] == start + round(script.due[0].t_s * NS)
    assert found[1].cls == "person"
    # After the day's last crossing: the first of the next lap.
    after = start + round((script.due[-1].t_s + 1.0) * NS)
    found = script.next_crossing(after)
    assert found is not None
    assert found[0] == start + round((script.duration_s + script.due[0].t_s) * NS)


def test_a_scenario_without_hostile_crossings_starts_at_its_start(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(THREE_CROSSINGS.replace("groups = 3", "groups = 0"))
    scenario, _ = load_scenario(str(path))
    quiet = prepare(scenario, path, 1)
    assert first_alertable_s(quiet, Approach()) is None
    script = live_script(quiet, Approach(), 1.0)
    assert script.from_s == 0.0
    script.start_ns = 0
    assert script.next_crossing(10 * NS) is None
