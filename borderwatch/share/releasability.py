"""The one releasability decision: `release(item, recipient, policy, now_ns)`.

Every path out to a partner (API reads, the WebSocket, the exchange feed, CoT out, exports)
calls this function and nothing else to decide, as Open Policy Agent keeps one decision for
many enforcement points (STYLE.md §6). It is pure: no I/O, no clock (`now_ns` is given), so
a property test can check it over generated items and policies.

What it does, in order; the first "no" ends it:

1. the policy must be the recipient's own; our own patrols' tracks (`friendly`) never go;
2. the item's kind must be in `policy.kinds`, its sector in `policy.sectors`; an incident,
   when `released_incidents_only`, must also have been released to the recipient by a
   commander (`releasable_to`);
3. the item must be at least `delay_s` old (its event time: an incident's last change);
4. positions are coarsened to the centre of their `precision_m` grid cell in UTM zone 32N
   (EPSG:32632, the project's metric frame): the released point says which cell, and nothing
   about where in it. A track's covariance goes (it would claim the precision removed) and
   an alert's predicted crossing is coarsened the same way;
5. the fields the policy strips are set to their defaults, and `releasable_to` always is:
   a partner never learns who else was given an item.

The result is a `Released`: the item as sent, with the policy version, when, how long the
partner may keep it, and whether it may pass it on.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np

from borderwatch.geo.projection import to_lonlat, to_utm
from borderwatch.messages import Alert, GeoPoint, Incident, Track
from borderwatch.messages.common import Id, TimeNs
from borderwatch.share.policy import ItemKind, Policy
from borderwatch.share.reports import SectorStatus

__all__ = ["WITHHELD", "Item", "Released", "coarsen", "item_kind", "item_time_ns", "release"]

Item = Incident | Alert | Track | SectorStatus
_S = 1_000_000_000
WITHHELD = "withheld"  # in place of a required field the policy strips
_DAY_NS = 86_400 * _S

_KIND: dict[type, ItemKind] = {
    Incident: "incidents",
    Alert: "alerts",
    Track: "tracks",
    SectorStatus: "sector_status",
}
# The name a policy's `strip` uses for each item (`alert.evidence`).
_NAME: dict[type, str] = {
    Incident: "incident",
    Alert: "alert",
    Track: "track",
    SectorStatus: "sector_status",
}


class Released(msgspec.Struct, frozen=True, kw_only=True, tag="released"):
    """An item as released to `partner` under `policy_version`, with its handling: keep it
    until `retain_until_ns`, pass it on only if `onward_release`."""

    partner: Id
    policy_version: int
    released_ns: TimeNs
    retain_until_ns: TimeNs
    onward_release: bool
    precision_m: float
    item: Incident | Alert | Track | SectorStatus


def item_kind(item: Item) -> ItemKind:
    """Which of the policy's kinds `item` is."""
    return _KIND[type(item)]


def item_time_ns(item: Item) -> int:
    """The event time the delay runs from: an incident's last change, anything else's time."""
    return item.updated_ns if isinstance(item, Incident) else item.time_ns


def coarsen(lat: float, lon: float, precision_m: float) -> tuple[float, float]:
    """(lat, lon) moved to the centre of its `precision_m` cell of the UTM 32N grid."""
    x, y = to_utm(lon, lat)
    cx = (math.floor(float(x) / precision_m) + 0.5) * precision_m
    cy = (math.floor(float(y) / precision_m) + 0.5) * precision_m
    out_lon, out_lat = to_lonlat(cx, cy)
    return float(out_lat), float(out_lon)


def _stripped(item: Item, policy: Policy) -> dict[str, Any]:
    """Replacements for the fields the policy strips (each back to its default)."""
    name = _NAME[type(item)]
    changes: dict[str, Any] = {}
    for field in msgspec.structs.fields(item):
        if policy.strips(name, field.name) and field.default is not msgspec.NODEFAULT:
            changes[field.name] = field.default
    return changes


def _coarse_track(track: Track, policy: Policy) -> Track:
    lat, lon = coarsen(track.lat, track.lon, policy.precision_m)
    x, y = to_utm(lon, lat)
    _, vx, _, vy = track.state
    if policy.strips("track", "velocity"):
        vx = vy = 0.0
    return msgspec.structs.replace(
        track,
        lat=lat,
        lon=lon,
        state=(float(np.round(x, 3)), vx, float(np.round(y, 3)), vy),
        cov=(),
    )


def _coarse(item: Item, policy: Policy) -> Item:
    p = policy.precision_m
    if isinstance(item, Track):
        return _coarse_track(item, policy)
    if isinstance(item, SectorStatus):
        return item
    lat, lon = coarsen(item.lat, item.lon, p)
    if isinstance(item, Alert) and item.predicted_crossing is not None:
        pc = item.predicted_crossing
        plat, plon = coarsen(pc.lat, pc.lon, p)
        crossing = GeoPoint(lat=plat, lon=plon, time_ns=pc.time_ns)
        return msgspec.structs.replace(item, lat=lat, lon=lon, predicted_crossing=crossing)
    return msgspec.structs.replace(item, lat=lat, lon=lon)


def release(item: Item, recipient: str, policy: Policy, now_ns: int) -> Released | None:
    """`item` as `recipient` may have it under `policy` at `now_ns`, or None (module doc)."""
    if policy.partner != recipient:
        return None
    kind = _KIND[type(item)]
    if isinstance(item, Track) and item.friendly:
        return None  # our own patrols: never to a partner as a track
    if kind not in policy.kinds or not policy.covers(item.sector):
        return None
    if (
        isinstance(item, Incident)
        and policy.released_incidents_only
        and recipient not in item.releasable_to
    ):
        return None
    if now_ns - item_time_ns(item) < policy.delay_s * _S:
        return None
    out = _coarse(item, policy)
    changes = _stripped(out, policy)
    if isinstance(out, Incident):
        changes["releasable_to"] = ()
        if out.state == "assigned" and "assigned_patrol" in changes:
            # An assigned incident names its patrol; the partner learns one was sent, not who.
            changes["assigned_patrol"] = WITHHELD
    if changes:
        out = msgspec.structs.replace(out, **changes)
    return Released(
        partner=recipient,
        policy_version=policy.version,
        released_ns=now_ns,
        retain_until_ns=now_ns + round(policy.retention_days * _DAY_NS),
        onward_release=policy.onward_release,
        precision_m=policy.precision_m,
        item=out,
    )
