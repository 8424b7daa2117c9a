"""The releasability property over the paths that need no server: what the CoT exit and the
exchange emit for generated items x policies x ages is exactly what the one decision
releases, no finer than its grid, nothing early, never naming anyone but the recipient.
(The API's paths are checked against the same function in tests/api/test_exchange.py.)"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.geo.projection import to_utm
from borderwatch.share import DisclosureLedger, Exchange, Policy
from borderwatch.share.cot.partner import partner_cot
from borderwatch.share.releasability import Item, item_time_ns, release
from borderwatch.share.reports import SectorStatus
from tests.share.strategies import PARTNERS, items, policies

S = 1_000_000_000


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> DisclosureLedger:
    """One ledger for every example (module scope: Hypothesis reruns the test body)."""
    return DisclosureLedger(tmp_path_factory.mktemp("paths") / "d.sqlite")


@settings(max_examples=200, deadline=None)
@given(
    batch=st.lists(items, min_size=1, max_size=6),
    policy=policies(),
    age_s=st.sampled_from([0.0, 59.9, 60.0, 900.0, 86_400.0]),
)
def test_the_cot_exit_sends_exactly_what_the_decision_releases(
    ledger: DisclosureLedger, batch: list[Item], policy: Policy, age_s: float
) -> None:
    partner = policy.partner
    now = max(item_time_ns(i) for i in batch) + round(age_s * S)
    exchange = Exchange(ledger, {partner: policy})
    before = len(ledger.read(partner))
    events = partner_cot(exchange, partner, batch, now, user="link")
    expected = [
        r
        for i in batch
        if (r := release(i, partner, policy, now)) is not None
        and not isinstance(r.item, SectorStatus)
    ]
    assert len(events) == len(expected)
    assert len(ledger.read(partner)) - before == len(expected)  # each one recorded
    p = policy.precision_m
    others = set(PARTNERS) - {partner}
    for xml, r in zip(events, expected, strict=True):
        text = xml.decode()
        assert not any(o in text for o in others)  # nobody else named
        root = ET.fromstring(xml)
        assert (root.get("access") or "").startswith(f"REL TO {partner}")
        assert now - item_time_ns(r.item) >= policy.delay_s * S
        point = root.find("point")
        assert point is not None
        x, y = to_utm(float(point.get("lon", "")), float(point.get("lat", "")))
        for v in (float(x), float(y)):
            assert abs(v / p - math.floor(v / p) - 0.5) * p < 1e-3  # a cell's centre
