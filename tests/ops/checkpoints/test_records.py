"""The posts' log: every recording, screening, view and decision audited (who, when, which
passage, why); retention erases what is past its time and nothing else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from borderwatch.ops.checkpoints import CheckpointError, Screener, load_list
from borderwatch.ops.checkpoints.records import (
    DAY_NS,
    CheckpointLog,
    PassageRecord,
    Retention,
    Traveller,
    UnknownPassageError,
)

T0 = 1_796_000_000 * 10**9  # 2026-12-01 UTC


def _passage(pid: str, t: int, names: str = "Sami Ben Amor", **kw: object) -> PassageRecord:
    traveller = Traveller(
        document_type="P",
        document_number=f"X{pid}",
        issuing_country="TUN",
        names_latin=names,
        dob="1980-01-02",
    )
    fields: dict[str, object] = {"post": "ras_ajdir", "lane": "L1", "direction": "in"} | kw
    return PassageRecord(id=pid, time_ns=t, traveller=traveller, officer="off.ras1", **fields)  # type: ignore[arg-type]


@pytest.fixture
def log(tmp_path: Path) -> CheckpointLog:
    return CheckpointLog(tmp_path / "checkpoints.sqlite")


@pytest.fixture
def screener(csv_list: Path) -> Screener:
    return Screener([load_list(csv_list)], on=dt.date(2026, 12, 6))


def test_every_access_audited(log: CheckpointLog, screener: Screener) -> None:
    log.record(_passage("p1", T0, names="Mohamed Ali Trabelsi", plate="123 TU 4567"))
    hits = log.screen("p1", screener, "off.ras1", T0 + 1, "arrival screening")
    assert [h.entry for h in hits] == ["T1"]
    log.decide("p1", "referred", "sup.ras", T0 + 2, "plate and name match")
    rec = log.view("p1", "analyst.1", T0 + 3, "case 2026-114")
    assert rec.traveller.names_latin == "Mohamed Ali Trabelsi"
    trail = log.audit("p1")
    assert [(a.action, a.who, a.time_ns) for a in trail] == [
        ("recorded", "off.ras1", T0),
        ("screened", "off.ras1", T0 + 1),
        ("decided", "sup.ras", T0 + 2),
        ("viewed", "analyst.1", T0 + 3),
    ]
    assert trail[2].why == "referred: plate and name match"
    assert trail[3].why == "case 2026-114"
    assert all(a.passage == "p1" for a in trail)


def test_no_access_without_who_and_why(log: CheckpointLog) -> None:
    log.record(_passage("p1", T0))
    with pytest.raises(CheckpointError, match="who and why"):
        log.view("p1", "analyst.1", T0 + 1, "")
    with pytest.raises(CheckpointError, match="who and why"):
        log.view("p1", "", T0 + 1, "case")
    assert [a.action for a in log.audit("p1")] == ["recorded"]  # the refused reads left nothing


def test_unknown_lane_and_passage(log: CheckpointLog, screener: Screener) -> None:
    with pytest.raises(CheckpointError, match="not a known lane"):
        log.record(_passage("p1", T0, post="ras_ajdir", lane="L9"))
    with pytest.raises(UnknownPassageError):
        log.view("nope", "analyst.1", T0, "case")
    with pytest.raises(UnknownPassageError):
        log.screen("nope", screener, "off", T0, "x")


def test_purge_erases_what_expired_and_nothing_else(log: CheckpointLog, screener: Screener) -> None:
    policy = Retention(no_hit_days=30, hit_days=730)
    now = T0 + 800 * DAY_NS
    cases = {
        "quiet-old": (now - 30 * DAY_NS - 1, "Sami Ben Amor"),  # past 30 days: erased
        "quiet-edge": (now - 30 * DAY_NS, "Sami Ben Amor"),  # exactly 30 days: kept
        "quiet-new": (now - DAY_NS, "Sami Ben Amor"),
        "hit-old": (now - 730 * DAY_NS - 1, "Mohamed Ali Trabelsi"),  # past two years: erased
        "hit-kept": (now - 100 * DAY_NS, "Mohamed Ali Trabelsi"),  # a hit: kept past 30 days
    }
    for pid, (t, names) in cases.items():
        plate = "١٢٣ تونس ٤٥٦٧" if pid.startswith("hit") else None  # T1's plate: a hit
        log.record(_passage(pid, t, names=names, plate=plate))
        log.screen(pid, screener, "off.ras1", t, "arrival screening")
    counts = log.purge(now, policy)
    assert counts["passages"] == 2
    assert sorted(log.passage_ids()) == ["hit-kept", "quiet-edge", "quiet-new"]
    with pytest.raises(UnknownPassageError):
        log.view("quiet-old", "analyst.1", now, "case")
    # The erasure is itself audited, by passage id only.
    purged = [a for a in log.audit() if a.action == "purged"]
    assert sorted(a.passage for a in purged) == ["hit-old", "quiet-old"]
    assert log.purge(now, policy)["passages"] == 0  # idempotent
    # Old audit rows go after audit_days; the recent ones stay.
    later = now + 3650 * DAY_NS
    assert log.purge(later, Retention(no_hit_days=10**5, hit_days=10**5))["audit_rows"] > 0
    assert all(a.time_ns >= later - 3650 * DAY_NS for a in log.audit())


def _same_document(rec: PassageRecord, pid: str, t: int) -> PassageRecord:
    return msgspec.structs.replace(rec, id=pid, time_ns=t)


def test_a_cleared_namesake_is_not_stopped_again_on_that_document(
    tmp_path: Path, screener: Screener
) -> None:
    log = CheckpointLog(tmp_path / "posts.sqlite", clearance_days=90)
    first = _passage("p1", T0, names="Abderrahmane Ben Youssef")
    log.record(first)
    assert [h.entry for h in log.screen("p1", screener, "off", T0, "lane")] == ["A1"]
    log.decide("p1", "cleared", "sup", T0 + 1, "a namesake: another father, another town")
    # The same document a week later: no hit; the audit says why.
    log.record(_same_document(first, "p2", T0 + 7 * DAY_NS))
    assert log.screen("p2", screener, "off", T0 + 7 * DAY_NS, "lane") == []
    (row,) = [a for a in log.audit("p2") if a.action == "screened"]
    assert row.why == "lane (watch/A1 cleared before for this document)"
    # Another document with the same name is stopped: the clearance is the document's.
    log.record(_passage("p3", T0 + 7 * DAY_NS, names="Abderrahmane Ben Youssef"))
    assert [h.entry for h in log.screen("p3", screener, "off", T0 + 7 * DAY_NS, "lane")] == ["A1"]
    # After 90 days the clearance has lapsed, and retention erases it.
    late = T0 + 91 * DAY_NS
    log.record(_same_document(first, "p4", late))
    assert [h.entry for h in log.screen("p4", screener, "off", late, "lane")] == ["A1"]
    log.purge(late, Retention())
    assert log._db.execute("SELECT count(*) FROM clearances").fetchone() == (0,)


def test_only_a_clearance_is_remembered(tmp_path: Path, screener: Screener) -> None:
    log = CheckpointLog(tmp_path / "posts.sqlite")
    first = _passage("p1", T0, names="Abderrahmane Ben Youssef")
    log.record(first)
    log.screen("p1", screener, "off", T0, "lane")
    log.decide("p1", "referred", "sup", T0 + 1, "to the police")
    log.decide("p1", "held", "sup", T0 + 2, "warrant confirmed")
    log.record(_same_document(first, "p2", T0 + DAY_NS))
    assert [h.entry for h in log.screen("p2", screener, "off", T0 + DAY_NS, "lane")] == ["A1"]


def test_records_kept_before_the_sex_was_read_still_decode(log: CheckpointLog) -> None:
    # The record is a JSON document: a log written before Traveller.sex holds records without
    # it, which read back as not given (no table changes, nothing to migrate).
    old = msgspec.json.encode(_passage("p1", T0)).replace(b',"sex":null', b"")
    assert b'"sex"' not in old
    log._db.execute(
        "INSERT INTO passages (id, time_ns, post, record) VALUES (?, ?, ?, ?)",
        ("p1", T0, "ras_ajdir", old),
    )
    assert log.view("p1", "analyst.1", T0 + 1, "case").traveller.sex is None
    typed = msgspec.structs.replace(_passage("p2", T0).traveller, sex="F")
    log.record(msgspec.structs.replace(_passage("p2", T0), traveller=typed))
    assert log.view("p2", "analyst.1", T0 + 1, "case").traveller.sex == "F"
