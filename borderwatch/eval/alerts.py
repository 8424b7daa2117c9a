"""Scoring alerts against the truth: which crossing events they cover, and which are nuisances.

Only intrusion alerts (`category` = `intrusion`) are scored; `system` alerts (our own
equipment) are only counted. With an alert at time t_a and place a (UTM 32N metres):

- it *covers* event e (time t_e, crossing point x_e, group g_e) when t_a ≤ t_e + 60 s and
  either |a − p_m(t_a)| ≤ 500 m for a mover m of g_e existing at t_a (p_m its true position:
  the alert is about that group, however early), or, from 30 min before the crossing on,
  |a − x_e| ≤ 500 m or its `predicted_crossing` point is within 500 m of x_e (the alert is
  about that place; without the look-back a nuisance alarm hours earlier at the same gap would
  count as a warning);
- it is a *nuisance* when it covers no event and no hostile mover is within 500 m of a at
  t_a or 30 s before (an alert comes seconds after what it saw: the reorder window, the next
  scene; a group picked up, or at the end of the run's truth, is gone by then);
- it is *on a friendly* when a mover with `friendly` is within 200 m at t_a, and *on corridor
  traffic* when a mover of kind `traffic` is within 200 m at t_a and is then inside a crossing's
  road corridor;
- its class is *checked* when the nearest mover (any kind) at t_a is within 500 m, and *right*
  when its `cls` equals that mover's.

Alerts are processed in time order, in blocks, against only the movers existing during the
block, so memory stays bounded (`truth.PAIR_BUDGET`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from borderwatch.errors import DataError
from borderwatch.eval.crossings import NO_ALERT, Events
from borderwatch.eval.truth import PAIR_BUDGET, Truth
from borderwatch.geo import to_utm
from borderwatch.messages import Alert, decode_lines

__all__ = [
    "CLASS_RADIUS_M",
    "CORRIDOR_RADIUS_M",
    "COVER_EARLY_S",
    "COVER_LATE_S",
    "COVER_RADIUS_M",
    "FRIENDLY_RADIUS_M",
    "HOSTILE_RADIUS_M",
    "AlertMatch",
    "AlertSet",
    "alert_set",
    "match_alerts",
    "read_alerts",
]

COVER_RADIUS_M = 500.0
COVER_LATE_S = 60.0
COVER_EARLY_S = 1800.0
HOSTILE_RADIUS_M = 500.0
HOSTILE_LAG_S = 30.0  # ... or was there this long before the alert
FRIENDLY_RADIUS_M = 200.0
CORRIDOR_RADIUS_M = 200.0
CLASS_RADIUS_M = 500.0

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]
CorridorTest = Callable[[FloatArray, FloatArray], BoolArray]


@dataclass(frozen=True, slots=True)
class AlertSet:
    """Intrusion alerts as (A,) arrays, positions in UTM 32N metres (`pred_*` NaN where the
    alert has no predicted crossing); `system` counts the system alerts left out."""

    ids: tuple[str, ...]
    t_ns: IntArray
    x: FloatArray
    y: FloatArray
    pred_x: FloatArray
    pred_y: FloatArray
    cls: StrArray
    system: int

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class AlertMatch:
    """The outcome per event (`first_alert_ns`, (E,), `NO_ALERT` if none) and per alert, (A,)."""

    first_alert_ns: IntArray
    covers: BoolArray
    near_hostile: BoolArray
    on_friendly: BoolArray
    on_corridor: BoolArray
    nearest_cls: StrArray  # "" where no mover is within CLASS_RADIUS_M

    @property
    def nuisance(self) -> BoolArray:
        """Alerts that cover no event and are near no hostile mover."""
        return ~self.covers & ~self.near_hostile


def read_alerts(path: Path) -> tuple[list[Alert], int]:
    """Alerts in a JSON-lines file, and the number of lines that were not valid alerts."""
    alerts: list[Alert] = []
    bad = 0
    try:
        with path.open("rb") as f:
            for item in decode_lines(f):
                if isinstance(item, Alert):
                    alerts.append(item)
                else:
                    bad += 1
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    return alerts, bad


def alert_set(alerts: Iterable[Alert]) -> AlertSet:
    """The intrusion alerts as arrays, projected to UTM 32N; system alerts only counted."""
    every = list(alerts)
    intr = [a for a in every if a.category == "intrusion"]
    x, y = to_utm([a.lon for a in intr], [a.lat for a in intr])
    pc = [a.predicted_crossing for a in intr]
    plon = [np.nan if p is None else p.lon for p in pc]
    plat = [np.nan if p is None else p.lat for p in pc]
    px, py = to_utm(plon, plat)
    has = np.array([p is not None for p in pc], bool)
    return AlertSet(
        ids=tuple(a.id for a in intr),
        t_ns=np.array([a.time_ns for a in intr], np.int64),
        x=np.asarray(x, np.float64).reshape(-1),
        y=np.asarray(y, np.float64).reshape(-1),
        pred_x=np.where(has, np.asarray(px, np.float64).reshape(-1), np.nan),
        pred_y=np.where(has, np.asarray(py, np.float64).reshape(-1), np.nan),
        cls=np.array([a.cls for a in intr], dtype="<U16"),
        system=len(every) - len(intr),
    )


def _rowmin(D: FloatArray, cols: BoolArray) -> FloatArray:
    """Row-wise min of D over the columns `cols`; inf where there are none."""
    out: FloatArray = np.min(D[:, cols], axis=1, initial=np.inf)
    return out


def _group_min(D: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
    """(A, n_groups + 1) nearest distance to each group's movers (columns of D); the last
    column, for group -1, is inf."""
    out = np.full((D.shape[0], n_groups + 1), np.inf)
    if D.shape[1] == 0:
        return out
    perm = np.argsort(group, kind="stable")
    g = group[perm]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    out[:, g[starts]] = np.minimum.reduceat(D[:, perm], starts, axis=1)
    return out


def match_alerts(
    alerts: AlertSet, events: Events, truth: Truth, corridor: CorridorTest
) -> AlertMatch:
    """Match intrusion alerts to crossing events and movers (definitions in the module doc)."""
    mv = truth.movers
    n = len(alerts)
    first = np.full(len(events), NO_ALERT, np.int64)
    covers, near_hostile, on_friendly, on_corridor = (np.zeros(n, bool) for _ in range(4))
    nearest_cls = np.full(n, "", dtype="<U16")
    order = np.argsort(alerts.t_ns, kind="stable")
    ts = alerts.t_ns[order]
    late = round(COVER_LATE_S * 1e9)
    early = round(COVER_EARLY_S * 1e9)
    ev_group = np.where(events.group >= 0, events.group, len(mv.groups))
    max_step = PAIR_BUDGET // max(len(events), 1)
    for chunk in truth.chunks(ts, max_step=max_step):
        a = order[chunk.lo : chunk.hi]
        t, ax, ay = ts[chunk.lo : chunk.hi], alerts.x[a], alerts.y[a]
        cols, xy = chunk.cols, chunk.xy
        D = np.hypot(xy[..., 0] - ax[:, None], xy[..., 1] - ay[:, None])
        D[np.isnan(D)] = np.inf
        # Events covered.
        d_cross = np.hypot(ax[:, None] - events.x, ay[:, None] - events.y)
        d_pred = np.hypot(alerts.pred_x[a, None] - events.x, alerts.pred_y[a, None] - events.y)
        d_group = _group_min(D, mv.group[cols], len(mv.groups))[:, ev_group]
        place = np.fmin(d_cross, d_pred)  # fmin: no predicted crossing (NaN) is no match
        place = np.where(t[:, None] >= events.t_ns - early, place, np.inf)
        near = np.minimum(place, d_group)
        cover = (t[:, None] <= events.t_ns + late) & (near <= COVER_RADIUS_M)
        first = np.minimum(
            first, np.where(cover, t[:, None], NO_ALERT).min(axis=0, initial=NO_ALERT)
        )
        covers[a] = cover.any(axis=1)
        # Movers near the alert.
        hostile = _rowmin(D, mv.hostile[cols]) <= HOSTILE_RADIUS_M
        if (~hostile).any() and mv.hostile[cols].any():
            # An alert comes seconds after what it saw (the reorder window, the next
            # scene); a group picked up, or at the end of the run's truth, is gone by then.
            k = np.flatnonzero(~hostile)
            back = truth.positions_at(t[k] - round(HOSTILE_LAG_S * 1e9), cols)
            Db = np.hypot(back[..., 0] - ax[k, None], back[..., 1] - ay[k, None])
            Db[np.isnan(Db)] = np.inf
            hostile[k] = _rowmin(Db, mv.hostile[cols]) <= HOSTILE_RADIUS_M
        near_hostile[a] = hostile
        on_friendly[a] = _rowmin(D, mv.friendly[cols]) <= FRIENDLY_RADIUS_M
        traffic = mv.kind[cols] == "traffic"
        if traffic.any():
            inside = corridor(xy[:, traffic, 0], xy[:, traffic, 1])
            d_traffic = np.where(inside, D[:, traffic], np.inf)
            on_corridor[a] = d_traffic.min(axis=1) <= CORRIDOR_RADIUS_M
        if cols.size:
            j = D.argmin(axis=1)
            within = D[np.arange(len(a)), j] <= CLASS_RADIUS_M
            nearest_cls[a] = np.where(within, mv.cls[cols[j]], "")
    return AlertMatch(first, covers, near_hostile, on_friendly, on_corridor, nearest_cls)
