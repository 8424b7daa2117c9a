"""bench/adversary.py: registered, the quick path runs end to end with the rules before and
after side by side, and the bars fail when they should."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bench import adversary
from bench.__main__ import BENCHMARKS
from borderwatch.engine.config import EngineConfig
from borderwatch.eval.stats import wilson


def test_registered_and_every_scenario_is_in_the_library() -> None:
    assert "adversary" in BENCHMARKS
    from borderwatch.twin import library

    assert set(adversary.TACTIC_SCENARIOS + adversary.NUISANCE_SCENARIOS) <= set(library())


def test_the_rules_before_have_issue_14s_additions_off() -> None:
    rules = adversary.before_config().rules
    line = rules.line_breach
    assert (line.degraded_mode, line.camera_confirms, rules.sightings.enabled) == (False,) * 3
    now = EngineConfig().rules  # and on by default
    assert (now.line_breach.degraded_mode, now.line_breach.camera_confirms) == (True, True)
    assert now.sightings.enabled


def test_quick_path_before_and_after() -> None:
    rows = adversary.run(hours=0.1, scenarios=["nuisance-mix"], workers=1)
    assert json.loads(json.dumps(rows, allow_nan=False)) == rows
    assert [r["bench"] for r in rows] == ["adversary", "adversary_total"]
    row = rows[0]
    assert row["before"]["rules"] == "degraded_mode, camera_confirms and sightings off"
    assert row["crossing_groups"] == 0  # nobody hostile
    assert rows[-1]["bars"] == {}  # quick: not judged


def _row(k: int, n: int, tta: float | None) -> dict[str, Any]:
    lo, hi = wilson(k, n)
    return {
        "crossings": n,
        "detected": k,
        "pd": k / n,
        "pd_wilson95": [lo, hi],
        "pd_wilson_lower95": lo,
        "time_to_alert_median_s": tta,
    }


def _good() -> dict[str, Any]:
    return {
        "pd": 0.99,
        "per_tactic": {
            "outage": _row(40, 40, -120.0),
            "outage:tower": _row(10, 10, -100.0),
            "herd": _row(40, 40, -90.0),  # >= 30 crossings: its Wilson bound is judged too
            "unwatched": _row(50, 50, 20.0),  # no radar there: no time bar
        },
        "incidents_per_group_mean": 1.2,
        "nar_per_10km_day": {"nuisance-mix": 0.5},
    }


def test_bars_pass_when_every_figure_does() -> None:
    assert all(adversary.bars(_good()).values())


@pytest.mark.parametrize(
    ("path", "value", "bar"),
    [
        (("pd",), 0.96, "pd >= 0.97"),
        (("per_tactic", "herd"), _row(37, 40, -90.0), "herd pd >= 0.95"),
        (("per_tactic", "herd"), _row(40, 40, -30.0), "herd time_to_alert_median_s <= -60"),
        (("per_tactic", "outage"), _row(37, 40, -120.0), "crossings during outages pd >= 0.95"),
        (("incidents_per_group_mean",), 1.6, "incidents per crossing group <= 1.5"),
        (("nar_per_10km_day", "nuisance-mix"), 1.2, "nar_per_10km_day <= 1 (nuisance-mix)"),
        (("nar_per_10km_day", "nuisance-mix"), None, "nar_per_10km_day <= 1 (nuisance-mix)"),
    ],
)
def test_each_bar_fails_on_its_own(path: tuple[str, ...], value: Any, bar: str) -> None:
    total = copy.deepcopy(_good())
    here = total
    for key in path[:-1]:
        here = here[key]
    here[path[-1]] = value
    result = adversary.bars(total)
    assert result[bar] is False
    # Nothing else fails, but the same tactic's other figures that the change also moved.
    tactic = path[1] if path[0] == "per_tactic" else None
    others = [k for k, ok in result.items() if not ok and k != bar]
    assert all(tactic is not None and k.startswith(tactic) for k in others), others
