"""The event log's file: one SQLite table, written in WAL mode, that refuses to be edited.

A file is a borderwatch log when its `application_id` says so; `user_version` is the schema
version. Opening checks both before touching anything, so a log from a newer borderwatch, or
someone else's database, is refused with a clear error instead of being "upgraded" or mangled.

Versions: 1, the events table; 2 adds the audit rows' hash chain (`chain_prev`, `chain`) and
the signed `checkpoints` (store.chain). A version 1 log opened for writing is upgraded in one
transaction: the columns and table added, its existing audit rows chained in seq order. Opened
read only, it is read as it is (it has no chain to verify).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from borderwatch.store.chain import GENESIS, link
from borderwatch.store.errors import StoreError

__all__ = ["APPLICATION_ID", "DDL_V1", "SCHEMA_VERSION", "Synchronous", "connect"]

APPLICATION_ID = 0x42574C47  # "BWLG" in the database header
SCHEMA_VERSION = 2
Synchronous = Literal["FULL", "NORMAL"]

# STRICT tables need SQLite 3.37 (2021); Python's own build has shipped newer for years.
MIN_SQLITE = (3, 37, 0)

# The triggers are the table's own guard: even an UPDATE or DELETE typed into the sqlite3
# shell, or a bug in a future borderwatch, cannot rewrite history or leave a hole in `seq`.
# Inserts are checked before they happen: INSERT OR REPLACE deletes the old row without firing
# a DELETE trigger, so the insert itself must name the next seq (a NULL seq is refused too).
# (None of this stops someone who drops the triggers first: that needs control of the file.)
_DDL = """
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,  -- 1, 2, 3, ... assigned by the log, gap-free
    kind       TEXT    NOT NULL CHECK (kind IN ('detection', 'status', 'patrol', 'action')),
    time_ns    INTEGER NOT NULL,     -- event time: the message's own time_ns
    arrived_ns INTEGER NOT NULL,     -- when the service received it (UTC ns, its clock)
    source     TEXT    NOT NULL,     -- the connection or user it came from
    target     TEXT,                 -- an action's target (incident id, ...), for the audit
    payload    TEXT    NOT NULL      -- the wire message as canonical JSON
) STRICT;
CREATE INDEX events_actions ON events (seq) WHERE kind = 'action';
CREATE INDEX events_action_target ON events (target, seq) WHERE kind = 'action';
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused');
END;
CREATE TRIGGER events_gap_free BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM events)
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only and gap-free: seq must be the last seq + 1');
END;
"""
DDL_V1 = _DDL  # a version 1 log is made of this (tests of the upgrade make one)
_NO_UPDATE = """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused');
END;"""

# Version 2: the audit trail's chain and its signed checkpoints (store.chain).
_UPGRADE_2 = """
ALTER TABLE events ADD COLUMN chain_prev BLOB;  -- an audit row's predecessor's chain
ALTER TABLE events ADD COLUMN chain BLOB;       -- SHA-256(chain_prev, the row's content)
CREATE TABLE checkpoints (
    seq        INTEGER PRIMARY KEY,  -- the last audit row it covers
    chain      BLOB    NOT NULL,     -- that row's chain value
    signed_ns  INTEGER NOT NULL,
    key_id     TEXT    NOT NULL,     -- which server key signed it (store.chain.key_id)
    signature  BLOB    NOT NULL      -- Ed25519 over (seq, chain)
) STRICT;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE refused');
END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE refused');
END;
"""


def connect(path: Path, synchronous: Synchronous, *, read_only: bool = False) -> sqlite3.Connection:
    """Open `path` as an event log (creating it if new), checked and in WAL mode.

    The connection is in autocommit mode: the log issues its own BEGIN IMMEDIATE / COMMIT.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise StoreError(path, f"needs SQLite >= 3.37 (this Python has {sqlite3.sqlite_version})")
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    except sqlite3.Error as exc:
        raise StoreError(path, f"cannot open ({exc})") from exc
    try:
        _check_or_create(db, path, read_only=read_only)
        if read_only:
            db.execute("PRAGMA query_only = ON")
        else:
            db.execute(f"PRAGMA synchronous = {synchronous}")
            # After a checkpoint the WAL is cut back to this size rather than left at its peak.
            db.execute("PRAGMA journal_size_limit = 67108864")
    except BaseException:
        db.close()
        raise
    return db


def _check_or_create(db: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
    """Refuse a file that is not our log (or is a newer one); create the schema in a new one."""
    try:
        (app_id,) = db.execute("PRAGMA application_id").fetchone()
        (version,) = db.execute("PRAGMA user_version").fetchone()
        (objects,) = db.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(path, f"not a borderwatch event log ({exc})") from exc
    if app_id == 0 and version == 0 and objects == 0:
        _create(db, path)
        return
    if app_id != APPLICATION_ID:
        raise StoreError(path, "not a borderwatch event log (an SQLite database of something else)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            path,
            f"written by a newer borderwatch (log schema {version}; this version reads up to "
            f"{SCHEMA_VERSION}): upgrade borderwatch to open it",
        )
    if version < 1:
        raise StoreError(path, f"unknown log schema version {version}")
    _wal(db, path)
    if version < SCHEMA_VERSION and not read_only:
        _upgrade(db, path)


def _upgrade(db: sqlite3.Connection, path: Path) -> None:
    """Version 1 to 2, in one transaction (another process may have done it first)."""
    try:
        db.execute("BEGIN IMMEDIATE")
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version == 1:
            for statement in _statements(_UPGRADE_2):
                db.execute(statement)
            _chain_existing(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise StoreError(
            path, f"cannot upgrade the log to schema {SCHEMA_VERSION} ({exc})"
        ) from exc


def _chain_existing(db: sqlite3.Connection) -> None:
    """Chain the audit rows already in the log (the update trigger is lifted for it only)."""
    db.execute("DROP TRIGGER events_no_update")
    prev = GENESIS
    rows = db.execute(
        "SELECT seq, kind, time_ns, arrived_ns, source, target, payload FROM events "
        "WHERE kind = 'action' ORDER BY seq"
    ).fetchall()
    for seq, kind, time_ns, arrived_ns, source, target, payload in rows:
        chain = link(prev, seq, kind, time_ns, arrived_ns, source, target, payload)
        db.execute("UPDATE events SET chain_prev = ?, chain = ? WHERE seq = ?", (prev, chain, seq))
        prev = chain
    db.execute(_NO_UPDATE)


def _create(db: sqlite3.Connection, path: Path) -> None:
    """A new log: WAL first (it sticks to the file), then the table, ids and version at once."""
    _wal(db, path)
    try:
        db.execute("BEGIN IMMEDIATE")
        (objects,) = db.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        if objects:  # another process created it between our look and our lock
            db.execute("ROLLBACK")
            _check_or_create(db, path)
            return
        for statement in _statements(_DDL + _UPGRADE_2):
            db.execute(statement)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise StoreError(path, f"cannot create the log ({exc})") from exc


def _wal(db: sqlite3.Connection, path: Path) -> None:
    """Switch to write-ahead logging: readers never block the writer, one fsync per commit."""
    try:
        (mode,) = db.execute("PRAGMA journal_mode = WAL").fetchone()
    except sqlite3.Error as exc:
        raise StoreError(path, f"cannot use WAL mode ({exc})") from exc
    if str(mode).lower() != "wal":
        raise StoreError(path, f"cannot use WAL mode (the file stays in {mode!r} mode)")


def _statements(script: str) -> list[str]:
    """Split the DDL into statements (executescript would COMMIT the open transaction)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out
