"""The picture out to TAK clients, live, on the connection each one sends on.

The CoT listeners (`borderwatch.ingest.cot`) hand every TCP and TLS client to this hub as a
`Peer`: who it is (its certificate's CN and OU), the wire it speaks (XML, or TAK protocol v1
once it asks), a bounded outbox. The hub:

- once a connection shows it is a TAK client (pytak's hello, ATAK's ping or position
  report: a sensor's connection, which only sends, is never sent anything), sends it its
  whole cleared picture: the tracks, the open incidents and
  their alerts, the friendly patrols (`share.cot.client_events`' rule: what it asked for,
  `ClientFilter`, and what its agency and role may see, `api.visibility.sees`: one rule for
  the API, the WebSocket and CoT);
- follows the engine's change feed (`engine.changes`, the hook the WebSocket uses too: no
  engine change) and sends each change to every client that may see it: each item is encoded
  once per change (XML, and protobuf only if someone speaks it), then filtered per client, so
  50 clients cost one encoding and 50 cheap filters, never 50 encodings. A track that leaves
  the picture is deleted from the maps (`t-x-d-d`);
- never waits for a client: `Peer.send` queues or drops that client (its outbox is full),
  so a client that stops reading slows neither the feed, the engine nor the others;
- tasks patrols on their devices (`service.tasking`) and takes what devices send
  (`service.devices`);
- serves a partner's devices only what its releasability policy releases, recorded in the
  disclosure ledger before it is sent (`share.cot.partner_events`), polled every
  `partner_every_s` so that an item held back by the policy's delay goes when it may;
- runs the links out to partners' own TAK servers (`service.federation`), which release
  through the same function and ledger.

What a client asks for (`ClientFilter`: sectors, a box, kinds) is the admin's file
`DATA/tak.toml`, by certificate CN, read at start (`tak_filters.load_filters`):

    [default]                     # every client not named below (default: everything)
    kinds = ["tracks", "alerts", "incidents", "patrols"]

    [clients.NG-N03-1]            # a patrol of sector N03: only its sector, in this box
    sectors = ["N03"]
    bbox = [32.9, 11.0, 33.2, 11.6]   # south, west, north, east

A device's clearance: its agency from its certificate's OU (else the listener's default), and
the role `DEVICE_ROLE`: a device watches (tracks, alerts, incidents, patrols); what a patrol
does (its replies) is attributed to it as role `patrol`, never as an operator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from borderwatch.accounts import Claims, Role, is_partner_agency
from borderwatch.engine import ChangeFeed, FallenBehindError, Frame
from borderwatch.ingest.base import Inbound, RejectedError
from borderwatch.ingest.cot import Peer, to_proto
from borderwatch.ingest.cot.framing import Frame as WireFrame
from borderwatch.ingest.cot.peers import protocol_support_xml
from borderwatch.ingest.identity import partner_callsign
from borderwatch.messages import Alert, Incident, OperatorAction, Patrol, Track
from borderwatch.service.tak_filters import TakFilters
from borderwatch.share.cot import ClientFilter, delete_xml, partner_events
from borderwatch.share.cot.encode import alert_xml, incident_xml, patrol_xml, track_uid, track_xml
from borderwatch.share.cot.outbound import PictureItem

if TYPE_CHECKING:
    from borderwatch.service.core import Service
    from borderwatch.share import Exchange

__all__ = ["DEVICE_ROLE", "TakClients", "TakStats"]

log = logging.getLogger(__name__)

DEVICE_ROLE: Role = "analyst"  # read-only watch: tracks, alerts, incidents, patrols
_S = 1_000_000_000


Visibility = Callable[[Claims, PictureItem], bool]


def _sees_nothing(claims: Claims, item: PictureItem) -> bool:
    """Until the API binds its rule, a client is cleared for nothing (never everything)."""
    return False


class Encoded:
    """One event in both wires, the protobuf made once, on first use."""

    __slots__ = ("_proto", "xml")

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        self._proto: bytes | None = None

    def wire(self, peer: Peer) -> bytes:
        """The event as `peer` reads it."""
        if peer.wire == "xml":
            return self.xml
        if self._proto is None:
            self._proto = to_proto(self.xml, "stream")
        return self._proto


def _xml(item: PictureItem) -> bytes:
    if isinstance(item, Track):
        return track_xml(item)
    if isinstance(item, Alert):
        return alert_xml(item)
    if isinstance(item, Incident):
        return incident_xml(item)
    return patrol_xml(item)


@dataclass(slots=True)
class TakStats:
    """What the hub did, for the metrics (counters only: no log line per event)."""

    connected: int = 0
    events_sent: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # clients dropped, by reason
    received: Counter[str] = field(default_factory=Counter)  # device events, by kind
    unused: Counter[str] = field(default_factory=Counter)  # valid CoT we ignore, by type
    refused: Counter[str] = field(default_factory=Counter)  # device events refused, by code
    taskings: int = 0
    proposals: int = 0  # incidents proposed to partners' devices on our listener
    replies: int = 0  # their answers recorded on the incidents
    feed_resets: int = 0
    frame_errors: int = 0  # frames a bug kept from going out (logged with the error)
    partner_released: int = 0


@dataclass(slots=True, eq=False)
class Client:
    """One connected TAK client: its peer, its clearance, what it asked for."""

    peer: Peer
    claims: Claims
    wanted: ClientFilter
    partner: bool
    # A partner's: what was released to it, item id -> the version sent (time stamps).
    released: dict[str, int] = field(default_factory=dict)


class HubPicture(Protocol):
    """What the hub sends to national clients and tasks patrols from: the engine's picture
    and change feed (`EnginePicture`), or the operations room's when fusion workers hold it
    (`stations.console.RoomConsole`), so that a device shows what the console shows and an
    assignment of one of the workers' incidents reaches the patrol."""

    @property
    def feed(self) -> ChangeFeed: ...
    @property
    def tracks(self) -> Mapping[str, Track]: ...
    @property
    def alerts(self) -> Mapping[str, Alert]: ...
    @property
    def incidents(self) -> Mapping[str, Incident]: ...
    @property
    def patrols(self) -> Mapping[str, Patrol]: ...
    async def act(self, action: OperatorAction) -> Incident | None:
        """Take an action on one of `incidents` (a patrol's reply from its device)."""
        ...


