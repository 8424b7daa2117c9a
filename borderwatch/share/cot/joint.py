"""Joint patrols over a partner's link, pure (bytes in, messages out; no I/O): what a
partner's TAK server relays to us, and what we send it when an operator proposes an incident
to one of its patrols.

In, from the partner's server (`decode_partner`):

    a-f-G... self-report      a `Patrol` of the partner's agency, its call sign in the
                              partner's namespace (`ly/LY-P1` for `partner:ly`,
                              `ingest.identity.partner_callsign`): the link is who speaks,
                              never a field of the message, so whatever agency or call sign
                              the event claims, it is the partner's own patrol
    b-t-f GeoChat             a `ChatMessage` (a patrol answering a proposal, `reply_note`)
    a-f-G-E-S..., b-d...      refused (`not_a_patrol`): a partner's sensors are not ours
    anything else valid       `Unused(type)`: counted, ignored (its other clients' markers,
                              the server's own control events)

Out, a proposal (`proposal_xml`): the incident as the partner's policy releases it (coarsened,
delayed, stripped, stamped with its handling) as a marker addressed to the patrol, and a
GeoChat saying so, addressed to it, carrying only what the released incident says.

The patrol's answer (`answer`) is read from a few fixed words, as radio procedure has them:
"accept"/"accepted"/"wilco" (accepted), "decline"/"declined"/"unable" (declined),
"on scene"/"arrived" (on scene); anything else is kept as its words (a note).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Literal

import msgspec

from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot.const import UNSUPPORTED_TYPE
from borderwatch.ingest.cot.decode import Ignored, Ping, decode_frame
from borderwatch.ingest.cot.framing import Frame
from borderwatch.ingest.identity import partner_callsign
from borderwatch.messages import Incident, OperatorAction, Patrol
from borderwatch.messages.device import ChatMessage
from borderwatch.share.cot._tree import parse_proto, parse_xml
from borderwatch.share.cot.encode import chat_xml, incident_xml
from borderwatch.share.cot.inbound import Unused, decode_atak, decode_atak_proto
from borderwatch.share.cot.partner import stamp
from borderwatch.share.policy import Policy
from borderwatch.share.releasability import Released, item_time_ns

__all__ = [
    "NOT_A_PATROL",
    "Answer",
    "PartnerInput",
    "answer",
    "decode_partner",
    "proposal_xml",
    "proposed_to",
    "refusal",
    "reply_note",
]

NOT_A_PATROL = "not_a_patrol"  # a partner's detection or sensor status: not ours to take
Answer = Literal["accepted", "declined", "on_scene", "note"]
PartnerInput = Patrol | ChatMessage | Unused
_S = 1_000_000_000

_WORDS: tuple[tuple[re.Pattern[str], Answer], ...] = (
    (re.compile(r"^\s*(on scene|arrived)\b", re.IGNORECASE), "on_scene"),
    (re.compile(r"^\s*(accept(ed)?|wilco|roger|yes)\b", re.IGNORECASE), "accepted"),
    (re.compile(r"^\s*(declin(e|ed)|unable|negative|no)\b", re.IGNORECASE), "declined"),
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")
_MARTI = re.compile(rb"<marti>.*?</marti>")


def decode_partner(frame: Frame, partner: str, *, device: str) -> PartnerInput:
    """One event from `partner`'s server (`device`: the link's name, for a chat's sender
    device). `RejectedError` if it is malformed for its type or not a partner's to send."""
    try:
        item = decode_frame(frame, agency=partner)
    except RejectedError as exc:
        if exc.code != UNSUPPORTED_TYPE:
            raise
        proto = frame.kind == "proto"
        inbound = (
            decode_atak_proto(frame.data, device=device)
            if proto
            else decode_atak(frame.data, device=device)
        )
        if isinstance(inbound, ChatMessage):
            return inbound
        if isinstance(inbound, Unused):
            return inbound
        # A marker, an emergency of the partner's clients: counted by its CoT type.
        event = parse_proto(frame.data) if proto else parse_xml(frame.data)
        return Unused(str(event.attrs.get("type", "")))
    if isinstance(item, Patrol):
        # The partner's own patrol, whatever the event says of its agency or name.
        return msgspec.structs.replace(
            item, callsign=partner_callsign(partner, item.callsign), agency=partner
        )
    if isinstance(item, Ping | Ignored):
        return Unused("t-x-c-t" if isinstance(item, Ping) else item.type)
    raise RejectedError(
        NOT_A_PATROL,
        "$.event.type",
        f"a partner's link carries its patrols, not {type(item).__name__}",
    )


