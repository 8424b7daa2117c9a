"""Joint patrols, the pure part: a partner's events as its own patrols, the proposal as
released (and nothing more), the answers' words, the refusal's reason, the pending
proposal found from the log's notes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import msgspec
import pytest

from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot.framing import Frame
from borderwatch.ingest.identity import BAD_CALLSIGN, partner_callsign
from borderwatch.messages import Incident, OperatorAction, Patrol
from borderwatch.messages.device import ChatMessage
from borderwatch.share.cot.joint import (
    NOT_A_PATROL,
    answer,
    decode_partner,
    proposal_xml,
    proposed_to,
    refusal,
    reply_note,
)
from borderwatch.share.policy import Policy
from borderwatch.share.releasability import release
from tests.api.takclient import cot

_S = 1_000_000_000
T = 1_780_000_000 * _S
INC = Incident(
    id="I7", sector="N03", opened_ns=T - 600 * _S, updated_ns=T - 120 * _S, lat=32.91234,
    lon=11.51234, state="assigned", priority=1, assigned_patrol="NG-N03-1",
    alert_ids=("A1",), releasable_to=("partner:ly",),
)  # fmt: skip
POLICY = Policy(
    partner="partner:ly", version=4, kinds=("incidents",), sectors=("N03",), delay_s=60,
    precision_m=1000, retention_days=7, strip=("incident.assigned_patrol",),
)  # fmt: skip


def _frame(data: bytes) -> Frame:
    return Frame("xml", data)


def test_a_partners_self_report_is_its_own_patrol_whatever_it_claims() -> None:
    claim = '<_borderwatch_ agency="national_guard" status="assigned" seq="9"/>'
    detail = f'<contact callsign="NG-N03-1"/>{claim}'
    got = decode_partner(_frame(cot("a-f-G-U-C", "A-1", T, 32.9, 11.5, detail)), "partner:ly",
                         device="ly-tak")  # fmt: skip
    assert isinstance(got, Patrol)
    assert (got.callsign, got.agency) == ("ly/NG-N03-1", "partner:ly")
    status = cot("a-f-G-E-S", "LY-R1", T, 32.9, 11.5, '<_borderwatch_ sensor_id="LY-R1"/>')
    with pytest.raises(RejectedError) as refused:
        decode_partner(_frame(status), "partner:ly", device="ly-tak")
    assert refused.value.code in (NOT_A_PATROL, "invalid")
    assert partner_callsign("partner:ly", "LY P 1") == "ly/LY_P_1"
    with pytest.raises(RejectedError) as long:
        partner_callsign("partner:ly", "x" * 70)
    assert long.value.code == BAD_CALLSIGN


def test_a_proposal_carries_only_what_the_policy_releases() -> None:
    r = release(INC, "partner:ly", POLICY, T)
    assert r is not None
    marker, chat = proposal_xml(r, callsign="LY-P1", device_uid="ANDROID-1", time_ns=T)
    for xml in (marker, chat):
        root = ET.fromstring(xml)
        assert (root.get("access") or "").startswith("REL TO partner:ly; NO ONWARD RELEASE")
        assert b"NG-N03-1" not in xml  # the stripped field: our patrol's name
        assert b"32.91234" not in xml  # the position only as its 1 km cell
    assert b'<dest callsign="LY-P1"/>' in marker
    assert b"<marti>" not in chat  # FreeTAKServer drops a GeoChat with marti/dest
    assert b'uid1="ANDROID-1"' in chat
    with_dest = proposal_xml(r, callsign="LY-P1", device_uid="A", time_ns=T, chat_dest=True)
    assert b'<dest callsign="LY-P1"/>' in with_dest[1]


@pytest.mark.parametrize(
    ("incident", "policy", "now", "reason"),
    [
        (INC, msgspec.structs.replace(POLICY, kinds=("tracks",)), T, "releases no incidents"),
        (INC, msgspec.structs.replace(POLICY, sectors=("S01",)), T, "does not cover sector N03"),
        (msgspec.structs.replace(INC, releasable_to=()), POLICY, T, "not released to partner:ly"),
        (INC, POLICY, T - 90 * _S, "younger than partner:ly's policy delay (60 s): 30 s to go"),
    ],
    ids=["kind", "sector", "not-released", "delay"],
)
def test_a_refused_proposal_names_the_rule(
    incident: Incident, policy: Policy, now: int, reason: str
) -> None:
    assert release(incident, "partner:ly", policy, now) is None
    assert reason in refusal(incident, "partner:ly", policy, now)


def test_answers_are_read_from_radio_words_and_land_on_the_proposed_incident() -> None:
    assert [answer(t) for t in ("Accept", "wilco", "declined, busy", "On scene", "where?")] == [
        "accepted", "accepted", "declined", "on_scene", "note",
    ]  # fmt: skip
    proposal = OperatorAction(
        id="a1", user="op1", agency="national_guard", role="operator", time_ns=T,
        action="note", target="I7", params={"proposal": "ly/LY-P1"},
    )  # fmt: skip
    other = msgspec.structs.replace(INC, id="I8", state="resolved", outcome="nuisance")
    notes = {
        "I7": [proposal],
        "I8": [msgspec.structs.replace(proposal, target="I8", time_ns=T + 1)],
    }
    incidents = {"I7": INC, "I8": other}
    assert proposed_to(notes, incidents, "ly/LY-P1") == "I7"  # I8 is resolved
    assert proposed_to(notes, incidents, "ly/LY-P2") is None
    chat = ChatMessage(
        id="m1", device="ly-tak", callsign="LY-P1", time_ns=T, text="accept", chatroom="OPS"
    )
    note = reply_note(
        chat, patrol="ly/LY-P1", partner="partner:ly", link="ly-tak", incident_id="I7"
    )
    assert (note.user, note.agency, note.role, note.target) == (
        "ly/LY-P1",
        "partner:ly",
        "patrol",
        "I7",
    )
    assert note.params["partner_reply"] == "accepted"
