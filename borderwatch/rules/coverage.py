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

A stretch's *watchers* are the sensors that would see a person crawling over it: the radar
cannot (a crawler's radial speed is under its Doppler floor; it confirms a trigger only
through a track it held as they walked in), nor a camera that only detects him (its frames
are a blur it cannot class, and a camera confirms only what it says is a person or a vehicle
at `[rules.sightings] threat_min`). They are the cameras that *recognise* a person there
(Johnson, 8 pixels on 0.75 m: 0.75 / (8 x IFOV), 2.3 km for the default camera) and the
ground sensors within footstep range. A stretch whose watchers are all down or silent while
one of them was heard before, and a radar as near (`RECOGNISE_M`) still works, is *out*
(`out_at`): the
adversary waits for the camera to go and crawls over under the radar's floor; what walks or
trots at the berm (a jackal, a dog, a camel) the radar still sees, so a fibre trigger there
is most likely the crawler, and may be his only trace (`line_breach`). With the radar down
too (a tower out) a trigger there is as likely an animal no sensor sees: on `nuisance-mix`
(seeds 1 and 3-10) 4 such triggers, all jackals and dogs, during its tower's outage, with
the next tower's radar 7 km and more off and tracking none of them. There, as on a degraded
stretch, the fibre's own evidence must say person or vehicle.

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
N50_RECOGNISE_PX = 8.0
# A radar this near a stretch (the default camera's recognition range, 2.3 km) tracks what
# walks or trots there (a jackal, a dog) with its Pd at its best.
RECOGNISE_M = PERSON_DIM_M / (N50_RECOGNISE_PX * 0.04e-3)
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
    watchers: tuple[str, ...] = ()  # those that would see a crawler there (module doc)
    near_radars: tuple[str, ...] = ()  # radars as near as the watching cameras (module doc)


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
            who, near, close = self._confirmers(layout, xy, sector.line, edges)
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
                        tuple(sorted(near[k])),
                        tuple(sorted(close[k])),
                    )
                )
        self.heard: dict[str, float] = {} if heard is None else heard
        self.health: dict[str, str] = {} if health is None else health
        self.started: float | None = None  # the first message's time

    def _confirmers(
        self, layout: Layout, xy: FloatArray, line: LineString, edges: FloatArray
    ) -> tuple[list[set[str]], list[set[str]], list[set[str]]]:
        """The confirmers, the watchers and the near radars of each stretch (middles `xy`,
        (n, 2))."""
        n: int = len(xy)
        who: list[set[str]] = [set() for _ in range(n)]
        near: list[set[str]] = [set() for _ in range(n)]
        close: list[set[str]] = [set() for _ in range(n)]
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
                covered = radar.covers(r, az, "person") & open_sky
                for k in np.flatnonzero(covered):
                    who[k].add(f"{site.id}-R")
                for k in np.flatnonzero(covered & (r <= RECOGNISE_M)):
                    close[k].add(f"{site.id}-R")
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
                knows = PERSON_DIM_M / (N50_RECOGNISE_PX * spec.camera.ifov_mrad * 1e-3)
                for k in np.flatnonzero(seen & (r <= min(knows, spec.camera.range_m))):
                    near[k].add(f"{site.id}-C")
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
                    near[j].add(site.id)
        return who, near, close

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

    def out_at(self, x: float, y: float, t_s: float) -> bool:
        """True where the stretch at (x, y) has watchers, none works at `t_s`, one of them
        was heard before (an outage, not a sector never fielded), and a radar near it still
        works (see the module doc: with it down too, the stretch is degraded)."""
        stretch = self.stretch_at(x, y)
        if stretch is None or not stretch.watchers:
            return False
        if any(self.works(sid, t_s) for sid in stretch.watchers):
            return False
        if not any(sid in self.heard for sid in stretch.watchers):
            return False
        return any(self.works(sid, t_s) for sid in stretch.near_radars)

    def blind_stretches(self, t_s: float) -> list[Stretch]:
        """Every stretch with no working confirmer at `t_s`."""
        return [s for s in self.stretches if not any(self.works(c, t_s) for c in s.confirmers)]