def answer(text: str) -> Answer:
    """What a patrol's reply to a proposal says (module docstring)."""
    for pattern, said in _WORDS:
        if pattern.match(text):
            return said
    return "note"


def refusal(incident: Incident, partner: str, policy: Policy, now_ns: int) -> str:
    """Why `policy` releases nothing of `incident` to `partner` now (call it when
    `releasability.release` gave nothing): the first rule that holds it back, named."""
    if policy.partner != partner:
        return f"no policy for {partner}"
    if "incidents" not in policy.kinds:
        return f"{partner}'s policy (version {policy.version}) releases no incidents"
    if not policy.covers(incident.sector):
        return f"{partner}'s policy does not cover sector {incident.sector}"
    if policy.released_incidents_only and partner not in incident.releasable_to:
        return f"not released to {partner} by a commander (the policy's released_incidents_only)"
    wait = policy.delay_s - (now_ns - item_time_ns(incident)) / _S
    if wait > 0:
        return f"younger than {partner}'s policy delay ({policy.delay_s:g} s): {wait:.0f} s to go"
    return f"{partner}'s policy releases nothing of it"


def proposal_xml(
    released: Released,
    *,
    callsign: str,
    device_uid: str,
    time_ns: int,
    extended: bool = False,
    chat_dest: bool = False,
) -> list[bytes]:
    """The incident as released, as a marker addressed to the partner's patrol (its own call
    sign, as its server knows it), and a GeoChat to it saying what is proposed and how to
    answer (its chat group names the patrol's device); both stamped with the release's
    handling. `chat_dest=False` leaves `marti/dest` out of the chat: FreeTAKServer 2.2.1
    drops a GeoChat that has it (it delivers the chat to its clients without)."""
    incident = released.item
    assert isinstance(incident, Incident)
    text = (
        f"Proposed by borderwatch: P{incident.priority} incident {incident.id} in sector "
        f"{incident.sector}, near {incident.lat:.5f} {incident.lon:.5f} "
        f"(within {released.precision_m:g} m). "
        'Reply "accept" or "decline", then "on scene" on arrival.'
    )
    marker = incident_xml(incident, dest=[callsign])
    chat = chat_xml(
        text,
        message_id=f"propose-{incident.id}-{time_ns}",
        time_ns=time_ns,
        to_uid=device_uid,
        to_callsign=callsign,
        at=(incident.lat, incident.lon),
    )
    if not chat_dest:
        chat = _MARTI.sub(b"", chat, count=1)
    return [stamp(marker, released, extended), stamp(chat, released, extended)]


def proposed_to(
    notes: Mapping[str, Sequence[OperatorAction]], incidents: Mapping[str, Incident], patrol: str
) -> str | None:
    """The open incident last proposed to the partner's `patrol` (from the proposals logged
    as notes on incidents, so it survives a restart), or None."""
    best: tuple[int, str] | None = None
    for iid, actions in notes.items():
        inc = incidents.get(iid)
        if inc is None or inc.state == "resolved":
            continue
        for a in actions:
            if a.params.get("proposal") == patrol and (best is None or a.time_ns > best[0]):
                best = (a.time_ns, iid)
    return None if best is None else best[1]


def reply_note(
    chat: ChatMessage, *, patrol: str, partner: str, link: str, incident_id: str
) -> OperatorAction:
    """The note a partner patrol's answer is recorded as on the incident, attributed to the
    patrol (its namespaced call sign, the partner's agency). Its id is the chat's, so a
    chat relayed twice is one action (the engine refuses the repeat)."""
    said = answer(chat.text)
    text = chat.text.strip()
    return OperatorAction(
        id=("pchat-" + _UNSAFE.sub("_", f"{link}-{chat.id}"))[:64],
        user=patrol,
        agency=partner,
        role="patrol",
        time_ns=chat.time_ns,
        action="note",
        target=incident_id,
        why=f"{said.replace('_', ' ')}: {text}"[:2000] if said != "note" else text[:2000],
        params={"partner_reply": said, "patrol": patrol, "link": link},
    )
