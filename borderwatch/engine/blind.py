"""The berm's blind stretches now, merged into runs an operator can act on.

The engine's own `BermCoverage` (`rules.coverage`, the one the line-breach rule asks) says
which 100 m stretches have no working confirmer at an event time (`blind_stretches`). An
operator does not want 40 stretches: they want "km 3.2 to 7.1 of N03, tower T05's radar and
camera down" and who can go there. So consecutive blind stretches of one sector are merged
into a run when they are blind for the same kind of reason:

- `down`: the stretch has confirmers in the layout, and none works now; the run says which,
  and why each fails (its own `down`/`tampered` report, `silent`: not heard within its
  kind's missed heartbeats, or `never_heard`). It ends when the sensors come back.
- `unknown`: its confirmers have never been heard at all (a sector not fielded yet, a twin
  run on another sector): blind to the rules (a fibre trigger there alerts on its own) but
  not a fault, as a sensor never heard is "unknown", not "down", in the health queue.
- `never_covered`: no confirmer stands there at all (out of every radar's and camera's
  reach, in a radar shadow): a gap of the layout, blind whatever the sensors do.

Computed at most once per scene (`scene_s` of event time) and per change of any sensor's
own health report: the API may be asked every second by every console, and a walk over the
~2,000 stretches of the whole berm is a few milliseconds, not nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from shapely.geometry import LineString
from shapely.ops import substring

from borderwatch.engine.picture import Picture
from borderwatch.rules.coverage import DOWN, BermCoverage

__all__ = ["BlindKind", "BlindRun", "BlindRuns", "Confirmer", "blind_runs"]

BlindKind = Literal["down", "unknown", "never_covered"]


@dataclass(frozen=True, slots=True)
class Confirmer:
    """A sensor that could confirm a trigger on the run and cannot now, and why: its own
    report (`down`, `tampered`), `silent` (no message within its missed heartbeats) or
    `never_heard`."""

    sensor_id: str
    state: str


@dataclass(frozen=True, slots=True)
class BlindRun:
    """Consecutive blind stretches of one sector's berm, metres `start_m`..`end_m` along its
    watch line; `line` is that piece of the line (UTM 32N), `x`, `y` its middle."""

    sector: str
    start_m: float
    end_m: float
    kind: BlindKind
    confirmers: tuple[Confirmer, ...]  # empty for `never_covered`
    line: LineString
    x: float
    y: float


def _why(coverage: BermCoverage, sensor_id: str) -> str:
    """Why a confirmer that does not work fails (`works` said it does not; this only
    explains): its own report if that is what fails it, else its silence, `never_heard` if
    nothing ever came from it (a sensor not fielded yet, a twin run on another sector)."""
    health = coverage.health.get(sensor_id, "ok")
    if health in DOWN:
        return health
    return "silent" if sensor_id in coverage.heard else "never_heard"


def _kind(coverage: BermCoverage, confirmers: tuple[str, ...]) -> BlindKind:
    """A blind stretch's kind (see the module doc)."""
    if not confirmers:
        return "never_covered"
    if all(_why(coverage, c) == "never_heard" for c in confirmers):
        return "unknown"
    return "down"


def blind_runs(coverage: BermCoverage, t_s: float) -> list[BlindRun]:
    """The blind stretches at `t_s` (s from the picture's epoch) as runs, sector by sector
    in the layout's order, along each sector's line."""
    blind = {id(s): _kind(coverage, s.confirmers) for s in coverage.blind_stretches(t_s)}
    runs: list[BlindRun] = []
    for sector, line, first, count in coverage.lines:
        k = 0
        while k < count:
            s = coverage.stretches[first + k]
            kind = blind.get(id(s))
            if kind is None:
                k += 1
                continue
            names: set[str] = set(s.confirmers)
            end = k + 1
            while end < count:
                nxt = coverage.stretches[first + end]
                if blind.get(id(nxt)) != kind:
                    break
                names.update(nxt.confirmers)
                end += 1
            start_m, end_m = s.start_m, coverage.stretches[first + end - 1].end_m
            piece = substring(line, start_m, end_m)
            middle = line.interpolate((start_m + end_m) / 2.0)
            runs.append(
                BlindRun(
                    sector=sector,
                    start_m=start_m,
                    end_m=end_m,
                    kind=kind,
                    confirmers=tuple(Confirmer(n, _why(coverage, n)) for n in sorted(names)),
                    line=piece if isinstance(piece, LineString) else LineString([middle, middle]),
                    x=float(middle.x),
                    y=float(middle.y),
                )
            )
            k = end
    return runs


class BlindRuns:
    """`blind_runs` of a live picture, kept for the rest of its scene (see the module doc)."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._runs: list[BlindRun] = []
        self.computed = 0  # how many times the runs were walked (not served from the cache)

    def key(self, picture: Picture) -> tuple[object, ...] | None:
        """What the runs depend on: the coverage object (by identity: a restored picture's
        is another), the scene the picture's event clock is in, and every sensor's own
        health report.
        None: the picture has no berm (no layout), or no time yet (made for an operator's
        action before any sensor spoke)."""
        coverage = picture.coverage
        if coverage is None or not math.isfinite(picture.window.now_s):
            return None
        scene = math.floor(picture.window.now_s / picture.snapshot_s)
        return (coverage, scene, tuple(sorted(coverage.health.items())))

    def of(self, picture: Picture) -> list[BlindRun]:
        """The runs at the picture's event time now (cached per scene and health)."""
        key = self.key(picture)
        if key is None or picture.coverage is None:
            return []
        if key != self._key:
            self._runs = blind_runs(picture.coverage, picture.window.now_s)
            self._key = key
            self.computed += 1
        return self._runs
