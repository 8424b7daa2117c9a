"""The codec: captured payloads decode to the messages pinned beside them, every message round
trips exactly through CoT XML and TAK protobuf, and ATAK's own events mean what ATAK means."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given

from borderwatch.ingest.cot import (
    Frame,
    Framer,
    Ignored,
    Ping,
    decode_datagram,
    decode_frame,
    decode_proto,
    decode_xml,
    encode_proto,
    encode_xml,
    ping_xml,
    pong_xml,
)
from borderwatch.ingest.cot.decode import event_uid
from borderwatch.messages import Detection, Patrol, SensorStatus
from tests.messages.strategies import detections, lats, lons, patrols, sensor_statuses

from .helpers import T0, fixture, fixture_message

UID = "ANDROID-5f1c0a7e9b3d2c41"  # the fixture self-report's own uid

OURS = ["radar_detection", "camera_detection", "ugs_detection", "sensor_status", "patrol"]
RADAR_TOWER = (33.1502, 11.2011)

inbound = st.one_of(detections(), sensor_statuses, patrols)


@pytest.mark.parametrize("name", OURS)
def test_fixture_decodes_to_its_message(name: str) -> None:
    assert decode_xml(fixture(f"{name}.xml")) == fixture_message(name)


@pytest.mark.parametrize("name", OURS)
def test_encoding_is_pinned_byte_for_byte(name: str) -> None:
    origin = RADAR_TOWER if name == "radar_detection" else None
    assert encode_xml(fixture_message(name), origin=origin) == fixture(f"{name}.xml")


def test_pretty_printed_event_with_declaration_and_foreign_detail() -> None:
    assert decode_xml(fixture("ugs_detection.pretty.xml")) == fixture_message("ugs_detection")


def test_mesh_datagram_fixture() -> None:
    assert decode_datagram(fixture("radar_detection.mesh.bin")) == fixture_message(
        "radar_detection"
    )


def test_atak_self_report_becomes_a_patrol() -> None:
    patrol = decode_xml(fixture("atak_self_report.xml"), agency="army")
    assert patrol == Patrol(
        callsign="HAWK-21",
        agency="army",
        time_ns=1_772_331_204_771_000_000,
        lat=33.1412837,
        lon=11.2209463,
        speed_mps=1.35,
        course_deg=80.24833892285461,
    )


def test_atak_self_report_over_protobuf_is_the_same_patrol() -> None:
    (frame,) = Framer().feed(fixture("atak_self_report.stream.bin"))
    assert frame.kind == "proto"
    assert decode_frame(frame) == decode_xml(fixture("atak_self_report.xml"))


def test_a_self_reports_uid_is_read_in_both_wires() -> None:
    # The device's own uid: GeoChat to it is threaded by it (service/tasking.py).
    (proto,) = Framer().feed(fixture("atak_self_report.stream.bin"))
    xml = Frame("xml", fixture("atak_self_report.xml"))
    assert event_uid(xml) == event_uid(proto) == UID
    assert event_uid(Frame("xml", b"<event type='t-x-c-t' uid='a&amp;b'/>")) == "a&b"
    assert event_uid(Frame("xml", b"<event type='t-x-c-t'/>")) is None
    assert event_uid(Frame("proto", b"\xff\xff")) is None


def test_agency_defaults_to_the_settings() -> None:
    patrol = decode_xml(fixture("atak_self_report.xml"))
    assert isinstance(patrol, Patrol)
    assert patrol.agency == "national_guard"


def test_ping_and_pong() -> None:
    assert decode_xml(fixture("atak_ping.xml")) == Ping("ANDROID-5f1c0a7e9b3d2c41-ping")
    assert decode_xml(ping_xml("ANDROID-1", T0)) == Ping("ANDROID-1-ping")
    # Our answer is TAK control, not a ping again: a client echoing it cannot loop us.
    assert decode_xml(pong_xml(T0)) == Ignored("t-x-c-t-r")


def test_pytak_hello_is_ignored() -> None:
    hello = b'<event version="2.0" type="t-x-d-d" uid="takPing" how="m-g" time="x"/>'
    assert decode_xml(hello) == Ignored("t-x-d-d")


def _round_trip(message: Any, origin: tuple[float, float] | None) -> None:
    xml = encode_xml(message, origin=origin)
    assert decode_xml(xml) == message
    (frame,) = Framer().feed(encode_proto(message, origin=origin))
    assert frame == Frame("proto", frame.data)
    assert decode_frame(frame) == message
    assert decode_datagram(encode_proto(message, framing="mesh")) == message
    assert decode_datagram(xml) == message


@given(detections(), st.none() | st.tuples(lats, lons))
def test_detection_round_trips(message: Detection, origin: tuple[float, float] | None) -> None:
    _round_trip(message, origin)


@given(sensor_statuses)
def test_sensor_status_round_trips(message: SensorStatus) -> None:
    _round_trip(message, None)


@given(patrols)
def test_patrol_round_trips(message: Patrol) -> None:
    _round_trip(message, None)


@given(inbound)
def test_xml_is_one_frame_and_plain_utf8(message: Any) -> None:
    xml = encode_xml(message)
    assert xml.count(b"</event>") == 1
    assert xml.endswith(b"</event>")
    xml.decode("utf-8")


def test_proto_payload_decodes_without_framing() -> None:
    framed = encode_proto(fixture_message("patrol"))
    (frame,) = Framer().feed(framed)
    assert decode_proto(frame.data) == fixture_message("patrol")
