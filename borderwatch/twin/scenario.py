"""Scenarios: small TOML files a user can copy and edit, parsed once into frozen Structs.

A scenario says where (sectors), when (start, hours), who moves (mover specs by kind), the
weather and the faults. Unknown keys are errors, so a typo is caught, not ignored; an error
names the file and the field (`movers[2].group_size`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import msgspec.structs

from borderwatch.errors import ConfigError

__all__ = [
    "LIBRARY",
    "TACTIC_SPECS",
    "Camels",
    "Convoys",
    "CrawlCrossers",
    "DecoyCrossers",
    "Fault",
    "FootSmugglers",
    "HerdCrossers",
    "Infiltrators",
    "MoverSpec",
    "OutageCrossers",
    "Patrols",
    "RandomFaults",
    "Scenario",
    "Storm",
    "StormCrossers",
    "Traffic",
    "UnwatchedCrossers",
    "Wildlife",
    "library",
    "load_scenario",
]

LIBRARY = Path(__file__).parent / "scenarios"

Count = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
Pos = Annotated[float, msgspec.Meta(gt=0.0)]
NonNeg = Annotated[float, msgspec.Meta(ge=0.0)]
Frac = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Hours = Annotated[float, msgspec.Meta(gt=0.0, le=24.0 * 14)]
SizeRange = tuple[
    Annotated[int, msgspec.Meta(ge=1, le=500)], Annotated[int, msgspec.Meta(ge=1, le=500)]
]
SpeedRange = tuple[Pos, Pos]


class _Spec(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"
):
    """Base of every mover spec: which sectors (default: the scenario's) they use."""

    sectors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for f in msgspec.structs.fields(self):
            value = getattr(self, f.name)
            if (
                isinstance(value, tuple)
                and len(value) == 2
                and all(isinstance(v, int | float) for v in value)
                and value[0] > value[1]
            ):
                raise ValueError(f"`{f.name}` is a range [low, high] but low > high: {value}")


class FootSmugglers(_Spec, frozen=True, tag="foot_smugglers"):
    """Groups on foot carrying goods across: walk, pause, crawl near the berm, cross, go on."""

    groups: Count = 4
    group_size: SizeRange = (1, 6)
    walk_mps: SpeedRange = (1.0, 1.6)
    crawl_mps: Pos = 0.3
    night_preference: Frac = 0.8
    abort_probability: Frac = 0.15
    pauses: tuple[Count, Count] = (0, 3)


class Infiltrators(FootSmugglers, frozen=True, tag="infiltrators"):
    """Armed groups: the same behaviour on foot, but larger, faster, at night only, with fewer
    pauses and fewer second thoughts. Only the defaults differ."""

    groups: Count = 1
    group_size: SizeRange = (3, 8)
    walk_mps: SpeedRange = (1.3, 1.8)
    night_preference: Frac = 1.0
    abort_probability: Frac = 0.05
    pauses: tuple[Count, Count] = (0, 1)


class Convoys(_Spec, frozen=True, tag="convoys"):
    """4x4 convoys: drive at the berm; through a breach if one is in reach, else stop short and
    send porters across on foot."""

    convoys: Count = 2
    vehicles: SizeRange = (2, 6)
    speed_mps: SpeedRange = (8.0, 20.0)
    porters: SizeRange = (2, 4)
    use_breach_probability: Frac = 0.5
    night_preference: Frac = 0.7


class Camels(_Spec, frozen=True, tag="camels"):
    """Camel herds grazing near the berm by day; they rarely cross."""

    herds: Count = 2
    herd_size: SizeRange = (20, 60)
    cross_probability: Frac = 0.05
    day_hours: tuple[NonNeg, NonNeg] = (6.5, 18.5)


class Wildlife(_Spec, frozen=True, tag="wildlife"):
    """Jackals and dogs: small, fast, erratic, mostly at night; they cross when they like."""

    animals: Count = 10
    dog_fraction: Frac = 0.3
    cross_probability: Frac = 0.3


class Patrols(_Spec, frozen=True, tag="patrols"):
    """Friendly vehicle patrols on the patrol road behind the barrier, reporting every 10 s;
    they drive between observation posts and hold each for 15-60 min."""

    per_sector: Count = 1
    speed_mps: SpeedRange = (6.0, 14.0)
    report_s: Pos = 10.0
    agency: str = "national_guard"


class Traffic(_Spec, frozen=True, tag="traffic"):
    """Road traffic through a legal crossing, both ways, queueing at the post."""

    crossing: Literal["ras-ajdir", "dehiba-wazen"] = "ras-ajdir"
    day_per_hour: NonNeg = 40.0
    night_per_hour: NonNeg = 8.0
    queue_minutes: SpeedRange = (5.0, 45.0)


class _TacticGroups(FootSmugglers, frozen=True):
    """What every adversary tactic shares with plain groups on foot; a tactic is chosen to
    get across, so its groups do not turn back by default."""

    abort_probability: Frac = 0.0


class OutageCrossers(_TacticGroups, frozen=True, tag="outage_crossers"):
    """Groups that cross into a sensor outage they wait for (or an accomplice makes): a
    tower down (radar and camera: its power cut), a camera down, the fibre cut (it reports
    the cut), a ground sensor dug up and carried off (it just goes quiet). Each group's
    outage is drawn with it (`twin.conditions`); the group waits out of sight, starts
    walking in `wait_minutes` after the outage begins, and crosses where the missing sensor
    watched. A scenario's outages come one at a time, each in its own slot of the run."""

    outage: Literal["tower", "camera", "fibre", "ugs"] = "tower"
    outage_hours: SpeedRange = (1.25, 1.75)
    wait_minutes: SpeedRange = (2.0, 20.0)


class HerdCrossers(_TacticGroups, frozen=True, tag="herd_crossers"):
    """People walking inside a camel herd as it grazes towards the berm, at the herd's pace
    and with its stops, who leave it a few hundred metres out and cross."""

    herd_size: SizeRange = (20, 50)
    herd_mps: SpeedRange = (0.15, 0.6)
    group_size: SizeRange = (1, 3)
    night_preference: Frac = 0.0
    break_out_m: SpeedRange = (150.0, 450.0)


class CrawlCrossers(_TacticGroups, frozen=True, tag="crawl_crossers"):
    """Stop-and-go movers on tangential paths: each leg is steered across the beam of the
    radars that can see it, slowed until its radial speed is under their minimum detectable
    velocity (never below a crawl), and every few hundred metres they lie still for minutes."""

    leg_m: SpeedRange = (200.0, 700.0)
    stop_minutes: SpeedRange = (2.0, 10.0)
    start_m: SpeedRange = (1500.0, 3500.0)


class StormCrossers(_TacticGroups, frozen=True, tag="storm_crossers"):
    """Groups that time their crossing into the worst of a dust storm over their sector."""


class UnwatchedCrossers(_TacticGroups, frozen=True, tag="unwatched_crossers"):
    """Groups that cross where no radar reaches a person (only the fibre and ground sensors
    watch there) and come in through ground no radar reaches, as far as there is any."""


class DecoyCrossers(_TacticGroups, frozen=True, tag="decoy_crossers"):
    """A feint at one place (`feint`: a few people who go up to the berm, work at it, and go
    back; `animals`: dogs driven at the berm) while the group crosses `separation_m` away
    along it, `lag_minutes` after the decoy reaches the berm."""

    decoy: Literal["feint", "animals"] = "feint"
    decoy_size: SizeRange = (1, 3)
    separation_m: SpeedRange = (4000.0, 12000.0)
    lag_minutes: SpeedRange = (3.0, 20.0)


TACTIC_SPECS = (
    OutageCrossers,
    HerdCrossers,
    CrawlCrossers,
    StormCrossers,
    UnwatchedCrossers,
    DecoyCrossers,
)
MoverSpec = (
    FootSmugglers
    | Infiltrators
    | Convoys
    | Camels
    | Wildlife
    | Patrols
    | Traffic
    | OutageCrossers
    | HerdCrossers
    | CrawlCrossers
    | StormCrossers
    | UnwatchedCrossers
    | DecoyCrossers
)


class Storm(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A dust storm: cuts radar and camera range, raises clutter and ground-sensor nuisance."""

    start_h: NonNeg
    hours: Pos
    severity: Frac = 0.7
    sectors: tuple[str, ...] = ()


class Fault(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A scheduled fault of one sensor (`T03-R` radar, `T03-C` camera, `LS-N02`, `U-N02-1`)."""

    sensor: str
    kind: Literal["outage", "degraded", "tampered"]
    start_h: NonNeg
    hours: Pos


class RandomFaults(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Faults drawn at random: rate per sensor per day, duration range in hours."""

    per_sensor_day: NonNeg = 0.0
    hours: SpeedRange = (0.5, 4.0)


class Scenario(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One scenario. `sectors = ["all"]` means every sector; `sites` is `default` or a path to
    a site layout GeoJSON, relative to the scenario file."""

    name: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9\-]*$")]
    description: str = ""
    start: datetime
    hours: Hours = 8.0
    sectors: tuple[str, ...] = ("all",)
    sites: str = "default"
    clutter_scale: NonNeg = 1.0
    movers: tuple[MoverSpec, ...] = ()
    storms: tuple[Storm, ...] = ()
    faults: tuple[Fault, ...] = ()
    random_faults: RandomFaults = RandomFaults()

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("`start` needs a time zone, e.g. 2026-03-14T19:00:00Z")

    @property
    def start_ns(self) -> int:
        """Scenario start, UTC ns."""
        return int(self.start.astimezone(UTC).timestamp()) * 1_000_000_000


_INDEX = re.compile(r"\$\.([a-z_]+)\[(\d+)\]")


def _field_path(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    text = _INDEX.sub(lambda m: f"`{m.group(1)}[{m.group(2)}]", text)
    return text.replace("`$.", "`").replace("``", "`")


def parse_scenario(data: bytes | str, source: str) -> Scenario:
    """Parse TOML scenario text; ConfigError names the field and the reason."""
    try:
        return msgspec.toml.decode(data, type=Scenario)
    except msgspec.ValidationError as exc:
        raise ConfigError(source, _field_path(exc)) from exc
    except msgspec.DecodeError as exc:
        raise ConfigError(source, f"not valid TOML: {exc}") from exc


def library() -> dict[str, Path]:
    """The built-in scenarios by name."""
    return {p.stem: p for p in sorted(LIBRARY.glob("*.toml"))}


def load_scenario(name_or_path: str | Path) -> tuple[Scenario, Path]:
    """A library scenario by name, or a scenario file by path; returns it and its file."""
    lib = library()
    path = lib.get(str(name_or_path)) or Path(name_or_path)
    if not path.is_file():
        known = ", ".join(lib)
        raise ConfigError(str(name_or_path), f"no such scenario file or library name ({known})")
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(str(path), f"cannot read: {exc}") from exc
    return parse_scenario(text, str(path)), path
