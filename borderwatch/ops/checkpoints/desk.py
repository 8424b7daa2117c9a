"""The posts' desk: what a lane needs to record a passage, screen it, and keep its record.

`Desk` holds the posts' log (`records.CheckpointLog`), the lookout lists in force and their
`Screener`. `Desk.open(root)` reads `root/checkpoints.sqlite` (made if new) and every list in
`root/lists/` (`*.csv`, or FollowTheMoney `*.json`/`*.jsonl`/`*.ftm`, the file's stem its
name); a malformed record of a list is named in `refused` and left out, as the command line
does. `lane_passage` turns what an officer scans at the lane (the machine-readable zone, the
plate, the names in Arabic script as printed) into a `PassageRecord`, or a `CheckpointError`
naming the field. Retention runs by itself: `maybe_purge(now)` erases what is past its time at
most once per `PURGE_EVERY_NS`, and the lane calls it at every recording.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from borderwatch.ops.checkpoints.errors import CheckpointError, PlateError
from borderwatch.ops.checkpoints.lists import LoadedList, load_list
from borderwatch.ops.checkpoints.mrz import parse_mrz
from borderwatch.ops.checkpoints.plates import parse_plate
from borderwatch.ops.checkpoints.records import (
    POSTS,
    CheckpointLog,
    PassageRecord,
    Retention,
    Traveller,
)
from borderwatch.ops.checkpoints.screen import Screener

__all__ = ["LIST_SUFFIXES", "PURGE_EVERY_NS", "Desk", "lane_passage"]

LIST_SUFFIXES = (".csv", ".json", ".jsonl", ".ftm")
PURGE_EVERY_NS = 3600 * 10**9  # an hourly sweep: retention is counted in days


def lane_passage(
    *,
    pid: str,
    time_ns: int,
    post: str,
    lane: str,
    direction: Literal["in", "out"],
    mrz: str,
    plate: str | None,
    names_arabic: str,
    officer: str,
    today: dt.date | None = None,
) -> PassageRecord:
    """A passage from what is read at the lane; `CheckpointError` with `field` a JSON path of
    the lane's body (`$.lane`, `$.mrz.composite`, `$.plate`) when something is wrong."""
    if post not in POSTS:
        raise CheckpointError("$.post", f"{post!r} is not a post; one of {sorted(POSTS)}")
    if lane not in POSTS[post]:
        raise CheckpointError("$.lane", f"{lane!r} is not a lane of {post}: {list(POSTS[post])}")
    try:
        doc = parse_mrz(mrz, today)
    except CheckpointError as exc:
        where = "$.mrz" if exc.field == "mrz" else "$.mrz." + exc.field.replace(" ", "_")
        raise CheckpointError(where, exc.reason, exc.code) from exc
    text = None
    if plate is not None and plate.strip():
        try:
            text = parse_plate(plate).text
        except PlateError as exc:
            raise CheckpointError("$.plate", exc.reason, exc.code) from exc
    traveller = Traveller(
        document_type=doc.document_code,
        document_number=doc.document_number,
        issuing_country=doc.issuing_state,
        names_latin=f"{doc.given_names} {doc.surname}".strip(),
        names_arabic=names_arabic.strip(),
        dob=doc.birth_date,
        nationality=doc.nationality,
        sex=_sex(doc.sex),
    )
    return PassageRecord(
        id=pid,
        time_ns=time_ns,
        post=post,
        lane=lane,
        direction=direction,
        traveller=traveller,
        plate=text,
        officer=officer,
    )


def _sex(code: str) -> Literal["M", "F", "X"]:
    """The zone's sex (parse_mrz reads `<` as X)."""
    return "M" if code == "M" else "F" if code == "F" else "X"


class Desk:
    """The posts' log, the lists in force and their screener."""

    def __init__(
        self,
        log: CheckpointLog,
        lists: Sequence[LoadedList],
        retention: Retention | None = None,
        on: dt.date | None = None,
    ) -> None:
        """Index `lists` (the entries in force `on`, default today) over `log`."""
        self.log = log
        self.lists = list(lists)
        self.screener = Screener(self.lists, on=on)
        self.retention = retention or Retention()
        self.refused = [str(e) for lst in self.lists for e in lst.errors]
        self._last_purge_ns: int | None = None
        self._purge_lock = threading.Lock()
        self.category = {
            (lst.name, e.id): f"{e.category}, {e.agency}" for lst in self.lists for e in lst.entries
        }

    @classmethod
    def open(cls, root: Path, retention: Retention | None = None) -> Desk:
        """The desk in `root`: its log and every list in `root/lists/`."""
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = root / "lists"
        paths = sorted(folder.iterdir()) if folder.is_dir() else []
        lists = [load_list(p) for p in paths if p.suffix.lower() in LIST_SUFFIXES]
        retention = retention or Retention()
        log = CheckpointLog(root / "checkpoints.sqlite", retention.clearance_days)
        return cls(log, lists, retention)

    def maybe_purge(self, now_ns: int) -> dict[str, int] | None:
        """Erase what is past its time, if the last sweep is an hour old or more."""
        with self._purge_lock:
            if self._last_purge_ns is not None and now_ns - self._last_purge_ns < PURGE_EVERY_NS:
                return None
            self._last_purge_ns = now_ns
        return self.log.purge(now_ns, self.retention)

    def close(self) -> None:
        """Close the log."""
        self.log.close()
