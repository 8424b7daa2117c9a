"""The rules' settings: the `[rules.*]` sections of the engine's one settings file
(`borderwatch/engine/default.toml`, read by `engine.config.load_config`).

Every field has a unit in its name or its comment there; an unknown or ill-typed field is an
error naming it, so a typo never silently leaves a default in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal, get_args

import msgspec

from borderwatch.errors import ConfigError

__all__ = ["IMPACT_LEVELS", "ImpactLevel", "RulesConfig", "Sections"]

ImpactLevel = Literal["low", "medium", "high", "critical"]
IMPACT_LEVELS: tuple[ImpactLevel, ...] = get_args(ImpactLevel)

Pos = Annotated[float, msgspec.Meta(gt=0.0)]
Priority = Annotated[int, msgspec.Meta(ge=1, le=4)]
Count = Annotated[int, msgspec.Meta(ge=1)]


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class Classes(_Section, frozen=True):
    threat_min: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.6


class Tracks(_Section, frozen=True):
    min_age_s: Annotated[float, msgspec.Meta(ge=0.0)] = 30.0
    min_hits: Count = 10
    corridor_margin_m: Annotated[float, msgspec.Meta(ge=0.0)] = 200.0


class Approach(_Section, frozen=True):
    enabled: bool = True
    depth_m: Pos = 6000.0
    min_closing_mps: Pos = 0.3
    horizon_s: Pos = 3600.0
    min_age_s: Annotated[float, msgspec.Meta(ge=0.0)] = 60.0
    min_hits: Count = 10
    max_fix_age_s: Pos = 10.0
    priority_person: Priority = 2
    priority_vehicle: Priority = 1


class Crossing(_Section, frozen=True):
    enabled: bool = True
    min_depth_m: Annotated[float, msgspec.Meta(ge=0.0)] = 20.0
    max_fix_age_s: Pos = 10.0
    priority: Priority = 1


class LineBreach(_Section, frozen=True):
    enabled: bool = True
    confirm_radius_m: Pos = 200.0
    confirm_window_s: Pos = 60.0
    expect_depth_m: Pos = 1000.0
    expect_radius_m: Pos = 500.0
    expect_window_s: Pos = 1800.0
    repeat_radius_m: Pos = 500.0
    repeat_window_s: Pos = 600.0
    priority: Priority = 1
    camera_confirms: bool = True
    bearing_tolerance_m: Pos = 60.0
    degraded_mode: bool = True
    degraded_priority: Priority = 2
    degraded_window_s: Pos = 300.0
    outage_threat_min: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.0
    ours_radius_m: Pos = 100.0
    stretch_m: Annotated[float, msgspec.Meta(ge=10.0, le=5000.0)] = 100.0


class Loitering(_Section, frozen=True):
    enabled: bool = True
    zone_m: Pos = 1000.0
    radius_m: Pos = 300.0
    dwell_s: Pos = 600.0
    priority: Priority = 3


class Convoy(_Section, frozen=True):
    enabled: bool = True
    min_vehicles: Annotated[int, msgspec.Meta(ge=2)] = 3
    spacing_m: Pos = 1000.0
    min_speed_mps: Pos = 2.0
    speed_tolerance_mps: Pos = 5.0
    depth_m: Pos = 8000.0
    priority: Priority = 1


class Sightings(_Section, frozen=True):
    enabled: bool = True
    gate_deg: Pos = 1.0
    turn_dps: Annotated[float, msgspec.Meta(ge=0.0)] = 0.1
    lost_s: Pos = 60.0
    evidence_weight: Annotated[float, msgspec.Meta(gt=0.0, le=1.0)] = 0.5
    class_floor: Pos = 6.0
    threat_min: Annotated[float, msgspec.Meta(ge=0.5, le=1.0)] = 0.9
    min_seen_s: Annotated[float, msgspec.Meta(ge=0.0)] = 60.0
    min_bearings: Count = 5
    plot_tolerance_m: Pos = 60.0
    plot_window_s: Pos = 10.0
    plots_kept_s: Pos = 300.0
    min_plots: Annotated[int, msgspec.Meta(ge=2)] = 3
    cluster_m: Pos = 300.0
    explained_m: Pos = 300.0
    unlike_threat_max: Annotated[float, msgspec.Meta(ge=0.0, le=0.5)] = 0.1
    depth_m: Pos = 6000.0
    inside_m: Annotated[float, msgspec.Meta(ge=0.0)] = 2000.0
    realert_s: Pos = 900.0
    priority_person: Priority = 2
    priority_vehicle: Priority = 1


class Heartbeats(_Section, frozen=True):
    radar: Pos = 60.0
    camera: Pos = 60.0
    line: Pos = 60.0
    ugs: Pos = 300.0


class Sensors(_Section, frozen=True):
    enabled: bool = True
    heartbeat_s: Heartbeats = Heartbeats()
    missed_heartbeats: Count = 3
    expect_unheard: bool = False
    priority_tampered: Priority = 1
    priority_down: Priority = 2
    priority_degraded: Priority = 3


class SectorQuiet(_Section, frozen=True):
    enabled: bool = True
    quiet_s: Pos = 900.0
    priority: Priority = 2


class Incidents(_Section, frozen=True):
    merge_radius_m: Pos = 1500.0
    merge_window_s: Pos = 3600.0


class Alarms(_Section, frozen=True):
    shelve_max_s: Pos = 28800.0
    rollup_window_s: Pos = 600.0
    rollup_min: Annotated[int, msgspec.Meta(ge=2)] = 3
    load_window_s: Pos = 600.0
    sectors_per_position: Count = 4
    standing_s: Pos = 1800.0
    chatter_window_s: Pos = 600.0
    chatter_min: Annotated[int, msgspec.Meta(ge=2)] = 3


Shift = Annotated[int, msgspec.Meta(ge=-3, le=3)]


class Sections(_Section, frozen=True):
    """Each sector's section impact level, as EUROSUR attributes one to each border section
    (Regulation (EU) 2019/1896, Art. 34: by risk analysis, set by the authority, not by what
    the picture sees today), and how far it moves an intrusion alert's priority there: a
    section rated high gets its approaches one step sooner (P2 -> P1), one rated low one step
    later. A P1 stays P1 anywhere (`keep_p1`): a crossing under way never waits on a rating."""

    impact: dict[str, ImpactLevel] = msgspec.field(default_factory=dict)  # by sector id
    default: ImpactLevel = "medium"  # a sector not listed
    low: Shift = 1
    medium: Shift = 0
    high: Shift = -1
    critical: Shift = -2
    keep_p1: bool = True

    def check(self, sectors: Iterable[str]) -> None:
        """`ConfigError` naming any listed sector that is not one of `sectors`."""
        unknown = sorted(set(self.impact) - set(sectors))
        if unknown:
            raise ConfigError("rules.sections.impact", f"no such sectors: {', '.join(unknown)}")

    def level(self, sector: str | None) -> ImpactLevel:
        """The sector's designated level (`default` if not listed, or no sector)."""
        return self.impact.get(sector or "", self.default)

    def priority(self, priority: int, sector: str | None) -> int:
        """An intrusion alert's `priority` as its sector's level moves it, within P1-P4."""
        if priority == 1 and self.keep_p1:
            return 1
        shift: int = getattr(self, self.level(sector))
        return min(4, max(1, priority + shift))


class RulesConfig(_Section, frozen=True):
    """Every rule's settings; see `engine/default.toml` for what each means."""

    classes: Classes = Classes()
    tracks: Tracks = Tracks()
    approach: Approach = Approach()
    crossing: Crossing = Crossing()
    line_breach: LineBreach = LineBreach()
    sightings: Sightings = Sightings()
    loitering: Loitering = Loitering()
    convoy: Convoy = Convoy()
    sensors: Sensors = Sensors()
    sector_quiet: SectorQuiet = SectorQuiet()
    incidents: Incidents = Incidents()
    alarms: Alarms = Alarms()
    sections: Sections = Sections()
