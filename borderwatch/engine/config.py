"""The engine's settings: one TOML file a commander can read (`default.toml` beside this,
shipped inside the package so an installed wheel has it).

`[picture]` the reorder window and the scene interval, `[time]` what admission and the engine
accept of a sender's clock, `[bounds]` the physical bounds on what a message may say,
`[tracker]` how detections become tracks, `[rules.*]` what raises an alarm. Every field has a
unit in its name or its comment there; an unknown or ill-typed field is an error naming it,
so a typo never silently leaves a default in force.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.fusion.tracker import TrackerConfig
from borderwatch.rules.config import RulesConfig

__all__ = [
    "EVENT_CLOCK",
    "Bounds",
    "EngineConfig",
    "PictureConfig",
    "TimeConfig",
    "default_config_text",
    "load_config",
]

Pos = Annotated[float, msgspec.Meta(gt=0.0)]
NonNeg = Annotated[float, msgspec.Meta(ge=0.0)]


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class PictureConfig(_Section, frozen=True):
    """The reorder window and how often the rules judge the tracks."""

    window_s: Annotated[float, msgspec.Meta(ge=0.0, le=60.0)] = 2.0
    scene_s: Annotated[float, msgspec.Meta(ge=1.0, le=60.0)] = 5.0


class TimeConfig(_Section, frozen=True):
    """What is believed of a sender's clock."""

    # "arrival": the service's clock (when each message arrived, logged with it) releases the
    # reorder window; "event": the newest event time does, for loading a recorded run in bulk
    # (never for live sensors: a sender's stamps would move the picture's clock).
    clock: Literal["arrival", "event"] = "arrival"
    max_ahead_s: Pos = 30.0
    max_before_log_s: Pos = 3600.0
    skew_s: Pos = 5.0
    skew_policy: Literal["refuse", "correct"] = "refuse"


Range = tuple[Pos, Pos]


class Bounds(_Section, frozen=True):
    """Physical bounds on every number a message carries (see `engine.bounds`)."""

    margin_km: NonNeg = 100.0
    radar_sigma_range_m: Range = (1.0, 500.0)
    radar_sigma_bearing_deg: Range = (0.01, 20.0)
    radar_range_margin: Annotated[float, msgspec.Meta(ge=1.0)] = 1.5
    camera_sigma_bearing_deg: Range = (0.01, 20.0)
    position_sigma_m: Range = (0.5, 20_000.0)
    max_correlation: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)] = 0.999
    min_likelihood: Annotated[float, msgspec.Meta(gt=0.0, le=1.0)] = 1e-6


class EngineConfig(_Section, frozen=True):
    """Every setting of the engine; see `default.toml` for what each means."""

    picture: PictureConfig = PictureConfig()
    time: TimeConfig = TimeConfig()
    bounds: Bounds = Bounds()
    tracker: TrackerConfig = TrackerConfig()
    rules: RulesConfig = RulesConfig()

    def __post_init__(self) -> None:
        b = self.bounds
        for name in (
            "radar_sigma_range_m",
            "radar_sigma_bearing_deg",
            "camera_sigma_bearing_deg",
            "position_sigma_m",
        ):
            lo, hi = getattr(b, name)
            if not lo < hi:
                raise ValueError(f"bounds.{name}: the low end {lo} must be below the high {hi}")


# The defaults, but with the event clock: for loading a recorded run in bulk (tests, tools).
EVENT_CLOCK = EngineConfig(time=TimeConfig(clock="event"))


def default_config_text() -> str:
    """The shipped settings file, as text (from the installed package)."""
    return resources.files("borderwatch.engine").joinpath("default.toml").read_text("utf-8")


def load_config(path: Path | str | None = None) -> EngineConfig:
    """The settings file at `path` (the shipped defaults if None); `ConfigError` names what
    is wrong and where."""
    where = str(path) if path is not None else "borderwatch/engine/default.toml"
    try:
        data = Path(path).read_bytes() if path is not None else default_config_text().encode()
    except OSError as exc:
        raise ConfigError(where, f"cannot read: {exc.strerror or exc}") from exc
    try:
        return msgspec.toml.decode(data, type=EngineConfig)
    except (msgspec.DecodeError, ValueError) as exc:
        raise ConfigError(where, str(exc)) from exc
