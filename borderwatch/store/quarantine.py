"""The quarantine: events of the log that made the engine fail, kept durably so that no replay,
restart or rebuild ever meets them again.

One SQLite file beside the event log (`DATA/quarantine.sqlite`): a row per quarantined seq
with when, the exception and its traceback; a release (`borderwatch quarantine release N`)
marks the row released, by whom and when, and the next rebuild takes the event in again. The
event log itself is never touched: a quarantined event stays in it, as accepted.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import msgspec

from borderwatch.store.errors import StoreError

__all__ = ["Quarantine", "QuarantinedEvent"]

_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    seq          INTEGER PRIMARY KEY,   -- the event log's seq of the event
    at_ns        INTEGER NOT NULL,      -- when it was quarantined (UTC ns)
    error        TEXT    NOT NULL,      -- the exception, one line
    traceback    TEXT    NOT NULL,
    released_ns  INTEGER,               -- when an admin released it (NULL: still held)
    released_by  TEXT
) STRICT;
"""


class QuarantinedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One quarantined event: its seq in the log, when and why."""

    seq: int
    at_ns: int
    error: str
    traceback: str
    released_ns: int | None = None
    released_by: str | None = None


class Quarantine:
    """The quarantine file; safe to use from one thread at a time (the engine's loop)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_DDL)
        except sqlite3.Error as exc:
            raise StoreError(path, f"cannot open the quarantine ({exc})") from exc

    def add(self, seq: int, error: str, traceback: str, at_ns: int | None = None) -> None:
        """Quarantine event `seq` (durable when this returns); again if it was released."""
        at = time.time_ns() if at_ns is None else at_ns
        self._db.execute(
            "INSERT INTO quarantine (seq, at_ns, error, traceback) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (seq) DO UPDATE SET at_ns = excluded.at_ns, error = excluded.error, "
            "traceback = excluded.traceback, released_ns = NULL, released_by = NULL",
            (seq, at, error[:2000], traceback[-20_000:]),
        )

    def held(self) -> frozenset[int]:
        """The seqs the engine skips."""
        rows = self._db.execute("SELECT seq FROM quarantine WHERE released_ns IS NULL")
        return frozenset(seq for (seq,) in rows)

    def list(self) -> list[QuarantinedEvent]:
        """Every quarantined event, released ones included, by seq."""
        rows = self._db.execute(
            "SELECT seq, at_ns, error, traceback, released_ns, released_by FROM quarantine "
            "ORDER BY seq"
        ).fetchall()
        return [_event(row) for row in rows]

    def get(self, seq: int) -> QuarantinedEvent | None:
        """One quarantined event, or None."""
        row = self._db.execute(
            "SELECT seq, at_ns, error, traceback, released_ns, released_by FROM quarantine "
            "WHERE seq = ?",
            (seq,),
        ).fetchone()
        return None if row is None else _event(row)

    def release(self, seq: int, by: str, at_ns: int | None = None) -> bool:
        """Release a held event (the next rebuild takes it in again); whether it was held."""
        at = time.time_ns() if at_ns is None else at_ns
        cur = self._db.execute(
            "UPDATE quarantine SET released_ns = ?, released_by = ? "
            "WHERE seq = ? AND released_ns IS NULL",
            (at, by, seq),
        )
        return cur.rowcount == 1

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __enter__(self) -> Quarantine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _event(row: tuple[int, int, str, str, int | None, str | None]) -> QuarantinedEvent:
    seq, at, error, tb, released, by = row
    return QuarantinedEvent(
        seq=seq, at_ns=at, error=error, traceback=tb, released_ns=released, released_by=by
    )
