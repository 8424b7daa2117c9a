"""The world a scenario runs in: its sectors, sites and geometry, in UTM metres, plus the
seeded random streams every part of the twin draws from."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from shapely.geometry import LineString

from borderwatch.errors import ConfigError
from borderwatch.geo.border import Border, load_border
from borderwatch.geo.lines import line_frame
from borderwatch.geo.roads import PATROL_ROAD_OFFSET_M, patrol_road
from borderwatch.geo.sectors import Sector, build_sectors
from borderwatch.geo.sites import Layout, load_sites
from borderwatch.twin.scenario import Scenario

__all__ = ["PATROL_ROAD_OFFSET_M", "World", "build_world", "rng_for"]


def rng_for(seed: int, *keys: int | str) -> np.random.Generator:
    """An independent random stream for (seed, keys). Streams do not depend on the order in
    which parts of the twin run, so adding a sensor does not change the movers.
    Strings are hashed with CRC-32 (Python's own `hash` is salted per process)."""
    ints = [k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys]
    return np.random.default_rng(np.random.SeedSequence([seed, *ints]))


@dataclass(frozen=True, slots=True)
class World:
    """Geometry for one scenario run."""

    border: Border
    sectors: tuple[Sector, ...]
    layout: Layout
    sites_source: str

    @property
    def sector_ids(self) -> tuple[str, ...]:
        """Ids of the scenario's sectors, in order."""
        return tuple(s.id for s in self.sectors)

    @property
    def watch_km(self) -> float:
        """Length of watch line watched in this scenario, km."""
        return sum(s.length_m for s in self.sectors) / 1000.0

    def patrol_road(self, sector: Sector) -> LineString:
        """The patrol road: the sector's watch line moved inward (Tunisian side); the one
        definition dispatch routes on too (`borderwatch.geo.roads`)."""
        return patrol_road(sector)

    def frame(self, sector: Sector, s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Point, tangent and left (Libyan-side) normal at `s` metres along the sector's line."""
        return line_frame(sector.line, s)


def build_world(scenario: Scenario, scenario_file: Path | None) -> World:
    """Resolve the scenario's sectors and site layout."""
    border = load_border()
    all_sectors = build_sectors(border)
    known = {s.id for s in all_sectors}
    source = str(scenario_file) if scenario_file is not None else scenario.name
    # Every sector the file names, wherever it names it: a typo is an error, not a silent
    # fallback to the scenario's sectors (movers) or to no sector at all (storms).
    named = [("sectors", scenario.sectors)]
    named += [(f"movers[{i}].sectors", m.sectors) for i, m in enumerate(scenario.movers)]
    named += [(f"storms[{i}].sectors", s.sectors) for i, s in enumerate(scenario.storms)]
    for field, ids in named:
        unknown = [s for s in ids if s not in known and s != "all"]
        if unknown:
            raise ConfigError(
                source, f"`{field}`: unknown sector(s) {unknown}; known: {sorted(known)}"
            )
    if "all" in scenario.sectors:
        chosen = all_sectors
    else:
        chosen = tuple(s for s in all_sectors if s.id in set(scenario.sectors))
    if scenario.sites == "default":
        layout = load_sites()
    else:
        base = scenario_file.parent if scenario_file is not None else Path.cwd()
        layout = load_sites(base / scenario.sites)
    sensors = {s.id for s in (*layout.line_sensors, *layout.ugs)}
    for t in layout.towers:
        for part, suffix in (("radar", "-R"), ("camera", "-C")):
            if getattr(t.spec, part, None) is not None:
                sensors.add(t.id + suffix)
    for i, f in enumerate(scenario.faults):
        if f.sensor not in sensors:
            raise ConfigError(
                source,
                f"`faults[{i}].sensor`: no sensor {f.sensor!r} in {Path(layout.source).name}",
            )
    layout = layout.in_sectors({s.id for s in chosen})
    return World(border, chosen, layout, Path(layout.source).name)
