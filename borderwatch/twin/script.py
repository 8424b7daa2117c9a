"""The exercise's script: what the twin knows and an operator would not, used only to make a
live day watchable. When its hostile crossings are due, when the first of them could first
raise an alert, and so where a live day should start for a newcomer to see something soon.

A whole day at 1x is mostly quiet (`full-border-day`'s first crossing is due 1 h 49 min in,
its group first alertable about 50 min in): started at its real start, a newcomer's queue
stays empty for most of an hour. `live_start_s` starts it a little before the first group
can raise an approach alert instead, worked out from the scenario's own truth and the
engine's approach rule, so it follows the scenario and the rule, never a fixed time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from borderwatch.rules.config import Approach
from borderwatch.twin.stream import TwinRun

__all__ = [
    "LEAD_S",
    "Due",
    "LiveScript",
    "crossings_due",
    "first_alertable_s",
    "live_script",
    "live_start_s",
    "next_due",
]

# How long before the first group can raise an approach alert the live day starts (s of
# scenario time): long enough for the tracker to confirm the group and for the newcomer to see
# tracks first, short enough that the alert comes within two minutes.
LEAD_S = 60.0


@dataclass(frozen=True, slots=True)
class Due:
    """One hostile crossing the script has due: `t_s` s after the scenario's start."""

    t_s: float
    sector: str
    cls: str
    group: str


def crossings_due(run: TwinRun) -> list[Due]:
    """The scenario's hostile inbound crossings outside the posts' corridors, in time order,
    one per group (its first member over the line): what the intrusion queue is for."""
    seen: set[str] = set()
    out: list[Due] = []
    for c in sorted(run.crossings, key=lambda c: c.t):
        if c.hostile and c.inbound and not c.corridor and c.group not in seen:
            seen.add(c.group)
            out.append(Due(c.t, c.sector, c.cls, c.group))
    return out


def first_alertable_s(run: TwinRun, approach: Approach) -> float | None:
    """The earliest scenario second at which the approach rule could fire on a hostile group
    that crosses: its mover inside the approach strip (`depth_m` of the sector's line, on the
    outside, before it crosses), its crossing within the rule's horizon, and its track old
    enough (`min_age_s`). None if no hostile group crosses. An upper bound on the quiet, not a
    promise: a sensor must still see the group there."""
    sectors = {s.id: s.line for s in run.world.sectors}
    movers = {m.id: m for m in run.movers}
    best: float | None = None
    for c in run.crossings:
        if not (c.hostile and c.inbound and not c.corridor):
            continue
        mover, line = movers.get(c.mover), sectors.get(c.sector)
        if mover is None or line is None:
            continue
        before = mover.t <= c.t
        if not before.any():
            continue
        t, x, y = mover.t[before], mover.x[before], mover.y[before]
        near = shapely.distance(shapely.points(x, y), line) <= approach.depth_m
        if not near.any():
            continue
        t_strip = float(t[int(np.argmax(near))])
        t_alert = max(t_strip, c.t - approach.horizon_s) + approach.min_age_s
        best = t_alert if best is None else min(best, t_alert)
    return best


def live_start_s(run: TwinRun, approach: Approach, lead_s: float = LEAD_S) -> float:
    """Where a live day starts to show its first intrusion alert soon: `lead_s` before the
    first group can raise one (0: the scenario's start, if it has none or it is that early)."""
    first = first_alertable_s(run, approach)
    if first is None or not 0.0 < first - lead_s < run.duration_s:
        return 0.0
    return first - lead_s


def next_due(due: list[Due], scenario_s: float) -> Due | None:
    """The first crossing due at or after `scenario_s` (s since the start of its lap)."""
    for d in due:
        if d.t_s >= scenario_s:
            return d
    return None


@dataclass(slots=True)
class LiveScript:
    """The script of a live twin, for the console: where its day started and what is due
    next on the service's clock. `start_ns` is None until the twin sends its first message."""

    scenario: str
    speed: float
    from_s: float  # the scenario second the live day started at
    duration_s: float  # one lap: the twin repeats its day
    due: list[Due]
    start_ns: int | None = None  # where the scenario's start landed on the service's clock

    def next_crossing(self, now_ns: int) -> tuple[int, Due] | None:
        """The next crossing due after `now_ns` (the service's clock), and when (UTC ns)."""
        if self.start_ns is None or not self.due:
            return None
        scenario_s = max(0.0, (now_ns - self.start_ns) / 1e9)
        lap = int(scenario_s // self.duration_s)
        found = next_due(self.due, scenario_s - lap * self.duration_s)
        if found is None:  # none left today: the first of the next lap
            lap, found = lap + 1, self.due[0]
        return self.start_ns + round((lap * self.duration_s + found.t_s) * 1e9), found


def live_script(
    run: TwinRun, approach: Approach, speed: float, from_start: bool = False
) -> LiveScript:
    """The script of `run` live at `speed`: from its start if `from_start`, else where
    something happens (`live_start_s`)."""
    return LiveScript(
        scenario=run.scenario.name,
        speed=speed,
        from_s=0.0 if from_start else live_start_s(run, approach),
        duration_s=run.duration_s,
        due=crossings_due(run),
    )
