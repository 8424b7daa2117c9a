"""The disclosure ledger: a record of every item released to a partner, what, to whom, when,
through which exit, under which policy version, as it was sent.

Why its own append-only file (`disclosures.sqlite` beside the event log) and not events in
the event log: the event log holds the *inputs* the picture is rebuilt from, and replay reads
every one of them; disclosures are *outputs*, one per item per partner read (a feed polled
every 10 s re-releases what changed), so they would soon outnumber the inputs the engine must
wade through on every restart. Its `kind` CHECK constraint would also need a schema change of
every existing log, which its own triggers are there to forbid. The ledger keeps the log's
guarantees: SQLite in WAL mode, `synchronous=FULL`, triggers that refuse UPDATE and DELETE,
and each record names the partner's user and the exit, so it joins the audit trail (the
commander's `release` action is in the event log; what then went out under it is here).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import msgspec

from borderwatch.share.releasability import Released, item_kind, item_time_ns
from borderwatch.share.reports import SectorStatus
from borderwatch.store.errors import StoreError

__all__ = ["Disclosure", "DisclosureLedger", "Exit"]

Exit = Literal["api_incidents", "api_incident", "stream", "exchange_feed", "cot", "export"]
_APPLICATION_ID = 0x42574453  # "BWDS"
_DDL = """
CREATE TABLE disclosures (
    seq            INTEGER PRIMARY KEY,
    released_ns    INTEGER NOT NULL,
    partner        TEXT    NOT NULL,
    user           TEXT    NOT NULL,
    exit           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    item_id        TEXT    NOT NULL,
    item_time_ns   INTEGER NOT NULL,
    policy_version INTEGER NOT NULL,
    payload        TEXT    NOT NULL  -- the Released envelope as sent, JSON
) STRICT;
CREATE INDEX disclosures_partner ON disclosures (partner, seq);
CREATE TRIGGER disclosures_no_update BEFORE UPDATE ON disclosures
BEGIN SELECT RAISE(ABORT, 'the disclosure ledger is append-only: UPDATE refused'); END;
CREATE TRIGGER disclosures_no_delete BEFORE DELETE ON disclosures
BEGIN SELECT RAISE(ABORT, 'the disclosure ledger is append-only: DELETE refused'); END;
"""
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Released)


class Disclosure(msgspec.Struct, frozen=True, kw_only=True):
    """One item released: the ledger's row."""

    seq: int
    released_ns: int
    partner: str
    user: str
    exit: Exit
    kind: str
    item_id: str
    item_time_ns: int
    policy_version: int
    released: Released


def _item_id(r: Released) -> str:
    item = r.item
    return item.sector if isinstance(item, SectorStatus) else item.id


class DisclosureLedger:
    """Append-only record of releases in one SQLite file; safe to share between threads.

    Each call opens its own connection and closes it: records come a few per partner read,
    so nothing is held open that a server's shutdown would have to remember to close."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        with self._connect() as db:
            (app,) = db.execute("PRAGMA application_id").fetchone()
            if app == 0:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(
                    f"BEGIN; {_DDL} PRAGMA application_id = {_APPLICATION_ID}; COMMIT;"
                )
            elif app != _APPLICATION_ID:
                raise StoreError(self.path, "not a borderwatch disclosure ledger")

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        except sqlite3.Error as exc:
            raise StoreError(self.path, f"cannot open the disclosure ledger ({exc})") from exc
        try:
            db.execute("PRAGMA synchronous = FULL")
            yield db
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreError(self.path, f"disclosure ledger: {exc}") from exc
        finally:
            db.close()

    def record(self, released: Sequence[Released], user: str, exit: Exit) -> None:
        """Record `released` (one transaction, durable on return). Call it off the event loop,
        and before the items are sent: what is not recorded does not go out."""
        if not released:
            return
        rows = [
            (
                r.released_ns,
                r.partner,
                user,
                exit,
                item_kind(r.item),
                _item_id(r),
                item_time_ns(r.item),
                r.policy_version,
                _encoder.encode(r).decode(),
            )
            for r in released
        ]
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT INTO disclosures (released_ns, partner, user, exit, kind, item_id, "
                "item_time_ns, policy_version, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.execute("COMMIT")

    def read(
        self, partner: str | None = None, after: int = 0, limit: int | None = None
    ) -> list[Disclosure]:
        """Records with seq > `after`, oldest first, only `partner`'s if given, at most
        `limit`."""
        sql = (
            "SELECT seq, released_ns, partner, user, exit, kind, item_id, item_time_ns, "
            "policy_version, payload FROM disclosures WHERE seq > ?"
        )
        params: list[str | int] = [after]
        if partner is not None:
            sql += " AND partner = ?"
            params.append(partner)
        with self._connect() as db:
            sql += " ORDER BY seq"
            if limit is not None:
                sql += " LIMIT ?"
                params.append(limit)
            rows = db.execute(sql, params).fetchall()
        return [
            Disclosure(
                seq=seq,
                released_ns=rns,
                partner=p,
                user=user,
                exit=exit,
                kind=kind,
                item_id=iid,
                item_time_ns=its,
                policy_version=version,
                released=_decoder.decode(payload),
            )
            for seq, rns, p, user, exit, kind, iid, its, version, payload in rows
        ]
