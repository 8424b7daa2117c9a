"""The crossing posts' log: passages, their screenings, who looked at them and why, and the
retention that erases them.

Traveller data is personal data: it is kept out of the event log (append-only, replayed
forever) and held here, in its own SQLite file, where it can be erased when its time is up.
Every write and every read of a traveller's record leaves an audit row: who, when, which
passage, what (recorded, screened, viewed, decided, purged) and why. Audit rows name the
passage by its id only, never the traveller, and outlive the passage (`audit_days`).

Retention (`Retention`): passages with no hit are erased `no_hit_days` after they were
recorded (a month by default: long enough to answer a complaint, no longer); passages with a
hit `hit_days` after (two years: the second-line decision may be challenged). `purge(now)`
erases exactly what is past its time, with its screenings, and records how many it erased.
Time is passed in (UTC ns), never read here, so tests and replays decide what "now" is.

Clearances: what a second line does with a namesake. When it clears a passage, each of its
hits is remembered against the traveller's document (issuing country and number) for
`clearance_days`: the same document screened against the same entry again in that time is
not a hit (the screening's audit row names the clearance). The trader who crosses Ras Ajdir
every day and shares a listed man's name is stopped once, not daily. It is bound to the
document, not the name, so a listed person on another document is still stopped; it expires,
and retention erases it.

Owed hits: a hit must reach the event log (a `lookout_hit` action: no traveller data) to raise
its alert. The screening keeps that action here, in the same transaction, as owed (`owed`,
`settle`): if the event log refuses it (full disk) or the process stops before, it is sent
again (`api.checkpoints`), never lost.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import msgspec

from borderwatch.ops.checkpoints.errors import CheckpointError
from borderwatch.ops.checkpoints.passages import Passage
from borderwatch.ops.checkpoints.plates import parse_plate
from borderwatch.ops.checkpoints.screen import Hit, Screener

__all__ = [
    "POSTS",
    "AuditRow",
    "CheckpointLog",
    "PassageRecord",
    "Retention",
    "Traveller",
    "UnknownPassageError",
]

DAY_NS = 86_400 * 10**9
# The two legal crossings and their lanes (both directions at each).
POSTS: dict[str, tuple[str, ...]] = {
    "ras_ajdir": ("L1", "L2", "L3", "L4", "T1", "T2"),  # cars; T: trucks
    "dehiba_wazen": ("L1", "L2", "T1"),
}
Action = Literal["recorded", "screened", "viewed", "decided", "purged", "bound", "searched"]
Decision = Literal["cleared", "referred", "held"]


class UnknownPassageError(CheckpointError):
    """No passage with that id (never recorded, or already erased)."""

    code = "unknown_passage"


class Traveller(msgspec.Struct, frozen=True, kw_only=True):
    """Who crossed, as the document says: what a checkpoint needs, nothing more."""

    document_type: str  # "P" passport, "I" identity card, ...
    document_number: str
    issuing_country: str  # ISO 3166 alpha-3
    names_latin: str
    names_arabic: str = ""
    dob: str | None = None
    nationality: str | None = None
    # As the document prints it: M, F or X (unspecified). Optional: records made before it was
    # kept decode without it (the record is a JSON document, so no table changes).
    sex: Literal["M", "F", "X"] | None = None


class PassageRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One crossing: when, where, which way, who, in what vehicle, recorded by whom."""

    id: str
    time_ns: int
    post: str
    lane: str
    direction: Literal["in", "out"]  # into Tunisia, out of it
    traveller: Traveller
    plate: str | None = None
    officer: str


class AuditRow(msgspec.Struct, frozen=True, kw_only=True):
    """Who did what to which passage, when and why."""

    seq: int
    time_ns: int
    who: str
    action: str
    passage: str
    why: str


