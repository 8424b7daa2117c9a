"""The CoT exit to a partner asks the one decision, records, and stamps each event."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import takproto

import borderwatch.share.releasability as releasability
from borderwatch.geo.projection import to_utm
from borderwatch.ingest.cot import to_proto
from borderwatch.messages import Alert, Incident, Track
from borderwatch.share import DisclosureLedger, Exchange, Policy
from borderwatch.share.cot.partner import partner_cot
from borderwatch.share.releasability import Item
from borderwatch.share.reports import SectorStatus

T = 1_780_000_000 * 10**9
POLICY = Policy(
    partner="partner:dz",
    version=5,
    kinds=("incidents", "alerts", "tracks", "sector_status"),
    sectors=("S01",),
    delay_s=600.0,
    precision_m=1000.0,
    retention_days=30.0,
)
INC = Incident(
    id="I1",
    sector="S01",
    opened_ns=T,
    updated_ns=T,
    lat=31.2345,
    lon=10.3456,
    releasable_to=("partner:dz", "partner:ly"),
)
ALERT = Alert(id="A1", rule="approach", time_ns=T, lat=31.2, lon=10.3, sector="S01")
TRACK = Track(
    id="T1",
    sector="S01",
    time_ns=T,
    lat=31.21,
    lon=10.31,
    state=(0.0, 1.0, 0.0, 1.0),
    cov=tuple(float(v) for v in range(16)),
)
OTHER = Track(id="T2", sector="N01", time_ns=T, lat=33.0, lon=11.4, state=(0.0, 0.0, 0.0, 0.0))
STATUS = SectorStatus(sector="S01", time_ns=T, impact="high")


@pytest.fixture
def exchange(tmp_path: Path) -> Exchange:
    return Exchange(DisclosureLedger(tmp_path / "d.sqlite"), {"partner:dz": POLICY})


def test_the_cot_exit_asks_the_one_decision(
    exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    original = releasability.release

    def spy(item: Any, recipient: str, policy: Policy, now_ns: int) -> Any:
        calls.append(item)
        return original(item, recipient, policy, now_ns)

    monkeypatch.setattr(releasability, "release", spy)
    items: list[Item] = [INC, ALERT, TRACK, OTHER, STATUS]
    events = partner_cot(exchange, "partner:dz", items, T + 601 * 10**9, user="link-dz")
    assert calls == items
    uids = [ET.fromstring(e).get("uid") for e in events]
    # N01's track is not for Algeria; a sector's status has no CoT form.
    assert uids == ["borderwatch.incident.I1", "borderwatch.alert.A1", "borderwatch.track.T1"]
    recorded = exchange.ledger.read()
    assert [(d.exit, d.user, d.item_id, d.policy_version) for d in recorded] == [
        ("cot", "link-dz", "I1", 5),
        ("cot", "link-dz", "A1", 5),
        ("cot", "link-dz", "T1", 5),
    ]
    # Too early: nothing, and nothing recorded.
    assert partner_cot(exchange, "partner:dz", items, T + 599 * 10**9, user="link-dz") == []
    assert len(exchange.ledger.read()) == 3


def test_each_event_carries_its_handling_and_its_grid(exchange: Exchange) -> None:
    (event,) = partner_cot(exchange, "partner:dz", [INC], T + 10**12, user="link-dz")
    root = ET.fromstring(event)
    access = root.get("access") or ""
    assert access.startswith("REL TO partner:dz; NO ONWARD RELEASE; RETAIN UNTIL ")
    assert "partner:ly" not in event.decode()  # never who else
    assert root.get("releasableTo") == "partner:dz"
    point = root.find("point")
    assert point is not None
    assert float(point.get("ce", "")) == pytest.approx(1000.0 / math.sqrt(6.0))
    x, y = to_utm(float(point.get("lon", "")), float(point.get("lat", "")))
    assert float(x) % 1000.0 == pytest.approx(500.0, abs=0.01)  # a cell's centre
    assert float(y) % 1000.0 == pytest.approx(500.0, abs=0.01)
    # TAK protocol v1 keeps `access` (it has no caveat or releasableTo).
    msg = takproto.parse_proto(bytearray(to_proto(event)))
    assert msg is not None
    assert msg.cotEvent.access == access
