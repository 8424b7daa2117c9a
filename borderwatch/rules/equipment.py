"""Our own equipment: sensors that report tampering, degradation or failure, sensors that go
silent (down by absence: no message for `missed_heartbeats` of its kind's heartbeat period),
and whole sectors whose sensors have detected nothing for `quiet_s` (jamming, a blind
station). These are `system` alerts: about us, not about intruders.

Only sensors expected to report can go silent: those heard at least once since the engine
started (or every one, with `expect_unheard`). A sensor never heard is "unknown": a sector
not fielded yet, or a twin run on one sector, is not a wall of alarms.

Faults are raised as an operator can bear them (EEMUA 191: one alarm per cause):
- a sector (of two sites or more) none of whose expected sensors has sent anything for
  `missed_heartbeats` of the fastest heartbeat among them, each of them overdue, is one
  `sector_silent` alarm (a cut link, a dead station); its sensors raise nothing of their
  own meanwhile, and those still silent when the sector is heard again are raised then;
- a silent sensor is raised once something else of its sector has been heard since it fell
  silent (the link is up, so the fault is the sensor's); until then it is held, since the
  whole sector may be going silent (at most one heartbeat of the slowest sensor there);
- sensors of one site (a tower's radar and camera) falling silent together are one
  `site_down` alarm; a lone sensor is `sensor_down`.

Each fires once per spell: again only after the sensor (or sector) has come back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from borderwatch.geo.registry import SensorSite
from borderwatch.rules.config import SectorQuiet, Sensors
from borderwatch.rules.scene import Finding

__all__ = ["EquipmentRules", "site_of"]


def site_of(sensor_id: str, place: SensorSite) -> str:
    """The site a sensor stands on: its tower, or itself."""
    return place.site or sensor_id


class EquipmentRules:
    """Sensor health from status messages and from silence; sectors gone silent or quiet."""

    def __init__(
        self, sensors: Sensors, quiet: SectorQuiet, places: Mapping[str, SensorSite]
    ) -> None:
        self.config, self.quiet = sensors, quiet
        self.places = places
        self.sensor_ids = sorted(places)
        self.in_sector: dict[str, list[str]] = {}
        for sid in self.sensor_ids:
            self.in_sector.setdefault(places[sid].sector, []).append(sid)
        # Fixed per sensor, asked for every sensor at every scene: worked out once.
        self.period = {
            sid: float(getattr(sensors.heartbeat_s, places[sid].kind)) for sid in self.sensor_ids
        }
        self.site = {sid: site_of(sid, places[sid]) for sid in self.sensor_ids}
        # Each sector's expected sensors, their sites and fastest heartbeat: they change only
        # when a sensor is first heard, so they are kept until then (`_sector_view`).
        self._views: dict[str, tuple[list[str], int, float]] = {}
        self._views_at = -1
        self.heard: dict[str, float] = {}
        self.detected: dict[str, float] = {}
        self.health: dict[str, str] = {}
        self.silent: set[str] = set()
        self.sector_quiet: set[str] = set()
        self.sector_silent: set[str] = set()
        self.absorbed: set[str] = set()  # silent sensors a sector's silence already says
        self.held: set[str] = set()  # silent, not yet said: is it the sensor or the link?
        self.pending: list[Finding] = []
        self.started: float | None = None
        # Until this event time a scene can raise or clear no silence and no quiet sector,
        # while `len(heard)` is `_calm_heard` (`_calm`): most scenes need not walk every sensor.
        self._calm_until = -math.inf
        self._calm_heard = -1

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

    def expected(self, sensor_id: str) -> bool:
        """Whether the sensor is expected to report (heard once, or all are expected)."""
        return self.config.expect_unheard or sensor_id in self.heard

    def state(self, sensor_id: str) -> str:
        """unknown (never heard, not expected), down (silent), or its own last report."""
        if sensor_id in self.silent:
            return "down"
        if not self.expected(sensor_id) and sensor_id not in self.health:
            return "unknown"
        return self.health.get(sensor_id, "ok")

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
        """Findings due at event time `t_s`: reported faults, silent sensors (by sector, by
        site, alone), quiet sectors."""
        if self.started is None:
            self.started = t_s
        out = self.reported()
        if t_s < self._calm_until and len(self.heard) == self._calm_heard:
            return out
        if self.config.enabled:
            out += self._silence(t_s)
        if self.quiet.enabled:
            out += self._quiet(t_s)
        self._calm_until, self._calm_heard = self._calm(self.started), len(self.heard)
        return out

    def _calm(self, started: float) -> float:
        """The event time before which `_silence` and `_quiet` would find nothing and change
        nothing, as the sensors stand now: -inf while anything is silent or quiet (each scene
        then looks), else the first time a sensor could be overdue or a sector quiet, less a
        second (the checks compare `t_s - heard`, rounded). Heard and detection times only
        grow, so the answer holds until a sensor is heard for the first time: a new expected
        sensor, or a sector with one (which `len(heard)` tells).

        No sector can be cut off before its fastest sensor is overdue, so sensors alone
        bound `_silence`."""
        if self.silent or self.held or self.absorbed or self.sector_silent or self.sector_quiet:
            return -math.inf
        until = math.inf
        c, heard = self.config, self.heard
        if c.enabled:
            for sid in self.sensor_ids:
                if c.expect_unheard or sid in heard:
                    due = heard.get(sid, started) + c.missed_heartbeats * self.period[sid]
                    until = min(until, due)
        if self.quiet.enabled:
            detected = self.detected
            for sector in self.in_sector:
                expected = self._sector_view(sector)[0]
                if expected:
                    last = max(started, *(detected.get(sid, started) for sid in expected))
                    until = min(until, last + self.quiet.quiet_s)
        return until - 1.0

    def _silence(self, t_s: float) -> list[Finding]:
        c = self.config
        started = self.started if self.started is not None else t_s
        heard, period, every = self.heard, self.period, c.expect_unheard
        silent, absorbed, held = self.silent, self.absorbed, self.held
        for sid in self.sensor_ids:
            if not every and sid not in heard:
                continue  # not expected
            if t_s - heard.get(sid, started) <= c.missed_heartbeats * period[sid]:
                if sid in silent or sid in held or sid in absorbed:
                    silent.discard(sid)  # back
                    absorbed.discard(sid)
                    held.discard(sid)
            elif sid not in silent:
                silent.add(sid)
                held.add(sid)
        out: list[Finding] = []
        for sector, sids in sorted(self.in_sector.items()):
            expected, sites, fastest = self._sector_view(sector)
            if sites < 2:
                continue  # one site's silence is that site's fault, said below
            if self._cut_off(expected, t_s, started, fastest):
                if sector not in self.sector_silent:
                    self.sector_silent.add(sector)
                    last = max(self.heard.get(s, started) for s in expected)
                    out.append(self._sector_silent(sector, len(expected), t_s - last))
            elif sector in self.sector_silent:
                # Heard again: what is still silent is a fault of its own, raised now.
                self.sector_silent.discard(sector)
                self.held |= {s for s in sids if s in self.absorbed}
                self.absorbed -= set(sids)
        by_site: dict[str, list[str]] = {}
        for sid in sorted(self.held):
            place = self.places[sid]
            if place.sector in self.sector_silent:
                self.absorbed.add(sid)  # the sector's silence says it
                self.held.discard(sid)
            elif self._link_up(sid, t_s, started) and not self._mates_falling(sid, t_s, started):
                by_site.setdefault(self.site[sid], []).append(sid)
        for site, group in sorted(by_site.items()):
            self.held -= set(group)
            out.append(self._site_down(site, group, t_s))
        return out

    def _sector_view(self, sector: str) -> tuple[list[str], int, float]:
        """A sector's expected sensors, how many sites they stand on, and the fastest
        heartbeat among them (inf if none)."""
        if self._views_at != len(self.heard):
            self._views.clear()
            self._views_at = len(self.heard)
        view = self._views.get(sector)
        if view is None:
            expected = [s for s in self.in_sector[sector] if self.expected(s)]
            fastest = min((self.period[s] for s in expected), default=math.inf)
            view = self._views[sector] = (
                expected,
                len({self.site[s] for s in expected}),
                fastest,
            )
        return view

    def _cut_off(self, expected: list[str], t_s: float, started: float, fastest: float) -> bool:
        """A sector is cut off when nothing of it has been heard for `missed_heartbeats` of
        its fastest heartbeat and every one of its sensors is overdue (a ground sensor with
        a 5-min heartbeat may simply not have had its turn yet)."""
        heard, period = self.heard, self.period
        last = max(heard.get(s, started) for s in expected)
        return t_s - last > self.config.missed_heartbeats * fastest and all(
            t_s - heard.get(s, started) > period[s] for s in expected
        )

    def _mates_falling(self, sensor_id: str, t_s: float, started: float) -> bool:
        """Whether another sensor of its site is overdue but not yet silent: the site may be
        going down as a whole (a tower's camera and radar keep different rhythms), so both
        wait to be one alarm (at most a few heartbeats)."""
        place = self.places[sensor_id]
        site = self.site[sensor_id]
        return any(
            self.site[s] == site
            and s != sensor_id
            and self.expected(s)
            and s not in self.silent
            and t_s - self.heard.get(s, started) > self.period[s]
            for s in self.in_sector[place.sector]
        )

    def _link_up(self, sensor_id: str, t_s: float, started: float) -> bool:
        """Whether a silent sensor's silence is its own: something else of its sector has been
        heard since it fell silent (so the link is up), or it has nothing else to hear from.
        Until then its alarm is held: the whole sector may be falling silent (a cut link)."""
        place = self.places[sensor_id]
        site = self.site[sensor_id]
        own_last = self.heard.get(sensor_id, started)
        others = [
            s for s in self.in_sector[place.sector] if self.expected(s) and self.site[s] != site
        ]
        if not others:
            return True
        return any(self.heard.get(s, -math.inf) > own_last for s in others)

    def _quiet(self, t_s: float) -> list[Finding]:
        q = self.quiet
        started = self.started if self.started is not None else t_s
        out = []
        detected = self.detected
        for sector, sids in sorted(self.in_sector.items()):
            expected = self._sector_view(sector)[0]
            if not expected:
                continue  # nothing fielded, nothing to miss
            last = max(started, *(detected.get(sid, started) for sid in expected))
            if t_s - last <= q.quiet_s:
                self.sector_quiet.discard(sector)
            elif sector not in self.sector_quiet and sector not in self.sector_silent:
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
                            f" {len(expected)} sensors for {(t_s - last) / 60:.0f} min"
                        ),
                    )
                )
        return out

    def _sector_silent(self, sector: str, n: int, for_s: float) -> Finding:
        first = self.places[self.in_sector[sector][0]]
        return Finding(
            rule="sector_silent",
            priority=self.config.priority_down,
            x=first.x,
            y=first.y,
            category="system",
            sector=sector,
            subject=sector,
            summary=(
                f"sector {sector}: no message from any of its {n} sensors for"
                f" {for_s / 60:.0f} min (a cut link or a dead station)"
            ),
        )

    def _site_down(self, site: str, sensor_ids: list[str], t_s: float) -> Finding:
        started = self.started if self.started is not None else t_s
        if len(sensor_ids) == 1:
            sid = sensor_ids[0]
            silent_for = t_s - self.heard.get(sid, started)
            what = f"{self.places[sid].kind} {sid} silent for {silent_for / 60:.0f} min"
            return self._finding("sensor_down", self.config.priority_down, sid, what)
        silent_for = t_s - max(self.heard.get(s, started) for s in sensor_ids)
        place = self.places[sensor_ids[0]]
        names = ", ".join(f"{self.places[s].kind} {s}" for s in sensor_ids)
        return Finding(
            rule="site_down",
            priority=self.config.priority_down,
            x=place.x,
            y=place.y,
            category="system",
            sector=place.sector,
            subject=site,
            evidence=tuple(sensor_ids),
            summary=f"site {site} silent for {silent_for / 60:.0f} min: {names}",
        )

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
