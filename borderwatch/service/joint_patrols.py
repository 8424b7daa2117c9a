"""Joint patrols on a partner's link (`service.federation`): the partner's patrols come in,
an operator's proposal goes out, the patrol's answer comes back onto the incident.

**In.** What the partner's TAK server relays (`share.cot.joint.decode_partner`): its clients'
self-reports become `Patrol`s of the partner's agency, call signs in its namespace
(`ly/LY-P1`), admitted through the service's one gate (`Admission`: bounds, time, identity)
as the source `federation:<link>`, which `ingest.identity` lets speak only for that
partner's patrols; then the event log, then the engine, where they make the tracks they
explain friendly (`fusion.friendly`) like our own patrols, so a Libyan patrol at the berm
never alerts. The admission call is awaited before the link reads on: a slow log slows the
partner's server through TCP, never drops an accepted report. Bounded like a device's
connection: a message larger than `max_message_bytes` ends the connection (`oversized`), a
faster stream than `max_bytes_per_s` is read later (`max_bytes_per_s`), `max_consecutive_bad`
bad events in a row end it (`abusive`), a patrol reporting more often than every
`min_report_interval_s` has the extra reports dropped (`too_frequent`), and at most
`max_patrols` call signs are taken (`too_many_patrols`). Each refusal is counted by its code.

**Out.** `propose`: the incident through the partner's policy (`Exchange.decide`, the one
decision; refused with the rule's name otherwise), recorded in the disclosure ledger, queued
on the link (the released incident as a marker and a GeoChat, addressed to the patrol's call
sign and device), then logged as a note on the incident (`params.proposal`: the patrol; the
operator's action in the audit trail). A partner's device connected straight to our own
listener (its certificate's OU `partner:<iso2>`) is proposed to the same way, on its own
connection (`propose_to_devices`): `release_proposal` is the one path both take.

**Back.** A GeoChat from one of the partner's patrols to which an open incident was proposed
(from the notes, so a restart keeps it) is recorded on that incident as a note attributed to
the patrol (`record_answer` → `share.cot.joint.reply_note`: accepted, declined, on scene, or
its words), whether it came over the link or from the partner's device on our listener. The
link (or the device's certificate) says which partner, the chat which of its patrols: a
partner can answer only the proposals made to its own patrols, and never assigns, resolves or
otherwise moves an incident.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from borderwatch.engine import ActionError
from borderwatch.errors import MessageError
from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot.decode import event_uid
from borderwatch.ingest.cot.framing import Frame
from borderwatch.ingest.identity import partner_callsign
from borderwatch.messages import Incident, OperatorAction, Patrol
from borderwatch.messages.device import ChatMessage
from borderwatch.share.cot.const import SERVER_UID
from borderwatch.share.cot.joint import (
    decode_partner,
    proposal_xml,
    proposed_to,
    refusal,
    reply_note,
)

if TYPE_CHECKING:
    from borderwatch.service.core import Service
    from borderwatch.service.federation import FederationLink
    from borderwatch.service.tak import Client, TakClients
    from borderwatch.share.releasability import Released

__all__ = [
    "JointPatrols",
    "ProposalError",
    "propose_to_devices",
    "record_answer",
    "release_proposal",
]

log = logging.getLogger(__name__)
_S = 1_000_000_000
# Our events' uids (`share.cot.encode`: borderwatch.track..., GeoChat.<our uid>...), which
# a TAK server relays back to the sender too: ignored, counted as `ours`.
_OURS = ("borderwatch.", "borderwatch-", f"GeoChat.{SERVER_UID}.")


class ProposalError(ActionError):
    """A proposal that cannot go, and why (the API answers 409 with it)."""


class JointPatrols:
    """One link's partner patrols: in, proposals out, answers back (module docstring)."""

    def __init__(self, link: FederationLink) -> None:
        self.link = link
        self.source = f"federation:{link.name}"
        self.partner = link.link.partner
        self.taken = 0  # patrol reports admitted to the log
        self.refused: Counter[str] = Counter()  # events refused, by code
        self.unused: Counter[str] = Counter()  # valid events not for us, by CoT type
        self.proposals = 0
        self.replies = 0
        self.uids: dict[str, str] = {}  # patrol -> its ATAK uid (a chat to it is threaded by it)
        self._last: dict[str, int] = {}  # patrol -> its last report taken (event time)
        self.bad = 0  # bad events in a row

    # -- in ------------------------------------------------------------------------------
    async def take(self, frames: Sequence[Frame]) -> None:
        """Frames from the partner's server: patrols to the log, answers to their incidents.
        Raises `RejectedError` (`abusive`) after `max_consecutive_bad` bad events in a row."""
        reports: list[Patrol] = []
        for frame in frames:
            uid = event_uid(frame) or ""
            if uid.startswith(_OURS):  # the server relays what we sent back to us too
                self.unused["ours"] += 1
                continue
            try:
                item = decode_partner(frame, self.partner, device=self.link.name)
            except Exception as exc:  # RejectedError, or a decoder bug: this event only
                code = exc.code if isinstance(exc, RejectedError) else "undecodable"
                if code == "undecodable":
                    log.exception("federation %s: an event not decoded", self.link.name)
                self.refused[code] += 1
                self.bad += 1
                if self.bad >= self.link.link.max_consecutive_bad:
                    break
                continue
            self.bad = 0
            if isinstance(item, Patrol):
                if self._admit(item, uid):
                    reports.append(item)
            elif isinstance(item, ChatMessage):
                await self._answer(item)
            else:
                self.unused[item.type] += 1
        if reports:  # what came before a bad run still reaches the log
            await self._log(reports)
        if self.bad >= self.link.link.max_consecutive_bad:
            raise RejectedError("abusive", "$", f"{self.bad} bad events in a row")

    def _admit(self, p: Patrol, uid: str) -> bool:
        """The link's own bounds: how many patrols, how often each."""
        link = self.link.link
        last = self._last.get(p.callsign)
        if last is None and len(self._last) >= link.max_patrols:
            self.refused["too_many_patrols"] += 1
            return False
        if last is not None and p.time_ns < last + round(link.min_report_interval_s * _S):
            self.refused["too_frequent"] += 1
            return False
        self._last[p.callsign] = p.time_ns
        if uid:
            self.uids[p.callsign] = uid[:200]
        return True

    async def _log(self, reports: list[Patrol]) -> None:
        admission = self.link.hub.service.admission
        try:
            await admission.accept(reports, self.source)
            self.taken += len(reports)
            return
        except MessageError:
            pass
        for one in reports:  # find the refused ones; the rest are taken
            try:
                await admission.accept([one], self.source)
                self.taken += 1
            except RejectedError as exc:
                self.refused[exc.code] += 1
            except MessageError:
                self.refused["refused"] += 1

    async def _answer(self, chat: ChatMessage) -> None:
        try:
            patrol = partner_callsign(self.partner, chat.callsign)
        except RejectedError as exc:
            self.refused[exc.code] += 1
            return
        said = await record_answer(
            self.link.hub.service, chat, patrol=patrol, partner=self.partner, via=self.link.name
        )
        if said == "replied":
            self.replies += 1
        elif said == "refused":
            self.refused["reply_refused"] += 1
        else:  # a chat answering no proposal is not ours to keep; the same chat again
            self.unused["b-t-f" if said is None else "repeat"] += 1

    # -- out -----------------------------------------------------------------------------
    async def propose(self, incident: Incident, patrol: Patrol, action: OperatorAction) -> None:
        """Propose `incident` to the partner's `patrol` over this link (`release_proposal`).
        `ProposalError` naming why if it cannot go; nothing is recorded or sent then."""
        if self.link.state != "connected":
            raise ProposalError(f"the link {self.link.name} to {self.partner} is not connected")
        callsign = patrol.callsign.split("/", 1)[1]  # as the partner's server knows it
        device_uid = self.uids.get(patrol.callsign, callsign)

        def send(r: Released, now: int) -> bool:
            return self.link.send(
                proposal_xml(r, callsign=callsign, device_uid=device_uid, time_ns=now)
            )

        await release_proposal(
            self.link.hub, self.partner, incident, action,
            user=self.link.user, send=send, way=f"the link {self.link.name}",
        )  # fmt: skip
        self.proposals += 1


