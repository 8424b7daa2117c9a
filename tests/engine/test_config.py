"""The engine's one settings file: the shipped one is the defaults, mistakes are named, and
the settings this file added each change what the engine does."""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest

from borderwatch.engine.bounds import MessageBounds
from borderwatch.engine.config import (
    Bounds,
    EngineConfig,
    PictureConfig,
    TimeConfig,
    default_config_text,
    load_config,
)
from borderwatch.engine.picture import Picture
from borderwatch.errors import ConfigError
from borderwatch.geo import load_border, load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import ClassLikelihood, Detection
from borderwatch.rules import BarrierLine
from borderwatch.rules.config import Approach, RulesConfig

EPOCH = 1_773_500_000_000_000_000


def test_the_shipped_file_states_every_default() -> None:
    assert load_config() == EngineConfig()
    shipped = msgspec.toml.decode(default_config_text().encode())
    # Every section and every setting is written out, not left to the code's defaults.
    defaults = msgspec.to_builtins(EngineConfig())
    assert _leaves(shipped) == _leaves(defaults)


def _leaves(d: dict[str, object], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for k, v in d.items():
        if isinstance(v, dict) and k != "heartbeat_s":
            out |= _leaves(v, f"{prefix}{k}.")
        else:
            out.add(prefix + k)
    return out


def test_a_commander_can_change_one_threshold(tmp_path: Path) -> None:
    path = tmp_path / "engine.toml"
    path.write_text("[rules.approach]\ndepth_m = 3000.0\n[rules.convoy]\nenabled = false\n")
    config = load_config(path)
    assert config.rules.approach.depth_m == 3000.0
    assert not config.rules.convoy.enabled
    assert config.rules.crossing == RulesConfig().crossing
    assert config.tracker == EngineConfig().tracker


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[rules.approach]\ndepht_m = 3000.0\n", "depht_m"),  # a typo is not ignored
        ("[rules.approach]\ndepth_m = -1.0\n", "depth_m"),
        ("[rules.crossing]\npriority = 7\n", "priority"),
        ("[rules.sensors]\nheartbeat_s = { radar = 0 }\n", "radar"),
        ("[tracker]\ngate_d2 = 0\n", "gate_d2"),
        ("[picture]\nwindow_s = -2\n", "window_s"),
        ("[time]\nskew_policy = 'ignore'\n", "skew_policy"),
        ("[bounds]\nradar_sigma_range_m = [10.0, 1.0]\n", "radar_sigma_range_m"),
        ("rules = 3\n", "rules"),
        ("[rules.approach\n", "line 1"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "engine.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=named):
        load_config(path)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


# -- each new setting changes behaviour ------------------------------------------------------
@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_layout(load_sites().in_sectors({"N03"}))


def _radar_plot(registry: Registry, seq: int, t_s: float, **kw: float) -> Detection:
    sid = sorted(registry.radars)[0]
    fields = {"range_m": 3000.0, "bearing_deg": 90.0, "sigma_range_m": 10.0}
    fields |= {"sigma_bearing_deg": 0.5, **kw}
    return Detection(
        sensor_id=sid,
        kind="radar",
        seq=seq,
        time_ns=EPOCH + round(t_s * 1e9),
        range_m=fields["range_m"],
        bearing_deg=fields["bearing_deg"],
        sigma_range_m=fields["sigma_range_m"],
        sigma_bearing_deg=fields["sigma_bearing_deg"],
        classes=ClassLikelihood(person=0.9, vehicle=0.1, animal=0.1, unknown=0.1),
    )


def _released(picture: Picture) -> int:
    return picture.window.counts.get("accepted", 0) - sum(
        len(b) for b in picture.window.bins.values()
    )


@pytest.mark.parametrize("window_s", [1.0, 4.0])
def test_the_reorder_window_decides_what_is_late(registry: Registry, window_s: float) -> None:
    picture = Picture(registry, EPOCH, EngineConfig(picture=PictureConfig(window_s=window_s)))
    picture.take(_radar_plot(registry, 1, 10.2), EPOCH + 10_200_000_000)
    picture.take(_radar_plot(registry, 2, 12.5), EPOCH + 12_500_000_000)
    # A plot 3 s late: inside a 4 s window, beyond a 1 s one (its second went out).
    picture.take(_radar_plot(registry, 3, 9.6), EPOCH + 12_600_000_000)
    late = picture.counts.get("late: beyond the reorder window", 0)
    assert late == (1 if window_s < 3 else 0)


@pytest.mark.parametrize("scene_s", [2.0, 10.0])
def test_the_scene_interval_sets_how_often_the_rules_judge(
    registry: Registry, scene_s: float
) -> None:
    picture = Picture(registry, EPOCH, EngineConfig(picture=PictureConfig(scene_s=scene_s)))
    for k in range(60):
        picture.take(_radar_plot(registry, k, float(k), range_m=3000.0 + 1.5 * k))
    list(picture.take_all([]))
    assert picture.next_snapshot == pytest.approx(scene_s * (1 + (60 - 1) // scene_s), abs=scene_s)


@pytest.mark.parametrize(("policy", "counted"), [("refuse", "rejected"), ("correct", "corrected")])
def test_the_skew_policy_refuses_or_corrects(registry: Registry, policy: str, counted: str) -> None:
    config = EngineConfig(time=TimeConfig(skew_s=5.0, skew_policy=policy))  # type: ignore[arg-type]
    picture = Picture(registry, EPOCH, config)
    picture.take(_radar_plot(registry, 1, 100.0), EPOCH + 60_000_000_000)  # 40 s ahead
    assert picture.counts[f"{counted}: time ahead of arrival"] == 1
    assert picture.window.counts.get("accepted", 0) == (1 if policy == "correct" else 0)


@pytest.mark.parametrize("skew_s", [1.0, 60.0])
def test_the_allowed_skew(registry: Registry, skew_s: float) -> None:
    picture = Picture(registry, EPOCH, EngineConfig(time=TimeConfig(skew_s=skew_s)))
    picture.take(_radar_plot(registry, 1, 100.0), EPOCH + 90_000_000_000)  # 10 s ahead
    assert picture.window.counts.get("accepted", 0) == (1 if skew_s > 10 else 0)


def test_max_before_log_refuses_a_clock_years_wrong(registry: Registry) -> None:
    for before, accepted in ((3600.0, 0), (10 * 86_400.0, 1)):
        picture = Picture(registry, EPOCH, EngineConfig(time=TimeConfig(max_before_log_s=before)))
        picture.take(_radar_plot(registry, 1, -86_400.0))
        assert picture.window.counts.get("accepted", 0) == accepted


@pytest.mark.parametrize(
    ("bounds", "plot", "code"),
    [
        (
            Bounds(radar_sigma_range_m=(1.0, 500.0)),
            {"sigma_range_m": 1e-300},
            "sigma_out_of_bounds",
        ),
        (
            Bounds(radar_sigma_bearing_deg=(0.01, 20.0)),
            {"sigma_bearing_deg": 45.0},
            "sigma_out_of_bounds",
        ),
        (Bounds(radar_range_margin=1.0), {"range_m": 19_000.0}, "range_beyond_radar"),
    ],
)
def test_the_bounds_settings_decide_what_is_refused(
    registry: Registry, bounds: Bounds, plot: dict[str, float], code: str
) -> None:
    det = _radar_plot(registry, 1, 0.0, **plot)
    assert MessageBounds.of(registry, bounds).check(det) is not None
    assert MessageBounds.of(registry, bounds).check(det).code == code  # type: ignore[union-attr]
    loose = Bounds(
        radar_sigma_range_m=(1e-301, 1e6),
        radar_sigma_bearing_deg=(0.001, 90.0),
        radar_range_margin=2.0,
    )
    assert MessageBounds.of(registry, loose).check(det) is None


def test_margin_km_sets_the_area_watched(registry: Registry) -> None:
    tight = MessageBounds.of(registry, Bounds(margin_km=1.0)).area
    wide = MessageBounds.of(registry, Bounds(margin_km=300.0)).area
    assert wide.lat_max - tight.lat_max == pytest.approx(299 / 111.32)


def test_approach_horizon_reaches_the_barrier_search() -> None:
    """`approach.horizon_s` was ignored by the barrier search (fixed 3600 s): a slow walker
    2 h out was never on course, whatever the setting."""
    border = load_border()
    barrier = BarrierLine(border)
    bx, by = np.asarray(border.berm.interpolate(0.5, normalized=True).coords[0])
    # A walker 7 km east of the berm's middle (Libya), walking west at 0.8 m/s: over 2 h.
    for horizon, reaches in ((3600.0, False), (4 * 3600.0, True)):
        rules = RulesConfig(approach=Approach(horizon_s=horizon))
        reach = barrier.reach(
            np.array([bx + 7000.0]),
            np.array([by]),
            np.array([-0.8]),
            np.array([0.0]),
            horizon_s=rules.approach.horizon_s,
        )
        assert bool(np.isfinite(reach.eta_s[0])) == reaches
