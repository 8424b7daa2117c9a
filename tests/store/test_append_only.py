"""History cannot be edited: the table itself refuses UPDATE, DELETE and holes in `seq`,
whoever asks (here: a plain sqlite3 connection, as a person at the shell would use)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from borderwatch.store import EncodedBatch, EventLog, StoreError

from .samples import T0, action, detection, detections


@pytest.fixture
def shell(log: EventLog, log_path: Path) -> Iterator[sqlite3.Connection]:
    log.append([detection(1, 1), action(1, "INC-1"), detection(1, 2)], "a", T0)
    db = sqlite3.connect(log_path, isolation_level=None)
    yield db
    db.close()


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("UPDATE events SET payload = '{}' WHERE seq = 2", "UPDATE refused"),
        ("UPDATE events SET source = 'someone else'", "UPDATE refused"),
        ("DELETE FROM events WHERE kind = 'action'", "DELETE refused"),
        ("DELETE FROM events", "DELETE refused"),
        (
            "INSERT INTO events VALUES (5, 'detection', 1, 1, 'x', NULL, '{}', NULL, NULL)",
            "gap-free",
        ),
        (
            "INSERT INTO events VALUES (0, 'detection', 1, 1, 'x', NULL, '{}', NULL, NULL)",
            "gap-free",
        ),
        (
            "INSERT OR REPLACE INTO events"
            " VALUES (2, 'action', 1, 1, 'x', 'INC-1', '{}', NULL, NULL)",
            "gap-free",
        ),
        (
            "INSERT INTO events VALUES (2, 'action', 1, 1, 'x', 'INC-1', '{}', NULL, NULL)"
            " ON CONFLICT (seq) DO UPDATE SET payload = excluded.payload",
            "gap-free",
        ),
        (
            "INSERT INTO events (kind, time_ns, arrived_ns, source, payload)"
            " VALUES ('detection', 1, 1, 'x', '{}')",
            "gap-free",
        ),
    ],
    ids=[
        "update-one",
        "update-all",
        "delete-some",
        "delete-all",
        "gap",
        "zero",
        "replace",
        "upsert",
        "no-seq",
    ],
)
def test_the_table_refuses_edits(
    shell: sqlite3.Connection, log: EventLog, sql: str, refusal: str
) -> None:
    before = shell.execute("SELECT * FROM events ORDER BY seq").fetchall()
    with pytest.raises(sqlite3.IntegrityError, match=refusal):
        shell.execute(sql)
    assert shell.execute("SELECT * FROM events ORDER BY seq").fetchall() == before
    assert [e.seq for e in log.read()] == [1, 2, 3]


def test_the_next_seq_is_still_allowed_from_the_shell(shell: sqlite3.Connection) -> None:
    shell.execute("INSERT INTO events VALUES (4, 'status', 1, 1, 'x', NULL, '{}', NULL, NULL)")
    assert shell.execute("SELECT max(seq), count(*) FROM events").fetchone() == (4, 4)


def test_a_failed_transaction_writes_nothing(log: EventLog, log_path: Path) -> None:
    log.append(detections(1, 0, 3), "a", T0)
    # A second process holds the write lock longer than the log waits for it.
    other = sqlite3.connect(log_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    log._w.execute("PRAGMA busy_timeout = 0")
    good = EncodedBatch.of(detections(2, 0, 5), "b", T0)
    with pytest.raises(StoreError, match="SQLITE_BUSY"):
        log.append_encoded([good, good])
    other.execute("ROLLBACK")
    other.close()
    assert log.count() == 3
    assert log.append_encoded([good, good]) == [range(4, 9), range(9, 14)]
