"""The event log: every accepted input, in the order accepted, in one append-only SQLite file.

What is logged is what the picture is made of: inbound `Detection`, `SensorStatus` and `Patrol`
messages, and every `OperatorAction` (the audit trail). Each gets the next `seq` (1, 2, 3, ...,
gap-free), its message kind, its event time, its arrival time, its source (connection or user)
and the wire message itself as canonical JSON, so a person with the `sqlite3` shell can read it:

    sqlite3 events.sqlite "SELECT seq, source, json_extract(payload, '$.sensor_id') FROM events"

Durability: an append returns only after its transaction has committed with
`synchronous=FULL` in WAL mode, i.e. after the WAL has been fsynced: it survives a crash of the
process and a loss of power. `NORMAL` (fsync at checkpoints only) survives a crash of the process
but may lose the last commits on power loss; `bench/eventlog.py` measures what it would buy.

Audit rows (actions) are chained and their appends signed (store.chain): `verify_chain` says
whether anyone edited, deleted or inserted one behind the service's back.

What the log accepts it can replay: each message is encoded and decoded back before it is
written, so a message that would not decode (a NaN built in Python, a field out of range) is
refused at the door with a `MessageError` naming the field, instead of breaking every restart.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from borderwatch.errors import MessageError
from borderwatch.messages import Detection, OperatorAction, Patrol, SensorStatus, encode
from borderwatch.messages.codec import _to_message_error
from borderwatch.store.chain import GENESIS, AuditKey, ChainReport, link, verify
from borderwatch.store.errors import StoreError
from borderwatch.store.schema import Synchronous, connect

__all__ = ["KINDS", "EncodedBatch", "EventLog", "Kind", "Loggable", "LoggedEvent"]

Loggable = Detection | SensorStatus | Patrol | OperatorAction
Kind = Literal["detection", "status", "patrol", "action"]
# The kind is the message's own JSON type tag.
KINDS: dict[type[Loggable], Kind] = {
    Detection: "detection",
    SensorStatus: "status",
    Patrol: "patrol",
    OperatorAction: "action",
}
_DECODERS: dict[type[Loggable], msgspec.json.Decoder[Loggable]] = {
    t: msgspec.json.Decoder(t) for t in KINDS
}
_decoder: msgspec.json.Decoder[Loggable] = msgspec.json.Decoder(Loggable)

_COLUMNS = "seq, kind, time_ns, arrived_ns, source, payload"
_INSERT = (
    "INSERT INTO events (seq, kind, time_ns, arrived_ns, source, target, payload, chain_prev,"
    " chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CHECKPOINT = (
    "INSERT INTO checkpoints (seq, chain, signed_ns, key_id, signature) VALUES (?, ?, ?, ?, ?)"
)
_Insert = tuple[int, Kind, int, int, str, str | None, str, bytes | None, bytes | None]
_PAGE = 1000  # rows per read query: memory stays flat and no read holds back a checkpoint


class LoggedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event as the log holds it: its `seq`, where and when it came from, the message."""

    seq: int
    kind: Kind
    time_ns: int
    arrived_ns: int
    source: str
    message: Loggable


# One row before its seq is known: kind, time_ns, target, payload.
Row = tuple[Kind, int, str | None, str]


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """One append, checked and encoded, ready for a transaction: build it with `of`."""

    rows: tuple[Row, ...]
    source: str
    arrived_ns: int

    @classmethod
    def of(cls, messages: Sequence[Loggable], source: str, arrived_ns: int) -> EncodedBatch:
        """Check that each message is loggable and decodes back; raise `MessageError` if not."""
        return cls(tuple(_row(i, m) for i, m in enumerate(messages)), source, arrived_ns)


def _row(i: int, message: Loggable) -> Row:
    """The row for message `i` of a batch, after its round trip through the decoder."""
    kind = KINDS.get(type(message))
    if kind is None:
        raise MessageError(
            "$.type",
            f"message {i}: the event log takes detection, status, patrol and action messages, "
            f"not {type(message).__name__}",
        )
    payload = encode(message)
    try:
        _DECODERS[type(message)].decode(payload)
    except msgspec.MsgspecError as exc:
        err = _to_message_error(exc)
        raise MessageError(err.field, f"message {i}: {err.reason}") from exc
    target = message.target if isinstance(message, OperatorAction) else None
    return (kind, message.time_ns, target, payload.decode())


