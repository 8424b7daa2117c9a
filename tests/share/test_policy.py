"""Policy files: read once, typed, and a wrong one is refused with the field named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec
import pytest

from borderwatch.errors import ConfigError
from borderwatch.share.policy import (
    DEFAULT_POLICY,
    STRIPPABLE,
    Policy,
    load_policies,
    load_policy,
    policy_for,
)
from borderwatch.share.releasability import _NAME
from borderwatch.share.reports import SectorStatus

GOOD = """
partner = "partner:dz"
version = 3
kinds = ["incidents", "sector_status"]
sectors = ["S01", "S02"]
delay_s = 900
precision_m = 1000
strip = ["incident.assigned_patrol", "alert.evidence"]
retention_days = 30
onward_release = false
"""
POLICY = msgspec.convert(
    tomllib.loads(GOOD.replace('sectors = ["S01", "S02"]', 'sectors = ["*"]')), type=Policy
)


def _write(tmp_path: Path, text: str, name: str = "dz.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_policy_file_reads_as_written(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, GOOD))
    assert policy.partner == "partner:dz"
    assert policy.version == 3
    assert policy.kinds == ("incidents", "sector_status")
    assert policy.delay_s == 900.0
    assert policy.precision_m == 1000.0
    assert policy.covers("S01")
    assert not policy.covers("N01")
    assert not policy.covers(None)
    assert policy.strips("alert", "evidence")
    assert not policy.strips("alert", "summary")
    assert not policy.onward_release
    assert policy.released_incidents_only


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("precision_m = 1000", "precision_m = 1"), "precision_m"),
        (('kinds = ["incidents", "sector_status"]', 'kinds = ["incidents", "weather"]'), "kinds"),
        (('partner = "partner:dz"', 'partner = "army"'), "partner"),
        (("delay_s = 900", "delay_s = -5"), "delay_s"),
        (('"alert.evidence"]', '"incident.lat"]'), "strip[1]"),
        (("retention_days = 30", "retention_days = 0"), "retention_days"),
        (("onward_release = false", "onward_release = false\nshare_with = 1"), "share_with"),
        (("version = 3\n", ""), "version"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_field(
    tmp_path: Path, change: tuple[str, str], field: str
) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    with pytest.raises(ConfigError) as err:
        load_policy(_write(tmp_path, text))
    assert field in str(err.value)
    assert "dz.toml" in str(err.value)


def test_not_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not TOML"):
        load_policy(_write(tmp_path, "partner = "))


def test_two_policies_for_one_partner_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, "a.toml")
    _write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ConfigError, match="second policy"):
        load_policies(tmp_path)


def test_a_partner_without_a_file_gets_the_default(tmp_path: Path) -> None:
    policies = load_policies(tmp_path / "none")
    assert policies == {}
    assert policy_for(policies, "partner:ly") == DEFAULT_POLICY("partner:ly")
    _write(tmp_path, GOOD)
    assert policy_for(load_policies(tmp_path), "partner:dz").version == 3


def test_every_strippable_field_has_a_default_to_go_back_to() -> None:
    """Stripping sets a field to its default, which the wire leaves out; a required field
    could not be stripped, and would silently be sent."""
    import msgspec

    for cls, name in _NAME.items():
        if cls is SectorStatus:
            continue
        fields = {f.name: f for f in msgspec.structs.fields(cls)}
        for field in STRIPPABLE[name] - {"velocity"}:
            assert fields[field].default is not msgspec.NODEFAULT, f"{name}.{field}"


def test_the_exchange_opens_the_data_dirs_policies_and_refuses_a_bad_one(tmp_path: Path) -> None:
    from borderwatch.share import Exchange

    (tmp_path / "partners").mkdir()
    _write(tmp_path / "partners", GOOD)
    exchange = Exchange.open(tmp_path)
    assert exchange.policy("partner:dz").version == 3
    assert exchange.policy("partner:ly") == DEFAULT_POLICY("partner:ly")
    assert (tmp_path / "disclosures.sqlite").is_file()
    _write(tmp_path / "partners", GOOD.replace("partner:dz", "partner:ly"), "ly.toml")
    _write(tmp_path / "partners", "version = 1", "zz.toml")
    with pytest.raises(ConfigError, match=r"zz\.toml"):
        Exchange.open(tmp_path)


def test_a_sector_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace('"S02"', '"S2"'))
    assert load_policies(tmp_path)  # no sectors to check against: taken
    with pytest.raises(ConfigError, match=r"sectors\[1\]"):
        load_policies(tmp_path, known_sectors={"S01", "S02"})
