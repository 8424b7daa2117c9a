"""The audit trail's hash chain and signed checkpoints: an edit nobody can make quietly.

The event log's triggers refuse UPDATE and DELETE, but whoever holds the file can drop them.
So each audit row (an `action`: operator actions, logins, failed logins) also carries

    chain_prev  the previous audit row's `chain` (32 zero bytes for the first)
    chain       SHA-256 over chain_prev and the row's own content (seq, kind, times, source,
                target, payload), framed as one JSON array so no two rows hash alike

and every append that holds audit rows writes, in the same transaction, a checkpoint: the last
audit row's seq and chain, signed with the server's Ed25519 key (`DATA/audit.key`, mode 0600;
its public half `DATA/audit.pub` is what an auditor needs). Editing a row breaks its own hash;
deleting one leaves the next row's `chain_prev` pointing at nothing; inserting one leaves it
out of the next row's `chain_prev`; and recomputing the whole chain after an edit, which needs
no key, no longer matches the signed checkpoints, which need the key. `verify` walks the rows
and checkpoints and names the first row edited, deleted or inserted.

A log from before the chain (schema 1) gets its audit rows chained when it is upgraded, and
its first checkpoint when the service first opens it with a key: the chain vouches for those
rows from then on, not before (docs/security.md).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from borderwatch.errors import ConfigError

__all__ = [
    "GENESIS",
    "AuditKey",
    "ChainReport",
    "Finding",
    "checkpoint_message",
    "link",
    "verify",
]

GENESIS = bytes(32)
_DOMAIN = b"borderwatch audit checkpoint v1\0"
_frame = msgspec.json.Encoder()


def link(
    prev: bytes,
    seq: int,
    kind: str,
    time_ns: int,
    arrived_ns: int,
    source: str,
    target: str | None,
    payload: str,
) -> bytes:
    """The chain value of one audit row after `prev`."""
    content = _frame.encode([seq, kind, time_ns, arrived_ns, source, target, payload])
    return hashlib.sha256(prev + content).digest()


def checkpoint_message(seq: int, chain: bytes) -> bytes:
    """What a checkpoint's signature covers: the audit row's seq and its chain value."""
    return _DOMAIN + struct.pack(">Q", seq) + chain


class AuditKey:
    """The server's checkpoint key: made once (0600), loaded at every start."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.key_id = key_id(self.public)

    @classmethod
    def load_or_create(cls, path: Path) -> AuditKey:
        """The key in `path` (PEM), made with its public half `path.pub` if there is none."""
        if not path.exists():
            private = Ed25519PrivateKey.generate()
            pem = private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
            public = private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            path.with_suffix(".pub").write_bytes(public)
        if os.stat(path).st_mode & 0o077:
            raise ConfigError(str(path), "the audit key is readable by others; chmod 600 it")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(str(path), "not an Ed25519 private key")
        return cls(key)

    def sign(self, seq: int, chain: bytes) -> bytes:
        """The checkpoint signature for audit row `seq` with chain value `chain`."""
        return self._private.sign(checkpoint_message(seq, chain))


def key_id(public: Ed25519PublicKey) -> str:
    """A short name for a public key (first 16 hex digits of its SHA-256)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public(path: Path) -> Ed25519PublicKey:
    """The public checkpoint key in `path` (PEM)."""
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(str(path), "not an Ed25519 public key")
    return key


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One thing wrong: the seq it is at, what (edited, deleted, inserted, unsigned,
    bad_signature, checkpoint_mismatch), and in words."""

    seq: int
    what: str
    detail: str


class ChainReport(msgspec.Struct, frozen=True, kw_only=True):
    """What `verify` found: `intact`, or the findings (the first is the first tampering)."""

    intact: bool
    rows: int
    checkpoints: int
    last_signed_seq: int
    findings: list[Finding]

    @property
    def first(self) -> Finding | None:
        """The first row edited, deleted or inserted (None if intact)."""
        return self.findings[0] if self.findings else None


