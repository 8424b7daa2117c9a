"""Senders' clocks against the service's: how far ahead of its arrival each source stamps its
messages, and what to do with a source whose clock runs ahead.

A message arrives after it was made (link latency), so `time - arrival` is normally a little
negative; a source whose stamps are ahead of their arrival by more than `skew_s` has a clock
that is off (a GPS-less sensor after a reboot, a misconfigured gateway, or someone pushing the
picture's clock). Its messages are refused (`skew_policy = "refuse"`), or stamped with their
arrival time instead (`"correct"`), so they never move the reorder window's clock or make
anyone else's detections late. Each source's latest offset is kept, smoothed, for the
equipment view; a source's state changes (clock off, clock back) are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["SourceClocks"]

# Smoothing of a source's offset (an exponential average over about this many messages): one
# message delayed in a queue does not make a clock "off", a clock that is off stays so.
SMOOTHING = 0.1


@dataclass(slots=True)
class SourceClocks:
    """Offsets (s, message time minus arrival time) per source id."""

    skew_s: float = 5.0
    policy: Literal["refuse", "correct"] = "refuse"
    offset_s: dict[str, float] = field(default_factory=dict)
    off: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def judge(self, source: str, t: float, arrived: float) -> float | None:
        """The event time to use for a message of `source` stamped `t` that arrived at
        `arrived` (both s): `t`, `arrived` if corrected, or None if refused."""
        ahead = t - arrived
        old = self.offset_s.get(source)
        self.offset_s[source] = ahead if old is None else old + SMOOTHING * (ahead - old)
        if ahead <= self.skew_s:
            if source in self.off and self.offset_s[source] <= self.skew_s:
                self.off.discard(source)
                self._count("clock back in step")
            return t
        if source not in self.off:
            self.off.add(source)
            self._count("clock off")
        if self.policy == "correct":
            self._count("corrected: time ahead of arrival")
            return arrived
        self._count("rejected: time ahead of arrival")
        return None

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
