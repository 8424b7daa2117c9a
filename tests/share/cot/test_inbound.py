"""What ATAK sends, as the project's messages: markers as sightings with their error, GeoChat,
emergencies, deletes; valid CoT of any other type is `Unused` (counted, never refused).
Samples are written as ATAK 4.x writes them; each is also sent as TAK protocol v1."""

from __future__ import annotations

import pytest

from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot import to_proto
from borderwatch.ingest.cot._text import parse_time
from borderwatch.messages import Detection
from borderwatch.messages.device import ChatMessage, Emergency
from borderwatch.share.cot import Deleted, Unused, decode_atak, decode_atak_proto
from borderwatch.share.cot.encode import chat_xml
from borderwatch.share.cot.inbound import SIGHTING_SIGMA_M

TIME = "2026-03-01T02:03:04.567Z"
T = parse_time(TIME)


def _event(cot_type: str, detail: str, *, ce: str = "9999999.0", uid: str = "m-1") -> bytes:
    return (
        f'<event version="2.0" uid="{uid}" type="{cot_type}" time="{TIME}" start="{TIME}" '
        f'stale="2026-03-01T03:03:04.567Z" how="h-g-i-g-o"><point lat="32.71" lon="11.25" '
        f'hae="0.0" ce="{ce}" le="9999999.0"/><detail>{detail}</detail></event>'
    ).encode()


def _both(xml: bytes) -> list[object]:
    """The message decoded from XML and from its TAK protocol v1 form (mesh framing)."""
    proto = to_proto(xml, "mesh")[3:]
    return [decode_atak(xml, device="ng-dev-7"), decode_atak_proto(proto, device="ng-dev-7")]


@pytest.mark.parametrize(
    ("cot_type", "best"),
    [
        ("a-h-G-U-C-I", "person"),
        ("a-u-G-U-C", "person"),
        ("a-h-G-E-V", "vehicle"),
        ("a-u-G", "person"),  # a thing: person and vehicle equally likely, person first
        ("a-s-G-E-V-C", "vehicle"),
    ],
)
def test_a_marker_is_a_sighting_by_that_device(cot_type: str, best: str) -> None:
    for got in _both(_event(cot_type, '<contact callsign="Hostile 1"/>', ce="25.0")):
        assert isinstance(got, Detection)
        assert (got.sensor_id, got.kind, got.time_ns) == ("ng-dev-7", "patrol_report", T)
        assert (got.lat, got.lon) == (32.71, 11.25)
        assert got.cov_m2 == (625.0, 0.0, 625.0)  # ce is 1-sigma
        assert got.classes.best() == best


def test_a_marker_without_an_error_gets_the_hand_placed_one() -> None:
    got = decode_atak(_event("a-h-G", ""), device="d1")
    assert isinstance(got, Detection)
    assert got.cov_m2 == (SIGHTING_SIGMA_M**2, 0.0, SIGHTING_SIGMA_M**2)


def test_two_markers_in_one_millisecond_are_two_sightings() -> None:
    a = decode_atak(_event("a-h-G", "", uid="m-1"), device="d1")
    b = decode_atak(_event("a-h-G", "", uid="m-2"), device="d1")
    assert isinstance(a, Detection)
    assert isinstance(b, Detection)
    assert a.key != b.key


ATAK_CHAT = (
    '<__chat parent="RootContactGroup" groupOwner="false" messageId="c0ffee" '
    'chatroom="OPS" id="borderwatch-ops" senderCallsign="NG-N03-1">'
    '<chatgrp uid0="ng-dev-7" uid1="borderwatch-ops" id="borderwatch-ops"/></__chat>'
    '<link uid="ng-dev-7" type="a-f-G-U-C" relation="p-p"/>'
    '<remarks source="BAO.F.ATAK.ng-dev-7" to="borderwatch-ops" time="2026-03-01T02:03:04.567Z">'
    "on scene &amp; 3 people seen</remarks>"
    '<marti><dest callsign="OPS"/></marti>'
)