_ROWS = (
    "SELECT seq, kind, time_ns, arrived_ns, source, target, payload, chain_prev, chain "
    "FROM events WHERE kind = 'action' ORDER BY seq"
)
_MAX_FINDINGS = 100


def verify(db: sqlite3.Connection, public: Ed25519PublicKey | None) -> ChainReport:
    """Walk the audit rows and checkpoints of the log open on `db` (read only)."""
    findings: list[Finding] = []
    chain_of: dict[int, bytes] = {}
    # The last two rows walked, (seq, chain): a row linking past the last one skips it.
    last, before_last = (0, GENESIS), (0, GENESIS)
    rows = 0
    for seq, kind, t, arrived, source, target, payload, chain_prev, chain in _rows(db):
        rows += 1
        if chain is None or chain_prev is None:
            findings.append(Finding(seq=seq, what="inserted", detail="an audit row with no chain"))
            continue
        if link(chain_prev, seq, kind, t, arrived, source, target, payload) != chain:
            findings.append(
                Finding(seq=seq, what="edited", detail="its content no longer matches its hash")
            )
        elif chain_prev != last[1]:
            if last[0] and chain_prev == before_last[1]:
                findings.append(
                    Finding(seq=last[0], what="inserted", detail=f"seq {seq} links past it")
                )
            else:
                findings.append(
                    Finding(
                        seq=seq,
                        what="deleted",
                        detail=f"the audit row before it (after seq {last[0]}) is gone",
                    )
                )
        chain_of[seq] = chain
        last, before_last = (seq, chain), last
        if len(findings) >= _MAX_FINDINGS:
            break
    checkpoints, last_signed = _check_points(db, public, chain_of, findings)
    if public is not None:
        unsigned = [s for s in chain_of if s > last_signed]
        if unsigned:
            findings.append(
                Finding(
                    seq=unsigned[0],
                    what="inserted",
                    detail=f"{len(unsigned)} audit row(s) after the last signed checkpoint "
                    f"(seq {last_signed})",
                )
            )
    findings.sort(key=lambda f: f.seq)
    return ChainReport(
        intact=not findings,
        rows=rows,
        checkpoints=checkpoints,
        last_signed_seq=last_signed,
        findings=findings,
    )


def _rows(db: sqlite3.Connection) -> Iterable[tuple[Any, ...]]:
    cursor = db.execute(_ROWS)
    while batch := cursor.fetchmany(1000):
        yield from batch


def _check_points(
    db: sqlite3.Connection,
    public: Ed25519PublicKey | None,
    chain_of: dict[int, bytes],
    findings: list[Finding],
) -> tuple[int, int]:
    """Check each checkpoint's signature and that its row still has its chain value; return
    (how many, the last seq signed and still matching)."""
    count, last_good = 0, 0
    for seq, chain, signature in db.execute(
        "SELECT seq, chain, signature FROM checkpoints ORDER BY seq"
    ):
        count += 1
        if public is not None:
            try:
                public.verify(signature, checkpoint_message(seq, chain))
            except InvalidSignature:
                findings.append(
                    Finding(seq=seq, what="bad_signature", detail="a checkpoint not signed by us")
                )
                continue
        if seq not in chain_of:
            findings.append(Finding(seq=seq, what="deleted", detail="the signed audit row is gone"))
        elif chain_of[seq] != chain:
            # The chain was recomputed after a change: the first row after the last
            # checkpoint that still matches is where it changed.
            first = min((s for s in chain_of if s > last_good), default=seq)
            if not any(f.seq <= seq for f in findings):
                findings.append(
                    Finding(
                        seq=first,
                        what="edited",
                        detail=f"the chain was rewritten: it no longer matches the signed "
                        f"checkpoint at seq {seq}",
                    )
                )
        else:
            last_good = seq
    return count, last_good