class EventLog:
    """The append-only log in one SQLite file: `append` to it, `read` it back in seq order.

    Safe to share between threads: appends are serialised, and reads use their own connection,
    so they never see a transaction that has not committed.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        synchronous: Synchronous = "FULL",
        max_bytes: int | None = None,
        trace: Callable[[str], None] | None = None,
        audit_key: AuditKey | None = None,
    ) -> None:
        """Open or create the log at `path`.

        `max_bytes` caps the database file (appends beyond it fail as on a full disk);
        `trace` sees every SQL statement the writing connection runs; `audit_key` signs a
        checkpoint with each append that holds audit rows (none: the chain only).
        """
        self.path = Path(path)
        self.synchronous = synchronous
        self._w = connect(self.path, synchronous)
        try:
            if max_bytes is not None:
                (page,) = self._w.execute("PRAGMA page_size").fetchone()
                self._w.execute(f"PRAGMA max_page_count = {max(1, max_bytes // page)}")
            if trace is not None:
                self._w.set_trace_callback(trace)
            self._r = connect(self.path, synchronous, read_only=True)
        except BaseException:
            self._w.close()
            raise
        self._wlock = threading.Lock()
        self._rlock = threading.Lock()
        self._key = audit_key
        head = self._w.execute(
            "SELECT seq, chain FROM events WHERE kind = 'action' ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        self._head: tuple[int, bytes] = (head[0], head[1]) if head else (0, GENESIS)
        if audit_key is not None and self._head[0]:
            (signed,) = self._w.execute("SELECT count(*) FROM checkpoints").fetchone()
            if not signed:
                # A log chained at its upgrade, first opened with a key: vouch from now on.
                # Never later: rows after the last checkpoint are exactly what an intruder adds.
                self._w.execute(_CHECKPOINT, self._checkpoint(*self._head))

    def append(self, messages: Sequence[Loggable], source: str, arrived_ns: int) -> range:
        """Append messages in one transaction; return their seqs once durable."""
        return self.append_encoded([EncodedBatch.of(messages, source, arrived_ns)])[0]

    def append_encoded(self, batches: Sequence[EncodedBatch]) -> list[range]:
        """Append several batches in one transaction (one fsync); return each one's seqs.

        All or nothing: on any error nothing is written and `StoreError` is raised.
        """
        with self._wlock:
            db = self._w
            try:
                db.execute("BEGIN IMMEDIATE")
                # Under the write lock nobody else can append, so max + 1 is ours.
                (last,) = db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
                seqs: list[range] = []
                rows: list[_Insert] = []
                head = self._head
                for b in batches:
                    first = last + 1
                    for seq, (kind, time_ns, target, payload) in enumerate(b.rows, first):
                        prev = chain = None
                        if kind == "action":
                            prev = head[1]
                            chain = link(
                                prev, seq, kind, time_ns, b.arrived_ns, b.source, target, payload
                            )
                            head = (seq, chain)
                        rows.append(
                            (
                                seq,
                                kind,
                                time_ns,
                                b.arrived_ns,
                                b.source,
                                target,
                                payload,
                                prev,
                                chain,
                            )
                        )
                    last += len(b.rows)
                    seqs.append(range(first, last + 1))
                db.executemany(_INSERT, rows)
                if head != self._head and self._key is not None:
                    db.execute(_CHECKPOINT, self._checkpoint(*head))
                db.execute("COMMIT")
                self._head = head
            except sqlite3.Error as exc:
                _rollback(db)
                name = getattr(exc, "sqlite_errorname", type(exc).__name__)
                raise StoreError(self.path, f"append not made durable ({name}: {exc})") from exc
            except BaseException:
                _rollback(db)
                raise
        return seqs

    def _checkpoint(self, seq: int, chain: bytes) -> tuple[int, bytes, int, str, bytes]:
        assert self._key is not None
        return (seq, chain, time.time_ns(), self._key.key_id, self._key.sign(seq, chain))

    def verify_chain(self, public: Ed25519PublicKey | None = None) -> ChainReport:
        """The audit chain and checkpoints checked (against `public`, default our own key)."""
        if public is None and self._key is not None:
            public = self._key.public
        with self._rlock:
            try:
                return verify(self._r, public)
            except sqlite3.Error as exc:
                raise StoreError(self.path, f"cannot read ({exc})") from exc

    def read(
        self, after: int = 0, limit: int | None = None, kinds: Collection[Kind] | None = None
    ) -> Iterator[LoggedEvent]:
        """Events with seq > `after` in seq order (only `kinds` if given), at most `limit`.

        Reads page by page, so it also yields events appended while it runs.
        """
        where = ""
        params: list[str | int] = []
        if kinds is not None:
            where = f"kind IN ({', '.join('?' * len(kinds))}) AND "
            params = list(kinds)
        return self._pages(
            f"SELECT {_COLUMNS} FROM events WHERE {where}seq > ?", params, after, limit
        )

    def audit(
        self, target: str | None = None, after: int = 0, limit: int | None = None
    ) -> Iterator[LoggedEvent]:
        """Operator actions in seq order, only those on `target` (an incident id ...) if given."""
        if target is None:
            sql = f"SELECT {_COLUMNS} FROM events WHERE kind = 'action' AND seq > ?"
            params: list[str | int] = []
        else:
            sql = f"SELECT {_COLUMNS} FROM events WHERE kind = 'action' AND target = ? AND seq > ?"
            params = [target]
        return self._pages(sql, params, after, limit)

    def last_seq(self) -> int:
        """The seq of the last committed event (0 for an empty log)."""
        return int(self._query("SELECT coalesce(max(seq), 0) FROM events", [])[0][0])

    def first_settled(self, first: int, last: int, after_ns: int) -> int | None:
        """The first seq in `first`..`last` of an event that both happened and arrived after
        `after_ns` (a primary-key range: no payload decoded), None if there is none."""
        row = self._query(
            "SELECT min(seq) FROM events WHERE seq BETWEEN ? AND ? AND arrived_ns > ?"
            " AND time_ns > ?",
            [first, last, after_ns, after_ns],
        )
        return None if row[0][0] is None else int(row[0][0])

    def event_times(self, first: int, last: int) -> list[tuple[int, int]]:
        """(seq, event time) of the events `first`..`last`, in seq order (no payload decoded)."""
        rows = self._query(
            "SELECT seq, time_ns FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq", [first, last]
        )
        return [(int(s), int(t)) for s, t in rows]

    def count(self) -> int:
        """How many events the log holds (equal to `last_seq()`: seqs have no gaps)."""
        return int(self._query("SELECT count(*) FROM events", [])[0][0])

    def close(self) -> None:
        """Close the file (the last connection to close checkpoints and removes the WAL)."""
        with self._rlock:
            self._r.close()
        with self._wlock:
            self._w.close()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pages(
        self, select: str, params: list[str | int], after: int, limit: int | None
    ) -> Iterator[LoggedEvent]:
        """Run `select` (which ends in `seq > ?`, its last parameter) a page at a time."""
        left = limit
        while left is None or left > 0:
            page = _PAGE if left is None else min(_PAGE, left)
            rows = self._query(f"{select} ORDER BY seq LIMIT {page}", [*params, after])
            for seq, kind, time_ns, arrived_ns, source, payload in rows:
                try:
                    message = _decoder.decode(payload)
                except msgspec.MsgspecError as exc:
                    raise StoreError(self.path, f"event {seq} does not decode ({exc})") from exc
                yield LoggedEvent(
                    seq=seq,
                    kind=kind,
                    time_ns=time_ns,
                    arrived_ns=arrived_ns,
                    source=source,
                    message=message,
                )
            if len(rows) < page:
                return
            after = rows[-1][0]
            if left is not None:
                left -= len(rows)

    def _query(self, sql: str, params: list[str | int]) -> list[Any]:
        """One whole query on the read connection (its read transaction ends with it)."""
        with self._rlock:
            try:
                return self._r.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(self.path, f"cannot read ({exc})") from exc


def _rollback(db: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (a failed COMMIT may have ended it already)."""
    try:
        if db.in_transaction:
            db.execute("ROLLBACK")
    except sqlite3.Error:
        pass  # the connection is broken; SQLite rolls back on the next open anyway
