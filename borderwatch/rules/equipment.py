"""Our own equipment: sensors that report tampering, degradation or failure, sensors that go
silent (down by absence: no message for `missed_heartbeats` of its kind's heartbeat period),
and whole sectors whose sensors have detected nothing for `quiet_s` (a cut link, jamming, a
dead station). These are `system` alerts: about us, not about intruders.

Each fires once per spell: again only after the sensor (or sector) has come back.
"""

from __future__ import annotations

from borderwatch.geo.projection import to_utm
from borderwatch.rules.config import SectorQuiet, Sensors
from borderwatch.rules.scene import Finding

__all__ = ["EquipmentRules"]

Place = tuple[str, str, float, float]  # kind, sector, lon, lat


class EquipmentRules:
    """Sensor health from status messages and from silence; sectors gone quiet."""

    def __init__(self, sensors: Sensors, quiet: SectorQuiet, places: dict[str, Place]) -> None:
        self.config, self.quiet = sensors, quiet
        self.places = places
        self.xy = {k: tuple(float(v) for v in to_utm(p[2], p[3])) for k, p in places.items()}
        self.heard: dict[str, float] = {}
        self.detected: dict[str, float] = {}
        self.health: dict[str, str] = {}
        self.silent: set[str] = set()
        self.sector_of = {k: p[1] for k, p in places.items()}
        self.sector_quiet: set[str] = set()
        self.pending: list[Finding] = []
        self.started: float | None = None

    def heard_from(self, sensor_id: str, t_s: float, detection: bool) -> None:
        """Any message from a sensor at event time `t_s`; `detection` if it saw something.
        Called for every message, so it only notes the time; `check` draws conclusions.
        (Within the reorder window a time may go back a second: no matter at minutes.)"""
        self.heard[sensor_id] = t_s
        if detection:
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
        kind = self.places[sensor_id][0]
        what = f"{kind} {sensor_id} reports {health}" + (f": {detail}" if detail else "")
        self.pending.append(self._finding(f"sensor_{health}", priority, sensor_id, what))

    def check(self, t_s: float) -> list[Finding]:
        """Findings due at event time `t_s`: reported faults, silent sensors, quiet sectors."""
        if self.started is None:
            self.started = t_s
        out, self.pending = self.pending, []
        c, q = self.config, self.quiet
        if c.enabled:
            for sid in sorted(self.places):
                last = self.heard.get(sid, self.started)
                period = getattr(c.heartbeat_s, self.places[sid][0])
                if t_s - last <= c.missed_heartbeats * period:
                    self.silent.discard(sid)  # back (or never gone)
                elif sid not in self.silent:
                    self.silent.add(sid)
                    what = f"{self.places[sid][0]} {sid} silent for {(t_s - last) / 60:.0f} min"
                    out.append(self._finding("sensor_down", c.priority_down, sid, what))
        if q.enabled:
            last_seen: dict[str, float] = dict.fromkeys(set(self.sector_of.values()), self.started)
            for sid, t in self.detected.items():
                sector = self.sector_of.get(sid)
                if sector is not None and t > last_seen[sector]:
                    last_seen[sector] = t
            for sector in sorted(last_seen):
                last = last_seen[sector]
                if t_s - last <= q.quiet_s:
                    self.sector_quiet.discard(sector)
                elif sector not in self.sector_quiet:
                    self.sector_quiet.add(sector)
                    sids = sorted(k for k, p in self.places.items() if p[1] == sector)
                    x, y = self.xy[sids[0]]
                    out.append(
                        Finding(
                            rule="sector_quiet",
                            priority=q.priority,
                            x=x,
                            y=y,
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
        x, y = self.xy[sensor_id]
        return Finding(
            rule=rule,
            priority=priority,
            x=x,
            y=y,
            category="system",
            sector=self.places[sensor_id][1],
            subject=sensor_id,
            summary=what,
        )