async def release_proposal(
    hub: TakClients,
    partner: str,
    incident: Incident,
    action: OperatorAction,
    *,
    user: str,
    send: Callable[[Released, int], bool],
    way: str,
) -> None:
    """The one way a proposal goes out: `incident` through `partner`'s policy (the one
    decision), recorded in the disclosure ledger as released to `user` over CoT, handed to
    `send` (the released item and the time; False if `way` went meanwhile), then the
    operator's `action` (a note naming the proposal) logged. `ProposalError` naming why if
    it cannot go: nothing is sent then, and nothing recorded unless `way` went between the
    ledger and the send (said so)."""
    exchange = hub.exchange
    if exchange is None:
        raise ProposalError("the exchange is not open yet")
    now = hub.service.clock()
    released = exchange.decide(partner, [incident], now)
    if not released:
        raise ProposalError(refusal(incident, partner, exchange.policy(partner), now))
    r = released[0]
    await asyncio.to_thread(exchange.record, [r], user, "cot")
    if not send(r, now):
        raise ProposalError(
            f"{way} went down before the proposal was sent"
            " (recorded in the ledger as released); try again when it is back"
        )
    await hub.service.act(action)


async def propose_to_devices(
    hub: TakClients,
    devices: Sequence[Client],
    incident: Incident,
    action: OperatorAction,
) -> None:
    """Propose `incident` to a partner's patrol on its own devices, connected straight to
    our listener (`TakClients.partner_devices`): the released incident as a marker and a
    GeoChat addressed to the device (`marti/dest`, threaded under its ATAK uid), on each of
    its connections, recorded once as released to the device (`release_proposal`)."""
    first = devices[0]
    callsign = first.peer.identity or ""
    partner = first.claims.agency

    def send(r: Released, now: int) -> bool:
        from borderwatch.service.tak import Encoded

        sent = False
        for client in devices:
            events = proposal_xml(
                r, callsign=callsign, device_uid=client.peer.device_uid or callsign,
                time_ns=now, chat_dest=True,
            )  # fmt: skip
            sent = hub.send(client, [Encoded(e) for e in events]) or sent
        return sent

    way = f"{partner}'s device {callsign}"
    await release_proposal(
        hub, partner, incident, action, user=first.claims.sub, send=send, way=way
    )
    hub.stats.proposals += 1


Said = Literal["replied", "repeat", "refused"]


async def record_answer(
    service: Service, chat: ChatMessage, *, patrol: str, partner: str, via: str
) -> Said | None:
    """A chat of the partner's `patrol` (namespaced call sign), recorded as its answer on the
    open incident last proposed to it, as a note attributed to it (`reply_note`; `via`: the
    link's name, or `device:<CN>`): "replied"; "repeat" if that chat is there already (a
    server sending its history, a device sending again); "refused" if the engine refused
    it; None if no open incident was proposed to the patrol (the caller keeps the chat)."""
    engine = service.engine
    incident = proposed_to(engine.notes, engine.incidents, patrol)
    if incident is None:
        return None
    note = reply_note(chat, patrol=patrol, partner=partner, link=via, incident_id=incident)
    if any(n.id == note.id for n in engine.notes.get(incident, ())):
        return "repeat"
    try:
        await service.act(note)
    except ActionError as exc:
        log.info("the answer of %s (via %s) was not recorded: %s", patrol, via, exc)
        return "refused"
    return "replied"
