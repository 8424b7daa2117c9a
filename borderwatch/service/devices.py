"""What TAK devices send besides their position, taken in (`share.cot.inbound`) and routed:

    a-h-G, a-u-G, a-s-G... marker   a sighting by that device (a `Detection`, kind
                                    `patrol_report`, with its position error) returned to
                                    the listener, so it goes to the event log through the
                                    connection's queue and identity check like any report;
                                    kept as a device marker (the API's `/tak/markers`, the
                                    operator's map) and relayed to the other national devices
    b-t-f GeoChat                   from a patrol assigned to an incident: the incident's note
                                    or resolution, attributed to the patrol (`replies`),
                                    through `Service.act` like an operator's; from a partner's
                                    device (OU `partner:<iso2>`), only its answer to the
                                    incident proposed to it, a note (`joint_patrols.
                                    record_answer`: a partner never assigns or resolves); else
                                    kept in the chat log (`/tak/chat`) and logged as a `chat`
                                    action (`replies.chat_action`: the event log, the audit
                                    trail), a partner's under its namespaced call sign
    b-a-o-tbl emergency             from an authenticated device, an `emergency` action
                                    logged through `Service.act` (`replies.emergency_action`):
                                    the engine raises a P1 alert at the patrol's position
                                    (`rules.emergency`); kept, relayed to every national
                                    device at once, and said in the log at WARNING
    t-x-d-d delete                  the device's marker withdrawn (and relayed)
    anything else well-formed       counted by type, ignored

Who sent it is the connection's identity (the certificate's CN), never a field of the event.
A chat or an emergency from a connection without one (plain TCP) is kept and counted, but
never becomes an action on an incident, nor is logged: an unauthenticated word does not
move an incident.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import msgspec

from borderwatch.engine import ActionError
from borderwatch.ingest.base import Inbound, RejectedError
from borderwatch.ingest.cot.framing import Frame as WireFrame
from borderwatch.ingest.identity import partner_callsign
from borderwatch.messages import Alert, Detection
from borderwatch.messages.device import ChatMessage, Emergency
from borderwatch.rules.emergency import emergency_alert
from borderwatch.service.joint_patrols import record_answer
from borderwatch.share.cot import Deleted, Unused, decode_atak, decode_atak_proto
from borderwatch.share.cot._tree import parse_proto, parse_xml
from borderwatch.share.cot.encode import alert_xml, delete_xml
from borderwatch.share.cot.replies import chat_action, emergency_action, reply_action

if TYPE_CHECKING:
    from borderwatch.service.tak import Client, TakClients

__all__ = ["DeviceMarker", "Devices"]

log = logging.getLogger(__name__)

MAX_MARKERS = 10_000  # device markers kept (the oldest go first)
MAX_CHATS = 1_000  # chat messages kept that moved no incident


class DeviceMarker(msgspec.Struct, frozen=True, kw_only=True):
    """A marker a device dropped: what it says it saw, where, how sure of the place."""

    uid: Annotated[str, msgspec.Meta(description="the marker's CoT uid, as the device sent it")]
    device: str  # who dropped it: the connection's identity
    type: str  # its CoT type (a-h-G...: hostile)
    time_ns: int
    lat: float
    lon: float
    sigma_m: float  # 1-sigma position error


class Devices:
    """Takes what devices send (the hub's `received`)."""

    def __init__(self, hub: TakClients) -> None:
        self.hub = hub
        self.markers: dict[str, DeviceMarker] = {}
        self.chats: deque[ChatMessage] = deque(maxlen=MAX_CHATS)
        self.emergencies: dict[str, Alert] = {}

    async def received(self, client: Client, frame: WireFrame) -> Sequence[Inbound]:
        """One event of a device (see the module docstring); `RejectedError` if it is
        malformed for its type (counted by the listener)."""
        stats = self.hub.stats
        peer = client.peer
        device = peer.identity or peer.source
        try:
            if frame.kind == "xml":
                item = decode_atak(frame.data, device=device)
            else:
                item = decode_atak_proto(frame.data, device=device)
        except RejectedError as exc:
            stats.refused[exc.code] += 1
            raise
        if isinstance(item, Unused):
            stats.unused[item.type[:32]] += 1
            return []
        stats.received[type(item).__name__] += 1
        if isinstance(item, Detection):
            self._marker(client, frame, item)
            return [item]
        if isinstance(item, ChatMessage):
            await self._chat(client, item)
        elif isinstance(item, Emergency):
            await self._emergency(client, item)
        elif isinstance(item, Deleted):
            self._deleted(client, item)
        return []

    def _relay(self, sender: Client, xml: bytes) -> None:
        """To every other national device, as a TAK server shares what its devices drop."""
        from borderwatch.service.tak import Encoded

        enc = Encoded(xml)
        for client in self.hub.national():
            if client is not sender:
                self.hub.send(client, [enc])

    def _marker(self, client: Client, frame: WireFrame, det: Detection) -> None:
        uid, cot_type = _head(frame)
        uid = uid or f"{det.sensor_id}.{det.seq}"
        sigma = float(det.cov_m2[0] ** 0.5) if det.cov_m2 else 0.0
        assert det.lat is not None  # a sighting has a place
        assert det.lon is not None
        marker = DeviceMarker(
            uid=uid,
            device=det.sensor_id,
            type=cot_type,
            time_ns=det.time_ns,
            lat=det.lat,
            lon=det.lon,
            sigma_m=sigma,
        )
        self.markers.pop(uid, None)
        self.markers[uid] = marker
        while len(self.markers) > MAX_MARKERS:
            del self.markers[next(iter(self.markers))]
        if frame.kind == "xml":
            self._relay(client, frame.data)

    async def _chat(self, client: Client, chat: ChatMessage) -> None:
        identity = client.peer.identity
        if identity is None:
            self.chats.append(chat)
            self.hub.stats.refused["unauthenticated_chat"] += 1
            return
        shown = self.hub.picture  # what the console shows (the workers' incidents, or the engine's)
        agency = client.peer.agency
        if client.partner:  # a partner's patrol answers proposals; it never moves an incident
            try:
                callsign = partner_callsign(agency, identity)
            except RejectedError as exc:
                self.hub.stats.refused[exc.code] += 1
                return
            said = await record_answer(
                self.hub.service, chat, patrol=callsign, partner=agency, via=f"device:{identity}"
            )
            if said == "replied":
                self.hub.stats.replies += 1
            elif said == "repeat":  # the same chat again: recorded once
                self.hub.stats.unused["repeat"] += 1
            elif said == "refused":
                self.hub.stats.refused["reply_refused"] += 1
            if said is not None:
                return
            action = None
        else:
            callsign = identity
            action = reply_action(
                chat, callsign=identity, agency=agency, incidents=shown.incidents.values()
            )
        if action is None:
            if any(c.id == chat.id and c.device == chat.device for c in self.chats):
                return  # delivered twice (the log has it once)
            self.chats.append(chat)
            logged = chat_action(chat, callsign=callsign, agency=agency)
            try:  # the chat log: in the event log and the audit trail, moving nothing
                await self.hub.service.act(logged)
            except ActionError as exc:
                self.hub.stats.refused["action_refused"] += 1
                log.info("a device's chat %s was not logged: %s", chat.id, exc)
            return
        try:  # on the incident as shown: the fusion workers' goes through the room's desk
            await shown.act(action)
        except ActionError as exc:  # e.g. resolved already by an operator
            self.hub.stats.refused["action_refused"] += 1
            log.info("a patrol's reply %s was refused: %s", chat.id, exc)

    async def _emergency(self, client: Client, emergency: Emergency) -> None:
        identity = client.peer.identity
        callsign = identity or emergency.device
        action = emergency_action(emergency, callsign=callsign, agency=client.peer.agency)
        if identity is not None and not client.partner:
            try:  # logged, so the engine raises it in the operators' queue, as in replay
                await self.hub.service.act(action)
            except ActionError as exc:
                self.hub.stats.refused["action_refused"] += 1
                log.info("emergency %s was refused: %s", action.id, exc)
        else:
            self.hub.stats.refused["unauthenticated_emergency"] += 1
        alert = emergency_alert(action, None)
        if alert is None:
            log.warning("patrol %s cancelled its emergency", callsign)
            return
        self.emergencies[alert.id] = alert
        log.warning(
            "EMERGENCY from %s (%s) at %.5f %.5f", callsign, emergency.kind, alert.lat, alert.lon
        )
        xml = alert_xml(alert)
        self._relay(client, xml)
        from borderwatch.service.tak import Encoded

        if not client.partner:
            self.hub.send(client, [Encoded(xml)])  # its own device sees it was heard

    def _deleted(self, client: Client, deleted: Deleted) -> None:
        marker = self.markers.get(deleted.uid)
        if marker is not None and marker.device == deleted.device:  # only its own
            del self.markers[deleted.uid]
            self._relay(client, delete_xml(deleted.uid, deleted.time_ns))


def _head(frame: WireFrame) -> tuple[str, str]:
    """The event's uid and type (parsed again: markers are rare, and the decoder keeps
    neither)."""
    node = parse_xml(frame.data) if frame.kind == "xml" else parse_proto(frame.data)
    return node.attrs.get("uid", "")[:128], node.attrs.get("type", "a-u-G")[:64]
