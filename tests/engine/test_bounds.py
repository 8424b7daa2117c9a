"""Whatever admission accepts, the engine can process (issue 13).

A Hypothesis property drives generated messages, with extreme but finite numbers in every
field, through the bounds and then, if accepted, through the real engine step (`Picture.take`,
the tracker and the rules, not a mock), among honest detections of a walker: no exception, no
warning (pytest turns numpy's RuntimeWarnings into errors), every track state finite. The
fuzz corpus (`fuzz_corpus.jsonl`, kept beside this) holds the poisons found in reviews and
their kin: each is refused by the bounds, or taken in harmlessly.
"""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import msgspec
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderwatch.engine.bounds import MessageBounds
from borderwatch.engine.picture import Picture
from borderwatch.errors import MessageError
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.messages import ClassLikelihood, Detection, Patrol, SensorStatus, decode_lines

EPOCH = 1_773_500_000_000_000_000
CORPUS = Path(__file__).with_name("fuzz_corpus.jsonl")


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_layout(load_sites().in_sectors({"N03"}))


def _walker(registry: Registry, k: int) -> Detection:
    """An honest radar plot of a walker coming in, one per second."""
    sid = sorted(registry.radars)[0]
    return Detection(
        sensor_id=sid,
        kind="radar",
        seq=k,
        time_ns=EPOCH + k * 1_000_000_000,
        range_m=4000.0 - 1.2 * k,
        bearing_deg=95.0 + 0.001 * k,
        sigma_range_m=10.0,
        sigma_bearing_deg=0.5,
        classes=ClassLikelihood(person=0.8, vehicle=0.1, animal=0.2, unknown=0.3),
    )


def _finite_state(picture: Picture) -> bool:
    tr = picture.tracker.tracks
    return bool(np.isfinite(tr.x).all() and np.isfinite(tr.P).all())


# Extreme but finite: the edges the wire types allow, and tiny and huge values inside them.
def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(lo, hi, allow_nan=False, allow_infinity=False),
        st.sampled_from(
            [lo, hi, (lo + hi) / 2, *(v for v in (1e-300, 5e-324, 1e-12) if lo <= v <= hi)]
        ),
    )


likelihoods = st.builds(
    ClassLikelihood,
    person=_floats(0.0, 1.0),
    vehicle=_floats(0.0, 1.0),
    animal=_floats(0.0, 1.0),
    unknown=_floats(0.0, 1.0),
)


@st.composite
def messages(draw: st.DrawFn, registry: Registry) -> Detection | SensorStatus | Patrol:
    sensors = sorted(registry.places)
    t = EPOCH + draw(st.integers(-(10**13), 10**13))
    kind = draw(
        st.sampled_from(["radar", "camera", "ugs", "line", "patrol_report", "status", "patrol"])
    )
    lat, lon = draw(_floats(-90.0, 90.0)), draw(_floats(-180.0, 180.0))
    if draw(st.booleans()):  # mostly somewhere near the border, to get past the area check
        lat, lon = draw(_floats(32.0, 33.5)), draw(_floats(10.5, 12.0))
    if kind == "patrol":
        return Patrol(callsign="P1", agency="army", time_ns=t, lat=lat, lon=lon)
    if kind == "status":
        sid = draw(st.sampled_from(sensors))
        return SensorStatus(sensor_id=sid, kind=registry.places[sid].kind, seq=1, time_ns=t)
    seq = draw(st.integers(0, 2**63 - 1))
    classes = draw(likelihoods)
    if kind in ("radar", "camera"):
        pool = sorted(registry.radars if kind == "radar" else registry.cameras)
        return Detection(
            sensor_id=draw(st.sampled_from(pool)),
            kind=kind,  # type: ignore[arg-type]
            seq=seq,
            time_ns=t,
            bearing_deg=draw(_floats(0.0, 359.999999)),
            sigma_bearing_deg=draw(_floats(1e-300, 100_000.0)),
            range_m=draw(_floats(0.0, 100_000.0)) if kind == "radar" else None,
            sigma_range_m=draw(_floats(1e-300, 100_000.0)) if kind == "radar" else None,
            radial_speed_mps=draw(st.none() | _floats(-150.0, 150.0)),
            classes=classes,
        )
    var_e, var_n = draw(_floats(0.0, 1e12)), draw(_floats(0.0, 1e12))
    # A covariance (the wire type refuses anything else), up to a correlation of one.
    c = draw(_floats(-1.0, 1.0)) * math.sqrt(var_e * var_n) * (1.0 - 1e-9)
    pool = [s for s in sensors if registry.places[s].kind == kind] or ["PATROL-1"]
    return Detection(
        sensor_id=draw(st.sampled_from(pool)),
        kind=kind,  # type: ignore[arg-type]
        seq=seq,
        time_ns=t,
        lat=lat,
        lon=lon,
        cov_m2=(var_e, c, var_n),
        classes=classes,
    )


@pytest.fixture(scope="module")
def confirmed(registry: Registry) -> bytes:
    """A picture with a walker the tracker has confirmed (so a poison meets a live track),
    pickled: each example starts from a copy."""
    picture = Picture(registry, EPOCH)
    for k in range(20):
        picture.take(_walker(registry, k), EPOCH + k * 1_000_000_000)
    assert len(picture.tracker.tracks)
    return pickle.dumps(picture)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_the_bounds_accept_the_engine_processes(
    registry: Registry, confirmed: bytes, data: st.DataObject
) -> None:
    bounds = MessageBounds.of(registry)
    picture: Picture = pickle.loads(confirmed)
    poison = [data.draw(messages(registry)) for _ in range(3)]
    for k, m in enumerate(poison):
        if bounds.check(m) is None:
            picture.take(m, EPOCH + (20 + k) * 1_000_000_000)
    for k in range(20, 40):
        picture.take(_walker(registry, k), EPOCH + k * 1_000_000_000)
    list(picture.take_all([]))
    assert _finite_state(picture)


def test_the_review_poison_is_refused_with_its_reason(registry: Registry) -> None:
    """The security review's row: a radar plot with sigma 1e-300, finite and positive."""
    plot = msgspec.structs.replace(_walker(registry, 5), sigma_range_m=1e-300)
    refusal = MessageBounds.of(registry).check(plot)
    assert refusal is not None
    assert (refusal.field, refusal.code) == ("sigma_range_m", "sigma_out_of_bounds")


def test_the_fuzz_corpus_never_stops_the_engine(registry: Registry) -> None:
    lines = CORPUS.read_bytes().splitlines()
    assert len(lines) >= 20
    bounds = MessageBounds.of(registry)
    picture = Picture(registry, EPOCH)
    refused = 0
    for k in range(20):
        picture.take(_walker(registry, k), EPOCH + k * 1_000_000_000)
    for k, m in enumerate(decode_lines(lines)):
        if isinstance(m, MessageError) or not isinstance(m, Detection | SensorStatus | Patrol):
            refused += 1
            continue
        if bounds.check(m) is not None:
            refused += 1
        # The engine checks again: fed even what admission refused, it must not stop.
        picture.take(m, EPOCH + (20 + k) * 1_000_000_000)
    for k in range(20, 60):
        picture.take(_walker(registry, k), EPOCH + (k + len(lines)) * 1_000_000_000)
    list(picture.take_all([]))
    assert _finite_state(picture)
    assert refused >= len(lines) - 2  # all but the harmless controls
