"""Every malformed input gets a named rejection: its code (counted), the field, the reason."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import given

from borderwatch.ingest import RejectedError
from borderwatch.ingest.cot import decode_datagram, decode_proto, decode_xml
from borderwatch.ingest.cot.decode import Decoded

from .helpers import fixture

RADAR = fixture("radar_detection.xml").decode()
UGS = fixture("ugs_detection.xml").decode()
ATAK = fixture("atak_self_report.xml").decode()
STATUS = fixture("sensor_status.xml").decode()

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE event [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<event version="2.0" type="b-d" uid="&lol3;"/>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE event [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<event version="2.0" type="b-d" uid="x">&secret;</event>"""

XML_CASES = [
    pytest.param("hello</event>", "bad_xml", "$", id="not_xml"),
    pytest.param(RADAR[:-20], "bad_xml", "$", id="truncated_xml"),
    pytest.param(RADAR.replace("T06-R", "T06-\udcff"), "bad_xml", "$", id="not_utf8"),
    pytest.param("<message/>", "bad_xml", "$", id="wrong_root"),
    pytest.param('<event type="b-d" uid="&x;"/>', "bad_xml", "$", id="undefined_entity"),
    pytest.param(BILLION_LAUGHS, "dtd_forbidden", "$", id="billion_laughs"),
    pytest.param(EXTERNAL_ENTITY, "dtd_forbidden", "$", id="external_entity"),
    pytest.param('<!DOCTYPE event><event type="b-d"/>', "dtd_forbidden", "$", id="doctype_alone"),
    pytest.param(RADAR.replace(' type="b-d"', ""), "invalid", "$.event.type", id="missing_type"),
    pytest.param(
        RADAR.replace('type="b-d"', 'type="a-h-G"'),
        "unsupported_type",
        "$.event.type",
        id="hostile_atom",
    ),
    pytest.param(
        RADAR.replace('type="b-d"', 'type="b-dx"'),
        "unsupported_type",
        "$.event.type",
        id="type_prefix_only",
    ),
    pytest.param(
        RADAR.replace('type="b-d"', 'type="b-t-f"'), "unsupported_type", "$.event.type", id="chat"
    ),
    pytest.param(
        ATAK.replace("a-f-G-U-C", "b-d"),
        "invalid",
        "$.detail._borderwatch_",
        id="detection_without_ours",
    ),
    pytest.param(
        ATAK.replace("a-f-G-U-C", "a-f-G-E-S"),
        "invalid",
        "$.detail._borderwatch_",
        id="status_without_ours",
    ),
    pytest.param(
        UGS.replace('lat="33.0871"', 'lat="91.0"'), "invalid", "$.point.lat", id="lat_out_of_range"
    ),
    pytest.param(
        UGS.replace('lat="33.0871"', 'lat="north"'), "invalid", "$.point.lat", id="lat_not_a_number"
    ),
    pytest.param(
        UGS.split("<point")[0] + "<detail>" + UGS.split("<detail>")[1],
        "invalid",
        "$.point.lat",
        id="position_without_point",
    ),
    pytest.param(
        RADAR.replace('range_m="2731.5"', 'range_m="nan"'),
        "invalid",
        "$.detail._borderwatch_.range_m",
        id="nan_range",
    ),
    pytest.param(
        RADAR.replace('seq="48213"', 'seq="-1"'),
        "invalid",
        "$.detail._borderwatch_.seq",
        id="negative_seq",
    ),
    pytest.param(
        RADAR.replace('kind="radar"', 'kind="sonar"'),
        "invalid",
        "$.detail._borderwatch_.kind",
        id="unknown_kind",
    ),
    pytest.param(RADAR.replace(' range_m="2731.5"', ""), "invalid", "$", id="radar_without_range"),
    pytest.param(
        RADAR.replace('"0.7 0.2 0.4 0.5"', '"0.7 0.2 0.4"'),
        "invalid",
        "$.detail._borderwatch_.classes",
        id="three_classes",
    ),
    pytest.param(
        RADAR.replace('"0.7 0.2 0.4 0.5"', '"0.7 2.0 0.4 0.5"'),
        "invalid",
        "$.detail._borderwatch_.classes.vehicle",
        id="class_over_one",
    ),
    pytest.param(
        UGS.replace('"400.0 0.0 400.0"', '"400.0 400.0"'),
        "invalid",
        "$.detail._borderwatch_.cov_m2",
        id="cov_two_numbers",
    ),
    pytest.param(
        STATUS.replace('"degraded"', '"fine"'),
        "invalid",
        "$.detail._borderwatch_.health",
        id="status_bad_health",
    ),
    pytest.param(
        ATAK.replace(' callsign="HAWK-21"', ""),
        "invalid",
        "$.detail.contact.callsign",
        id="patrol_without_callsign",
    ),
    pytest.param(
        ATAK.replace('callsign="HAWK-21"', 'callsign="HAWK 21"'),
        "invalid",
        "$.detail.contact.callsign",
        id="patrol_callsign_with_space",
    ),
    pytest.param(
        ATAK.split("<point")[0] + "<detail>" + ATAK.split("<detail>")[1],
        "invalid",
        "$.point.lat",
        id="patrol_without_point",
    ),
    pytest.param(
        ATAK.replace('speed="1.35"', 'speed="-1.0"'),
        "invalid",
        "$.detail.track.speed",
        id="patrol_negative_speed",
    ),
    pytest.param(
        ATAK.replace('course="80.24833892285461"', 'course="360.0"'),
        "invalid",
        "$.detail.track.course",
        id="patrol_course_360",
    ),
    pytest.param(
        ATAK.replace('time="2026-03-01T02:13:24.771Z"', 'time="yesterday"'),
        "invalid",
        "$.event.time",
        id="patrol_bad_time",
    ),
    pytest.param(
        ATAK.replace('time="2026-03-01', 'time="2026-13-01'),
        "invalid",
        "$.event.time",
        id="patrol_month_13",
    ),
    pytest.param(
        ATAK.replace('time="2026-03-01', 'time="1969-03-01'),
        "invalid",
        "$.event.time",
        id="patrol_before_1970",
    ),
    pytest.param(
        ATAK.replace(' time="2026-03-01T02:13:24.771Z"', ""),
        "invalid",
        "$.event.time",
        id="patrol_without_time",
    ),
]


