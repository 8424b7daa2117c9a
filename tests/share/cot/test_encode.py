"""CoT out: each encoder's event parses back, as XML and as TAK protocol v1 through takproto
(the library pytak uses), with its fields intact."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import takproto

from borderwatch.geo.projection import grid_factors
from borderwatch.ingest.cot import decode_xml
from borderwatch.ingest.cot._text import parse_time
from borderwatch.messages import Alert, ClassLikelihood, GeoPoint, Incident, Patrol, Track
from borderwatch.share.cot import (
    alert_xml,
    chat_xml,
    delete_xml,
    incident_xml,
    patrol_xml,
    tasking_xml,
    to_proto,
    track_xml,
)
from borderwatch.share.cot.encode import track_ce_m, track_course_speed

T = 1_780_000_000 * 1_000_000_000
S = 1_000_000_000
COV = (400.0, 0, 30.0, 0, 0, 1, 0, 0, 30.0, 0, 100.0, 0, 0, 0, 0, 1)


def _track(cls: str = "person", **kw: object) -> Track:
    probs = dict.fromkeys(("person", "vehicle", "animal", "unknown"), 0.1) | {cls: 0.7}
    fields: dict[str, object] = {
        "id": "T42",
        "sector": "N03",
        "time_ns": T,
        "lat": 32.8,
        "lon": 11.3,
        "state": (640_000.0, 3.0, 3_630_000.0, -4.0),
        "cov": tuple(float(v) for v in COV),
        "classes": ClassLikelihood(**probs),
        "status": "confirmed",
    }
    return Track(**(fields | kw))  # type: ignore[arg-type]


def _proto(xml: bytes) -> Any:
    msg = takproto.parse_proto(bytearray(to_proto(xml)))
    assert msg is not None
    return msg.cotEvent


@pytest.mark.parametrize(
    ("cls", "friendly", "cot_type"),
    [
        ("person", False, "a-s-G-U-C-I"),
        ("vehicle", False, "a-s-G-E-V"),
        ("animal", False, "a-n-G"),
        ("unknown", False, "a-u-G"),
        ("person", True, "a-f-G-U-C"),
    ],
    ids=["person", "vehicle", "animal", "unknown", "friendly"],
)
def test_a_track_round_trips(cls: str, friendly: bool, cot_type: str) -> None:
    track = _track(cls, friendly=friendly)
    xml = track_xml(track)
    event = ET.fromstring(xml)
    assert event.get("type") == cot_type
    assert event.get("uid") == "borderwatch.track.T42"
    assert parse_time(event.get("time", "")) == T
    assert parse_time(event.get("stale", "")) == T + 60 * S
    point = event.find("point")
    assert point is not None
    assert (float(point.get("lat", "")), float(point.get("lon", ""))) == (32.8, 11.3)
    # ce: the larger semi-axis of the position covariance [[400, 30], [30, 100]].
    big = (500 + math.sqrt(300**2 + 4 * 30**2)) / 2
    assert float(point.get("ce", "")) == pytest.approx(math.sqrt(big))
    cot = _proto(xml)
    assert (cot.type, cot.uid, cot.lat, cot.lon) == (cot_type, "borderwatch.track.T42", 32.8, 11.3)
    assert cot.ce == pytest.approx(math.sqrt(big))
    assert (cot.sendTime, cot.staleTime) == (T // 10**6, (T + 60 * S) // 10**6)
    course, _speed = track_course_speed(track)
    assert cot.detail.track.speed == pytest.approx(5.0)
    assert cot.detail.track.course == pytest.approx(course)
    assert "T42" in cot.detail.xmlDetail  # the remarks


def test_course_is_true_north_and_speed_from_the_velocity() -> None:
    track = _track(state=(0.0, 0.0, 0.0, 2.0))  # due grid north
    course, speed = track_course_speed(track)
    convergence, _ = grid_factors(track.lon, track.lat)
    assert speed == 2.0
    assert course == pytest.approx(math.degrees(convergence) % 360.0)
    assert track_course_speed(_track(state=(0.0, 0.0, 0.0, 0.0))) == (0.0, 0.0)


def test_stale_follows_the_tracks_age_and_status() -> None:
    def stale(status: str) -> int:
        event = ET.fromstring(track_xml(_track(status=status)))
        return parse_time(event.get("stale", "")) - T

    assert (stale("confirmed"), stale("coasting"), stale("deleted")) == (60 * S, 15 * S, 0)
    assert track_ce_m(_track(cov=())) == 9999999.0  # unknown, as CoT says it


def test_alert_and_incident_are_markers_with_remarks_and_links() -> None:
    alert = Alert(
        id="A7",
        rule="approach",
        time_ns=T,
        lat=32.8,
        lon=11.3,
        priority=1,
        sector="N03",
        track_ids=("T42",),
        predicted_crossing=GeoPoint(lat=32.81, lon=11.31),
        summary="person <heading> for the berm & fast",
    )
    cot = _proto(alert_xml(alert))
    assert cot.type == "b-m-p-s-m"
    assert cot.uid == "borderwatch.alert.A7"
    detail = ET.fromstring(f"<d>{cot.detail.xmlDetail}</d>")
    remarks = detail.find("remarks")
    assert remarks is not None
    assert remarks.text is not None
    assert "person <heading> for the berm & fast" in remarks.text
    assert "P1 approach" in remarks.text
    link = detail.find("link")
    assert link is not None
    assert link.get("uid") == "borderwatch.track.T42"
    inc = Incident(
        id="I3",
        sector="N03",
        opened_ns=T,
        updated_ns=T + S,
        lat=32.8,
        lon=11.3,
        state="assigned",
        priority=2,
        alert_ids=("A7",),
        track_ids=("T42",),
        assigned_patrol="NG-N03-1",
    )
    event = ET.fromstring(incident_xml(inc))
    text = event.findtext("detail/remarks") or ""
    assert "incident I3" in text
    assert "patrol NG-N03-1" in text
    assert "A7" in text
    assert event.find("detail/marti") is None  # not addressed: for whoever it is sent to


def test_a_patrol_goes_out_as_ingest_reads_it() -> None:
    patrol = Patrol(
        callsign="NG-N03-1",
        agency="national_guard",
        time_ns=T,
        lat=32.7,
        lon=11.2,
        speed_mps=8.0,
        course_deg=170.0,
    )
    xml = patrol_xml(patrol)
    assert ET.fromstring(xml).get("type") == "a-f-G-U-C"
    assert decode_xml(xml) == patrol
    cot = _proto(xml)
    assert cot.detail.contact.callsign == "NG-N03-1"


def test_a_tasking_is_addressed_to_one_device() -> None:
    inc = Incident(
        id="I3",
        sector="N03",
        opened_ns=T,
        updated_ns=T,
        lat=32.8,
        lon=11.3,
        state="assigned",
        assigned_patrol="NG-N03-1",
    )
    marker, chat = tasking_xml(
        inc,
        device_uid="ANDROID-abc",
        callsign="NG-N03-1",
        time_ns=T + S,
        at=(32.81, 11.31),
        eta_s=600.0,
    )
    m = ET.fromstring(marker)
    assert [d.get("callsign") for d in m.iterfind("detail/marti/dest")] == ["NG-N03-1"]
    point = m.find("point")
    assert point is not None
    assert (point.get("lat"), point.get("lon")) == ("32.81", "11.31")
    cot = _proto(chat)
    assert cot.type == "b-t-f"
    detail = ET.fromstring(f"<d>{cot.detail.xmlDetail}</d>")
    chatgrp = detail.find("__chat/chatgrp")
    assert chatgrp is not None
    assert chatgrp.get("uid1") == "ANDROID-abc"
    assert [d.get("callsign") for d in detail.iterfind("marti/dest")] == ["NG-N03-1"]
    text = detail.findtext("remarks") or ""
    assert "I3" in text
    assert "ETA 10 min" in text
    assert "on scene" in text


def test_a_tasking_carries_the_route_along_the_roads() -> None:
    """The route from the patrol to the incident, from the road network, as a b-m-r."""
    from borderwatch.geo import build_sectors, load_border, to_lonlat, to_utm
    from borderwatch.geo.roads import patrol_road
    from borderwatch.ops.roads import road_network

    sectors = build_sectors(load_border())
    net = road_network(sectors)
    road = patrol_road(next(s for s in sectors if s.id == "N03"))
    start, end = road.interpolate(1_000.0), road.interpolate(15_000.0)
    (plon, ilon), (plat, ilat) = to_lonlat([start.x, end.x], [start.y, end.y])
    patrol = Patrol(
        callsign="NG-N03-1", agency="national_guard", time_ns=T, lat=float(plat), lon=float(plon)
    )
    inc = Incident(
        id="I3",
        sector="N03",
        opened_ns=T,
        updated_ns=T,
        lat=float(ilat),
        lon=float(ilon),
        state="assigned",
        assigned_patrol="NG-N03-1",
    )
    px, py = to_utm(patrol.lon, patrol.lat)
    ix, iy = to_utm(inc.lon, inc.lat)
    xy = net.route((float(px), float(py)), (float(ix), float(iy)))
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    points = list(zip(lat.tolist(), lon.tolist(), strict=True))
    _, route, _ = tasking_xml(inc, device_uid="dev", callsign="NG-N03-1", time_ns=T, route=points)
    cot = _proto(route)
    assert cot.type == "b-m-r"
    detail = ET.fromstring(f"<d>{cot.detail.xmlDetail}</d>")
    checkpoints = [link.get("point") for link in detail.iterfind("link")]
    assert len(checkpoints) == len(points) > 2
    first = tuple(float(v) for v in (checkpoints[0] or "").split(","))
    assert first == pytest.approx((patrol.lat, patrol.lon))
    assert [d.get("callsign") for d in detail.iterfind("marti/dest")] == ["NG-N03-1"]


def test_chat_and_delete_parse_back() -> None:
    xml = chat_xml('go & "see"', message_id="m1", time_ns=T, to_uid="dev-1", to_callsign="NG-1")
    assert ET.fromstring(xml).findtext("detail/remarks") == 'go & "see"'
    gone = ET.fromstring(delete_xml("borderwatch.track.T42", T))
    assert gone.get("type") == "t-x-d-d"
    link = gone.find("detail/link")
    assert link is not None
    assert link.get("uid") == "borderwatch.track.T42"
