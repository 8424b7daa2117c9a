"""The audit trail cannot be edited quietly (issue 15): operator actions and failed logins are
made through the real API, then the log file is attacked with sqlite3 directly (triggers
dropped first, as whoever holds the file can); `borderwatch audit verify` and
GET /api/v1/audit/verify name the first row edited, deleted or inserted."""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import msgspec
import pytest

from borderwatch.cli import main
from borderwatch.store import EventLog
from borderwatch.store.chain import AuditKey, ChainReport, link
from borderwatch.store.schema import APPLICATION_ID, DDL_V1
from tests.security.stack import run, running


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory, pki_dir: Path) -> Path:
    """A data directory whose log holds logins, a failed login and a logout (the audit rows)
    among sensor messages."""
    data = tmp_path_factory.mktemp("audit")

    async def work() -> None:
        async with running(data, pki_dir) as stack:
            for user in ("op1", "cmd1", "adm1"):
                await stack.token(user)
            r = await stack.http.post("/api/v1/token", data={"username": "op1", "password": "x"})
            assert r.status_code == 401
            token = await stack.token("op1")
            r = await stack.http.post(
                "/api/v1/logout", headers={"Authorization": f"Bearer {token}"}
            )
            assert r.status_code == 204
            headers = {"Authorization": f"Bearer {await stack.token('cmd1')}"}
            r = await stack.http.get("/api/v1/audit/verify", headers=headers)
            assert r.status_code == 200
            assert r.json()["intact"], r.json()
            assert r.json()["rows"] == 7
            headers = {"Authorization": f"Bearer {await stack.token('op1')}"}
            r = await stack.http.get("/api/v1/audit/verify", headers=headers)
            assert r.status_code == 403  # operators do not read the audit trail

    run(work())
    return data


def _attacked(trail: Path, tmp_path: Path, attack: Callable[[sqlite3.Connection], None]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(trail, data)
    db = sqlite3.connect(data / "events.sqlite", isolation_level=None)
    db.execute("DROP TRIGGER events_no_update")
    db.execute("DROP TRIGGER events_no_delete")
    db.execute("DROP TRIGGER events_gap_free")
    attack(db)
    db.close()
    return data


def _verify(data: Path) -> tuple[int, ChainReport]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["audit", "verify", "--data", str(data), "--json"])
    return code, msgspec.json.decode(out.getvalue(), type=ChainReport)


def _actions(db: sqlite3.Connection) -> list[int]:
    return [s for (s,) in db.execute("SELECT seq FROM events WHERE kind = 'action' ORDER BY seq")]


def test_the_untouched_trail_verifies(trail: Path) -> None:
    code, report = _verify(trail)
    assert code == 0
    assert report.intact
    assert report.rows == report.checkpoints == 8


def test_an_edited_row_is_named(trail: Path, tmp_path: Path) -> None:
    edited: list[int] = []

    def edit(db: sqlite3.Connection) -> None:
        seq = _actions(db)[1]
        db.execute(
            "UPDATE events SET payload = replace(payload, 'cmd1', 'adm1') WHERE seq = ?", (seq,)
        )
        edited.append(seq)

    code, report = _verify(_attacked(trail, tmp_path, edit))
    assert code == 1
    assert report.first is not None
    assert (report.first.seq, report.first.what) == (edited[0], "edited")


def test_a_deleted_row_is_named(trail: Path, tmp_path: Path) -> None:
    gone: list[int] = []

    def delete(db: sqlite3.Connection) -> None:
        seqs = _actions(db)
        db.execute("DELETE FROM events WHERE seq = ?", (seqs[3],))  # the failed login
        gone.extend(seqs[3:5])

    _, report = _verify(_attacked(trail, tmp_path, delete))
    assert report.first is not None
    # Its checkpoint names the row itself; the chain, the row that no longer links.
    assert (report.first.seq, report.first.what) == (gone[0], "deleted")
    assert [(f.seq, f.what) for f in report.findings] == [(s, "deleted") for s in gone]


def test_an_inserted_row_is_named_even_with_a_right_hash(trail: Path, tmp_path: Path) -> None:
    inserted: list[int] = []

    def insert(db: sqlite3.Connection) -> None:
        # A forged action at the end, its chain computed as the service would (no key needed).
        (last,) = db.execute("SELECT max(seq) FROM events").fetchone()
        (prev,) = db.execute(
            "SELECT chain FROM events WHERE kind = 'action' ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        payload = '{"type":"action","id":"Aforged","user":"cmd1","agency":"national_guard",'
        payload += '"role":"commander","time_ns":1,"action":"note","target":"I000001"}'
        row = (last + 1, "action", 1, 1, "user:cmd1", "I000001", payload)
        db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, prev, link(prev, *row))
        )
        inserted.append(last + 1)

    _, report = _verify(_attacked(trail, tmp_path, insert))
    assert report.first is not None
    assert (report.first.seq, report.first.what) == (inserted[0], "inserted")


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoints(trail: Path, tmp_path: Path) -> None:
    edited: list[int] = []

    def rewrite(db: sqlite3.Connection) -> None:
        # Edit a row, then recompute every chain after it: only the key could sign them.
        seqs = _actions(db)
        db.execute(
            "UPDATE events SET payload = replace(payload, 'adm1', 'cmd1') WHERE seq = ?", (seqs[2],)
        )
        prev = bytes(32)
        for seq, *content in db.execute(
            "SELECT seq, kind, time_ns, arrived_ns, source, target, payload FROM events "
            "WHERE kind = 'action' ORDER BY seq"
        ).fetchall():
            chain = link(prev, seq, *content)
            db.execute(
                "UPDATE events SET chain_prev = ?, chain = ? WHERE seq = ?", (prev, chain, seq)
            )
            prev = chain
        edited.append(seqs[2])

    _, report = _verify(_attacked(trail, tmp_path, rewrite))
    assert report.first is not None
    assert (report.first.seq, report.first.what) == (edited[0], "edited")


def test_a_log_from_before_the_chain_is_upgraded_and_chained(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.executescript(DDL_V1)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    payload = '{"type":"action","id":"A1","user":"op1","agency":"national_guard",'
    payload += '"role":"operator","time_ns":1,"action":"login"}'
    db.execute("INSERT INTO events VALUES (1, 'action', 1, 1, 'user:op1', NULL, ?)", (payload,))
    db.close()
    key = AuditKey.load_or_create(tmp_path / "audit.key")
    with EventLog(path, audit_key=key) as log:
        report = log.verify_chain()
        assert report.intact, report
        assert (report.rows, report.checkpoints, report.last_signed_seq) == (1, 1, 1)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone() == (2,)
    db.close()
