"""The report's figures from the two files kept beside the event log: the crossing posts'
records (`DATA/checkpoints.sqlite`, ops.checkpoints.records) and the disclosure ledger
(`DATA/disclosures.sqlite`, share.ledger). Both are read only, by SQL, and a missing file
gives figures marked unavailable rather than zeros that would read as "nothing happened".

Passages are erased at the end of their retention (a month without a hit): a report made
after that counts only what is still held, and says so; the audit rows outlive them.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import msgspec

from borderwatch.oversight.period import NS, Period
from borderwatch.store.errors import StoreError

__all__ = [
    "CheckpointFigures",
    "PartnerRow",
    "UnusualRow",
    "checkpoint_figures",
    "released_figures",
]

HOUR_NS = 3600 * NS


class UnusualRow(msgspec.Struct, frozen=True, kw_only=True):
    """One unusual access: what kind, by whom, how many times, and in words."""

    kind: str  # bulk_views, screening_without_reason, outside_sectors
    person: str
    count: int
    detail: str


class CheckpointFigures(msgspec.Struct, frozen=True, kw_only=True):
    """Passages recorded in the period, those with a lookout hit, the decisions taken."""

    available: bool
    passages: int = 0
    lookout_hits: int = 0
    decisions: dict[str, int] = {}
    views: int = 0
    screenings: int = 0


class PartnerRow(msgspec.Struct, frozen=True, kw_only=True):
    """What went out to one partner agency: items sent, distinct incidents, by exit."""

    partner: str
    items: int
    incidents: int
    exits: dict[str, int]


def _open(path: Path) -> sqlite3.Connection:
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(path, f"cannot open ({exc})") from exc


def checkpoint_figures(
    path: Path, period: Period, bulk_per_hour: int
) -> tuple[CheckpointFigures, list[UnusualRow]]:
    """The crossing posts' figures and their unusual accesses (names as recorded)."""
    if not path.exists():
        return CheckpointFigures(available=False), []
    db = _open(path)
    span = (period.start_ns, period.end_ns)
    try:
        (passages,) = db.execute(
            "SELECT count(*) FROM passages WHERE time_ns >= ? AND time_ns < ?", span
        ).fetchone()
        (hits,) = db.execute(
            "SELECT count(*) FROM passages WHERE hit = 1 AND time_ns >= ? AND time_ns < ?", span
        ).fetchone()
        decisions = dict(
            db.execute(
                "SELECT decision, count(*) FROM screenings WHERE decision IS NOT NULL "
                "AND time_ns >= ? AND time_ns < ? GROUP BY decision ORDER BY decision",
                span,
            ).fetchall()
        )
        audit = db.execute(
            "SELECT time_ns, who, action, why FROM audit WHERE time_ns >= ? AND time_ns < ? "
            "ORDER BY seq",
            span,
        ).fetchall()
    except sqlite3.Error as exc:
        raise StoreError(path, f"cannot read ({exc})") from exc
    finally:
        db.close()
    views: Counter[tuple[str, int]] = Counter()
    no_reason: Counter[str] = Counter()
    n_views = n_screened = 0
    for time_ns, who, action, why in audit:
        if action == "viewed":
            n_views += 1
            views[(who, (time_ns - period.start_ns) // HOUR_NS)] += 1
        elif action == "screened":
            n_screened += 1
            if not why.strip():
                no_reason[who] += 1
    unusual = [
        UnusualRow(
            kind="bulk_views",
            person=who,
            count=n,
            detail=f"hour {hour}",
        )
        for (who, hour), n in sorted(views.items())
        if n >= bulk_per_hour
    ]
    unusual += [
        UnusualRow(kind="screening_without_reason", person=who, count=n, detail="")
        for who, n in sorted(no_reason.items())
    ]
    figures = CheckpointFigures(
        available=True,
        passages=passages,
        lookout_hits=hits,
        decisions=decisions,
        views=n_views,
        screenings=n_screened,
    )
    return figures, unusual


def released_figures(path: Path, period: Period) -> list[PartnerRow] | None:
    """Per partner, what the disclosure ledger recorded in the period (None: no ledger)."""
    if not path.exists():
        return None
    db = _open(path)
    try:
        rows = db.execute(
            "SELECT partner, exit, kind, item_id FROM disclosures "
            "WHERE released_ns >= ? AND released_ns < ? ORDER BY seq",
            (period.start_ns, period.end_ns),
        ).fetchall()
    except sqlite3.Error as exc:
        raise StoreError(path, f"cannot read ({exc})") from exc
    finally:
        db.close()
    items: Counter[str] = Counter()
    incidents: dict[str, set[str]] = {}
    exits: dict[str, Counter[str]] = {}
    for partner, exit, kind, item_id in rows:
        items[partner] += 1
        exits.setdefault(partner, Counter())[exit] += 1
        if kind == "incidents":
            incidents.setdefault(partner, set()).add(item_id)
    return [
        PartnerRow(
            partner=p,
            items=n,
            incidents=len(incidents.get(p, ())),
            exits=dict(sorted(exits[p].items())),
        )
        for p, n in sorted(items.items())
    ]
