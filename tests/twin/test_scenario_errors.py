"""A wrong scenario file is a ConfigError naming the file and the field, never a half-built
scenario: bad TOML, unknown keys, reversed ranges, unknown sectors, sensors or mover kinds, a
start with no time zone, negative counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from borderwatch.errors import ConfigError
from borderwatch.twin import load_scenario
from borderwatch.twin.world import build_world

HEAD = 'name = "mine"\nstart = 2026-03-14T19:00:00Z\nsectors = ["N03"]\n'
FOOT = '[[movers]]\nkind = "foot_smugglers"\n'

# (id, scenario text, what the error must name)
PARSE_ERRORS = [
    ("bad-toml", 'name = "mine\n', "not valid TOML"),
    ("bad-toml-line", HEAD + "hours = = 3\n", "line 4"),
    ("unknown-key", HEAD + "colour = 1\n", "`colour`"),
    ("unknown-mover-key", HEAD + FOOT + "group_sise = [1, 2]\n", "group_sise"),
    ("low-above-high", HEAD + FOOT + "walk_mps = [2.0, 1.0]\n", "`walk_mps`"),
    ("low-above-high-where", HEAD + FOOT + "group_size = [5, 1]\n", "movers[0]"),
    ("unknown-mover-kind", HEAD + '[[movers]]\nkind = "dragons"\n', "movers[0].kind"),
    ("no-time-zone", 'name = "mine"\nstart = 2026-03-14T19:00:00\n', "`start`"),
    ("no-start", 'name = "mine"\n', "`start`"),
    ("negative-groups", HEAD + FOOT + "groups = -1\n", "movers[0].groups"),
    (
        "negative-convoys",
        HEAD + '[[movers]]\nkind = "convoys"\nconvoys = -2\n',
        "movers[0].convoys",
    ),
    ("zero-group-size", HEAD + FOOT + "group_size = [0, 3]\n", "movers[0].group_size"),
    ("zero-hours", HEAD + "hours = 0\n", "`hours`"),
    ("storm-severity", HEAD + "[[storms]]\nstart_h = 1\nhours = 1\nseverity = 2\n", "severity"),
    (
        "fault-kind",
        HEAD + '[[faults]]\nsensor = "T05-R"\nkind = "melted"\nstart_h = 1\nhours = 1\n',
        "faults[0].kind",
    ),
    ("bad-name", 'name = "My Scenario"\nstart = 2026-03-14T19:00:00Z\n', "`name`"),
]

WORLD_ERRORS = [
    ("unknown-sector", HEAD.replace('"N03"', '"N03", "N99"'), "`sectors`"),
    ("unknown-mover-sector", HEAD + FOOT + 'sectors = ["N3"]\n', "movers[0].sectors"),
    (
        "unknown-storm-sector",
        HEAD + '[[storms]]\nstart_h = 1\nhours = 1\nsectors = ["N5"]\n',
        "storms[0].sectors",
    ),
    (
        "unknown-fault-sensor",
        HEAD + '[[faults]]\nsensor = "T5-R"\nkind = "outage"\nstart_h = 1\nhours = 1\n',
        "faults[0].sensor",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "names"), [c[1:] for c in PARSE_ERRORS], ids=[c[0] for c in PARSE_ERRORS]
)
def test_parse_error_names_file_and_field(tmp_path: Path, text: str, names: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    message = str(info.value)
    assert names in message
    assert message.startswith(f"{path}: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "names"), [c[1:] for c in WORLD_ERRORS], ids=[c[0] for c in WORLD_ERRORS]
)
def test_unknown_place_or_sensor_names_file_and_field(
    tmp_path: Path, text: str, names: str
) -> None:
    path = _write(tmp_path, text)
    scenario, _ = load_scenario(path)
    with pytest.raises(ConfigError) as info:
        build_world(scenario, path)
    message = str(info.value)
    assert names in message
    assert message.startswith(f"{path}: ")


def test_a_good_file_loads(tmp_path: Path) -> None:
    text = (
        HEAD + FOOT + 'sectors = ["N03"]\n[[storms]]\nstart_h = 1\nhours = 1\nsectors = ["all"]\n'
    )
    text += '[[faults]]\nsensor = "LS-N03"\nkind = "tampered"\nstart_h = 1\nhours = 1\n'
    path = _write(tmp_path, text)
    scenario, found = load_scenario(path)
    assert found == path
    assert build_world(scenario, path).sector_ids == ("N03",)


def test_unknown_library_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="quiet-night"):  # the error lists the library
        load_scenario("quiet-nite")
