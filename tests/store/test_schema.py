"""Opening a file: a new one becomes a log; ours reopens; anything else is refused clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from borderwatch.store import SCHEMA_VERSION, EventLog, StoreError

from .samples import T0, patrol


def test_a_new_log_is_wal_and_marked_as_ours(log_path: Path) -> None:
    EventLog(log_path).close()
    db = sqlite3.connect(log_path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert db.execute("PRAGMA application_id").fetchone() == (0x42574C47,)
    db.close()


def test_reopening_keeps_the_events(log_path: Path) -> None:
    with EventLog(log_path) as log:
        log.append([patrol(1), patrol(2)], "a", T0)
    with EventLog(log_path, synchronous="NORMAL") as log:
        assert [e.message for e in log.read()] == [patrol(1), patrol(2)]
        assert log.append([patrol(3)], "a", T0) == range(3, 4)


def test_a_log_from_a_newer_borderwatch_is_refused(log_path: Path) -> None:
    EventLog(log_path).close()
    db = sqlite3.connect(log_path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match=r"newer borderwatch \(log schema 3; .* up to 2\)"):
        EventLog(log_path)


def test_another_sqlite_database_is_refused_untouched(log_path: Path) -> None:
    db = sqlite3.connect(log_path)
    db.execute("CREATE TABLE accounts (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not a borderwatch event log"):
        EventLog(log_path)
    db = sqlite3.connect(log_path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not switched to WAL
    db.close()


def test_a_file_that_is_not_sqlite_is_refused(log_path: Path) -> None:
    log_path.write_bytes(b"timestamp,sensor\n" * 100)
    with pytest.raises(StoreError, match="not a borderwatch event log"):
        EventLog(log_path)


def test_a_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        EventLog(tmp_path / "no" / "such" / "events.sqlite")
