"""Dispatch: available patrols ranked by ETA (straight line in UTM metres × detour over the
agency's speed); busy, off-duty and partners' patrols left out; stale reports ranked last."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from borderwatch.geo.projection import to_lonlat
from borderwatch.messages import Incident, Patrol
from borderwatch.messages.patrol import PatrolStatus
from borderwatch.ops import DispatchConfig, rank_patrols

X0, Y0 = 730_000.0, 3_630_000.0  # N03, UTM 32N
NOW = 1_773_471_600_000_000_000  # 2026-03-14 07:00 UTC
MIN = 60_000_000_000


def _at(dx: float, dy: float = 0.0) -> tuple[float, float]:
    lon, lat = to_lonlat(X0 + dx, Y0 + dy)
    return float(lat), float(lon)


def _incident(iid: str = "I000001", **kw: object) -> Incident:
    lat, lon = _at(0.0)
    fields: dict[str, object] = {"opened_ns": NOW - 5 * MIN, "updated_ns": NOW - MIN} | kw
    return Incident(id=iid, sector="N03", lat=lat, lon=lon, **fields)  # type: ignore[arg-type]


def _patrol(
    callsign: str,
    dx: float,
    dy: float = 0.0,
    agency: str = "national_guard",
    age_s: float = 10.0,
    status: PatrolStatus = "available",
) -> Patrol:
    lat, lon = _at(dx, dy)
    return Patrol(
        callsign=callsign,
        agency=agency,
        time_ns=NOW - round(age_s * 1e9),
        lat=lat,
        lon=lon,
        status=status,
    )


def test_ranked_by_eta_with_distance_in_utm_metres() -> None:
    patrols = [_patrol("NG-3", 9_000.0), _patrol("NG-1", 3_000.0, 4_000.0), _patrol("NG-2", -7_000)]
    ranked = rank_patrols(_incident(), patrols, {}, NOW)
    assert [r.callsign for r in ranked] == ["NG-1", "NG-2", "NG-3"]
    # 5 km (a 3-4-5 triangle), 7 km, 9 km: to a few cm (a lat/lon round trip).
    assert [round(r.distance_m) for r in ranked] == [5_000, 7_000, 9_000]
    config = DispatchConfig()
    for r in ranked:
        assert math.isclose(r.eta_s, r.distance_m * config.detour / 10.0, rel_tol=1e-3)
        assert not r.stale
        assert not r.assigned_here
    assert (ranked[0].lat, ranked[0].lon) == (patrols[1].lat, patrols[1].lon)
    assert ranked[0].time_ns == NOW - 10 * 1_000_000_000


def test_a_faster_unit_further_away_can_come_first() -> None:
    patrols = [_patrol("ARMY-1", 5_000.0, agency="army"), _patrol("CU-1", 5_500, agency="customs")]
    ranked = rank_patrols(_incident(), patrols, {}, NOW)
    # customs 12 m/s over 5.5 km beats the army's 9 m/s over 5 km.
    assert [r.callsign for r in ranked] == ["CU-1", "ARMY-1"]
    slow = DispatchConfig(speeds_mps={}, default_speed_mps=5.0, detour=1.0)
    ranked = rank_patrols(_incident(), patrols, {}, NOW, slow)
    assert [r.callsign for r in ranked] == ["ARMY-1", "CU-1"]
    assert math.isclose(ranked[0].eta_s, 1_000.0, rel_tol=1e-3)


def test_a_patrol_busy_on_another_open_incident_is_left_out() -> None:
    here = _incident("I000001", state="assigned", assigned_patrol="NG-2")
    elsewhere = _incident("I000002", state="assigned", assigned_patrol="NG-1")
    done = _incident("I000003", state="resolved", assigned_patrol="NG-3", outcome="apprehended")
    incidents = {i.id: i for i in (here, elsewhere, done)}
    patrols = [_patrol("NG-1", 1_000.0), _patrol("NG-2", 2_000.0), _patrol("NG-3", 3_000.0)]
    ranked = rank_patrols(here, patrols, incidents, NOW)
    # NG-1 is on I000002; NG-2 is already on this one (shown, flagged); NG-3's is resolved.
    assert [(r.callsign, r.assigned_here) for r in ranked] == [("NG-2", True), ("NG-3", False)]
    # From the other incident's side, NG-2 is the busy one.
    ranked = rank_patrols(elsewhere, patrols, incidents, NOW)
    assert [r.callsign for r in ranked] == ["NG-1", "NG-3"]


def test_an_off_duty_patrol_is_left_out() -> None:
    patrols = [_patrol("NG-1", 1_000.0, status="off_duty"), _patrol("NG-2", 2_000.0)]
    assert [r.callsign for r in rank_patrols(_incident(), patrols, {}, NOW)] == ["NG-2"]
    assert rank_patrols(_incident(), [], {}, NOW) == []


def test_stale_reports_come_last_flagged() -> None:
    patrols = [
        _patrol("NG-1", 500.0, age_s=601.0),  # nearest, but 10 min and a second old
        _patrol("NG-2", 8_000.0, age_s=600.0),  # exactly 10 min: still fresh
        _patrol("NG-3", 9_000.0),
        _patrol("NG-4", 300.0, age_s=3600.0),
    ]
    ranked = rank_patrols(_incident(), patrols, {}, NOW)
    assert [(r.callsign, r.stale) for r in ranked] == [
        ("NG-2", False),
        ("NG-3", False),
        ("NG-4", True),
        ("NG-1", True),
    ]


@given(
    st.lists(
        st.tuples(
            st.floats(-50_000, 50_000),
            st.floats(-50_000, 50_000),
            st.sampled_from(["national_guard", "army", "customs", "partner:ly"]),
            st.floats(0.0, 1_200.0),
        ),
        max_size=12,
    )
)
def test_fresh_first_each_group_by_eta(rows: list[tuple[float, float, str, float]]) -> None:
    patrols = [
        _patrol(f"P-{k}", dx, dy, agency, age) for k, (dx, dy, agency, age) in enumerate(rows)
    ]
    ranked = rank_patrols(_incident(), patrols, {}, NOW)
    # A partner's patrol (joint patrols) is proposed to, never ranked for dispatch.
    ours = [p for p in patrols if not p.agency.startswith("partner:")]
    assert sorted(r.callsign for r in ranked) == sorted(p.callsign for p in ours)
    keys = [(r.stale, r.eta_s) for r in ranked]
    assert keys == sorted(keys)
    for r in ranked:
        speed = DispatchConfig().speeds_mps.get(r.agency, 8.0)
        assert math.isclose(r.eta_s, r.distance_m * 1.4 / speed, rel_tol=1e-3, abs_tol=0.1)