class Retention(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How long each kind of record is kept, in days."""

    no_hit_days: int = 30
    hit_days: int = 730
    audit_days: int = 3650
    clearance_days: int = 90


_SCHEMA = """
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, time_ns INTEGER NOT NULL, post TEXT NOT NULL, record BLOB NOT NULL,
    hit INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS passages_time ON passages (hit, time_ns);
CREATE TABLE IF NOT EXISTS screenings (
    passage TEXT NOT NULL REFERENCES passages (id) ON DELETE CASCADE, time_ns INTEGER NOT NULL,
    hits BLOB NOT NULL, decision TEXT);
CREATE TABLE IF NOT EXISTS clearances (
    document TEXT NOT NULL, list TEXT NOT NULL, entry TEXT NOT NULL, until_ns INTEGER NOT NULL,
    passage TEXT NOT NULL, PRIMARY KEY (document, list, entry));
CREATE TABLE IF NOT EXISTS owed (
    passage TEXT PRIMARY KEY REFERENCES passages (id) ON DELETE CASCADE, action BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS officers (
    name TEXT NOT NULL COLLATE NOCASE, post TEXT NOT NULL, PRIMARY KEY (name, post));
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ns INTEGER NOT NULL, who TEXT NOT NULL,
    action TEXT NOT NULL, passage TEXT NOT NULL, why TEXT NOT NULL);
"""


class CheckpointLog:
    """Passages, screenings and their audit trail in one SQLite file."""

    def __init__(self, path: Path | str, clearance_days: int = Retention().clearance_days) -> None:
        """Open (and create if new) the log at `path` (":memory:" for tests)."""
        self.clearance_ns = clearance_days * DAY_NS
        # The API calls from worker threads, one at a time (`_lock`): one connection serves.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # The record and its audit row commit together or not at all.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @staticmethod
    def _audit(db: sqlite3.Connection, at: int, who: str, act: Action, pid: str, why: str) -> None:
        if not who or not why:
            raise CheckpointError("audit", "who and why are required")
        db.execute(
            "INSERT INTO audit (time_ns, who, action, passage, why) VALUES (?, ?, ?, ?, ?)",
            (at, who, act, pid, why),
        )

    def record(self, passage: PassageRecord, why: str = "passage at the lane") -> None:
        """Record a passage (its officer is the one who records it)."""
        if passage.post not in POSTS or passage.lane not in POSTS[passage.post]:
            raise CheckpointError("post", f"{passage.post}/{passage.lane} is not a known lane")
        if passage.plate is not None:  # kept in normal form, so lists and lanes agree
            passage = msgspec.structs.replace(passage, plate=parse_plate(passage.plate).text)
        with self._tx() as db:
            db.execute(
                "INSERT INTO passages (id, time_ns, post, record) VALUES (?, ?, ?, ?)",
                (passage.id, passage.time_ns, passage.post, msgspec.json.encode(passage)),
            )
            self._audit(db, passage.time_ns, passage.officer, "recorded", passage.id, why)

    def _get(self, db: sqlite3.Connection, pid: str) -> PassageRecord:
        row = db.execute("SELECT record FROM passages WHERE id = ?", (pid,)).fetchone()
        if row is None:
            raise UnknownPassageError("passage", f"no passage {pid!r}")
        return msgspec.json.decode(row[0], type=PassageRecord)

    def screen(
        self,
        pid: str,
        screener: Screener,
        who: str,
        at_ns: int,
        why: str,
        owe: Callable[[list[Hit]], bytes] | None = None,
    ) -> list[Hit]:
        """Screen a recorded passage against the lists; the hits are kept with it, and, with
        `owe`, what it makes of them (the event log's `lookout_hit` action) kept as owed to
        the event log in the same transaction (see `owed`)."""
        with self._tx() as db:
            rec = self._get(db, pid)
            t = rec.traveller
            names = [n for n in (t.names_latin, t.names_arabic) if n]
            passage = Passage(
                id=rec.id,
                names=names,
                dob=t.dob,
                nationality=t.nationality,
                sex=t.sex if t.sex != "X" else None,  # unspecified says nothing
                document=t.document_number,
                plate=rec.plate,
            )
            hits = screener.screen(passage)
            live = {
                (r[0], r[1])
                for r in db.execute(
                    "SELECT list, entry FROM clearances WHERE document = ? AND until_ns > ?",
                    (_document(t), at_ns),
                )
            }
            cleared = [f"{h.list}/{h.entry}" for h in hits if (h.list, h.entry) in live]
            hits = [h for h in hits if (h.list, h.entry) not in live]
            db.execute(
                "INSERT INTO screenings (passage, time_ns, hits) VALUES (?, ?, ?)",
                (pid, at_ns, msgspec.json.encode(hits)),
            )
            if hits:
                db.execute("UPDATE passages SET hit = 1 WHERE id = ?", (pid,))
                if owe is not None:
                    db.execute("INSERT OR REPLACE INTO owed VALUES (?, ?)", (pid, owe(hits)))
            if cleared:
                why += f" ({', '.join(cleared)} cleared before for this document)"
            self._audit(db, at_ns, who, "screened", pid, why)
        return hits

    def owed(self) -> list[tuple[str, bytes]]:
        """The hits not yet in the event log, oldest first: (passage, what `screen`'s `owe`
        made). A hit is owed from its screening until `settle`: an event log that refused it
        (full disk, a restart between the two) loses nothing, it is sent again."""
        with self._lock:
            rows = self._db.execute("SELECT passage, action FROM owed ORDER BY rowid").fetchall()
        return [(str(p), bytes(a)) for p, a in rows]

    def settle(self, pid: str) -> None:
        """The passage's hit is in the event log: owed no more."""
        with self._lock:
            self._db.execute("DELETE FROM owed WHERE passage = ?", (pid,))

    def decide(self, pid: str, decision: Decision, who: str, at_ns: int, why: str) -> None:
        """The second-line officer's decision on a passage's latest screening."""
        if decision not in ("cleared", "referred", "held"):
            raise CheckpointError("decision", f"{decision!r} is not cleared, referred or held")
        with self._tx() as db:
            rec = self._get(db, pid)
            db.execute(
                "UPDATE screenings SET decision = ? WHERE rowid = (SELECT max(rowid) FROM "
                "screenings WHERE passage = ?)",
                (decision, pid),
            )
            if decision == "cleared":  # remembered against the document (see the docstring)
                row = db.execute(
                    "SELECT hits FROM screenings WHERE passage = ? ORDER BY rowid DESC LIMIT 1",
                    (pid,),
                ).fetchone()
                hits = [] if row is None else msgspec.json.decode(row[0], type=list[Hit])
                db.executemany(
                    "INSERT OR REPLACE INTO clearances VALUES (?, ?, ?, ?, ?)",
                    [
                        (_document(rec.traveller), h.list, h.entry, at_ns + self.clearance_ns, pid)
                        for h in hits
                    ],
                )
            self._audit(db, at_ns, who, "decided", pid, f"{decision}: {why}")

    def view(self, pid: str, who: str, at_ns: int, why: str) -> PassageRecord:
        """A traveller's record, read by `who` for `why` (the read is audited)."""
        with self._tx() as db:
            rec = self._get(db, pid)
            self._audit(db, at_ns, who, "viewed", pid, why)
        return rec

    def post_of(self, pid: str) -> str:
        """The post a passage was recorded at (no personal data: for access checks)."""
        with self._lock:
            row = self._db.execute("SELECT post FROM passages WHERE id = ?", (pid,)).fetchone()
        if row is None:
            raise UnknownPassageError("passage", f"no passage {pid!r}")
        return str(row[0])

    def latest(self, pid: str, who: str, at_ns: int, why: str) -> tuple[list[Hit], str | None]:
        """A passage's latest screening (its hits and decision), read by `who` (audited)."""
        with self._tx() as db:
            self._get(db, pid)
            row = db.execute(
                "SELECT hits, decision FROM screenings WHERE passage = ? ORDER BY rowid DESC "
                "LIMIT 1",
                (pid,),
            ).fetchone()
            self._audit(db, at_ns, who, "viewed", pid, why)
        if row is None:
            return [], None
        return msgspec.json.decode(row[0], type=list[Hit]), row[1]

    def at_post(
        self, post: str, who: str, at_ns: int, why: str, limit: int = 100
    ) -> list[PassageRecord]:
        """The latest passages recorded at `post`, newest first; each one shown is audited."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT record FROM passages WHERE post = ? ORDER BY time_ns DESC, id LIMIT ?",
                (post, limit),
            ).fetchall()
            recs = [msgspec.json.decode(r[0], type=PassageRecord) for r in rows]
            for rec in recs:
                self._audit(db, at_ns, who, "viewed", rec.id, why)
        return recs

    def search(
        self, who: str, at_ns: int, why: str, match: Callable[[PassageRecord], bool], limit: int
    ) -> list[PassageRecord]:
        """The passages `match` accepts, newest first (at most `limit`). The search itself is
        audited (passage `*`) and so is every passage it shows."""
        with self._tx() as db:
            self._audit(db, at_ns, who, "searched", "*", why)
            found: list[PassageRecord] = []
            for (blob,) in db.execute("SELECT record FROM passages ORDER BY time_ns DESC, id"):
                rec = msgspec.json.decode(blob, type=PassageRecord)
                if match(rec):
                    found.append(rec)
                    if len(found) >= limit:
                        break
            for rec in found:
                self._audit(db, at_ns, who, "viewed", rec.id, why)
        return found

    def bind(self, officer: str, posts: list[str], who: str, at_ns: int) -> None:
        """Bind `officer` to exactly `posts` (none: unbound), audited as `bound`."""
        unknown = [p for p in posts if p not in POSTS]
        if unknown:
            raise CheckpointError("posts", f"unknown post(s) {unknown}; one of {sorted(POSTS)}")
        with self._tx() as db:
            db.execute("DELETE FROM officers WHERE name = ?", (officer,))
            db.executemany(
                "INSERT INTO officers (name, post) VALUES (?, ?)", [(officer, p) for p in posts]
            )
            self._audit(db, at_ns, who, "bound", "-", f"{officer} to {','.join(posts) or 'none'}")

    def posts_of(self, officer: str) -> list[str]:
        """The posts `officer` is bound to."""
        with self._lock:
            rows = self._db.execute(
                "SELECT post FROM officers WHERE name = ? ORDER BY post", (officer,)
            ).fetchall()
        return [r[0] for r in rows]

    def audit(self, pid: str | None = None) -> list[AuditRow]:
        """The audit trail, oldest first (of one passage if given)."""
        sql = "SELECT seq, time_ns, who, action, passage, why FROM audit"
        args: tuple[str, ...] = ()
        if pid is not None:
            sql, args = sql + " WHERE passage = ?", (pid,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY seq", args).fetchall()
        return [
            AuditRow(seq=r[0], time_ns=r[1], who=r[2], action=r[3], passage=r[4], why=r[5])
            for r in rows
        ]

    def passage_ids(self) -> list[str]:
        """The ids of the passages held (no personal data; for operations and tests)."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM passages ORDER BY time_ns, id")]

    def purge(self, now_ns: int, policy: Retention, who: str = "retention") -> dict[str, int]:
        """Erase what is past its time: passages (with their screenings) and old audit rows."""
        no_hit = now_ns - policy.no_hit_days * DAY_NS
        hit = now_ns - policy.hit_days * DAY_NS
        with self._tx() as db:
            gone = [
                r[0]
                for r in db.execute(
                    "SELECT id FROM passages WHERE (hit = 0 AND time_ns < ?) OR "
                    "(hit = 1 AND time_ns < ?)",
                    (no_hit, hit),
                )
            ]
            db.executemany("DELETE FROM passages WHERE id = ?", [(g,) for g in gone])
            old = db.execute(
                "DELETE FROM audit WHERE time_ns < ?", (now_ns - policy.audit_days * DAY_NS,)
            ).rowcount
            db.execute("DELETE FROM clearances WHERE until_ns <= ?", (now_ns,))
            for g in gone:
                self._audit(db, now_ns, who, "purged", g, "retention period over")
        return {"passages": len(gone), "audit_rows": old}


def _document(t: Traveller) -> str:
    """A clearance's key: the document, not the name (a namesake's other passport is not it)."""
    return f"{t.issuing_country}:{t.document_number}"
