"""Crossing events, and how many of them the alerts caught (Pd) and how early.

A *crossing event* is what an alerter must catch: truth crossings with `hostile`, `inbound`
(Libya → Tunisia) and not `corridor` (legal traffic on a crossing's road). Crossings of the
same `group` within `MERGE_WINDOW_S` (600 s) of the first crossing of the group's current
event are ONE event, whose time, place, sector and class are those of that first crossing (a
group of three walking over the berm together is one intrusion). A later crossing of the group
starts a new event.

Pd = detected events / events, with a two-sided 95 % Clopper–Pearson interval; `pd_lower95` is
its lower end (the standard asks Pd ≥ 0.90 at 95 % confidence). Time to alert of a detected
event = earliest covering alert time − event time, seconds (negative: warned before).

Each event carries the tactic of its group's first crossing (`truth`'s `tactic`: `walk-in`,
`outage:tower`, `herd`, ...; "untagged" where the truth has none). `tactic_table` gives Pd
per tactic, and per family (`outage` pools `outage:*`), with a Wilson 95 % interval (close
to nominal coverage near Pd = 1, where Clopper–Pearson is conservative), and the time to alert.

Radar coverage of an event is decided at its crossing point by the run's site layout
(`Layout.radar_covers`), with the reach of the event's class: a person is "under radar" within
a radar's person detection range, a vehicle within its vehicle range. The issue's bar for people
on foot is about crossings where radar covers; elsewhere only fibre and ground sensors watch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from borderwatch.eval.stats import clopper_pearson, wilson
from borderwatch.eval.truth import Crossings
from borderwatch.geo.sites import Layout, RadarTarget

__all__ = [
    "MERGE_WINDOW_S",
    "NO_ALERT",
    "REPORTED_CLASSES",
    "Events",
    "coverage_table",
    "crossing_events",
    "pd_summary",
    "pd_table",
    "radar_covered",
    "seconds_to_alert",
    "subset_summary",
    "tactic_table",
    "time_to_alert",
    "tta_stats",
]

MERGE_WINDOW_S = 600.0
UNTAGGED = "untagged"
REPORTED_CLASSES = ("person", "vehicle")
# First-alert time of an event no alert covers.
NO_ALERT = np.iinfo(np.int64).max

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]


@dataclass(frozen=True, slots=True)
class Events:
    """Crossing events, (E,) arrays in time order; `group` indexes `Movers.groups` (-1 if the
    group has no mover in the truth file)."""

    t_ns: IntArray
    x: FloatArray
    y: FloatArray
    sector: StrArray
    cls: StrArray
    group: IntArray
    tactic: StrArray

    def __len__(self) -> int:
        return len(self.t_ns)


def crossing_events(crossings: Crossings, window_s: float = MERGE_WINDOW_S) -> Events:
    """Hostile inbound non-corridor crossings, merged per group within `window_s` of the
    event's first crossing."""
    c = crossings
    idx = np.flatnonzero(c.hostile & c.inbound & ~c.corridor)
    idx = idx[np.argsort(c.t_ns[idx], kind="stable")]
    window = round(window_s * 1e9)
    first: list[int] = []
    open_since: dict[str, int] = {}  # group -> time of its current event's first crossing
    for i in idx:
        g, t = str(c.group_id[i]), int(c.t_ns[i])
        start = open_since.get(g)
        if start is None or t - start > window:
            open_since[g] = t
            first.append(int(i))
    keep = np.asarray(first, np.int64)
    tactic = (
        np.where(c.tactic[keep] == "", UNTAGGED, c.tactic[keep]) if keep.size else c.tactic[keep]
    )
    return Events(
        c.t_ns[keep], c.x[keep], c.y[keep], c.sector[keep], c.cls[keep], c.group[keep], tactic
    )


def pd_summary(detected: BoolArray) -> dict[str, Any]:
    """`crossings`, `detected`, `pd` (None if no events), `pd_ci95` [lo, hi], `pd_lower95`."""
    n, k = int(detected.size), int(detected.sum())
    lo, hi = clopper_pearson(k, n)
    return {
        "crossings": n,
        "detected": k,
        "pd": k / n if n else None,
        "pd_ci95": [lo, hi],
        "pd_lower95": lo,
    }


def _row(detected: BoolArray) -> dict[str, Any]:
    s = pd_summary(detected)
    return {key: s[key] for key in ("crossings", "detected", "pd", "pd_lower95")}