@pytest.mark.parametrize(("event", "code", "field"), XML_CASES)
def test_malformed_xml_is_rejected_by_name(event: str, code: str, field: str) -> None:
    with pytest.raises(RejectedError) as caught:
        decode_xml(event.encode("utf-8", "surrogateescape"))
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.reason  # says why, for the log


PROTO_CASES = [
    ("garbage", b"\xff\xfe\xfd\xfc not protobuf", "bad_protobuf", "$"),
    ("no_event", b"", "bad_protobuf", "$.cotEvent"),
    ("control_only", b"\x0a\x02\x08\x01", "bad_protobuf", "$.cotEvent"),  # takControl only
]


@pytest.mark.parametrize(
    ("payload", "code", "field"), [c[1:] for c in PROTO_CASES], ids=[c[0] for c in PROTO_CASES]
)
def test_malformed_protobuf_is_rejected_by_name(payload: bytes, code: str, field: str) -> None:
    with pytest.raises(RejectedError) as caught:
        decode_proto(payload)
    assert (caught.value.code, caught.value.field) == (code, field)


DATAGRAM_CASES = [
    ("stream_length_mismatch", b"\xbf\x05\x12\x00", "bad_protobuf"),
    ("stream_varint_too_long", b"\xbf" + b"\xff" * 11, "bad_protobuf"),
    ("mesh_garbage", b"\xbf\x01\xbf\xff\xff\xff", "bad_protobuf"),
    ("xml_garbage", b"  <event", "bad_xml"),
]


@pytest.mark.parametrize(
    ("data", "code"), [c[1:] for c in DATAGRAM_CASES], ids=[c[0] for c in DATAGRAM_CASES]
)
def test_malformed_datagram_is_rejected_by_name(data: bytes, code: str) -> None:
    with pytest.raises(RejectedError) as caught:
        decode_datagram(data)
    assert caught.value.code == code


def _decode_or_reject(data: bytes) -> Decoded | RejectedError:
    try:
        return decode_datagram(data)
    except RejectedError as exc:
        return exc


@given(st.binary(max_size=300))
def test_any_bytes_decode_or_get_a_named_rejection(data: bytes) -> None:
    # Never another exception: whatever a client sends is a message or a counted reason.
    for candidate in (data, b"\xbf\x01\xbf" + data, b"<event " + data):
        outcome = _decode_or_reject(candidate)
        if isinstance(outcome, RejectedError):
            assert outcome.code in {
                "bad_xml", "bad_protobuf", "dtd_forbidden", "invalid", "unsupported_type"
            }  # fmt: skip
