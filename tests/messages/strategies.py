"""Hypothesis strategies for every wire type: valid values within each field's constraints,
and the cross-field rules each `__post_init__` enforces."""

from __future__ import annotations

from typing import Any, get_args

import hypothesis.strategies as st

from borderwatch.messages import (
    CLASSES,
    ActionKind,
    Alert,
    AlertCategory,
    ClassLikelihood,
    Detection,
    GeoPoint,
    Health,
    Incident,
    IncidentState,
    OperatorAction,
    Outcome,
    Patrol,
    PatrolStatus,
    SensorKind,
    SensorStatus,
    Track,
    TrackStatus,
)
from borderwatch.messages.codec import WireMessage

TIME_MAX = 4_102_444_800_000_000_000
INT64_MAX = 2**63 - 1

ids = st.from_regex(r"[A-Za-z0-9_.:/\-]{1,64}", fullmatch=True)
times = st.integers(0, TIME_MAX)
seqs = st.integers(0, INT64_MAX)
lats = st.floats(-90.0, 90.0)
lons = st.floats(-180.0, 180.0)
azimuths = st.floats(0.0, 360.0, exclude_max=True)
probabilities = st.floats(0.0, 1.0)


def texts(max_size: int) -> st.SearchStrategy[str]:
    """Any Unicode text JSON can carry (no lone surrogates), up to `max_size` code points."""
    return st.text(st.characters(codec="utf-8"), max_size=max_size)


def one_of_literal(literal: Any) -> st.SearchStrategy[Any]:
    """Any value of a `Literal[...]` type, read from the package so new values are covered."""
    return st.sampled_from(get_args(literal))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


class_likelihoods = st.builds(
    ClassLikelihood,
    person=probabilities,
    vehicle=probabilities,
    animal=probabilities,
    unknown=probabilities,
)
geo_points = st.builds(GeoPoint, lat=lats, lon=lons, time_ns=optional(times))

variances = st.floats(0.0, 1e12, allow_subnormal=False)


@st.composite
def covariances(draw: st.DrawFn) -> tuple[float, float, float]:
    """(var_e, cov_en, var_n) with cov_en^2 <= var_e * var_n: positive semi-definite."""
    var_e, var_n = draw(variances), draw(variances)
    rho = draw(st.floats(-1.0, 1.0))
    cov = rho * (var_e**0.5) * (var_n**0.5)
    while cov * cov > var_e * var_n:  # rounding at |rho| = 1
        cov *= 0.5
    return (var_e, cov, var_n)


@st.composite
def detections(draw: st.DrawFn) -> Detection:
    kind = draw(one_of_literal(SensorKind))
    common: dict[str, Any] = {
        "sensor_id": draw(ids),
        "kind": kind,
        "seq": draw(seqs),
        "time_ns": draw(times),
        "radial_speed_mps": draw(optional(st.floats(-150.0, 150.0))),
        "classes": draw(class_likelihoods),
        "snr_db": draw(optional(st.floats(-50.0, 150.0))),
    }
    sigmas = st.floats(0.0, 100_000.0, exclude_min=True)
    ranges = st.floats(0.0, 100_000.0)
    if kind in ("radar", "camera"):
        return Detection(
            **common,
            bearing_deg=draw(azimuths),
            sigma_bearing_deg=draw(sigmas),
            range_m=draw(ranges if kind == "radar" else optional(ranges)),
            sigma_range_m=draw(sigmas if kind == "radar" else optional(sigmas)),
        )
    return Detection(**common, lat=draw(lats), lon=draw(lons), cov_m2=draw(covariances()))


sensor_statuses = st.builds(
    SensorStatus,
    sensor_id=ids,
    kind=one_of_literal(SensorKind),
    seq=seqs,
    time_ns=times,
    health=one_of_literal(Health),
    lat=optional(lats),
    lon=optional(lons),
    range_m=optional(st.floats(0.0, 100_000.0)),
    az_min_deg=optional(azimuths),
    az_max_deg=optional(azimuths),
    detail=texts(200),
)

patrols = st.builds(
    Patrol,
    callsign=ids,
    agency=texts(32).filter(bool),
    time_ns=times,
    lat=lats,
    lon=lons,
    speed_mps=st.floats(0.0, 100.0),
    course_deg=azimuths,
    status=one_of_literal(PatrolStatus),
    seq=seqs,
)

finite = st.floats(-1e12, 1e12)
tracks = st.builds(
    Track,
    id=ids,
    sector=ids,
    time_ns=times,
    lat=lats,
    lon=lons,
    state=st.tuples(finite, finite, finite, finite),
    cov=st.just(()) | st.tuples(*[finite] * 16),
    classes=class_likelihoods,
    sensors=st.lists(ids, max_size=4).map(tuple),
    quality=probabilities,
    status=one_of_literal(TrackStatus),
    friendly=st.booleans(),
    group_size=st.integers(1, 1000),
)

alerts = st.builds(
    Alert,
    id=ids,
    rule=ids,
    time_ns=times,
    lat=lats,
    lon=lons,
    priority=st.integers(1, 4),
    category=one_of_literal(AlertCategory),
    sector=optional(ids),
    cls=st.sampled_from(CLASSES),
    track_ids=st.lists(ids, max_size=4).map(tuple),
    predicted_crossing=optional(geo_points),
    evidence=st.lists(texts(100), max_size=4).map(tuple),
    summary=texts(500),
)


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    state = draw(one_of_literal(IncidentState))
    opened = draw(times)
    patrol = draw(ids if state == "assigned" else optional(ids))
    outcome = draw(one_of_literal(Outcome)) if state == "resolved" else None
    return Incident(
        id=draw(ids),
        sector=draw(ids),
        opened_ns=opened,
        updated_ns=draw(st.integers(opened, TIME_MAX)),
        lat=draw(lats),
        lon=draw(lons),
        state=state,
        priority=draw(st.integers(1, 4)),
        alert_ids=tuple(draw(st.lists(ids, max_size=4))),
        track_ids=tuple(draw(st.lists(ids, max_size=4))),
        assigned_patrol=patrol,
        outcome=outcome,
        releasable_to=tuple(draw(st.lists(ids, max_size=3))),
    )


operator_actions = st.builds(
    OperatorAction,
    id=ids,
    user=ids,
    agency=ids,
    role=ids,
    time_ns=times,
    action=one_of_literal(ActionKind),
    target=optional(ids),
    why=texts(2000),
    params=st.dictionaries(ids, texts(200), max_size=3),
)

BY_TYPE: dict[str, st.SearchStrategy[Any]] = {
    "detection": detections(),
    "status": sensor_statuses,
    "patrol": patrols,
    "track": tracks,
    "alert": alerts,
    "incident": incidents(),
    "action": operator_actions,
}
wire_messages: st.SearchStrategy[WireMessage] = st.one_of(*BY_TYPE.values())
