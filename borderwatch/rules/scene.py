"""What the rules look at and what they say: the track picture at one moment (`Scene`), and
one rule's verdict (`Finding`), which the alerter turns into an `Alert`.

A scene holds the confirmed tracks as columns (numpy), already judged once for what every
rule needs: their class, whether they may alert at all (not ours, not legal traffic on a
crossing's road, more likely a person or a vehicle than anything else), and where they stand
against the barrier line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from borderwatch.arrays import BoolArray, FloatArray, IntArray
from borderwatch.messages import CLASSES, ClassName
from borderwatch.rules.barrier import Reach

__all__ = ["Finding", "Scene"]


@dataclass(frozen=True, slots=True)
class Scene:
    """Confirmed tracks at event time `t_s` (s from the engine's epoch), (K,) columns; UTM
    metres and m/s. `classes` (K, 4) posterior in `CLASSES` order; `threat` is the
    probability of person or vehicle; `eligible` tracks may raise intrusion alerts (not
    ours, not in a road corridor, likely a threat, established: see the rules file);
    `group_size` counts the tracks moving with it (itself included); `sector` is each
    track's sector; `fix_age_s` is how long since a sensor placed the
    track (not a bearing alone);
    `evidence(id)` gives the detection keys behind a track; `on_legal_road(x, y)` whether
    points lie in a crossing's road corridor (widened by the rules' margin); `patrols()`
    where our patrols are by their own reports, (P, 2), worked out only when asked."""

    t_s: float
    ids: IntArray
    x: FloatArray
    y: FloatArray
    vx: FloatArray
    vy: FloatArray
    classes: FloatArray
    age_s: FloatArray
    fix_age_s: FloatArray
    hits: IntArray
    group_size: IntArray
    friendly: BoolArray
    in_corridor: BoolArray
    sector: list[str]
    reach: Reach
    threat: FloatArray
    eligible: BoolArray
    evidence: Callable[[int], tuple[str, ...]]
    on_legal_road: Callable[[FloatArray, FloatArray], BoolArray]
    patrols: Callable[[], FloatArray] = field(default=lambda: np.empty((0, 2)))

    def __len__(self) -> int:
        return len(self.ids)

    def cls(self, k: int) -> ClassName:
        """Track k's class as an alert names it: person or vehicle for a threat, else the
        most likely one."""
        c = self.classes[k]
        if self.threat[k] >= 0.5:
            return "person" if c[0] >= c[1] else "vehicle"
        return CLASSES[int(np.argmax(c))]

    def speed(self) -> FloatArray:
        """Ground speed per track, m/s."""
        out: FloatArray = np.hypot(self.vx, self.vy)
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's verdict: an alert to raise, before it has an id. Positions in UTM metres;
    `crossing` is the predicted (or observed) crossing point and its time, s from the epoch."""

    rule: str
    priority: int
    x: float
    y: float
    summary: str
    category: str = "intrusion"
    cls: ClassName = "unknown"
    track_ids: tuple[int, ...] = ()
    evidence: tuple[str, ...] = ()
    crossing: tuple[float, float, float] | None = None
    sector: str | None = None
    subject: str = field(default="")  # what a system alert is about (a sensor, a sector)
