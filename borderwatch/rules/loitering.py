"""Loitering: a person or vehicle lingering near the barrier (probing it, waiting for dark,
waiting for a pickup). Once per track."""

from __future__ import annotations

import numpy as np

from borderwatch.rules.config import Loitering
from borderwatch.rules.scene import Finding, Scene

__all__ = ["LoiteringRule"]


class LoiteringRule:
    """Fires when an eligible track stays within `radius_m` of one spot near the line for
    `dwell_s`."""

    name = "loitering"

    def __init__(self, config: Loitering) -> None:
        self.config = config
        self.anchor: dict[int, tuple[float, float, float]] = {}  # id -> (x, y, since)
        self.alerted: set[int] = set()

    def check(self, scene: Scene) -> list[Finding]:
        """Findings for the tracks that have lingered long enough."""
        c = self.config
        if not scene.eligible.any():
            self.anchor.clear()  # nobody near the line to linger: most scenes
            return []
        near = scene.eligible & (np.abs(scene.reach.depth_m) <= c.zone_m)
        out: list[Finding] = []
        for k in np.flatnonzero(near).tolist():
            tid = int(scene.ids[k])
            x, y = float(scene.x[k]), float(scene.y[k])
            ax, ay, since = self.anchor.get(tid, (x, y, scene.t_s))
            if np.hypot(x - ax, y - ay) > c.radius_m:
                ax, ay, since = x, y, scene.t_s
            self.anchor[tid] = (ax, ay, since)
            if scene.t_s - since < c.dwell_s or tid in self.alerted:
                continue
            self.alerted.add(tid)
            cls = scene.cls(k)
            out.append(
                Finding(
                    rule=self.name,
                    priority=c.priority,
                    x=x,
                    y=y,
                    cls=cls,
                    track_ids=(tid,),
                    evidence=scene.evidence(tid),
                    summary=(
                        f"{cls} lingering {abs(scene.reach.depth_m[k]):.0f} m from the barrier"
                        f" for {(scene.t_s - since) / 60:.0f} min"
                    ),
                )
            )
        for tid in set(self.anchor) - set(scene.ids[near].tolist()):
            del self.anchor[tid]
        return out

    def forget(self, live: set[int]) -> None:
        """Drop state of tracks that no longer exist."""
        self.alerted &= live
