"""Malformed input is rejected with a MessageError naming the field (a JSON path) and why.

Cross-field rules (position xor polar, a PSD covariance, outcome iff resolved) are about the
whole message, so their field is `$` and the reason names the fields involved.
"""

from __future__ import annotations

import math
from typing import Any

import hypothesis.strategies as st
import msgspec
import pytest
from hypothesis import given

from borderwatch.errors import MessageError
from borderwatch.messages import (
    Alert,
    Detection,
    GeoPoint,
    Patrol,
    SensorStatus,
    Track,
    decode,
    encode,
    validate,
)
from borderwatch.messages.codec import WireMessage

from .strategies import wire_messages

PATROL: dict[str, Any] = {
    "type": "patrol",
    "callsign": "NG-12",
    "agency": "national_guard",
    "time_ns": 1_700_000_000_000_000_000,
    "lat": 32.5,
    "lon": 11.2,
}
RADAR: dict[str, Any] = {
    "type": "detection",
    "sensor_id": "T01/radar",
    "kind": "radar",
    "seq": 7,
    "time_ns": 1_700_000_000_000_000_000,
    "range_m": 4200.0,
    "bearing_deg": 95.5,
    "sigma_range_m": 10.0,
    "sigma_bearing_deg": 0.5,
}
UGS: dict[str, Any] = {
    "type": "detection",
    "sensor_id": "U-N02-1",
    "kind": "ugs",
    "seq": 3,
    "time_ns": 1_700_000_000_000_000_000,
    "lat": 32.9,
    "lon": 11.4,
    "cov_m2": [400.0, 0.0, 400.0],
}
INCIDENT: dict[str, Any] = {
    "type": "incident",
    "id": "I-1",
    "sector": "N03",
    "opened_ns": 1_700_000_000_000_000_000,
    "updated_ns": 1_700_000_000_000_000_100,
    "lat": 32.7,
    "lon": 11.4,
}
TRACK: dict[str, Any] = {
    "type": "track",
    "id": "K-1",
    "sector": "N03",
    "time_ns": 1_700_000_000_000_000_000,
    "lat": 32.7,
    "lon": 11.4,
    "state": [700_000.0, 1.0, 3_600_000.0, -1.0],
}
ALERT: dict[str, Any] = {
    "type": "alert",
    "id": "A-1",
    "rule": "crossing",
    "time_ns": 1_700_000_000_000_000_000,
    "lat": 32.7,
    "lon": 11.4,
}


def _with(base: dict[str, Any], **changes: Any) -> bytes:
    doc = {**base, **changes}
    return msgspec.json.encode({k: v for k, v in doc.items() if v is not _DROP})


_DROP = object()

