"""The rules file: the shipped one is the defaults, and mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch.errors import ConfigError
from borderwatch.rules import DEFAULT_RULES, RulesConfig, load_rules


def test_the_shipped_file_states_every_default() -> None:
    assert load_rules() == RulesConfig()
    assert load_rules(DEFAULT_RULES) == RulesConfig()


def test_a_commander_can_change_one_threshold(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("[approach]\ndepth_m = 3000.0\n[convoy]\nenabled = false\n")
    rules = load_rules(path)
    assert rules.approach.depth_m == 3000.0
    assert not rules.convoy.enabled
    assert rules.crossing == RulesConfig().crossing


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[approach]\ndepht_m = 3000.0\n", "depht_m"),  # a typo is not silently ignored
        ("[approach]\ndepth_m = -1.0\n", "depth_m"),
        ("[crossing]\npriority = 7\n", "priority"),
        ("[sensors]\nheartbeat_s = { radar = 0 }\n", "radar"),
        ("approach = 3\n", "approach"),
        ("[approach\n", "line 1"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=named):
        load_rules(path)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")
