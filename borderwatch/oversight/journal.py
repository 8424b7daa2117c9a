"""The derived journal: what the engine derived from the event log, kept as it happens, so
a report reads a week in seconds instead of replaying it through fusion.

`DATA/oversight/journal-<fingerprint>.sqlite` holds, each row with the log seq of the event
whose taking produced it: every alert and every change of every incident the engine
published, each incident's steps (acknowledged, assigned, resolved by whom; on scene, the
assigned patrol's first report within `ON_SCENE_M`), the operator actions logged, the
sensors' own health reports, the patrols' agencies, the actions the engine refused, the
quarantined events it skipped, and per block of 4,096 seqs the counts a report's log range
needs (per minute of event time) and the latest "settled" time (`min(arrived, happened)`)
that tells where a report's pass would stop. It covers the events 1 to `covered` (always
from the first: a journal is only ever filled in seq order).

It is derived state, like the engine's checkpoint: it is trusted only if made by the same
code, settings and sensors (the fingerprint, in its name and inside it) and with the same
quarantine (the skipped seqs it records are those the quarantine holds now, up to
`covered`). Writers merge: each commit writes only the rows of events after the journal's
`covered` at that moment (a report's pass and the running service may both fill it, and the
same log gives the same rows), in one transaction with the new `covered`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from borderwatch.engine.config import EngineConfig
from borderwatch.errors import DataError
from borderwatch.geo.registry import Registry

__all__ = ["BLOCK_BITS", "Journal", "Rows", "fingerprint", "journal_path"]

BLOCK_BITS = 12  # 4,096 seqs a block
MINUTE_NS = 60_000_000_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER NOT NULL, id TEXT NOT NULL, time_ns INTEGER NOT NULL, body BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS alerts_time ON alerts (time_ns);
CREATE INDEX IF NOT EXISTS alerts_id ON alerts (id, seq);
CREATE TABLE IF NOT EXISTS incidents (
    seq INTEGER NOT NULL, id TEXT NOT NULL, opened_ns INTEGER NOT NULL, body BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS incidents_opened ON incidents (opened_ns);
CREATE INDEX IF NOT EXISTS incidents_id ON incidents (id, seq);
CREATE TABLE IF NOT EXISTS steps (
    seq INTEGER NOT NULL, incident TEXT NOT NULL, state TEXT NOT NULL,
    time_ns INTEGER NOT NULL, who TEXT NOT NULL, agency TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS steps_incident ON steps (incident, seq);
CREATE TABLE IF NOT EXISTS actions (
    seq INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, body BLOB NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS actions_time ON actions (time_ns);
CREATE TABLE IF NOT EXISTS health (
    seq INTEGER PRIMARY KEY, sensor TEXT NOT NULL, time_ns INTEGER NOT NULL,
    health TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS health_time ON health (time_ns);
CREATE INDEX IF NOT EXISTS health_sensor ON health (sensor, time_ns, seq);
CREATE TABLE IF NOT EXISTS patrols (
    seq INTEGER PRIMARY KEY, callsign TEXT NOT NULL, agency TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS refused (seq INTEGER PRIMARY KEY) STRICT;
CREATE TABLE IF NOT EXISTS skipped (seq INTEGER PRIMARY KEY) STRICT;
CREATE TABLE IF NOT EXISTS blocks (block INTEGER PRIMARY KEY, max_key INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS minutes (
    block INTEGER NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL,
    min_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL,
    min_ns INTEGER NOT NULL, max_ns INTEGER NOT NULL,
    PRIMARY KEY (block, minute)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS minutes_minute ON minutes (minute);
CREATE TABLE IF NOT EXISTS state (seq INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT;
"""
_TABLES = ("alerts", "incidents", "steps", "actions", "health", "patrols", "refused",
           "skipped", "blocks", "minutes", "state")  # fmt: skip


