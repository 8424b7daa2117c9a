"""What the sensors work in: daylight, dust storms, and the faults of each sensor.

All times are seconds from the scenario start. Local time is Tunisia's (UTC+1, no DST).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from typing import Literal

import numpy as np
import numpy.typing as npt

from borderwatch.arrays import FloatArray
from borderwatch.geo.sectors import Sector
from borderwatch.geo.sites import Site
from borderwatch.twin.scenario import OutageCrossers, Scenario
from borderwatch.twin.world import World, rng_for

__all__ = ["Conditions", "FaultWindow", "PlannedOutage", "SensorState", "build_conditions"]

LOCAL_UTC_OFFSET_H = 1.0
SUNRISE_H, SUNSET_H = 6.5, 18.5
STORM_RAMP_S = 1200.0
TAMPER_REPORT_S = 120.0
SensorState = Literal["ok", "degraded", "down", "tampered"]
FaultKind = Literal["outage", "degraded", "tampered"]
FAULT_KINDS: tuple[FaultKind, ...] = ("outage", "degraded", "tampered")


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """One fault of one sensor, from `start` to `end` seconds."""

    sensor_id: str
    kind: FaultKind
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class PlannedOutage:
    """The outage one group of `OutageCrossers` waits for: the sensors it silences, from
    `start` to `end` seconds, in `sector`, and where along that sector's watch line (m) the
    group will cross, the stretch the silent sensor watched."""

    sector: str
    sensors: tuple[str, ...]
    start: float
    end: float
    along_m: float


@dataclass(frozen=True, slots=True)
class StormWindow:
    """A dust storm over some sectors."""

    start: float
    end: float
    severity: float
    sectors: frozenset[str]


@dataclass(slots=True)
class Conditions:
    """Daylight, storms and faults for one run."""

    start_hour_local: float
    storms: tuple[StormWindow, ...]
    faults: dict[str, list[FaultWindow]] = field(default_factory=dict)
    # (index of the OutageCrossers spec in the scenario, group number) -> its outage.
    planned: dict[tuple[int, int], PlannedOutage] = field(default_factory=dict)

    def local_hour(self, t: FloatArray | float) -> FloatArray:
        """Local clock hour in [0, 24) at scenario time `t` (s)."""
        return np.mod(self.start_hour_local + np.asarray(t, float) / 3600.0, 24.0)

    def is_night(self, t: FloatArray | float) -> npt.NDArray[np.bool_]:
        """True between sunset and sunrise, local time."""
        h = self.local_hour(t)
        return (h < SUNRISE_H) | (h >= SUNSET_H)

    def storm(self, sector_id: str, t: FloatArray | float) -> FloatArray:
        """Dust-storm severity in [0, 1] over a sector at times `t`, ramping in and out."""
        t = np.asarray(t, float)
        sev = np.zeros(t.shape)
        for s in self.storms:
            if sector_id in s.sectors:
                ramp = np.clip(np.minimum(t - s.start, s.end - t) / STORM_RAMP_S, 0.0, 1.0)
                sev = np.maximum(sev, s.severity * ramp)
        return sev

    def state(self, sensor_id: str, t: FloatArray | float) -> npt.NDArray[np.str_]:
        """The sensor's condition at times `t`: ok, degraded, down or tampered.

        A tampered sensor reports `tampered` for two minutes and is then down until repaired.
        """
        t = np.asarray(t, float)
        out = np.full(t.shape, "ok", dtype="<U8")
        for f in self.faults.get(sensor_id, ()):
            inside = (t >= f.start) & (t < f.end)
            if f.kind == "degraded":
                out[inside & (out == "ok")] = "degraded"
            elif f.kind == "outage":
                out[inside] = "down"
            else:
                out[inside] = "down"
                out[inside & (t < f.start + TAMPER_REPORT_S)] = "tampered"
        return out

    def working(
        self, sensor_id: str, t: FloatArray
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """(detects, degraded) masks at times `t`: a sensor detects when ok or degraded."""
        if sensor_id not in self.faults:
            return np.ones(t.shape, bool), np.zeros(t.shape, bool)
        st = self.state(sensor_id, t)
        return (st == "ok") | (st == "degraded"), st == "degraded"


def sensor_ids(world: World) -> list[str]:
    """Every sensor of the world's layout, by the id it sends with."""
    ids: list[str] = []
    for site in world.layout.towers:
        spec = site.spec
        if getattr(spec, "radar", None) is not None:
            ids.append(f"{site.id}-R")
        if getattr(spec, "camera", None) is not None:
            ids.append(f"{site.id}-C")
    ids += [s.id for s in world.layout.line_sensors]
    ids += [s.id for s in world.layout.ugs]
    return ids


