"""The alerter: every rule, run on each scene, and their findings made into `Alert`s.

Rules run in a fixed order (track rules, then the line sensor, then our equipment), and
findings keep the order their rule gives them, so the same scenes give the same alerts with
the same ids, bit for bit. Faults a sensor reports itself are made alerts when reported
(`reported`), and so is a fibre trigger confirmed by a ground sensor (`arrived`). An
intrusion alert's priority is its rule's, moved by its sector's section impact level
(`[rules.sections]`, EUROSUR): the one place a rating touches priority.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.registry import SensorSite
from borderwatch.messages import Alert, Detection, GeoPoint
from borderwatch.rules.approach import ApproachRule
from borderwatch.rules.barrier import BarrierLine
from borderwatch.rules.config import RulesConfig
from borderwatch.rules.convoy import ConvoyRule
from borderwatch.rules.crossing import CrossingRule
from borderwatch.rules.equipment import EquipmentRules
from borderwatch.rules.line_breach import LineBreachRule
from borderwatch.rules.loitering import LoiteringRule
from borderwatch.rules.scene import Finding, Scene
from borderwatch.rules.sightings import SightingRule

__all__ = ["Alerter"]

MAX_EVIDENCE = 32


class Alerter:
    """Runs the rules of `config`; ids are `A` + a running number."""

    def __init__(
        self,
        config: RulesConfig,
        barrier: BarrierLine,
        places: Mapping[str, SensorSite],
        epoch_ns: int,
    ) -> None:
        self.config = config
        self.barrier = barrier
        self.epoch_ns = epoch_ns
        c = config
        self.track_rules = [
            rule
            for rule, on in (
                (ApproachRule(c.approach), c.approach.enabled),
                (CrossingRule(c.crossing), c.crossing.enabled),
                (LoiteringRule(c.loitering), c.loitering.enabled),
                (ConvoyRule(c.convoy), c.convoy.enabled),
            )
            if on
        ]
        self.line = LineBreachRule(c.line_breach, epoch_ns, c.classes.threat_min)
        self.sightings = SightingRule(c.sightings, barrier, {}, epoch_ns)
        self.equipment = EquipmentRules(c.sensors, c.sector_quiet, places)
        c.sections.check(s.id for s in barrier.sectors)
        self.next_id = 1

    def arrived(self, det: Detection) -> list[Alert]:
        """A line or ground-sensor detection as it is taken in: the alerts it raises at once
        (a fibre trigger and a ground sensor's report confirming each other); a camera's
        bearing also goes to the sightings it continues."""
        if det.kind == "camera":
            seen = self.sightings.arrived(det)
            if seen is None or not self.config.line_breach.enabled:
                return []
            return self._alerts(self.line.seen(seen), (det.time_ns - self.epoch_ns) / 1e9)
        if not self.config.line_breach.enabled:
            return []
        return self._alerts(self.line.arrived(det), (det.time_ns - self.epoch_ns) / 1e9)

    def check(self, scene: Scene) -> list[Alert]:
        """Every rule on one scene; the alerts they raise."""
        found: list[Finding] = []
        live = set(scene.ids.tolist())
        for rule in self.track_rules:
            found += rule.check(scene)
            rule.forget(live)
        if self.config.line_breach.enabled:
            found += self.line.check(scene)
        if self.config.sightings.enabled:
            found += self.sightings.check(scene)
        found += self.equipment.check(scene.t_s)
        return self._alerts(found, scene.t_s)

    def reported(self, t_s: float) -> list[Alert]:
        """Faults our sensors report themselves, as alerts at once (at the report's event time
        `t_s`): a tamper report must not wait for the next scene and the reorder window."""
        return self._alerts(self.equipment.reported(), t_s)

    def _alerts(self, found: list[Finding], t_s: float) -> list[Alert]:
        if not found:
            return []
        x = np.array([f.x for f in found])
        y = np.array([f.y for f in found])
        lon, lat = to_lonlat(x, y)
        sectors = self.barrier.sector_ids(self.barrier.locate(x, y))
        time_ns = self.epoch_ns + round(t_s * 1e9)
        out = []
        for k, f in enumerate(found):
            crossing = None
            if f.crossing is not None and np.isfinite(f.crossing[0]):
                clon, clat = (float(v) for v in to_lonlat(f.crossing[0], f.crossing[1]))
                crossing = GeoPoint(
                    lat=round(clat, 7),
                    lon=round(clon, 7),
                    time_ns=self.epoch_ns + round(f.crossing[2] * 1e9),
                )
            sector = f.sector or sectors[k]
            system = f.category == "system"
            # The section's designated impact moves an intrusion's priority, not a fault's.
            priority = f.priority if system else self.config.sections.priority(f.priority, sector)
            out.append(
                Alert(
                    id=f"A{self.next_id:06d}",
                    rule=f.rule,
                    time_ns=time_ns,
                    lat=round(float(lat[k]), 7),
                    lon=round(float(lon[k]), 7),
                    priority=priority,
                    category="system" if system else "intrusion",
                    sector=sector,
                    cls=f.cls,
                    track_ids=tuple(f"T{t:06d}" for t in f.track_ids),
                    predicted_crossing=crossing,
                    evidence=(f.subject,) * bool(f.subject) + f.evidence[-MAX_EVIDENCE:],
                    summary=f.summary,
                )
            )
            self.next_id += 1
        return out
