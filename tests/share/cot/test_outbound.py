"""The picture a national TAK client gets: what its role may see (the API's own rule) and
what it asked for (sectors, box, kinds); never a partner's device."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import msgspec
import pytest

from borderwatch.accounts import Claims
from borderwatch.api.visibility import sees
from borderwatch.messages import Alert, Incident, Patrol, Track
from borderwatch.share.cot.outbound import ClientFilter, PictureItem, client_events

T = 1_780_000_000 * 10**9
TRACK_N03 = Track(id="T1", sector="N03", time_ns=T, lat=32.8, lon=11.3, state=(0.0, 0.0, 0.0, 0.0))
TRACK_S02 = msgspec.structs.replace(TRACK_N03, id="T2", sector="S02", lat=31.0, lon=10.2)
ALERT = Alert(id="A1", rule="approach", time_ns=T, lat=32.8, lon=11.3, sector="N03")
INC = Incident(id="I1", sector="N03", opened_ns=T, updated_ns=T, lat=32.8, lon=11.3)
PATROL = Patrol(callsign="NG-N03-1", agency="national_guard", time_ns=T, lat=32.79, lon=11.29)
ITEMS: list[PictureItem] = [TRACK_N03, TRACK_S02, ALERT, INC, PATROL]


def _claims(role: str, agency: str = "national_guard") -> Claims:
    return Claims(sub="dev", agency=agency, role=role, iat=0, exp=1, jti="j", gen=0)  # type: ignore[arg-type]


def _uids(events: list[bytes]) -> list[str]:
    return [ET.fromstring(e).get("uid", "") for e in events]


def test_an_operators_device_gets_the_whole_picture_it_asked_for() -> None:
    claims = _claims("operator")
    out = client_events(
        ITEMS, agency="national_guard", visible=lambda i: sees(claims, i), wanted=ClientFilter()
    )
    assert _uids(out) == [
        "borderwatch.track.T1",
        "borderwatch.track.T2",
        "borderwatch.alert.A1",
        "borderwatch.incident.I1",
        "borderwatch.patrol.NG-N03-1",
    ]


def test_what_the_role_may_not_see_is_not_sent() -> None:
    """An admin sees equipment, not the operational picture: nothing of it goes to its device."""
    claims = _claims("admin")
    out = client_events(
        ITEMS, agency="national_guard", visible=lambda i: sees(claims, i), wanted=ClientFilter()
    )
    assert out == []


@pytest.mark.parametrize(
    ("wanted", "uids"),
    [
        (ClientFilter(sectors=("N03",)), ["track.T1", "alert.A1", "incident.I1"]),
        (ClientFilter(bbox=(30.5, 10.0, 31.5, 10.5)), ["track.T2"]),
        (ClientFilter(kinds=("patrols", "incidents")), ["incident.I1", "patrol.NG-N03-1"]),
    ],
    ids=["sectors", "bbox", "kinds"],
)
def test_a_client_gets_what_it_asked_for(wanted: ClientFilter, uids: list[str]) -> None:
    claims = _claims("analyst", "army")
    out = client_events(ITEMS, agency="army", visible=lambda i: sees(claims, i), wanted=wanted)
    assert _uids(out) == [f"borderwatch.{u}" for u in uids]


def test_a_partners_device_is_never_served_here() -> None:
    with pytest.raises(ValueError, match="partner"):
        client_events(ITEMS, agency="partner:ly", visible=lambda i: True, wanted=ClientFilter())


def test_a_bad_filter_is_refused_naming_the_field() -> None:
    with pytest.raises(msgspec.ValidationError, match="bbox"):
        msgspec.convert({"bbox": [32.0, 11.0, 31.0, 12.0]}, type=ClientFilter)
    with pytest.raises(msgspec.ValidationError, match="kinds"):
        msgspec.convert({"kinds": ["weather"]}, type=ClientFilter)