def test_geochat_is_a_chat_message() -> None:
    for got in _both(_event("b-t-f", ATAK_CHAT, uid="GeoChat.ng-dev-7.OPS.c0ffee")):
        assert got == ChatMessage(
            id="c0ffee",
            device="ng-dev-7",
            callsign="NG-N03-1",
            time_ns=T,
            chatroom="OPS",
            text="on scene & 3 people seen",
            to=("OPS",),
            lat=32.71,
            lon=11.25,
        )


def test_our_own_chat_reads_back() -> None:
    xml = chat_xml("go <now>", message_id="m9", time_ns=T, to_uid="dev", to_callsign="NG-1")
    got = decode_atak(xml, device="borderwatch-ops")
    assert isinstance(got, ChatMessage)
    assert (got.text, got.to, got.chatroom) == ("go <now>", ("NG-1",), "NG-1")


def test_an_emergency_and_its_cancellation() -> None:
    detail = '<contact callsign="NG-N03-1"/><emergency type="911 Alert">NG-N03-1</emergency>'
    for got in _both(_event("b-a-o-tbl", detail, uid="ng-dev-7-9-1-1")):
        assert got == Emergency(
            id="ng-dev-7-9-1-1",
            device="ng-dev-7",
            callsign="NG-N03-1",
            time_ns=T,
            lat=32.71,
            lon=11.25,
            kind="911 Alert",
        )
    cancel = decode_atak(
        _event("b-a-o-can", '<emergency cancel="true">NG-N03-1</emergency>'), device="d"
    )
    assert isinstance(cancel, Emergency)
    assert cancel.cancel


def test_a_delete_names_what_it_deletes() -> None:
    for got in _both(_event("t-x-d-d", '<link uid="m-1" relation="p-p" type="a-h-G"/>')):
        assert got == Deleted("ng-dev-7", "m-1", T)
    # pytak's hello: a t-x-d-d with nothing to delete.
    assert decode_atak(_event("t-x-d-d", ""), device="d") == Unused("t-x-d-d")


@pytest.mark.parametrize("cot_type", ["b-m-p-s-m", "u-d-f", "a-n-G", "b-m-r", "y-c-r"])
def test_valid_cot_of_another_type_is_unused_not_refused(cot_type: str) -> None:
    for got in _both(_event(cot_type, "<contact callsign='x'/>")):
        assert got == Unused(cot_type)


def test_a_mixed_stream_of_two_hundred_is_taken_without_a_refusal() -> None:
    kinds = ["a-h-G-U-C-I", "b-t-f", "a-u-G", "b-m-p-s-m", "t-x-d-d"]
    details = {"b-t-f": ATAK_CHAT, "t-x-d-d": '<link uid="m-1"/>'}
    out = [
        decode_atak(_event(k, details.get(k, ""), uid=f"m-{i}"), device="d")
        for i, k in enumerate(kinds * 40)
    ]
    assert len(out) == 200
    assert sum(isinstance(o, Detection) for o in out) == 80


@pytest.mark.parametrize(
    ("xml", "field"),
    [
        (_event("a-h-G", "").replace(b'lat="32.71"', b'lat="north"'), "$.point.lat"),
        (_event("a-h-G", "").replace(b'lat="32.71"', b'lat="132.7"'), "$.point"),
        (_event("a-h-G", "").replace(TIME.encode(), b"yesterday", 1), "$.event.time"),
        (_event("b-t-f", "<__chat chatroom='x'/>"), "$.detail.remarks"),
        (_event("b-t-f", "<remarks>hi</remarks>"), "$.detail.__chat"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><event/>', "$"),
        (b"<event", "$"),
    ],
)
def test_bad_input_is_refused_naming_the_field(xml: bytes, field: str) -> None:
    with pytest.raises(RejectedError) as err:
        decode_atak(xml, device="d")
    assert err.value.field == field
