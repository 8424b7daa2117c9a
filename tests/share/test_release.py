"""The one releasability decision, as a property over generated items x policies x times:
0 items released beyond policy, 0 positions more precise than allowed, 0 released before
their delay; and everything the policy allows does go out (a filter that drops all would
pass the first three)."""

from __future__ import annotations

import math

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.geo.projection import to_utm
from borderwatch.messages import Alert, Incident, Track, validate
from borderwatch.share.policy import Policy
from borderwatch.share.releasability import (
    WITHHELD,
    Item,
    coarsen,
    item_kind,
    item_time_ns,
    release,
)
from borderwatch.share.reports import SectorStatus
from tests.share.strategies import items, partners, policies

S = 1_000_000_000


def _allowed(item: Item, recipient: str, policy: Policy, now_ns: int) -> bool:
    """The policy read out independently of `release`."""
    if policy.partner != recipient or item_kind(item) not in policy.kinds:
        return False
    if isinstance(item, Track) and item.friendly:
        return False
    if "*" not in policy.sectors and item.sector not in policy.sectors:
        return False
    released = not isinstance(item, Incident) or recipient in item.releasable_to
    if policy.released_incidents_only and not released:
        return False
    return now_ns - item_time_ns(item) >= policy.delay_s * S


def _cell(lat: float, lon: float, p: float) -> tuple[int, int]:
    x, y = to_utm(lon, lat)
    return math.floor(float(x) / p), math.floor(float(y) / p)


def _is_cell_centre(lat: float, lon: float, p: float) -> bool:
    """The point is its cell's centre (to a millimetre): it says nothing within the cell."""
    x, y = to_utm(lon, lat)
    return all(abs(float(v) / p - math.floor(float(v) / p) - 0.5) * p < 1e-3 for v in (x, y))


def _check_position(lat: float, lon: float, out_lat: float, out_lon: float, p: float) -> None:
    assert _is_cell_centre(out_lat, out_lon, p)
    assert _cell(out_lat, out_lon, p) == _cell(lat, lon, p)


@settings(max_examples=1000, deadline=None)
@given(
    item=items,
    other=partners,
    own=st.sampled_from([True, True, True, False]),
    policy=policies(),
    age_s=st.sampled_from([0.0, 30.0, 59.9, 60.0, 899.0, 900.0, 3600.0, 86_400.0]),
)
def test_nothing_goes_beyond_the_policy(
    item: Item, other: str, own: bool, policy: Policy, age_s: float
) -> None:
    # Mostly the policy's own partner (the interesting case), sometimes anyone.
    recipient = policy.partner if own else other
    now_ns = item_time_ns(item) + round(age_s * S)
    out = release(item, recipient, policy, now_ns)
    if not _allowed(item, recipient, policy, now_ns):
        assert out is None
        return
    assert out is not None, "the policy allows this item: it must go out"
    sent = out.item
    assert type(sent) is type(item)
    validate(sent)  # still a valid wire message
    assert out.partner == recipient
    assert out.policy_version == policy.version
    assert out.onward_release == policy.onward_release
    assert out.retain_until_ns == now_ns + round(policy.retention_days * 86_400 * S)
    assert now_ns - item_time_ns(sent) >= policy.delay_s * S
    p = policy.precision_m
    wire = msgspec.to_builtins(sent)  # defaults are left out on the wire
    if isinstance(item, Incident | Alert | Track):
        assert isinstance(sent, Incident | Alert | Track)
        _check_position(item.lat, item.lon, sent.lat, sent.lon, p)
    if isinstance(item, Incident):
        assert isinstance(sent, Incident)
        assert "releasable_to" not in wire  # never who else was given it
    if isinstance(item, Alert):
        assert isinstance(sent, Alert)
        if item.predicted_crossing is not None and sent.predicted_crossing is not None:
            pc, spc = item.predicted_crossing, sent.predicted_crossing
            _check_position(pc.lat, pc.lon, spc.lat, spc.lon, p)
    if isinstance(item, Track):
        assert isinstance(sent, Track)
        assert sent.cov == ()  # a covariance would claim the precision taken away
        x, y = to_utm(sent.lon, sent.lat)
        assert abs(sent.state[0] - float(x)) < 0.01
        assert abs(sent.state[2] - float(y)) < 0.01
        if policy.strips("track", "velocity"):
            assert sent.state[1] == sent.state[3] == 0.0
    name = {Incident: "incident", Alert: "alert", Track: "track", SectorStatus: "x"}[type(item)]
    for stripped in policy.strip:
        kind, _, field = stripped.partition(".")
        if kind == name and field != "velocity":
            assert wire.get(field, WITHHELD) == WITHHELD, f"{stripped} was sent"


def test_an_assigned_incident_says_a_patrol_was_sent_not_which() -> None:
    from tests.share.test_policy import POLICY

    inc = Incident(
        id="I1",
        sector="S01",
        opened_ns=0,
        updated_ns=0,
        lat=31.0,
        lon=10.0,
        state="assigned",
        assigned_patrol="NG-S01-1",
        releasable_to=("partner:dz",),
    )
    out = release(inc, "partner:dz", POLICY, 10**15)
    assert out is not None
    assert isinstance(out.item, Incident)
    assert (out.item.state, out.item.assigned_patrol) == ("assigned", WITHHELD)


def test_a_policy_is_the_recipients_own() -> None:
    """A policy made out to Algeria releases nothing to Libya, whatever it allows."""
    from tests.share.test_policy import POLICY

    inc = Incident(
        id="I1",
        sector="S01",
        opened_ns=0,
        updated_ns=0,
        lat=31.0,
        lon=10.0,
        releasable_to=("partner:dz", "partner:ly"),
    )
    assert release(inc, "partner:dz", POLICY, 10**15) is not None
    assert release(inc, "partner:ly", POLICY, 10**15) is None


@pytest.mark.parametrize("p", [10.0, 1000.0, 5000.0])
def test_coarsening_is_the_cell_centre_wherever_the_point_is_in_it(p: float) -> None:
    """Two points of one cell come out the same: the released point reveals only the cell."""
    a = coarsen(32.5, 11.0, p)
    x, y = to_utm(11.0, 32.5)
    cx = (math.floor(float(x) / p) + 0.5) * p
    # Another point in the same cell, near its other corner.
    from borderwatch.geo.projection import to_lonlat

    lon2, lat2 = to_lonlat(cx + 0.45 * p, (math.floor(float(y) / p) + 0.95) * p)
    assert coarsen(float(lat2), float(lon2), p) == pytest.approx(a, abs=1e-9)