def fingerprint(config: EngineConfig, registry: Registry) -> str:
    """What the engine's derivations depend on besides the log: the code, the settings and
    the sensors (as the service's checkpoint mark: `service.core`)."""
    import borderwatch

    h = hashlib.sha256(msgspec.json.encode(config))
    h.update(repr(sorted(registry.places.items())).encode())
    for path in sorted(Path(borderwatch.__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    return f"{borderwatch.__version__}:{h.hexdigest()}"


def journal_path(data_root: Path, mark: str) -> Path:
    """The journal file for fingerprint `mark` in `data_root`."""
    digest = hashlib.sha256(mark.encode()).hexdigest()[:16]
    return data_root / "oversight" / f"journal-{digest}.sqlite"


@dataclass(slots=True)
class Rows:
    """What a recorder has derived since its last commit, each row led by its seq."""

    last_seq: int = 0  # the last event taken (recorded or not)
    events: list[tuple[int, int, int, bool]] = field(default_factory=list)  # seq, t, key, skip
    alerts: list[tuple[int, str, int, bytes]] = field(default_factory=list)
    incidents: list[tuple[int, str, int, bytes]] = field(default_factory=list)
    steps: list[tuple[int, str, str, int, str, str]] = field(default_factory=list)
    actions: list[tuple[int, int, bytes]] = field(default_factory=list)
    health: list[tuple[int, str, int, str]] = field(default_factory=list)
    patrols: list[tuple[int, str, str]] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    picture_seq: int = 0  # the first event with the engine's picture made (0: not yet)


class Journal:
    """One journal file (see the module): open, check, commit, query."""

    def __init__(self, path: Path, mark: str) -> None:
        self.path = path
        self.mark = mark
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.executescript(_SCHEMA)
            found = self._meta("fingerprint")
            if found is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('fingerprint', ?)", (mark,))
            elif found != mark:
                raise DataError(f"{path}: a journal of other code, settings or sensors")
        except sqlite3.Error as exc:
            raise DataError(f"{path}: cannot open the journal ({exc})") from exc

    @classmethod
    def open(cls, data_root: Path, mark: str) -> Journal:
        """The journal of fingerprint `mark` in `data_root` (made if there is none)."""
        return cls(journal_path(data_root, mark), mark)

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- what it covers ----------------------------------------------------------------------
    @property
    def covered(self) -> int:
        """The last seq whose derivations are all in the journal (0: none)."""
        return int(self._meta("covered") or 0)

    def skipped(self) -> list[int]:
        """The quarantined seqs the engine skipped, as the journal recorded them."""
        return [int(r[0]) for r in self.db.execute("SELECT seq FROM skipped ORDER BY seq")]

    def trusted(self, held: frozenset[int]) -> bool:
        """True if the quarantine, as it holds now, is the one the journal was made with."""
        covered = self.covered
        return self.skipped() == sorted(s for s in held if s <= covered)

    def recorder_state(self) -> dict[str, Any]:
        """The recorder's own state as of `covered` (its patrols en route, agencies)."""
        return dict(json.loads(self._meta("recorder") or "{}"))

    def picture_seq(self) -> int:
        """The first seq at which the engine had a picture (0: none yet)."""
        return int(self._meta("picture_seq") or 0)

    def reset(self) -> None:
        """Empty it (the quarantine changed under it: only the service, its owner, does)."""
        with self._write():
            for table in _TABLES:
                self.db.execute(f"DELETE FROM {table}")
            self.db.execute("DELETE FROM meta WHERE key != 'fingerprint'")

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[None]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise DataError(f"{self.path}: journal not written ({exc})") from exc

    def commit(self, rows: Rows, recorder: dict[str, Any]) -> int:
        """Write the rows of events after what the journal covers now, and cover up to
        `rows.last_seq` (with `recorder`, the recorder's state there); the new `covered`."""
        with self._write():
            db = self.db
            after = int(self._meta("covered") or 0)
            if rows.last_seq <= after:
                return after

            def new(items: list[Any]) -> list[Any]:
                return [r for r in items if (r if isinstance(r, int) else r[0]) > after]

            db.executemany("INSERT INTO alerts VALUES (?, ?, ?, ?)", new(rows.alerts))
            db.executemany("INSERT INTO incidents VALUES (?, ?, ?, ?)", new(rows.incidents))
            db.executemany("INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?)", new(rows.steps))
            db.executemany("INSERT INTO actions VALUES (?, ?, ?)", new(rows.actions))
            db.executemany("INSERT INTO health VALUES (?, ?, ?, ?)", new(rows.health))
            db.executemany("INSERT INTO patrols VALUES (?, ?, ?)", new(rows.patrols))
            db.executemany("INSERT INTO refused VALUES (?)", [(s,) for s in new(rows.refused)])
            blocks: dict[int, int] = {}
            minutes: dict[tuple[int, int], list[int]] = {}
            skipped = []
            for seq, t, key, skip in rows.events:
                if seq <= after:
                    continue
                b = seq >> BLOCK_BITS
                blocks[b] = max(blocks.get(b, key), key)
                if skip:
                    skipped.append((seq,))
                    continue
                m = minutes.get((b, t // MINUTE_NS))
                if m is None:
                    minutes[(b, t // MINUTE_NS)] = [1, seq, seq, t, t]
                else:
                    m[0] += 1
                    m[1], m[2] = min(m[1], seq), max(m[2], seq)
                    m[3], m[4] = min(m[3], t), max(m[4], t)
            db.executemany("INSERT INTO skipped VALUES (?)", skipped)
            db.executemany(
                "INSERT INTO blocks VALUES (?, ?) ON CONFLICT (block) DO UPDATE"
                " SET max_key = max(max_key, excluded.max_key)",
                list(blocks.items()),
            )
            db.executemany(
                "INSERT INTO minutes VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (block, minute)"
                " DO UPDATE SET n = n + excluded.n, min_seq = min(min_seq, excluded.min_seq),"
                " max_seq = max(max_seq, excluded.max_seq), min_ns = min(min_ns, excluded.min_ns),"
                " max_ns = max(max_ns, excluded.max_ns)",
                [(b, m, *v) for (b, m), v in minutes.items()],
            )
            meta = {"covered": str(rows.last_seq), "recorder": json.dumps(recorder)}
            if rows.picture_seq and not self._meta("picture_seq"):
                meta["picture_seq"] = str(rows.picture_seq)
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", list(meta.items()))
            return rows.last_seq

    def save_state(self, seq: int, body: bytes) -> None:
        """Keep an engine's state as of `seq` (one: the latest replaces the one before)."""
        with self._write():
            self.db.execute("DELETE FROM state")
            self.db.execute("INSERT INTO state VALUES (?, ?)", (seq, body))

    def load_state(self) -> tuple[int, bytes] | None:
        """The engine's state kept by `save_state`, with its seq, if any."""
        row = self.db.execute("SELECT seq, body FROM state").fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    # -- reading (`oversight.reading` puts a report's pass together from these) -------------
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """One read query (the journal's tables are described in the module's comment)."""
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise DataError(f"{self.path}: cannot read the journal ({exc})") from exc
