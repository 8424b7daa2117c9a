"""Our own equipment: sensors that report tampering, degradation or failure, sensors that go
silent (down by absence: no message for `missed_heartbeats` of its kind's heartbeat period),
and whole sectors whose sensors have detected nothing for `quiet_s` (a cut link, jamming, a
dead station). These are `system` alerts: about us, not about intruders.

Each fires once per spell: again only after the sensor (or sector) has come back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from borderwatch.geo.registry import SensorSite
from borderwatch.rules.config import SectorQuiet, Sensors
from borderwatch.rules.scene import Finding

__all__ = ["EquipmentRules"]


class EquipmentRules:
    """Sensor health from status messages and from silence; sectors gone quiet."""

    def __init__(
        self, sensors: Sensors, quiet: SectorQuiet, places: Mapping[str, SensorSite]
    ) -> None:
        self.config, self.quiet = sensors, quiet
        self.places = places
        self.sensor_ids = sorted(places)
        self.in_sector: dict[str, list[str]] = {}
        for sid in self.sensor_ids:
            self.in_sector.setdefault(places[sid].sector, []).append(sid)
        self.heard: dict[str, float] = {}
        self.detected: dict[str, float] = {}
        self.health: dict[str, str] = {}
        self.silent: set[str] = set()
        self.sector_quiet: set[str] = set()
        self.pending: list[Finding] = []
        self.started: float | None = None

    def heard_from(self, sensor_id: str, t_s: float, detection: bool) -> None:
        """Any message from a sensor at event time `t_s`; `detection` if it saw something.
        Called for every message, so it only notes the time; `check` draws conclusions.
        A late message (a slow link) still shows the sensor is alive, but never moves its
        times back."""
        heard = self.heard
        if t_s > heard.get(sensor_id, -math.inf):
            heard[sensor_id] = t_s
            if detection:
                self.detected[sensor_id] = t_s
        elif detection and t_s > self.detected.get(sensor_id, -math.inf):
            self.detected[sensor_id] = t_s

    def status(self, sensor_id: str, health: str, t_s: float, detail: str) -> None:
        """A sensor's own report of its health."""
        if sensor_id not in self.places:
            return
        before = self.health.get(sensor_id, "ok")
        self.health[sensor_id] = health
        if health == before or health == "ok" or not self.config.enabled:
            return
        c = self.config
        priority = {
            "tampered": c.priority_tampered,
            "down": c.priority_down,
            "degraded": c.priority_degraded,
        }[health]
        kind = self.places[sensor_id].kind
        what = f"{kind} {sensor_id} reports {health}" + (f": {detail}" if detail else "")
        self.pending.append(self._finding(f"sensor_{health}", priority, sensor_id, what))

    def reported(self) -> list[Finding]:
        """The faults sensors have reported since last asked (each once)."""
        out, self.pending = self.pending, []
        return out

    def check(self, t_s: float) -> list[Finding]:
        """Findings due at event time `t_s`: reported faults, silent sensors, quiet sectors."""
        if self.started is None:
            self.started = t_s
        started = self.started
        out = self.reported()
        c, q = self.config, self.quiet
        if c.enabled:
            for sid in self.sensor_ids:
                last = self.heard.get(sid, started)
                period = getattr(c.heartbeat_s, self.places[sid].kind)
                if t_s - last <= c.missed_heartbeats * period:
                    self.silent.discard(sid)  # back (or never gone)
                elif sid not in self.silent:
                    self.silent.add(sid)
                    what = f"{self.places[sid].kind} {sid} silent for {(t_s - last) / 60:.0f} min"
                    out.append(self._finding("sensor_down", c.priority_down, sid, what))
        if q.enabled:
            for sector, sids in sorted(self.in_sector.items()):
                last = max(started, *(self.detected.get(sid, started) for sid in sids))
                if t_s - last <= q.quiet_s:
                    self.sector_quiet.discard(sector)
                elif sector not in self.sector_quiet:
                    self.sector_quiet.add(sector)
                    first = self.places[sids[0]]
                    out.append(
                        Finding(
                            rule="sector_quiet",
                            priority=q.priority,
                            x=first.x,
                            y=first.y,
                            category="system",
                            sector=sector,
                            subject=sector,
                            summary=(
                                f"sector {sector}: no detection from any of its"
                                f" {len(sids)} sensors for {(t_s - last) / 60:.0f} min"
                            ),
                        )
                    )
        return out

    def _finding(self, rule: str, priority: int, sensor_id: str, what: str) -> Finding:
        site = self.places[sensor_id]
        return Finding(
            rule=rule,
            priority=priority,
            x=site.x,
            y=site.y,
            category="system",
            sector=site.sector,
            subject=sensor_id,
            summary=what,
        )
