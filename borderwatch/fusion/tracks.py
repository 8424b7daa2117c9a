"""The track table: every track of a sector as rows of fixed arrays (struct of arrays).

No object per track: predict, gate and update work on whole columns at once. Rows are
appended at the end and removed by compaction, so a row index is only valid within one step;
the stable name of a track is its `id`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from borderwatch.arrays import BoolArray, FloatArray, IntArray

__all__ = ["CONFIRMED", "TENTATIVE", "TrackTable"]

TENTATIVE, CONFIRMED = 0, 1
COLUMNS = (
    "x",
    "P",
    "t",
    "id",
    "status",
    "hits",
    "born",
    "last_hit",
    "last_fix",
    "logc",
    "friendly_until",
    "score",
    "bias",
)


@dataclass(slots=True)
class TrackTable:
    """Columns, one row per live track. `x` (N, 4) [x, vx, y, vy] in UTM m and m/s; `P`
    (N, 4, 4); `t` (N,) time of the state, s; `status` TENTATIVE or CONFIRMED; `hits` updates
    so far; `born`, `last_hit` (any update) and `last_fix` (an update that placed it: not a
    bearing alone) times, s; `logc` (N, 4) log class posterior in `CLASSES` order (up to a
    constant); `friendly_until` time (s) until which a patrol's report vouches for it; `score`
    the summed log likelihood ratio, target against clutter, of its updates after the first
    (the track score the confirmation test reads); `bias` (N, 2) the fading average of its placing
    updates' whitened innovations (see `maneuver`)."""

    x: FloatArray = field(default_factory=lambda: np.zeros((0, 4)))
    P: FloatArray = field(default_factory=lambda: np.zeros((0, 4, 4)))
    t: FloatArray = field(default_factory=lambda: np.zeros(0))
    id: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    status: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    hits: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    born: FloatArray = field(default_factory=lambda: np.zeros(0))
    last_hit: FloatArray = field(default_factory=lambda: np.zeros(0))
    last_fix: FloatArray = field(default_factory=lambda: np.zeros(0))
    logc: FloatArray = field(default_factory=lambda: np.zeros((0, 4)))
    friendly_until: FloatArray = field(default_factory=lambda: np.zeros(0))
    score: FloatArray = field(default_factory=lambda: np.zeros(0))
    bias: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))
    next_id: int = 1

    def __len__(self) -> int:
        return len(self.id)

    def add(self, x: FloatArray, P: FloatArray, t: float, logc: FloatArray) -> IntArray:
        """Append tentative tracks with states (K, 4), covariances (K, 4, 4) and log class
        posteriors (K, 4); returns ids."""
        k = len(x)
        ids = np.arange(self.next_id, self.next_id + k, dtype=np.int64)
        self.next_id += k
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        self.t = np.concatenate((self.t, np.full(k, t)))
        self.id = np.concatenate((self.id, ids))
        self.status = np.concatenate((self.status, np.full(k, TENTATIVE, np.int64)))
        self.hits = np.concatenate((self.hits, np.ones(k, np.int64)))
        self.born = np.concatenate((self.born, np.full(k, t)))
        self.last_hit = np.concatenate((self.last_hit, np.full(k, t)))
        self.last_fix = np.concatenate((self.last_fix, np.full(k, t)))
        self.logc = np.concatenate([self.logc, logc])
        self.friendly_until = np.concatenate((self.friendly_until, np.full(k, -np.inf)))
        self.score = np.concatenate((self.score, np.zeros(k)))
        self.bias = np.concatenate((self.bias, np.zeros((k, 2))))
        return ids

    def copy(self) -> TrackTable:
        """A copy whose arrays are its own (updates write into the arrays in place)."""
        return TrackTable(
            **{name: getattr(self, name).copy() for name in COLUMNS}, next_id=self.next_id
        )

    def keep(self, rows: BoolArray) -> None:
        """Drop every row where `rows` is False."""
        for name in COLUMNS:
            setattr(self, name, getattr(self, name)[rows])