def build_conditions(scenario: Scenario, world: World, seed: int, duration_s: float) -> Conditions:
    """Storms and faults from the scenario, plus the random faults it asks for."""
    start_local = scenario.start.astimezone(UTC)
    start_hour = (start_local.hour + start_local.minute / 60.0 + LOCAL_UTC_OFFSET_H) % 24.0
    all_ids = set(world.sector_ids)
    storms = tuple(
        StormWindow(
            s.start_h * 3600.0,
            (s.start_h + s.hours) * 3600.0,
            s.severity,
            frozenset(s.sectors) & all_ids
            if s.sectors and "all" not in s.sectors
            else frozenset(all_ids),
        )
        for s in scenario.storms
    )
    faults: dict[str, list[FaultWindow]] = {}
    for f in scenario.faults:
        faults.setdefault(f.sensor, []).append(
            FaultWindow(f.sensor, f.kind, f.start_h * 3600.0, (f.start_h + f.hours) * 3600.0)
        )
    rate = scenario.random_faults.per_sensor_day
    if rate > 0:
        lo, hi = scenario.random_faults.hours
        for sid in sensor_ids(world):
            rng = rng_for(seed, "fault", sid)
            n = rng.poisson(rate * duration_s / 86400.0)
            for _ in range(n):
                start = rng.uniform(0.0, duration_s)
                # A radar's faults are outages; the others can also degrade or be tampered.
                kind = FAULT_KINDS[
                    0 if sid.endswith("-R") else int(rng.choice(3, p=[0.6, 0.3, 0.1]))
                ]
                faults.setdefault(sid, []).append(
                    FaultWindow(sid, kind, start, start + rng.uniform(lo, hi) * 3600.0)
                )
    planned: dict[tuple[int, int], PlannedOutage] = {}
    # One outage at a time: each group's outage falls in its own slot of the run, so that a
    # crossing labelled with the outage it waited for did not also get a second one for free.
    groups = [
        (index, k)
        for index, spec in enumerate(scenario.movers)
        if isinstance(spec, OutageCrossers)
        for k in range(spec.groups)
    ]
    slot = duration_s / max(len(groups), 1)
    for n, (index, k) in enumerate(groups):
        spec = scenario.movers[index]
        assert isinstance(spec, OutageCrossers)
        rng = rng_for(seed, "tactic-outage", index, k)
        plan = _plan_outage(spec, world, rng, n * slot, slot)
        if plan is None:
            continue
        planned[(index, k)] = plan
        how: FaultKind = "tampered" if spec.outage == "fibre" else "outage"
        for sid in plan.sensors:
            faults.setdefault(sid, []).append(FaultWindow(sid, how, plan.start, plan.end))
    for windows in faults.values():
        windows.sort(key=lambda w: (w.start, w.end))
    return Conditions(start_hour, storms, faults, planned)


# Where an outage leaves a gap, by what failed: a tower or its camera watches the berm in
# front of it; a ground sensor, the few hundred metres of wadi it sits in; the fibre, its
# whole sector.
_ALONG_SPREAD_M = {"tower": 1500.0, "camera": 1500.0, "ugs": 150.0}


def _outage_candidates(spec: OutageCrossers, world: World) -> list[tuple[Site, tuple[str, ...]]]:
    """The sites whose failure this tactic waits for, with the sensor ids that go silent."""
    layout = world.layout
    ids = set(spec.sectors) & set(world.sector_ids) or set(world.sector_ids)
    out: list[tuple[Site, tuple[str, ...]]] = []
    if spec.outage in ("tower", "camera"):
        for site in layout.towers:
            has_r = getattr(site.spec, "radar", None) is not None
            has_c = getattr(site.spec, "camera", None) is not None
            sensors = (f"{site.id}-R",) * has_r + (f"{site.id}-C",) * has_c
            if spec.outage == "camera":
                sensors = (f"{site.id}-C",) * has_c
            if sensors:
                out.append((site, sensors))
    else:
        sites = layout.line_sensors if spec.outage == "fibre" else layout.ugs
        out = [(site, (site.id,)) for site in sites]
    return [(site, sensors) for site, sensors in out if getattr(site.spec, "sector", "") in ids]


def _plan_outage(
    spec: OutageCrossers, world: World, rng: np.random.Generator, slot0: float, slot: float
) -> PlannedOutage | None:
    """Draw one group's outage inside its slot [slot0, slot0 + slot) s: which site fails,
    when, for how long (at most 90 % of the slot), and where to cross."""
    candidates = _outage_candidates(spec, world)
    if not candidates:
        return None
    site, sensors = candidates[int(rng.integers(len(candidates)))]
    sector: Sector = next(s for s in world.sectors if s.id == getattr(site.spec, "sector", ""))
    length = min(rng.uniform(*spec.outage_hours) * 3600.0, 0.9 * slot)
    start = slot0 + rng.uniform(0.0, slot - length)
    if spec.outage == "fibre":
        along = rng.uniform(0.1, 0.9) * sector.length_m
    else:
        spread = _ALONG_SPREAD_M[spec.outage]
        along = sector.line.project(site.geometry.centroid) + rng.uniform(-spread, spread)
    along = float(np.clip(along, 200.0, sector.length_m - 200.0))
    return PlannedOutage(sector.id, sensors, start, start + length, along)