# (input, expected field, a word the reason must contain)
CASES: list[Any] = [
    pytest.param(_with(PATROL, lat="north"), "$.lat", "float", id="wrong-type-lat"),
    pytest.param(_with(PATROL, time_ns=1.5), "$.time_ns", "int", id="float-for-int"),
    pytest.param(_with(PATROL, callsign="has space"), "$.callsign", "match", id="bad-id"),
    pytest.param(_with(PATROL, lat=90.5), "$.lat", "90", id="lat-above-90"),
    pytest.param(_with(PATROL, lat=-90.5), "$.lat", "-90", id="lat-below-minus-90"),
    pytest.param(_with(PATROL, lon=180.01), "$.lon", "180", id="lon-above-180"),
    pytest.param(_with(PATROL, lon=-181), "$.lon", "-180", id="lon-below-minus-180"),
    pytest.param(_with(PATROL, course_deg=360.0), "$.course_deg", "360", id="course-360"),
    pytest.param(_with(RADAR, bearing_deg=360.0), "$.bearing_deg", "360", id="bearing-360"),
    pytest.param(_with(RADAR, bearing_deg=-0.1), "$.bearing_deg", "0", id="bearing-negative"),
    pytest.param(_with(PATROL, time_ns=-1), "$.time_ns", "0", id="time-negative"),
    pytest.param(_with(PATROL, seq=2**63), "$.seq", "", id="patrol-seq-beyond-int64"),
    pytest.param(_with(RADAR, seq=2**63), "$.seq", "", id="detection-seq-beyond-int64"),
    pytest.param(
        _with({**PATROL, "type": "status", "kind": "radar", "sensor_id": "T01"}, seq=2**64),
        "$.seq",
        "",
        id="status-seq-beyond-int64",
    ),
    pytest.param(_with(PATROL)[:-1] + b',"lat":1e400}', "$.lat", "range", id="lat-overflows"),
    pytest.param(_with(PATROL, lat=_DROP), "$.lat", "lat", id="missing-lat"),
    pytest.param(_with(RADAR, sensor_id=_DROP), "$.sensor_id", "sensor_id", id="missing-id"),
    pytest.param(
        _with(ALERT, predicted_crossing={"lat": 32.0}),
        "$.predicted_crossing.lon",
        "lon",
        id="missing-nested-field",
    ),
    pytest.param(_with(PATROL, type="sighting"), "$.type", "sighting", id="unknown-tag"),
    pytest.param(_with(PATROL, type=_DROP), "$.type", "type", id="missing-tag"),
    pytest.param(_with(UGS, classes={"person": 1.5}), "$.classes.person", "1", id="p-above-1"),
    pytest.param(
        _with(RADAR, range_m=_DROP, sigma_range_m=_DROP), "$", "range_m", id="radar-no-range"
    ),
    pytest.param(
        _with(RADAR, sigma_bearing_deg=_DROP), "$", "sigma_bearing_deg", id="radar-no-sigma"
    ),
    pytest.param(_with(UGS, cov_m2=_DROP), "$", "cov_m2", id="ugs-no-covariance"),
    pytest.param(_with(UGS, bearing_deg=12.0), "$", "not both", id="position-and-polar"),
    pytest.param(_with(RADAR, lat=32.0, lon=11.0), "$", "not both", id="polar-and-position"),
    pytest.param(_with(UGS, cov_m2=[100.0, 101.0, 100.0]), "$", "cov_m2", id="cov-not-psd"),
    pytest.param(_with(UGS, cov_m2=[-1.0, 0.0, 100.0]), "$.cov_m2[0]", "0", id="neg-variance"),
    pytest.param(_with(UGS, cov_m2=[1.0, 0.0]), "$.cov_m2", "3", id="cov-too-short"),
    pytest.param(_with(TRACK, cov=[1.0] * 15), "$", "16", id="track-cov-not-4x4"),
    pytest.param(_with(TRACK, state=[0.0] * 3), "$.state", "4", id="track-state-too-short"),
    pytest.param(_with(INCIDENT, state="resolved"), "$", "outcome", id="resolved-no-outcome"),
    pytest.param(_with(INCIDENT, outcome="got_away"), "$", "outcome", id="outcome-not-resolved"),
    pytest.param(_with(INCIDENT, state="assigned"), "$", "assigned_patrol", id="assigned-nobody"),
    pytest.param(
        _with(INCIDENT, updated_ns=INCIDENT["opened_ns"] - 1), "$", "updated_ns", id="time-order"
    ),
    pytest.param(_with(INCIDENT, state="closed"), "$.state", "closed", id="unknown-state"),
    pytest.param(b"\x00\xff\xfe garbage", "$", "malformed", id="garbage-bytes"),
    pytest.param(
        _with(PATROL)[:-1] + b',"agency":"\xc3\x28"}', "$", "utf-8", id="invalid-utf8-in-string"
    ),
    pytest.param(_with(PATROL)[:-7], "$", "truncated", id="truncated"),
    pytest.param(b"", "$", "truncated", id="empty"),
    pytest.param(b"[1, 2]", "$", "object", id="array"),
    pytest.param(b"null", "$", "object", id="null"),
    pytest.param(_with(PATROL)[:-1] + b',"lat":NaN}', "$", "malformed", id="json-nan-literal"),
    pytest.param(_with(PATROL) + b"{}", "$", "trailing", id="two-documents"),
    pytest.param('{"type":"patrol","callsign":"\ud800"}', "$", "", id="lone-surrogate-str"),
]


@pytest.mark.parametrize(("data", "field", "word"), CASES)
def test_decode_rejects(data: bytes | str, field: str, word: str) -> None:
    with pytest.raises(MessageError) as info:
        decode(data)
    assert info.value.field == field, info.value
    assert info.value.reason.strip()
    assert word.lower() in info.value.reason.lower()
    assert str(info.value).startswith(field + ": ")


def test_decode_as_one_type_rejects_another() -> None:
    with pytest.raises(MessageError) as info:
        decode(_with(PATROL), Detection)
    assert info.value.field == "$.type"


