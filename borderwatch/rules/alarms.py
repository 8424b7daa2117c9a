"""Alarm management (ISA-18.2, EEMUA 191): the queues as an operator sees them, and the load
they put on each operator position.

- `queue`: the open alarms of one category (intrusion, or our equipment's `system` faults),
  an incident not resolved and not shelved; a burst of one rule in one sector (at least
  `rollup_min` alerts, each within `rollup_window_s` of the burst's first) is one entry with
  its count, not a list an operator must scroll (flood handling).
- `load`: per operator position (`sectors_per_position` neighbouring sectors), alerts per
  `load_window_s` (average and max; EEMUA 191 asks about one per 10 min and calls more than
  10 a flood), standing alarms (open longer than `standing_s`) and chattering ones (one source,
  a track or a sensor, raised `chatter_min` times within `chatter_window_s`).

Pure functions over alerts and incidents: the API, the console's numbers and the benchmark
all count the same way, and the same log gives the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from borderwatch.messages import Alert, Incident
from borderwatch.rules.config import Alarms

__all__ = ["Chatter", "OperatorLoad", "PositionLoad", "QueueEntry", "Standing", "load", "queue"]


class QueueEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One row of a queue: an alert, or a burst of one rule in one sector (`count` > 1)."""

    rule: str
    sector: str
    category: str
    priority: int
    count: int
    first_ns: int
    last_ns: int
    alert_ids: tuple[str, ...]
    incident_ids: tuple[str, ...]


class PositionLoad(msgspec.Struct, frozen=True, kw_only=True):
    """One operator position's alerts per window: average, busiest, and floods (> 10)."""

    position: str
    sectors: tuple[str, ...]
    windows: int
    alerts: int
    per_window_avg: float
    per_window_max: int
    flood_windows: int


class Standing(msgspec.Struct, frozen=True, kw_only=True):
    """An incident open longer than `standing_s`."""

    incident_id: str
    sector: str
    category: str
    open_s: float


class Chatter(msgspec.Struct, frozen=True, kw_only=True):
    """One source raising alerts again and again: the most in one window."""

    source: str
    rule: str
    sector: str
    count: int


class OperatorLoad(msgspec.Struct, frozen=True, kw_only=True):
    """Operator load as of `now_ns`, over the alerts from `since_ns`."""

    category: str
    window_s: float
    since_ns: int
    now_ns: int
    positions: list[PositionLoad]
    standing: list[Standing]
    chattering: list[Chatter]


FLOOD = 10  # EEMUA 191: more than this many alarms in 10 min is a flood


def incident_of(incidents: Iterable[Incident]) -> dict[str, Incident]:
    """Each alert id's incident."""
    return {a: inc for inc in incidents for a in inc.alert_ids}


def is_open(inc: Incident | None, now_ns: int) -> bool:
    """In a queue: not resolved and not shelved at `now_ns` (an alert without an incident
    yet is open)."""
    if inc is None:
        return True
    if inc.state == "resolved":
        return False
    return inc.shelved_until_ns is None or inc.shelved_until_ns <= now_ns


def queue(
    alerts: Iterable[Alert],
    incidents: Iterable[Incident],
    now_ns: int,
    category: str,
    config: Alarms,
) -> list[QueueEntry]:
    """The open alarms of `category`, bursts rolled up; most urgent first, then newest."""
    owner = incident_of(incidents)
    by_kind: dict[tuple[str, str], list[Alert]] = {}
    for a in alerts:
        if a.category == category and is_open(owner.get(a.id), now_ns):
            by_kind.setdefault((a.rule, a.sector or "-"), []).append(a)
    window = round(config.rollup_window_s * 1e9)
    out: list[QueueEntry] = []
    for (rule, sector), found in sorted(by_kind.items()):
        found.sort(key=lambda a: (a.time_ns, a.id))
        bursts: list[list[Alert]] = []
        for a in found:
            if bursts and a.time_ns - bursts[-1][0].time_ns <= window:
                bursts[-1].append(a)
            else:
                bursts.append([a])
        for burst in bursts:
            groups = [burst] if len(burst) >= config.rollup_min else [[a] for a in burst]
            for g in groups:
                iids = tuple(dict.fromkeys(owner[a.id].id for a in g if a.id in owner))
                out.append(
                    QueueEntry(
                        rule=rule,
                        sector=sector,
                        category=category,
                        priority=min(a.priority for a in g),
                        count=len(g),
                        first_ns=g[0].time_ns,
                        last_ns=g[-1].time_ns,
                        alert_ids=tuple(a.id for a in g),
                        incident_ids=iids,
                    )
                )
    out.sort(key=lambda e: (e.priority, -e.last_ns, e.alert_ids[0]))
    return out


def positions(sectors: Sequence[str], per_position: int) -> list[tuple[str, ...]]:
    """Neighbouring sectors, `per_position` to an operator position, in the layout's order."""
    return [tuple(sectors[k : k + per_position]) for k in range(0, len(sectors), per_position)]


def load(
    alerts: Iterable[Alert],
    incidents: Iterable[Incident],
    sectors: Sequence[str],
    since_ns: int,
    now_ns: int,
    config: Alarms,
    category: str = "intrusion",
) -> OperatorLoad:
    """Operator load from `since_ns` to `now_ns` (see the module's comment)."""
    mine = sorted(
        (a for a in alerts if a.category == category and since_ns <= a.time_ns <= now_ns),
        key=lambda a: (a.time_ns, a.id),
    )
    window = round(config.load_window_s * 1e9)
    n_windows = max(1, -(-(now_ns - since_ns) // window))
    out = []
    for group in positions(sectors, config.sectors_per_position):
        members = set(group)
        counts = [0] * n_windows
        for a in mine:
            if a.sector in members:
                counts[min(n_windows - 1, (a.time_ns - since_ns) // window)] += 1
        total = sum(counts)
        out.append(
            PositionLoad(
                position=group[0] if len(group) == 1 else f"{group[0]}-{group[-1]}",
                sectors=group,
                windows=n_windows,
                alerts=total,
                per_window_avg=round(total / n_windows, 3),
                per_window_max=max(counts),
                flood_windows=sum(c > FLOOD for c in counts),
            )
        )
    standing = [
        Standing(
            incident_id=inc.id,
            sector=inc.sector,
            category=inc.category,
            open_s=round((now_ns - inc.opened_ns) / 1e9, 1),
        )
        for inc in sorted(incidents, key=lambda i: i.id)
        if inc.category == category
        and inc.state != "resolved"
        and now_ns - inc.opened_ns > config.standing_s * 1e9
    ]
    return OperatorLoad(
        category=category,
        window_s=config.load_window_s,
        since_ns=since_ns,
        now_ns=now_ns,
        positions=out,
        standing=standing,
        chattering=_chattering(mine, config),
    )


def _chattering(alerts: list[Alert], config: Alarms) -> list[Chatter]:
    """Sources raised `chatter_min` times or more within `chatter_window_s` (time order in)."""
    window = round(config.chatter_window_s * 1e9)
    times: dict[str, list[Alert]] = {}
    for a in alerts:
        source = a.track_ids[0] if a.track_ids else (a.evidence[0] if a.evidence else a.id)
        times.setdefault(source, []).append(a)
    out = []
    for source, found in sorted(times.items()):
        best, lo = 0, 0
        for hi in range(len(found)):
            while found[hi].time_ns - found[lo].time_ns > window:
                lo += 1
            best = max(best, hi - lo + 1)
        if best >= config.chatter_min:
            a = found[0]
            out.append(Chatter(source=source, rule=a.rule, sector=a.sector or "-", count=best))
    return out
