"""Crossing: a track goes over the barrier line from the Libyan side into Tunisia.

A track has to have been at least `min_depth_m` out on the Libyan side (so a track born on
the line and jittering across it does not fire) and be placed by a sensor within
`max_fix_age_s` (a track kept on camera bearings alone drifts in range: it may "cross" on
paper); the alert is at the crossing point,
interpolated between the two scenes either side of it.
"""

from __future__ import annotations

import numpy as np

from borderwatch.rules.config import Crossing
from borderwatch.rules.scene import Finding, Scene

__all__ = ["CrossingRule"]


class CrossingRule:
    """Fires when an eligible track that was out on the Libyan side is now on ours."""

    name = "crossing"

    def __init__(self, config: Crossing) -> None:
        self.config = config
        # Track id -> (x, y, depth) at the last scene it was out on the Libyan side.
        self.outside: dict[int, tuple[float, float, float]] = {}

    def check(self, scene: Scene) -> list[Finding]:
        """Findings for the tracks that crossed since the last scene."""
        c = self.config
        depth = scene.reach.depth_m
        out: list[Finding] = []
        inside = np.flatnonzero(depth < 0.0)
        for k, tid in zip(inside.tolist(), scene.ids[inside].tolist(), strict=True):
            was = self.outside.pop(tid, None)
            if was is None or not scene.eligible[k] or scene.fix_age_s[k] > c.max_fix_age_s:
                continue
            px, py, pd = was
            # Linear interpolation to the line between the two positions.
            u = pd / (pd - float(depth[k]))
            cx = px + u * (float(scene.x[k]) - px)
            cy = py + u * (float(scene.y[k]) - py)
            cls = scene.cls(k)
            out.append(
                Finding(
                    rule=self.name,
                    priority=c.priority,
                    x=cx,
                    y=cy,
                    cls=cls,
                    track_ids=(tid,),
                    evidence=scene.evidence(tid),
                    crossing=(cx, cy, scene.t_s),
                    summary=f"{cls} crossed the barrier into Tunisia",
                )
            )
        out_now = np.flatnonzero(depth >= c.min_depth_m)
        # Columns to Python lists at once, not element by element (most tracks are out).
        columns = (scene.ids, scene.x, scene.y, depth)
        for tid, x, y, d in zip(*(col[out_now].tolist() for col in columns), strict=True):
            self.outside[tid] = (x, y, d)
        return out

    def forget(self, live: set[int]) -> None:
        """Drop state of tracks that no longer exist."""
        for tid in set(self.outside) - live:
            del self.outside[tid]
