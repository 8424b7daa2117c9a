"""The disclosure ledger: every release recorded as sent, and the record cannot be edited."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from borderwatch.messages import Incident
from borderwatch.share import DisclosureLedger, Exchange, Policy
from borderwatch.store.errors import StoreError

INC = Incident(
    id="I1",
    sector="S01",
    opened_ns=10**18,
    updated_ns=10**18,
    lat=31.1234,
    lon=10.5678,
    releasable_to=("partner:dz", "partner:ly"),
)
POLICY = Policy(
    partner="partner:dz",
    version=4,
    kinds=("incidents",),
    sectors=("*",),
    delay_s=60.0,
    precision_m=1000.0,
    retention_days=7.0,
)


def test_what_went_out_is_recorded_as_sent(tmp_path: Path) -> None:
    exchange = Exchange(DisclosureLedger(tmp_path / "d.sqlite"), {"partner:dz": POLICY})
    now = 10**18 + 61 * 10**9
    released = exchange.decide("partner:dz", [INC], now)
    assert len(released) == 1
    exchange.record(released, "dz1", "exchange_feed")
    (d,) = exchange.ledger.read()
    assert (d.partner, d.user, d.exit, d.kind, d.item_id) == (
        "partner:dz",
        "dz1",
        "exchange_feed",
        "incidents",
        "I1",
    )
    assert (d.policy_version, d.released_ns, d.item_time_ns) == (4, now, INC.updated_ns)
    assert d.released == released[0]  # the envelope exactly as sent
    assert exchange.ledger.read("partner:ly") == []
    # Too young: nothing decided, so nothing to record.
    assert exchange.decide("partner:dz", [INC], 10**18 + 59 * 10**9) == []


def test_the_ledger_refuses_to_be_edited(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite"
    ledger = DisclosureLedger(path)
    exchange = Exchange(ledger, {"partner:dz": POLICY})
    ledger.record(exchange.decide("partner:dz", [INC], 2 * 10**18), "dz1", "api_incidents")
    db = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE disclosures SET partner = 'partner:ly'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM disclosures")
    finally:
        db.close()
    assert len(DisclosureLedger(path).read()) == 1  # reopened, still there


def test_another_file_is_not_taken_for_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 7")
    db.close()
    with pytest.raises(StoreError, match="not a borderwatch disclosure ledger"):
        DisclosureLedger(path)