def pd_table(
    events: Events, detected: BoolArray, sectors: tuple[str, ...]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Pd per sector (every scenario sector, plus any other an event fell in) and per class
    (person and vehicle, plus any other class an event had)."""
    sector_ids = list(sectors) + sorted(set(events.sector.tolist()) - set(sectors))
    classes = list(REPORTED_CLASSES) + sorted(set(events.cls.tolist()) - set(REPORTED_CLASSES))
    per_sector = {s: _row(detected[events.sector == s]) for s in sector_ids}
    per_class = {k: _row(detected[events.cls == k]) for k in classes}
    return per_sector, per_class


def time_to_alert(events: Events, first_alert_ns: IntArray) -> FloatArray:
    """Seconds from each detected event to its earliest covering alert (negative = before)."""
    seconds = seconds_to_alert(events, first_alert_ns)
    out: FloatArray = seconds[first_alert_ns != NO_ALERT]
    return out


def tta_stats(seconds: FloatArray) -> dict[str, float | None]:
    """Median and 90th percentile of times to alert (None where there are none)."""
    return {
        "time_to_alert_median_s": float(np.median(seconds)) if seconds.size else None,
        "time_to_alert_p90_s": float(np.percentile(seconds, 90)) if seconds.size else None,
    }


def seconds_to_alert(events: Events, first_alert_ns: IntArray) -> FloatArray:
    """Per event, seconds from the event to its earliest covering alert; NaN if none."""
    hit = first_alert_ns != NO_ALERT
    # NO_ALERT is int64 max: subtract only where hit, so nothing overflows.
    gap = np.where(hit, first_alert_ns - np.where(hit, events.t_ns, 0), 0)
    seconds: FloatArray = np.where(hit, gap.astype(np.float64) / 1e9, np.nan)
    return seconds


def radar_covered(events: Events, layout: Layout) -> BoolArray:
    """Whether each event's crossing point is in radar cover for its class (people: the
    radars' person range; vehicles: their vehicle range; anything else: the full range)."""
    out = np.zeros(len(events), bool)
    targets: dict[str, RadarTarget] = {"person": "person", "vehicle": "vehicle"}
    for cls in set(events.cls.tolist()):
        m = events.cls == cls
        out[m] = layout.radar_covers(events.x[m], events.y[m], targets.get(cls, "any"))
    return out


def coverage_table(detected: BoolArray, covered: BoolArray) -> dict[str, dict[str, Any]]:
    """Pd of events in radar cover ("radar") and outside it ("no_radar")."""
    return {"radar": _row(detected[covered]), "no_radar": _row(detected[~covered])}


def subset_summary(detected: BoolArray, seconds: FloatArray, mask: BoolArray) -> dict[str, Any]:
    """Pd (with its interval) and time to alert of the events in `mask`; `seconds` from
    `seconds_to_alert`. `time_to_alert_s` lists every detected event's time, sorted, so that
    runs can be pooled (a median of medians is not the median)."""
    tta = np.sort(seconds[mask & detected])
    return pd_summary(detected[mask]) | tta_stats(tta) | {"time_to_alert_s": tta.tolist()}


def tactic_table(
    events: Events, detected: BoolArray, seconds: FloatArray
) -> dict[str, dict[str, Any]]:
    """Per tactic and per tactic family (the part before `:`, where a tactic has variants):
    crossings, detected, Pd with its Wilson 95 % interval, and the time to alert (median,
    p90 and every time, sorted, so that runs can be pooled); `seconds` from
    `seconds_to_alert`."""
    labels = sorted(set(events.tactic.tolist()))
    families = sorted({t.split(":")[0] for t in labels if ":" in t} - set(labels))
    out: dict[str, dict[str, Any]] = {}
    for name in [*labels, *families]:
        if name in families:
            mask = np.char.startswith(events.tactic.astype(str), name + ":")
        else:
            mask = events.tactic == name
        n, k = int(mask.sum()), int((detected & mask).sum())
        lo, hi = wilson(k, n)
        tta = np.sort(seconds[mask & detected])
        out[name] = {
            "crossings": n,
            "detected": k,
            "pd": k / n if n else None,
            "pd_wilson95": [lo, hi],
            "pd_wilson_lower95": lo,
            **tta_stats(tta),
            "time_to_alert_s": tta.tolist(),
        }
    return out
