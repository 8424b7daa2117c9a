"""A scene builder for the rule tests: tracks placed by their distance from the barrier line,
so each test reads in terms of the border ("1.5 km out, walking in at 1.2 m/s")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from borderwatch.rules import BarrierLine, Scene

PERSON = (0.9, 0.03, 0.04, 0.03)
VEHICLE = (0.03, 0.9, 0.04, 0.03)
ANIMAL = (0.05, 0.02, 0.9, 0.03)


@dataclass(frozen=True)
class Mover:
    """A track for a scene: `depth_m` out from the line (negative: on our side) at `along_m`
    along it, moving towards Tunisia (inbound, + ) at `inbound_mps` and along the line at
    `along_mps`."""

    id: int
    depth_m: float
    along_m: float = 40_000.0
    inbound_mps: float = 0.0
    along_mps: float = 0.0
    classes: tuple[float, float, float, float] = PERSON
    age_s: float = 600.0
    hits: int = 100
    friendly: bool = False
    fix_age_s: float = 0.0


def frame(barrier: BarrierLine, along_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point on the line, unit tangent (southwards), unit left normal (into Libya)."""
    line = barrier.line
    a, b = line.interpolate(along_m - 50.0), line.interpolate(along_m + 50.0)
    t = np.array([b.x - a.x, b.y - a.y])
    t /= np.hypot(*t)
    p = line.interpolate(along_m)
    return np.array([p.x, p.y]), t, np.array([-t[1], t[0]])


def make_scene(
    barrier: BarrierLine, t_s: float, movers: Sequence[Mover], threat_min: float = 0.6
) -> Scene:
    """The scene of these movers at event time `t_s`."""
    n = len(movers)
    x, y, vx, vy = (np.zeros(n) for _ in range(4))
    for k, m in enumerate(movers):
        p, tan, nrm = frame(barrier, m.along_m)
        pos = p + m.depth_m * nrm
        vel = -m.inbound_mps * nrm + m.along_mps * tan
        x[k], y[k], vx[k], vy[k] = pos[0], pos[1], vel[0], vel[1]
    classes = np.array([m.classes for m in movers], float).reshape(n, 4)
    friendly = np.array([m.friendly for m in movers], bool)
    corridor = np.zeros(n, bool)
    threat = classes[:, 0] + classes[:, 1]
    return Scene(
        t_s=t_s,
        ids=np.array([m.id for m in movers], np.int64),
        x=x,
        y=y,
        vx=vx,
        vy=vy,
        classes=classes,
        age_s=np.array([m.age_s for m in movers], float),
        fix_age_s=np.array([m.fix_age_s for m in movers], float),
        hits=np.array([m.hits for m in movers], np.int64),
        group_size=np.ones(n, np.int64),
        friendly=friendly,
        in_corridor=corridor,
        sector=barrier.sector_ids(barrier.locate(x, y)),
        reach=barrier.reach(x, y, vx, vy),
        threat=threat,
        eligible=~friendly
        & ~corridor
        & (threat >= threat_min)
        & (np.array([m.age_s for m in movers]) >= 30.0)
        & (np.array([m.hits for m in movers]) >= 10),
        evidence=lambda tid: (f"R1/{tid}",),
        on_legal_road=lambda x, y: np.zeros(np.shape(x), bool),
    )
