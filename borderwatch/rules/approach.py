"""Approach: a person or vehicle on the Libyan side, heading for the barrier, expected to
reach it within the horizon. The earliest warning there is: it buys the patrol its time.

Once per track, and only while a sensor places it (a track kept by camera bearings alone has
an unobserved range and velocity: no basis for a time to the barrier). The alert carries the
predicted crossing point and time, so an operator sees where to send the patrol, and the
alert counts for that place if the track breaks later.
"""

from __future__ import annotations

import numpy as np

from borderwatch.rules.config import Approach
from borderwatch.rules.scene import Finding, Scene

__all__ = ["ApproachRule"]


class ApproachRule:
    """Fires once per track that meets every condition of `Approach`."""

    name = "approach"

    def __init__(self, config: Approach) -> None:
        self.config = config
        self.alerted: set[int] = set()

    def check(self, scene: Scene) -> list[Finding]:
        """Findings for the tracks approaching now."""
        c, r = self.config, scene.reach
        if not scene.eligible.any():
            return []  # most scenes: a dozen column tests spared
        hit = (
            scene.eligible
            & (r.depth_m > 0.0)
            & (r.depth_m <= c.depth_m)
            & (r.closing_mps >= c.min_closing_mps)
            & (r.eta_s <= c.horizon_s)
            & (scene.age_s >= c.min_age_s)
            & (scene.hits >= c.min_hits)
            & (scene.fix_age_s <= c.max_fix_age_s)
        )
        # Heading for a crossing post on its road: legal traffic, not an approach.
        to_post = np.zeros(len(hit), bool)
        if hit.any():
            to_post[hit] = scene.on_legal_road(r.cross_x[hit], r.cross_y[hit])
        out: list[Finding] = []
        for k in np.flatnonzero(hit & ~to_post).tolist():
            tid = int(scene.ids[k])
            if tid in self.alerted:
                continue
            self.alerted.add(tid)
            cls = scene.cls(k)
            eta = float(r.eta_s[k])
            group = int(scene.group_size[k])
            who = f"group of {group} tracks, {cls}" if group > 1 else cls
            out.append(
                Finding(
                    rule=self.name,
                    priority=c.priority_vehicle if cls == "vehicle" else c.priority_person,
                    x=float(scene.x[k]),
                    y=float(scene.y[k]),
                    cls=cls,
                    track_ids=(tid,),
                    evidence=scene.evidence(tid),
                    crossing=(float(r.cross_x[k]), float(r.cross_y[k]), scene.t_s + eta),
                    summary=(
                        f"{who} {r.depth_m[k] / 1000:.1f} km out, closing at"
                        f" {r.closing_mps[k]:.1f} m/s: at the barrier in ~{eta / 60:.0f} min"
                    ),
                )
            )
        return out

    def forget(self, live: set[int]) -> None:
        """Drop state of tracks that no longer exist."""
        self.alerted &= live
