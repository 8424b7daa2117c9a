"""A patrol's chat as the action it means on its incident; its emergency as a P1 alert."""

from __future__ import annotations

import pytest

from borderwatch.messages import Incident, validate
from borderwatch.messages.device import ChatMessage, Emergency
from borderwatch.rules.emergency import emergency_alert
from borderwatch.share.cot.replies import emergency_action, reply_action

T = 1_780_000_000 * 10**9
MINE = Incident(
    id="I7",
    sector="N03",
    opened_ns=T,
    updated_ns=T,
    lat=32.8,
    lon=11.3,
    state="assigned",
    assigned_patrol="NG-N03-1",
)
OTHERS = Incident(
    id="I8",
    sector="N03",
    opened_ns=T,
    updated_ns=T + 5,
    lat=32.8,
    lon=11.3,
    state="assigned",
    assigned_patrol="NG-N03-2",
)


def _chat(text: str, callsign: str = "whoever I say") -> ChatMessage:
    return ChatMessage(
        id="c1", device="ng-dev-7", callsign=callsign, time_ns=T + 10, chatroom="OPS", text=text
    )


@pytest.mark.parametrize(
    ("text", "action", "why", "params"),
    [
        ("On scene", "note", "on scene", {}),
        ("arrived, 3 people in sight", "note", "on scene", {}),
        (
            "resolved: apprehended 3",
            "resolve",
            "resolved: apprehended 3",
            {"outcome": "apprehended"},
        ),
        (
            "Turned back at the berm",
            "resolve",
            "Turned back at the berm",
            {"outcome": "turned_back"},
        ),
        (
            "resolved false alarm, camels",
            "resolve",
            "resolved false alarm, camels",
            {"outcome": "false_alarm"},
        ),
        ("tracks lead north", "note", "tracks lead north", {}),
    ],
)
def test_a_reply_becomes_the_action_it_means(
    text: str, action: str, why: str, params: dict[str, str]
) -> None:
    got = reply_action(
        _chat(text), callsign="NG-N03-1", agency="national_guard", incidents=[MINE, OTHERS]
    )
    assert got is not None
    validate(got)
    assert (got.action, got.target, got.why, got.params) == (action, "I7", why, params)
    # Attributed to the patrol the connection says it is, not the name in the chat.
    assert (got.user, got.agency, got.role, got.time_ns) == (
        "NG-N03-1",
        "national_guard",
        "patrol",
        T + 10,
    )


def test_the_same_chat_twice_is_the_same_action() -> None:
    a = reply_action(_chat("on scene"), callsign="NG-N03-1", agency="ng", incidents=[MINE])
    b = reply_action(_chat("on scene"), callsign="NG-N03-1", agency="ng", incidents=[MINE])
    assert a is not None
    assert b is not None
    assert a.id == b.id


def test_a_patrol_with_no_incident_chats_to_the_sector_log() -> None:
    resolved = Incident(
        id="I9",
        sector="N03",
        opened_ns=T,
        updated_ns=T,
        lat=32.8,
        lon=11.3,
        state="resolved",
        outcome="nuisance",
        assigned_patrol="NG-N03-3",
    )
    assert (
        reply_action(
            _chat("on scene"), callsign="NG-N03-3", agency="ng", incidents=[MINE, resolved]
        )
        is None
    )


def test_an_emergency_is_an_action_the_rules_raise_as_a_p1_alert_at_the_patrol() -> None:
    em = Emergency(id="dev-9-1-1", device="ng-dev-7", callsign="x", time_ns=T, lat=32.71, lon=11.25)
    action = emergency_action(em, callsign="NG-N03-1", agency="national_guard")
    validate(action)
    # The certificate's callsign speaks, never the one typed in the event ("x").
    assert (action.action, action.user, action.role) == ("emergency", "NG-N03-1", "patrol")
    alert = emergency_alert(action, "N03")
    assert alert is not None
    validate(alert)
    assert (alert.priority, alert.rule, alert.lat, alert.lon, alert.sector) == (
        1,
        "emergency",
        32.71,
        11.25,
        "N03",
    )
    assert alert.evidence == ("NG-N03-1",)  # the patrol's alarms are one incident
    assert "NG-N03-1" in alert.summary
    cancel = Emergency(
        id="c", device="ng-dev-7", callsign="x", time_ns=T, lat=32.71, lon=11.25, cancel=True
    )
    cancelled = emergency_action(cancel, callsign="NG-N03-1", agency="national_guard")
    assert cancelled.params["cancel"] == "1"
    assert emergency_alert(cancelled, "N03") is None
