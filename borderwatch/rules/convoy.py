"""Convoy: several vehicles moving together towards the barrier, each within `spacing_m` of
another with much the same velocity. One alert per convoy: a convoy is new while none of its
vehicles has been in one yet."""

from __future__ import annotations

import numpy as np

from borderwatch.geo.groups import components
from borderwatch.rules.config import Convoy
from borderwatch.rules.scene import Finding, Scene

__all__ = ["ConvoyRule"]


class ConvoyRule:
    """Fires for each new group of at least `min_vehicles` vehicles travelling together."""

    name = "convoy"

    def __init__(self, config: Convoy) -> None:
        self.config = config
        self.alerted: set[int] = set()

    def check(self, scene: Scene) -> list[Finding]:
        """Findings for the convoys first seen now."""
        c = self.config
        if not scene.eligible.any():
            return []  # most scenes
        depth = scene.reach.depth_m
        vehicle = scene.classes[:, 1] >= np.maximum(scene.classes[:, 0], 0.5)
        ok = np.flatnonzero(
            scene.eligible
            & vehicle
            & (scene.speed() >= c.min_speed_mps)
            & (scene.fix_age_s <= 10.0)
            & (depth > 0.0)
            & (depth <= c.depth_m)
        )
        if len(ok) < c.min_vehicles:
            return []
        x, y, vx, vy = scene.x[ok], scene.y[ok], scene.vx[ok], scene.vy[ok]
        near = (np.hypot(x[:, None] - x, y[:, None] - y) <= c.spacing_m) & (
            np.hypot(vx[:, None] - vx, vy[:, None] - vy) <= c.speed_tolerance_mps
        )
        label = components(len(ok), *np.nonzero(near))
        out: list[Finding] = []
        for g in range(int(label.max()) + 1):
            members = ok[label == g]
            ids = tuple(sorted(int(i) for i in scene.ids[members]))
            if len(ids) < c.min_vehicles or self.alerted.intersection(ids):
                continue
            self.alerted.update(ids)
            k = int(members[np.argmin(depth[members])])  # the lead: nearest the line
            evidence = tuple(e for tid in ids for e in scene.evidence(tid)[-3:])
            r = scene.reach
            crossing = None
            if np.isfinite(r.eta_s[k]):
                crossing = (float(r.cross_x[k]), float(r.cross_y[k]), scene.t_s + r.eta_s[k])
            out.append(
                Finding(
                    rule=self.name,
                    priority=c.priority,
                    x=float(scene.x[k]),
                    y=float(scene.y[k]),
                    cls="vehicle",
                    track_ids=ids,
                    evidence=evidence,
                    crossing=crossing,
                    summary=f"convoy of {len(ids)} vehicles {depth[k] / 1000:.1f} km out",
                )
            )
        return out

    def forget(self, live: set[int]) -> None:
        """Drop state of tracks that no longer exist."""
        self.alerted &= live
