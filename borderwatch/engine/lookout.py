"""Lookout hits at the crossing posts, as the engine sees them.

A passage recorded at a post (`ops.checkpoints`) and screened with a hit is logged as an
operator action, `lookout_hit`, by the officer who recorded it: target the passage id, params
the post, the lane and the entries hit (`list/entry@score`). The engine makes it an `Alert`
(rule `lookout_hit`, category `checkpoint`, at the post) and files it with the same
`IncidentBook` as the border's alerts, so it has the same lifecycle and, being an event in the
log, the same incident after a rebuild (live = replay). The second-line officer's decision is
a `decide` action on that incident (params: the passage and cleared, referred or held): it is
shown on the incident as a note and moves it on. The alert's evidence is the passage and the
entries hit (`list:entry`), and the incident book files a lookout hit by them as well as by
place: a hit joins an open incident at its post only when it is about the same passage or a
listed person the incident already has (the same person screened again within the merge
window), so two different travellers listed at one post are two incidents. Each passage is
decided on its own; the incident is resolved when every passage in it has a final decision:
`apprehended` if anyone was held, else `false_alarm` (the screening flagged someone the
second line cleared). A referral (to another service) keeps it open, acknowledged.

No traveller data enters the event log, which is kept forever: the passage id is opaque, and
the traveller's record stays in the posts' own log, where retention erases it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from borderwatch.errors import BorderwatchError
from borderwatch.geo import build_sectors, load_border
from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.sectors import sector_index
from borderwatch.messages import Alert, Incident, OperatorAction
from borderwatch.messages.incident import Outcome

__all__ = [
    "DECISIONS",
    "FINAL_DECISIONS",
    "LookoutError",
    "PostPlace",
    "check_decision",
    "check_lookout_hit",
    "decision_outcome",
    "entries_hit",
    "lookout_alert",
    "passages_of",
    "post_places",
]

# The posts (ops.checkpoints.records.POSTS) and the crossing each is at in the layout.
_CROSSING_OF_POST = {"ras_ajdir": "ras-ajdir", "dehiba_wazen": "dehiba-wazen"}
DECISIONS = ("cleared", "referred", "held")
FINAL_DECISIONS = frozenset({"cleared", "held"})
PRIORITY = 2  # below a crossing in progress (1): the traveller is stopped at the lane already


class PostPlace(NamedTuple):
    """Where a post is: its crossing's point and the sector whose watch line is nearest."""

    lat: float
    lon: float
    sector: str


@functools.cache
def post_places() -> Mapping[str, PostPlace]:
    """Each post's place, from the layout (worked out once)."""
    border = load_border()
    sectors = build_sectors(border)
    crossings = {c.id: c for c in border.crossings}
    out: dict[str, PostPlace] = {}
    for post, cid in _CROSSING_OF_POST.items():
        p = crossings[cid].point
        lon, lat = to_lonlat(p.x, p.y)
        k = int(sector_index(sectors, [p.x], [p.y])[0])
        out[post] = PostPlace(float(lat), float(lon), sectors[k].id)
    return out


class LookoutError(BorderwatchError):
    """A lookout hit or a decision the engine cannot take."""


def check_lookout_hit(action: OperatorAction) -> None:
    """Raise `LookoutError` unless `action` names a passage, a known post and its hits."""
    if not action.target:
        raise LookoutError("a lookout hit names its passage (target)")
    if action.params.get("post") not in post_places():
        raise LookoutError(f"a lookout hit needs params.post, one of {sorted(post_places())}")
    if not action.params.get("entries"):
        raise LookoutError("a lookout hit needs params.entries (the entries hit)")


def entries_hit(entries: str) -> tuple[str, ...]:
    """The entries a lookout hit's `entries` param names (`list/entry@score`, `;`-separated;
    the param is cut at 200 characters, so a cut last one is left out), as `list:entry`: an
    alert's evidence with a `/` names a detection (`Alert.detection_keys`), these do not."""
    out = (e.partition("@") for e in entries.split(";"))
    return tuple(dict.fromkeys(n.replace("/", ":")[:100] for n, at, _ in out if at and n))


def lookout_alert(action: OperatorAction) -> Alert:
    """The alert a checked `lookout_hit` raises at its post."""
    post = action.params["post"]
    place = post_places()[post]
    lane = action.params.get("lane", "")
    return Alert(
        id=f"L{action.id}"[:64],
        rule="lookout_hit",
        time_ns=action.time_ns,
        lat=place.lat,
        lon=place.lon,
        priority=PRIORITY,
        category="checkpoint",
        sector=place.sector,
        cls="person",
        # What it is about, as a system alert names its sensor: the passage (not a track)
        # and the listed people hit; the incident book files it by them (rules.incidents).
        evidence=(action.target or "", *entries_hit(action.params["entries"])),
        summary=f"lookout hit at {post} {lane}: {action.params['entries']}"[:500],
    )


def passages_of(incident: Incident, alerts: Mapping[str, Alert]) -> list[str]:
    """The passages a lookout incident is about (its alerts' subjects), in order."""
    out = [alerts[a].evidence[0] for a in incident.alert_ids if a in alerts]
    return list(dict.fromkeys(p for p in out if p))


def check_decision(
    action: OperatorAction,
    incident: Incident | None,
    passages: Sequence[str],
    decided: Mapping[str, str],
) -> None:
    """Raise `LookoutError` unless `action` decides an undecided-or-referred passage of an
    open checkpoint incident (`passages`: the incident's)."""
    if incident is None or incident.category != "checkpoint":
        raise LookoutError(f"no lookout incident {action.target}")
    if incident.state == "resolved":
        raise LookoutError(f"incident {incident.id} is resolved: every passage is decided")
    passage = action.params.get("passage", "")
    if passage not in passages:
        raise LookoutError(f"passage {passage!r} is not in incident {incident.id}")
    if action.params.get("decision") not in DECISIONS:
        raise LookoutError(f"a decision needs params.decision, one of {', '.join(DECISIONS)}")
    if decided.get(passage) in FINAL_DECISIONS:
        raise LookoutError(f"passage {passage} is {decided[passage]} already")


def decision_outcome(passages: Sequence[str], decided: Mapping[str, str]) -> Outcome | None:
    """The incident's outcome once every passage in it has a final decision, else None."""
    if any(decided.get(p) not in FINAL_DECISIONS for p in passages):
        return None
    return "apprehended" if "held" in (decided[p] for p in passages) else "false_alarm"
