"""Which sensors could confirm a fibre trigger on each stretch of the berm, and which of them
work right now.

The berm of every sector of the layout is cut into stretches of `stretch_m` (100 m). A
stretch's *confirmers*, from the site layout (`geo.sites`), are:

- each radar whose person detection range and azimuth field reach the stretch's middle, out
  of every radar shadow (`RadarSpec.covers`, `Layout.shadowed`);
- each thermal camera in whose field the middle lies (a tower's camera looks over its radar's
  sector) within the range where it detects a person half the time (Johnson, 2 pixels on a
  0.75 m target: 0.75 / (2 x IFOV)), out of every shadow;
- each ground sensor whose real footstep range (the far end of `person_radius_m`) reaches
  the stretch; in the default layout they stand 340 m and more from the line: none does.

A confirmer *works* at time t while its last own health report is neither `down` nor
`tampered` and it has been heard (any message) within `missed_heartbeats` of its kind's
heartbeat period (`[rules.sensors]`); one never heard works for that long after the engine
starts, then not (it may be dead: its stretch cannot count on it). A stretch whose
confirmers all fail, or which has none, is *degraded*: a fibre trigger there can only alert
on its own (`line_breach`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from borderwatch.arrays import BoolArray, FloatArray
from borderwatch.geo.border import Border
from borderwatch.geo.projection import grid_azimuth, in_field
from borderwatch.geo.sectors import build_sectors
from borderwatch.geo.sites import Layout, TowerSpec, UgsSpec
from borderwatch.rules.config import Sensors

__all__ = ["PERSON_DIM_M", "BermCoverage", "Stretch"]

# A person's critical dimension for a thermal camera (m), and the pixels on target at which
# it is detected half the time (Johnson criteria): what the twin's camera uses too.
PERSON_DIM_M = 0.75
N50_DETECT_PX = 2.0
DOWN = frozenset({"down", "tampered"})


@dataclass(frozen=True, slots=True)
class Stretch:
    """One stretch of a sector's berm: metres `start_m`..`end_m` along its watch line, its
    middle (UTM 32N m), and the sensors that could confirm a trigger on it."""

    sector: str
    start_m: float
    end_m: float
    x: float
    y: float
    confirmers: tuple[str, ...]


class BermCoverage:
    """The berm's stretches, their confirmers from the layout, and each sensor's state."""

    def __init__(
        self,
        layout: Layout,
        border: Border,
        sensors: Sensors,
        stretch_m: float = 100.0,
        heard: dict[str, float] | None = None,
        health: dict[str, str] | None = None,
    ) -> None:
        """`heard` and `health`: each sensor's latest message time and own health report,
        when another keeps them already (the engine passes its equipment rules' record, so
        each sensor has one, updated once per message); else this keeps its own
        (`heard_from`, `status`)."""
        self.sensors = sensors
        ids = {getattr(s.spec, "sector", "") for s in (*layout.towers, *layout.line_sensors)}
        ids |= {getattr(s.spec, "sector", "") for s in layout.ugs}
        self.stretches: list[Stretch] = []
        self.stretch_m = stretch_m
        self.lines: list[tuple[str, LineString, int, int]] = []  # sector, line, first, count
        self.kind: dict[str, str] = {}
        for sector in build_sectors(border):
            if sector.id not in ids:
                continue
            n = max(1, math.ceil(sector.length_m / stretch_m))
            edges = np.minimum(np.arange(n + 1) * stretch_m, sector.length_m)
            mids = shapely.line_interpolate_point(sector.line, (edges[:-1] + edges[1:]) / 2.0)
            xy = shapely.get_coordinates(mids)
            who = self._confirmers(layout, xy, sector.line, edges)
            self.lines.append((sector.id, sector.line, len(self.stretches), n))
            for k in range(n):
                self.stretches.append(
                    Stretch(
                        sector.id,
                        float(edges[k]),
                        float(edges[k + 1]),
                        float(xy[k, 0]),
                        float(xy[k, 1]),
                        tuple(sorted(who[k])),
                    )
                )
        self.heard: dict[str, float] = {} if heard is None else heard
        self.health: dict[str, str] = {} if health is None else health
        self.started: float | None = None  # the first message's time

    def _confirmers(
        self, layout: Layout, xy: FloatArray, line: LineString, edges: FloatArray
    ) -> list[set[str]]:
        """The confirmers of each stretch (middles `xy`, (n, 2))."""
        n: int = len(xy)
        who: list[set[str]] = [set() for _ in range(n)]
        open_sky: BoolArray = ~layout.shadowed(xy[:, 0], xy[:, 1])
        for site in layout.towers:
            spec = site.spec
            if not isinstance(spec, TowerSpec) or not isinstance(site.geometry, Point):
                continue
            dx, dy = xy[:, 0] - site.geometry.x, xy[:, 1] - site.geometry.y
            r, az = np.hypot(dx, dy), grid_azimuth(dx, dy)
            radar = spec.radar
            if radar is not None:
                self.kind[f"{site.id}-R"] = "radar"
                for k in np.flatnonzero(radar.covers(r, az, "person") & open_sky):
                    who[k].add(f"{site.id}-R")
            if spec.camera is not None:
                self.kind[f"{site.id}-C"] = "camera"
                reach = min(
                    spec.camera.range_m,
                    PERSON_DIM_M / (N50_DETECT_PX * spec.camera.ifov_mrad * 1e-3),
                )
                center = radar.az_center_deg if radar is not None else 90.0
                width = radar.az_width_deg if radar is not None else 180.0
                seen = (r <= reach) & in_field(az, center, width) & open_sky
                for k in np.flatnonzero(seen):
                    who[k].add(f"{site.id}-C")
        for site in layout.ugs:
            if not isinstance(site.spec, UgsSpec) or not isinstance(site.geometry, Point):
                continue
            self.kind[site.id] = "ugs"
            reach = site.spec.person_radius_m[1]
            along = line.project(site.geometry)
            for j in range(n):
                if abs(along - (edges[j] + edges[j + 1]) / 2.0) > reach + edges[1]:
                    continue  # too far along the line to reach this stretch
                piece = substring(line, float(edges[j]), float(edges[j + 1]))
                if piece.distance(site.geometry) <= reach:
                    who[j].add(site.id)
        return who

    def heard_from(self, sensor_id: str, t_s: float) -> None:
        """Any message from a sensor at event time `t_s`."""
        if self.started is None:
            self.started = t_s
        if t_s > self.heard.get(sensor_id, -math.inf):
            self.heard[sensor_id] = t_s

    def status(self, sensor_id: str, health: str) -> None:
        """A sensor's own report of its health."""
        self.health[sensor_id] = health

    def works(self, sensor_id: str, t_s: float) -> bool:
        """Whether the sensor can be counted on at `t_s` (see the module doc)."""
        if self.health.get(sensor_id, "ok") in DOWN:
            return False
        kind = self.kind.get(sensor_id, "radar")
        period: float = getattr(self.sensors.heartbeat_s, kind)
        allowed = self.sensors.missed_heartbeats * period
        last = self.heard.get(sensor_id, self.started if self.started is not None else t_s)
        return t_s - last <= allowed

    def stretch_at(self, x: float, y: float) -> Stretch | None:
        """The stretch nearest the point (the sector whose line is nearest), or None if the
        layout has no berm."""
        if not self.lines:
            return None
        p = Point(x, y)
        _, line, first, count = min(self.lines, key=lambda s: s[1].distance(p))
        k = min(int(line.project(p) // self.stretch_m), count - 1)
        return self.stretches[first + k]

    def degraded_at(self, x: float, y: float, t_s: float) -> bool:
        """True where no confirmer of the stretch at (x, y) works at `t_s` (or it has none)."""
        stretch = self.stretch_at(x, y)
        if stretch is None:
            return False
        return not any(self.works(sid, t_s) for sid in stretch.confirmers)

    def blind_stretches(self, t_s: float) -> list[Stretch]:
        """Every stretch with no working confirmer at `t_s`."""
        return [s for s in self.stretches if not any(self.works(c, t_s) for c in s.confirmers)]
