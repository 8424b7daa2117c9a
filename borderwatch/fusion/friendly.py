"""Friendly forces: our patrols' own position reports make the tracks they explain friendly.

A patrol's device reports where it is every ~10 s (`Patrol`). A track is vouched for when it
is where a recent report, carried forward by the patrol's own speed and course, puts the
patrol, and moves like it: within `radius_m` and `speed_tolerance_mps`. Vouching lasts
`hold_s` past the last time the track was explained, so a track that parts from the patrol
(someone it passed by) is no longer ours a minute later; a patrol whose reports stop (older
than `report_fresh_s`) vouches for nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from borderwatch.arrays import FloatArray
from borderwatch.fusion.tracks import TrackTable
from borderwatch.geo.projection import to_utm
from borderwatch.messages import Patrol

__all__ = ["FriendlyForces"]


@dataclass(slots=True)
class FriendlyForces:
    """The latest report of each patrol (times in s from the engine's epoch)."""

    epoch_ns: int
    radius_m: float = 150.0
    speed_tolerance_mps: float = 4.0
    report_fresh_s: float = 30.0
    hold_s: float = 60.0
    # (t, lon, lat, vx, vy) by call sign: projected at `vouch`, all at once, not per report
    # (a patrol reports every 10 s; a scene asks every few seconds, for all of them).
    latest: dict[str, tuple[float, float, float, float, float]] = field(default_factory=dict)
    # `_fresh`'s last answer, by time and by how many reports had been taken: a scene asks
    # at one time both to vouch and for where the patrols are (the camera sightings).
    taken: int = field(default=0, init=False, repr=False)
    _last: tuple[float, int, tuple[FloatArray, FloatArray, FloatArray]] | None = field(
        default=None, init=False, repr=False
    )

    def report(self, p: Patrol) -> None:
        """Take one position report (a later one per call sign replaces an earlier one)."""
        t = (p.time_ns - self.epoch_ns) / 1e9
        old = self.latest.get(p.callsign)
        if old is not None and old[0] >= t:
            return
        c = np.radians(p.course_deg)
        vx, vy = p.speed_mps * float(np.sin(c)), p.speed_mps * float(np.cos(c))
        self.latest[p.callsign] = (t, p.lon, p.lat, vx, vy)
        self.taken += 1

    def _fresh(self, t: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """The reports within `report_fresh_s` of time `t` (s), (P, 5) rows of `latest`, and
        where each patrol is at `t` (UTM m), dead-reckoned from its report."""
        if self._last is not None and self._last[:2] == (t, self.taken):
            return self._last[2]
        out = self._project(t)
        self._last = (t, self.taken, out)
        return out

    def _project(self, t: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        rep = np.array(sorted(self.latest.values())).reshape(-1, 5)
        # A report may be newer than `t`: reports are taken as they come, while detections
        # wait in the reorder window, so the scene being judged is often a few s behind the
        # latest report (which replaced the one before it). Dead-reckoned back, it serves.
        rep = rep[np.abs(rep[:, 0] - t) <= self.report_fresh_s]
        if len(rep) == 0:
            return rep, np.empty(0), np.empty(0)
        x, y = to_utm(rep[:, 1], rep[:, 2])
        px = x + (t - rep[:, 0]) * rep[:, 3]
        py = y + (t - rep[:, 0]) * rep[:, 4]
        return rep, np.atleast_1d(px), np.atleast_1d(py)

    def positions(self, t: float) -> FloatArray:
        """Where our patrols are at time `t` (s), (P, 2) UTM m, from their fresh reports."""
        _, px, py = self._fresh(t)
        out: FloatArray = np.stack((px, py), axis=1)
        return out

    def vouch(self, tracks: TrackTable, t: float) -> None:
        """Mark the tracks our patrols explain at time `t` (s): their `friendly_until`."""
        if not self.latest or len(tracks) == 0:
            return
        rep, px, py = self._fresh(t)
        if len(rep) == 0:
            return
        dt = t - tracks.t
        tx = tracks.x[:, 0] + dt * tracks.x[:, 1]
        # Only (track, patrol) pairs as near east-west can be near (with a metre to spare
        # for the rounding of hypot): a handful of all the scene's tracks times patrols.
        i, j = np.nonzero(np.abs(tx[:, None] - px) <= self.radius_m + 1.0)
        if len(i) == 0:
            return
        x = tracks.x[i]
        ty = x[:, 2] + dt[i] * x[:, 3]
        d = np.hypot(tx[i] - px[j], ty - py[j])
        dv = np.hypot(x[:, 1] - rep[j, 3], x[:, 3] - rep[j, 4])
        ours = np.zeros(len(tracks), bool)
        ours[i[(d <= self.radius_m) & (dv <= self.speed_tolerance_mps)]] = True
        tracks.friendly_until[ours] = np.maximum(tracks.friendly_until[ours], t + self.hold_s)
