"""The reorder window: detections binned by whole seconds of event time, each second released
once the clock has moved `window_s` past it, so detections up to `window_s` late still count
and a run is the same whatever their arrival order within the window. Later ones are counted
and dropped.

The clock is the service's, not the senders': the time each message *arrived* (logged with
it, so a replay sees the same clock). A sender cannot move it: one that stamps its messages
ahead of their arrival is refused or corrected before the window (`engine.clocks`), and its
stamps never make anyone else's detections late. After a gap of any length the clock simply
jumps with the first new arrival. For a run file, which has no arrival times, the clock is
the newest event time taken in (a twin's file is in arrival order already).
"""

from __future__ import annotations

import math
import operator
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from borderwatch.messages import Detection

__all__ = ["ReorderWindow"]

_ORDER = operator.attrgetter("time_ns", "sensor_id", "seq")  # C, not a lambda per detection


@dataclass(slots=True)
class ReorderWindow:
    """Times are float seconds from the picture's epoch."""

    window_s: float = 2.0
    # A time this long before the epoch (the minute of the log's first event) is refused:
    # the event-time arithmetic counts from the epoch.
    max_before_s: float = 3600.0
    bins: dict[int, list[Detection]] = field(default_factory=lambda: defaultdict(list))
    released_to: int = -(2**62)  # every tick below this has been released
    now_s: float = -math.inf  # the clock: the latest arrival (or event) time seen
    dropped: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # by reason
    accepted: int = 0  # a plain int: counted once per message
    # The smallest tick held: lets `due` answer "anything to release?" without looking at
    # the bins, since it is asked once per message (millions a day).
    first_held: float = math.inf

    def add(self, det: Detection, t: float) -> bool:
        """Hold one detection at event time `t`; whether it was accepted."""
        if t < -self.max_before_s:
            self.dropped["rejected: time before the log"] += 1
            return False
        tick = math.floor(t)
        if tick < self.released_to:
            self.dropped["late: beyond the reorder window"] += 1
            return False
        self.bins[tick].append(det)
        if tick < self.first_held:
            self.first_held = tick
        self.accepted += 1
        return True

    @property
    def counts(self) -> dict[str, int]:
        """What happened to the detections: accepted, and dropped by reason."""
        out = dict(self.dropped)
        if self.accepted:
            out["accepted"] = self.accepted
        return out

    def clock(self, t: float) -> None:
        """The clock reads `t` (an arrival time; it never goes back)."""
        if t > self.now_s:
            self.now_s = t

    def due(self) -> bool:
        """Whether a held second's window has passed (cheap: asked once per message)."""
        return self.first_held + 1 <= self.now_s - self.window_s

    def ready(self, flush: bool = False) -> Iterator[tuple[float, list[Detection]]]:
        """Seconds whose window has passed, in order: (end time of the tick, its detections,
        sorted by time then sensor then sequence so arrival order does not matter)."""
        if not (flush or self.due()):
            return
        limit = math.inf if flush else self.now_s - self.window_s
        for tick in sorted(k for k in self.bins if k + 1 <= limit):
            dets = self.bins.pop(tick)
            dets.sort(key=_ORDER)
            self.released_to = max(self.released_to, tick + 1)
            yield float(tick + 1), dets
        self.first_held = min(self.bins, default=math.inf)