@dataclass(frozen=True, slots=True)
class EnginePicture:
    """The service's own engine and change feed, as the hub reads them."""

    service: Service

    @property
    def feed(self) -> ChangeFeed:
        return self.service.feed

    @property
    def tracks(self) -> Mapping[str, Track]:
        return self.service.engine.tracks

    @property
    def alerts(self) -> Mapping[str, Alert]:
        return self.service.engine.alerts

    @property
    def incidents(self) -> Mapping[str, Incident]:
        return self.service.engine.incidents

    @property
    def patrols(self) -> Mapping[str, Patrol]:
        return self.service.engine.patrols

    async def act(self, action: OperatorAction) -> Incident | None:
        return await self.service.act(action)


class TakClients:
    """The service's TAK clients (the listeners' `PeerHub`)."""

    def __init__(
        self,
        service: Service,
        *,
        exchange: Exchange | None = None,
        filters: TakFilters | None = None,
        partner_every_s: float = 1.0,
        backlog: int = 20_000,
        data_root: Path | None = None,
    ) -> None:
        from borderwatch.service.devices import Devices
        from borderwatch.service.federation import Federation
        from borderwatch.service.tasking import Tasking

        self.service = service
        self.picture: HubPicture = EnginePicture(service)  # `show` sets another
        self._shown = asyncio.Event()  # set when `show` changes it: the feed followed too
        self.exchange = exchange  # set by the API's app, which opens it (`bind`)
        self.sees: Visibility = _sees_nothing  # the API's rule, bound by its app (`bind`)
        self.filters = filters or TakFilters()
        self.partner_every_s = partner_every_s
        self.backlog = backlog
        self.clients: dict[Peer, Client] = {}
        self.stats = TakStats()
        self.tasking = Tasking(self)
        self.devices = Devices(self)
        # The links out to partners' TAK servers (`[federation.NAME]` of DATA/tak.toml).
        # Their certificate paths are under the data directory (`data_root`).
        self.federation = Federation(self, self.filters.federation, data_root or Path("."))
        self._tracks: dict[str, Encoded] = {}  # the current tracks' events, by track id
        self._patrols: dict[str, tuple[Patrol, Encoded]] = {}
        self._markers: dict[str, tuple[Alert | Incident, Encoded]] = {}  # open incidents, alerts

    def show(self, picture: HubPicture) -> None:
        """Send and task from `picture` from now on (its feed followed, every client sent
        its picture whole again)."""
        self.picture = picture
        self._shown.set()

    def bind(self, sees: Visibility, exchange: Exchange) -> None:
        """The API's visibility rule (`borderwatch.api.visibility.sees`: one rule for the
        API, the WebSocket and CoT) and its exchange (partners' policies, the ledger)."""
        self.sees = sees
        self.exchange = exchange

    # -- PeerHub -------------------------------------------------------------------------
    def opened(self, peer: Peer) -> None:
        """A client connected: say we speak TAK protocol v1, then its whole picture."""
        agency = peer.agency
        claims = Claims(
            sub=peer.identity or peer.source.replace(":", "_")[:64],
            agency=agency,
            role="partner" if is_partner_agency(agency) else DEVICE_ROLE,
            iat=0,
            exp=2**62,
            jti="",
            gen=0,
        )
        client = Client(peer, claims, self.filters.of(peer.identity), is_partner_agency(agency))
        self.clients[peer] = client
        self.stats.connected += 1
        peer.send([protocol_support_xml(self.service.clock())])
        if not client.partner:
            self._send_picture(client)

    def closed(self, peer: Peer) -> None:
        """A client went (or was dropped)."""
        if self.clients.pop(peer, None) is not None:
            self.stats.connected -= 1
            if peer.reason is not None:
                self.stats.dropped[peer.reason] += 1

    def switched(self, peer: Peer) -> None:
        """A client now speaks TAK protocol v1: its picture again, in it."""
        client = self.clients.get(peer)
        if client is not None and not client.partner:
            self._send_picture(client)
        elif client is not None:
            client.released.clear()  # sent again at the next poll

    async def received(self, peer: Peer, frame: WireFrame) -> Sequence[Inbound]:
        """What a device sent that ingest does not take (`service.devices`)."""
        client = self.clients.get(peer)
        if client is None:
            return []
        return await self.devices.received(client, frame)

    # -- sending -------------------------------------------------------------------------
    def send(self, client: Client, events: Sequence[Encoded]) -> bool:
        """Queue `events` for `client` in its wire (never waits; drops a slow client):
        whether they were queued."""
        if events and client.peer.send([e.wire(client.peer) for e in events]):
            self.stats.events_sent += len(events)
            return True
        return False

    def national(self) -> list[Client]:
        """The connected clients that are not partners'."""
        return [c for c in self.clients.values() if not c.partner]

    def partner_devices(self, patrol: Patrol) -> list[Client]:
        """The connections of a partner's `patrol` (namespaced call sign) made straight to our
        listener: its certificate's OU is the patrol's agency, its CN the patrol's call sign
        as the partner knows it (`ingest.identity.device_patrol`)."""
        return [
            c
            for c in self.clients.values()
            if c.partner and c.claims.agency == patrol.agency and _patrol_of(c) == patrol.callsign
        ]

    def _send_picture(self, client: Client) -> None:
        picture = self.picture
        if not self._tracks and picture.tracks:
            self._tracks = {t.id: Encoded(track_xml(t)) for t in picture.tracks.values()}
        for inc in picture.incidents.values():
            if inc.state != "resolved" and f"Incident:{inc.id}" not in self._markers:
                self._remember(inc)
                for aid in inc.alert_ids:
                    if aid in picture.alerts:
                        self._remember(picture.alerts[aid])
        for p in picture.patrols.values():
            known = self._patrols.get(p.callsign)
            if known is None or known[0] != p:
                self._patrols[p.callsign] = (p, Encoded(patrol_xml(p)))
        items: list[tuple[PictureItem, Encoded]] = [
            (picture.tracks[tid], enc) for tid, enc in self._tracks.items() if tid in picture.tracks
        ]
        items += list(self._markers.values())
        items += list(self._patrols.values())
        self.send(client, [enc for item, enc in items if self._wants(client, item)])

    def _remember(self, item: Alert | Incident) -> Encoded:
        enc = Encoded(_xml(item))
        self._markers[f"{type(item).__name__}:{item.id}"] = (item, enc)
        return enc

    def _wants(self, client: Client, item: PictureItem) -> bool:
        return client.wanted.wants(item) and self.sees(client.claims, item)

    def _fan_out(self, items: Sequence[tuple[PictureItem, Encoded]], extra: list[Encoded]) -> None:
        """Each national client gets the `items` it may see and wants, then `extra`. Clients
        with the same clearance and filter share one selection (most devices of an agency
        ask for the same), so the cost grows with the kinds of client, not their number."""
        chosen: dict[tuple[str, str, ClientFilter], list[Encoded]] = {}
        for client in self.national():
            key = (client.claims.role, client.claims.agency, client.wanted)
            out = chosen.get(key)
            if out is None:
                out = [enc for item, enc in items if self._wants(client, item)]
                if extra and "tracks" in client.wanted.kinds:
                    out += extra
                chosen[key] = out
            self.send(client, out)

    # -- following the engine ------------------------------------------------------------
    async def run(self) -> None:
        """Follow the change feed until cancelled; if we fall behind, start again from the
        picture as it is (every client gets it whole)."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._partners())
            tasks.create_task(self.federation.run())
            while True:
                feed = self.picture.feed
                self._shown.clear()
                frames = cast(
                    AsyncGenerator[Frame, None],
                    feed.follow(feed.last_seq, max_backlog=self.backlog),
                )
                try:
                    async with contextlib.aclosing(frames):
                        await self._follow(frames)
                except FallenBehindError:
                    self.stats.feed_resets += 1
                    log.warning("TAK out fell behind the change feed; every client starts over")
                # fallen behind, or another picture shown: every client gets it whole
                self._tracks.clear()
                self._markers.clear()
                for client in self.national():
                    self._send_picture(client)

    async def _follow(self, frames: AsyncGenerator[Frame, None]) -> None:
        """Each frame to the clients, until the feed ends or `show` changes the picture."""
        shown = asyncio.ensure_future(self._shown.wait())
        step: asyncio.Future[Frame] | None = None
        try:
            while True:
                step = asyncio.ensure_future(anext(frames))
                await asyncio.wait({step, shown}, return_when=asyncio.FIRST_COMPLETED)
                if not step.done():
                    return  # another picture: this feed is left (finally)
                try:
                    frame = step.result()
                except StopAsyncIteration:
                    return
                try:
                    self.on_frame(frame)
                except Exception:  # a bug on one frame never ends CoT out
                    self.stats.frame_errors += 1
                    log.exception("TAK out: frame %d not sent", frame.seq)
        finally:
            shown.cancel()
            if step is not None and not step.done():
                # the generator must stop waiting before it can be closed
                step.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await step

    def on_frame(self, frame: Frame) -> None:
        """One change of the picture, to every client that may see it."""
        if not self.national():
            # No one to send it to (a quiet night, the rebuild at start): encode nothing,
            # and forget what was; the next client's picture is made from the engine's.
            self._tracks.clear()
            self._patrols.clear()
            self._markers.clear()
            return  # a tasking, too, goes only to a connected device
        if frame.kind == "tracks":
            tracks = [i for i in frame.items if isinstance(i, Track)]
            encoded = {t.id: Encoded(track_xml(t)) for t in tracks}
            gone = [
                Encoded(delete_xml(track_uid(tid), frame.time_ns))
                for tid in self._tracks
                if tid not in encoded
            ]
            self._tracks = encoded
            self._fan_out([(t, encoded[t.id]) for t in tracks], gone)
        elif frame.kind in ("alert", "incident"):
            changed: list[tuple[PictureItem, Encoded]] = []
            for item in frame.items:
                if isinstance(item, Alert | Incident):
                    changed.append((item, self._remember(item)))
                    if isinstance(item, Incident) and item.state == "resolved":
                        self._forget(item)
            self._fan_out(changed, [])
        elif frame.kind == "patrols":
            fresh: list[tuple[PictureItem, Encoded]] = []
            for p in frame.items:
                if isinstance(p, Patrol):
                    known = self._patrols.get(p.callsign)
                    if known is None or known[0] != p:
                        enc = Encoded(patrol_xml(p))
                        self._patrols[p.callsign] = (p, enc)
                        fresh.append((p, enc))
            self._fan_out(fresh, [])
        elif frame.kind == "action":
            for action in frame.items:
                if isinstance(action, OperatorAction) and action.action == "assign":
                    self.tasking.assigned(action)

    def _forget(self, incident: Incident) -> None:
        """A resolved incident's markers leave the cache (clients keep the last state)."""
        self._markers.pop(f"Incident:{incident.id}", None)
        for aid in incident.alert_ids:
            self._markers.pop(f"Alert:{aid}", None)

    # -- partners ------------------------------------------------------------------------
    async def _partners(self) -> None:
        """Every `partner_every_s`, each partner's devices get what its policy now releases
        of the picture and they do not have yet (recorded before it is sent)."""
        while True:
            await asyncio.sleep(self.partner_every_s)
            partners = [c for c in self.clients.values() if c.partner]
            if not partners or self.exchange is None:
                continue
            engine = self.service.engine
            items: list[Track | Alert | Incident] = [
                *engine.tracks.values(),
                *engine.incidents.values(),
                *engine.alerts.values(),
            ]
            for client in partners:
                try:
                    await self._release(client, items)
                except Exception:  # the ledger refused (full disk): nothing goes out
                    log.exception("partner CoT to %s not released", client.peer.source)

    async def _release(self, client: Client, items: Sequence[Track | Alert | Incident]) -> None:
        assert self.exchange is not None
        fresh = [i for i in items if client.released.get(_key(i)) != _version(i)]
        if not fresh:
            return
        released = await asyncio.to_thread(
            partner_events,
            self.exchange,
            client.claims.agency,
            fresh,
            self.service.clock(),
            user=client.claims.sub,
        )
        for r, _ in released:
            client.released[_key(r.item)] = _version(r.item)
        self.stats.partner_released += len(released)
        self.send(client, [Encoded(xml) for _, xml in released])


def _patrol_of(client: Client) -> str | None:
    """The namespaced call sign a partner's device reports its patrol as, if it can."""
    if client.peer.identity is None:
        return None
    try:
        return partner_callsign(client.claims.agency, client.peer.identity)
    except RejectedError:
        return None


def _key(item: object) -> str:
    return f"{type(item).__name__}:{getattr(item, 'id', '')}"


def _version(item: object) -> int:
    if isinstance(item, Incident):
        return item.updated_ns
    return int(getattr(item, "time_ns", 0))
