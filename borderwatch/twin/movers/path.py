"""Movers and their paths. A path is a list of knots (t, x, y): straight lines at constant
speed between knots, so the truth is exact at any time and small to store. Behaviours
(walk, pause, crawl, graze) are written as routes that `Route` turns into knots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from borderwatch.arrays import FloatArray

__all__ = ["CLASS_OF", "Mover", "MoverKind", "Route", "follow"]

MoverKind = Literal[
    "foot_smuggler", "infiltrator", "convoy_vehicle", "camel", "jackal", "dog", "patrol", "traffic"
]
CLASS_OF: dict[str, str] = {
    "foot_smuggler": "person",
    "infiltrator": "person",
    "convoy_vehicle": "vehicle",
    "camel": "animal",
    "jackal": "animal",
    "dog": "animal",
    "patrol": "vehicle",
    "traffic": "vehicle",
}
# Radar and camera size of each kind: a multiplier on the person's detection range (radar)
# and the critical dimension in metres (camera, Johnson criteria).
RADAR_SIZE = {"foot_smuggler": 1.0, "infiltrator": 1.0, "camel": 1.25, "jackal": 0.55, "dog": 0.6}
CRITICAL_DIM_M = {"person": 0.75, "vehicle": 2.3, "camel": 1.6, "jackal": 0.4, "dog": 0.45}


@dataclass(slots=True)
class Mover:
    """One thing that moves. Times in seconds from scenario start; positions UTM metres."""

    id: str
    kind: MoverKind
    group: str
    hostile: bool
    t: FloatArray
    x: FloatArray
    y: FloatArray
    callsign: str = ""
    agency: str = ""
    # How a hostile mover tries to get across (`walk-in`, `outage`, `herd`, ...): the truth
    # labels every crossing with it, so Pd can be scored per tactic.
    tactic: str = ""

    @property
    def cls(self) -> str:
        """person, vehicle or animal."""
        return CLASS_OF[self.kind]

    @property
    def friendly(self) -> bool:
        """Our own patrols."""
        return self.kind == "patrol"

    @property
    def critical_dim_m(self) -> float:
        """Size the thermal camera resolves, m."""
        return CRITICAL_DIM_M.get(self.kind) or CRITICAL_DIM_M[self.cls]

    def clipped(self, t0: float, t1: float) -> Mover | None:
        """The part of the path inside [t0, t1], or None if the mover is never there."""
        if self.t[-1] < t0 or self.t[0] > t1:
            return None
        inside = (self.t > t0) & (self.t < t1)
        edges = [max(t0, self.t[0])], [min(t1, self.t[-1])]
        t = np.concatenate([edges[0], self.t[inside], edges[1]])
        keep = np.r_[True, np.diff(t) > 0]
        t = t[keep]
        x = np.interp(t, self.t, self.x)
        y = np.interp(t, self.t, self.y)
        if len(t) < 2:
            return None
        return Mover(
            self.id,
            self.kind,
            self.group,
            self.hostile,
            t,
            x,
            y,
            self.callsign,
            self.agency,
            self.tactic,
        )

    def sample(
        self, times: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, npt.NDArray[np.bool_]]:
        """Position, velocity and existence at `times`: (x, y, vx, vy, alive)."""
        alive = (times >= self.t[0]) & (times <= self.t[-1])
        x = np.interp(times, self.t, self.x)
        y = np.interp(times, self.t, self.y)
        seg = np.clip(np.searchsorted(self.t, times, side="right") - 1, 0, len(self.t) - 2)
        dt = self.t[seg + 1] - self.t[seg]
        with np.errstate(divide="ignore", invalid="ignore"):
            vx = np.where(dt > 0, (self.x[seg + 1] - self.x[seg]) / dt, 0.0)
            vy = np.where(dt > 0, (self.y[seg + 1] - self.y[seg]) / dt, 0.0)
        return x, y, vx, vy, alive


@dataclass(slots=True)
class Route:
    """Builds knots: start somewhere at a time, then walk to points, wait, and so on."""

    t: list[float] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    def start(self, t: float, xy: FloatArray) -> Route:
        """Appear at `xy` at time `t`."""
        self.t, self.x, self.y = [t], [float(xy[0])], [float(xy[1])]
        return self

    @property
    def here(self) -> FloatArray:
        """Where the route is now."""
        return np.array([self.x[-1], self.y[-1]])

    @property
    def now(self) -> float:
        """The route's time now, s."""
        return self.t[-1]

    def go(self, xy: FloatArray, speed: float) -> Route:
        """Move in a straight line to `xy` at `speed` m/s."""
        d = float(np.hypot(xy[0] - self.x[-1], xy[1] - self.y[-1]))
        if d > 0:
            self.t.append(self.t[-1] + d / max(speed, 1e-3))
            self.x.append(float(xy[0]))
            self.y.append(float(xy[1]))
        return self

    def wander_to(
        self,
        xy: FloatArray,
        speed: float,
        rng: np.random.Generator,
        step_m: float = 400.0,
        jitter_m: float = 60.0,
    ) -> Route:
        """Walk to `xy` by a slightly winding way: waypoints every ~`step_m`, each pushed
        sideways by up to `jitter_m`, the last exactly at `xy`."""
        start = self.here
        d = float(np.hypot(*(xy - start)))
        n = max(1, int(d // step_m))
        along = (xy - start) / max(d, 1e-9)
        side = np.array([-along[1], along[0]])
        for k in range(1, n):
            p = start + (xy - start) * k / n + side * rng.uniform(-jitter_m, jitter_m)
            self.go(p, speed * rng.uniform(0.85, 1.15))
        return self.go(xy, speed)

    def wait(self, seconds: float) -> Route:
        """Stand still."""
        if seconds > 0:
            self.t.append(self.t[-1] + seconds)
            self.x.append(self.x[-1])
            self.y.append(self.y[-1])
        return self

    def knots(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The route as arrays (t, x, y)."""
        return np.array(self.t), np.array(self.x), np.array(self.y)


def follow(
    route: Route, lag_s: float, offset: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A follower's knots: the leader's path, `lag_s` later, shifted by `offset` metres."""
    t, x, y = route.knots()
    return t + lag_s, x + offset[0], y + offset[1]