def test_error_keeps_the_library_cause() -> None:
    with pytest.raises(MessageError) as info:
        decode(b"{")
    assert isinstance(info.value.__cause__, msgspec.MsgspecError)


NAN_CASES: list[Any] = [
    pytest.param(Patrol(callsign="P", agency="a", time_ns=0, lat=math.nan, lon=0.0), "$.lat"),
    pytest.param(Patrol(callsign="P", agency="a", time_ns=0, lat=0.0, lon=math.inf), "$.lon"),
    pytest.param(
        Patrol(callsign="P", agency="a", time_ns=0, lat=0.0, lon=0.0, speed_mps=math.nan),
        "$.speed_mps",
    ),
    pytest.param(
        Detection(
            sensor_id="T01",
            kind="camera",
            seq=0,
            time_ns=0,
            bearing_deg=math.nan,
            sigma_bearing_deg=0.1,
        ),
        "$.bearing_deg",
    ),
    pytest.param(
        Detection(
            sensor_id="T01",
            kind="camera",
            seq=0,
            time_ns=0,
            bearing_deg=1.0,
            sigma_bearing_deg=-math.inf,
        ),
        "$.sigma_bearing_deg",
    ),
    pytest.param(
        SensorStatus(sensor_id="T01", kind="radar", seq=0, time_ns=0, range_m=math.nan),
        "$.range_m",
    ),
    pytest.param(
        Alert(
            id="A",
            rule="r",
            time_ns=0,
            lat=0.0,
            lon=0.0,
            predicted_crossing=GeoPoint(lat=math.nan, lon=0.0),
        ),
        "$.predicted_crossing.lat",
    ),
    pytest.param(
        Track(
            id="K",
            sector="N01",
            time_ns=0,
            lat=0.0,
            lon=0.0,
            state=(0.0, 0.0, 0.0, 0.0),
            quality=math.nan,
        ),
        "$.quality",
    ),
    pytest.param(
        Track(id="K", sector="N01", time_ns=0, lat=0.0, lon=0.0, state=(math.nan, 0.0, 0.0, 0.0)),
        "$.state[0]",
    ),
    pytest.param(
        Track(
            id="K",
            sector="N01",
            time_ns=0,
            lat=0.0,
            lon=0.0,
            state=(0.0, 0.0, 0.0, 0.0),
            cov=(1.0, math.inf) + (0.0,) * 14,
        ),
        "$.cov[1]",
    ),
]


@pytest.mark.parametrize(("message", "field"), NAN_CASES)
def test_validate_rejects_nan_and_inf(message: WireMessage, field: str) -> None:
    """JSON cannot carry NaN, but a message built in Python can: validate catches it."""
    with pytest.raises(MessageError) as info:
        validate(message)
    assert info.value.field == field
    assert info.value.reason


def test_nan_through_convert_is_rejected_like_decode() -> None:
    doc = msgspec.to_builtins(Patrol(callsign="P", agency="a", time_ns=0, lat=1.0, lon=1.0))
    doc["lat"] = math.nan
    with pytest.raises(msgspec.ValidationError, match=r"\$\.lat"):
        msgspec.convert(doc, Patrol)


def _error_of(data: bytes | str) -> MessageError | None:
    """The MessageError decoding `data` raises, or None; any other exception propagates."""
    try:
        decode(data)
    except MessageError as exc:
        return exc
    return None


def _well_formed(error: MessageError | None) -> bool:
    return error is None or (error.field.startswith("$") and bool(error.reason.strip()))


@given(st.binary(max_size=200))
def test_random_bytes_raise_only_message_error(data: bytes) -> None:
    assert _well_formed(_error_of(data))


@given(st.text(max_size=100))
def test_random_text_raises_only_message_error(data: str) -> None:
    assert _well_formed(_error_of(data))


@given(wire_messages, st.data())
def test_every_truncation_of_a_valid_message_is_rejected(
    message: WireMessage, data: st.DataObject
) -> None:
    encoded = encode(message)
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(MessageError) as info:
        decode(encoded[:cut])
    # Usually `$` (truncated), but a number cut short can be complete and out of range first.
    assert _well_formed(info.value)


@given(wire_messages, st.data())
def test_corrupted_bytes_raise_only_message_error(
    message: WireMessage, data: st.DataObject
) -> None:
    encoded = bytearray(encode(message))
    i = data.draw(st.integers(0, len(encoded) - 1))
    encoded[i] = data.draw(st.integers(0, 255))
    assert _well_formed(_error_of(bytes(encoded)))
