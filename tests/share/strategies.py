"""Hypothesis strategies for what leaves borderwatch: items (incidents, alerts, tracks,
sector statuses) along the border, and partners' policies."""

from __future__ import annotations

from hypothesis import strategies as st

from borderwatch.messages import Alert, GeoPoint, Incident, IncidentState, Track
from borderwatch.share.policy import ITEM_KINDS, STRIPPABLE, Policy
from borderwatch.share.reports import IMPACT_LEVELS, SectorStatus

T0 = 1_780_000_000 * 1_000_000_000
SECTORS = ("N01", "N02", "N05", "S01", "S03")
PARTNERS = ("partner:dz", "partner:ly", "partner:it")

# The border's box (lat 30.2-33.2 N, lon 9.5-11.6 E) and a margin: UTM 32N covers it all.
lats = st.floats(30.0, 33.5)
lons = st.floats(9.3, 12.0)
times = st.integers(T0, T0 + 86_400 * 10**9)
sectors = st.sampled_from(SECTORS)
partners = st.sampled_from(PARTNERS)
ids = st.from_regex(r"\A[A-Z][0-9]{1,6}\Z")


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    opened = draw(times)
    state: IncidentState = draw(st.sampled_from(["new", "acknowledged", "assigned", "resolved"]))
    return Incident(
        id=draw(ids),
        sector=draw(sectors),
        opened_ns=opened,
        updated_ns=opened + draw(st.integers(0, 3_600 * 10**9)),
        lat=draw(lats),
        lon=draw(lons),
        state=state,
        priority=draw(st.integers(1, 4)),
        alert_ids=tuple(draw(st.lists(ids, max_size=3))),
        track_ids=tuple(draw(st.lists(ids, max_size=3))),
        assigned_patrol="NG-N01-1" if state == "assigned" else draw(st.none() | st.just("X1")),
        outcome="apprehended" if state == "resolved" else None,
        releasable_to=tuple(draw(st.lists(partners, max_size=3, unique=True))),
    )


@st.composite
def alerts(draw: st.DrawFn) -> Alert:
    crossing = draw(st.none() | st.builds(GeoPoint, lat=lats, lon=lons, time_ns=times))
    return Alert(
        id=draw(ids),
        rule=draw(st.sampled_from(["approach", "crossing", "loitering"])),
        time_ns=draw(times),
        lat=draw(lats),
        lon=draw(lons),
        priority=draw(st.integers(1, 4)),
        sector=draw(st.none() | sectors),
        cls=draw(st.sampled_from(["person", "vehicle", "unknown"])),
        track_ids=tuple(draw(st.lists(ids, max_size=2))),
        predicted_crossing=crossing,
        evidence=("T01-R/5", "T02-C/9"),
        summary="a person heading for the berm",
    )


@st.composite
def tracks(draw: st.DrawFn) -> Track:
    lat, lon = draw(lats), draw(lons)
    return Track(
        id=draw(ids),
        sector=draw(sectors),
        time_ns=draw(times),
        lat=lat,
        lon=lon,
        state=(650_000.0, draw(st.floats(-20, 20)), 3_600_000.0, draw(st.floats(-20, 20))),
        cov=tuple(float(v) for v in (25, 0, 0, 0, 0, 1, 0, 0, 0, 0, 25, 0, 0, 0, 0, 1)),
        sensors=("T01-R",),
        quality=draw(st.floats(0, 1)),
        status="confirmed",
        friendly=draw(st.booleans()),
    )


@st.composite
def sector_statuses(draw: st.DrawFn) -> SectorStatus:
    return SectorStatus(
        sector=draw(sectors),
        time_ns=draw(times),
        impact=draw(st.sampled_from(IMPACT_LEVELS)),
        open_incidents=draw(st.integers(0, 5)),
    )


items = st.one_of(incidents(), alerts(), tracks(), sector_statuses())
STRIP_NAMES = sorted(f"{k}.{f}" for k, fs in STRIPPABLE.items() for f in fs)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    return Policy(
        partner=draw(partners),
        version=draw(st.integers(0, 50)),
        kinds=tuple(draw(st.lists(st.sampled_from(ITEM_KINDS), unique=True))),
        sectors=tuple(draw(st.lists(st.sampled_from((*SECTORS, "*")), unique=True, max_size=3))),
        delay_s=draw(st.sampled_from([0.0, 60.0, 900.0, 3600.0])),
        precision_m=draw(st.sampled_from([10.0, 100.0, 250.0, 1000.0, 5000.0, 100_000.0])),
        retention_days=draw(st.sampled_from([1.0, 30.0, 365.0])),
        strip=tuple(draw(st.lists(st.sampled_from(STRIP_NAMES), unique=True))),
        onward_release=draw(st.booleans()),
        released_incidents_only=draw(st.booleans()),
    )
