"""A partner's feed out to its own TAK server: the service connects out, as a TAK client with
our certificate, and streams what the partner's policy releases.

Each `[federation.NAME]` of `DATA/tak.toml` (`service.partner_links.PartnerLink`) is one
`FederationLink`, a few asyncio workers wired by queues as pytak's are (STYLE.md §3):

- **connect**, over TLS with the link's certificates (or TCP for a server on this host), then
  say who we are (a contact event with our callsign: TAK servers route only for clients that
  did); on any failure (refused, TLS, the server hanging up, a write not taken within
  `write_timeout_s`) wait and connect again, the wait doubling from `backoff_min_s` to
  `backoff_max_s`, counted by reason;
- **release**, every `every_s` while connected: of the picture (tracks, incidents, alerts),
  what changed since it was last sent is put to the one decision
  (`share.cot.partner_events` → `Exchange.decide` → `releasability.release`: kinds, sectors,
  delay, precision, stripped fields), recorded in the disclosure ledger (user
  `federation:NAME`, exit `cot`) and only then queued; what the policy holds back (its delay)
  is asked again at the next look;
- **write**, the outbox in order. The outbox is bounded (`outbox_events`): when it is full,
  nothing more is decided, recorded or queued (counted, `outbox_full`), and what was not
  sent is decided again later, so nothing is recorded that was not queued and a slow partner
  server costs a bounded amount of memory and never slows the engine or anyone else;
- **read** what the server sends, framed and bounded (`service.joint_patrols`): its
  clients' self-reports become the partner's patrols (namespaced call signs, the partner's
  agency) through admission into the event log; a patrol's GeoChat answering a proposal is
  recorded on the incident; the rest is counted and ignored. Proposals to a partner's
  patrol go out on the write side, released and recorded first (`JointPatrols.propose`).

When a connection ends, what was queued on it is counted as lost and the next connection
starts again from everything the policy releases then: the partner's server may have lost it
too. A track that leaves the picture is not deleted on the partner's maps: the delete would
say when it left, earlier than the policy's delay allows; its CoT goes stale by itself.
This is a client link to the server's CoT streaming port, as TAK servers' own clients and
gateways make; it is not TAK Server's server-to-server federation protocol (ports 9000/9001).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from borderwatch.ingest.base import RejectedError
from borderwatch.ingest.cot._text import attr, format_time
from borderwatch.ingest.cot.framing import Framer
from borderwatch.ingest.cot.limits import ByteRate
from borderwatch.messages import Alert, Incident, Track
from borderwatch.service.joint_patrols import JointPatrols
from borderwatch.service.partner_links import PartnerLink, link_ssl_context
from borderwatch.share.cot import partner_events

if TYPE_CHECKING:
    from borderwatch.service.tak import TakClients

__all__ = ["Federation", "FederationLink", "LinkState"]

log = logging.getLogger(__name__)
_S = 1_000_000_000
State = Literal["connecting", "connected", "waiting"]


class LinkState(msgspec.Struct, frozen=True, kw_only=True):
    """One partner link as it is now, and what it did since the start (the API's and the
    metrics' view)."""

    name: str
    partner: str
    host: str
    port: int
    tls: bool
    state: State
    connected_since_ns: int | None
    connects: int  # connections made
    failures: dict[str, int]  # connections lost or not made, by reason
    last_error: str | None
    released: int  # items released, recorded and queued
    withheld_now: int  # items the policy held back at the last look (kind, sector, delay)
    outbox_full: int  # looks that found the outbox full (nothing decided then)
    release_errors: int  # looks that failed (the ledger refused: nothing went out)
    queued_events: int
    sent_events: int
    sent_bytes: int
    lost_events: int  # queued on a connection that ended before they were written
    received_bytes: int
    patrols_taken: int  # the partner's patrol reports admitted to the event log
    patrols: int  # the partner's patrols heard from since the start
    refused: dict[str, int]  # events from the partner's server refused, by code
    unused: dict[str, int]  # valid events not for us, by CoT type
    proposals: int  # incidents proposed to the partner's patrols, released and sent
    replies: int  # their answers recorded on incidents


@dataclass(slots=True)
class _Counts:
    connects: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    last_error: str | None = None
    released: int = 0
    withheld_now: int = 0
    outbox_full: int = 0
    release_errors: int = 0
    sent_events: int = 0
    sent_bytes: int = 0
    lost_events: int = 0
    received_bytes: int = 0


class _ClosedError(Exception):
    """The session ended for `reason` (a failure's name, counted)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def _hello(link: PartnerLink, name: str, now_ns: int) -> bytes:
    """Who we are, as a TAK client says it first: a contact with our callsign."""
    t = format_time(now_ns)
    uid = attr(f"borderwatch.federation.{name}")
    return (
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" time="{t}" start="{t}" '
        f'stale="{format_time(now_ns + 300 * _S)}" how="m-g"><point lat="0.0" lon="0.0" '
        f'hae="0.0" ce="9999999.0" le="9999999.0"/><detail><contact callsign='
        f'"{attr(link.callsign)}" endpoint="*:-1:stcp"/><__group name="Cyan" role="HQ"/>'
        "</detail></event>"
    ).encode()


def _ping(now_ns: int) -> bytes:
    t = format_time(now_ns)
    return (
        f'<event version="2.0" uid="borderwatch-ping" type="t-x-c-t" time="{t}" start="{t}" '
        f'stale="{format_time(now_ns + 20 * _S)}" how="h-g-i-g-o"><point lat="0.0" '
        'lon="0.0" hae="0.0" ce="9999999.0" le="9999999.0"/><detail/></event>'
    ).encode()


def _key(item: Track | Alert | Incident) -> str:
    return f"{type(item).__name__}:{item.id}"


def _version(item: Track | Alert | Incident) -> int:
    return item.updated_ns if isinstance(item, Incident) else item.time_ns


class FederationLink:
    """One link out to a partner's TAK server (module docstring)."""

    def __init__(self, hub: TakClients, name: str, link: PartnerLink, data_root: Path) -> None:
        self.hub = hub
        self.name = name
        self.link = link
        self.data_root = data_root
        self.user = f"federation:{name}"
        self.state: State = "connecting"
        self.connected_since_ns: int | None = None
        self.counts = _Counts()
        self._outbox: deque[bytes] = deque()
        self._ready = asyncio.Event()
        self._sent: dict[str, int] = {}  # item key -> the version queued on this connection
        self.joint = JointPatrols(self)  # the partner's patrols in, proposals out

    def snapshot(self) -> LinkState:
        """The link now."""
        c = self.counts
        return LinkState(
            name=self.name,
            partner=self.link.partner,
            host=self.link.host,
            port=self.link.port,
            tls=self.link.tls,
            state=self.state,
            connected_since_ns=self.connected_since_ns,
            connects=c.connects,
            failures=dict(c.failures),
            last_error=c.last_error,
            released=c.released,
            withheld_now=c.withheld_now,
            outbox_full=c.outbox_full,
            release_errors=c.release_errors,
            queued_events=len(self._outbox),
            sent_events=c.sent_events,
            sent_bytes=c.sent_bytes,
            lost_events=c.lost_events,
            received_bytes=c.received_bytes,
            patrols_taken=self.joint.taken,
            patrols=len(self.joint.uids),
            refused=dict(self.joint.refused),
            unused=dict(self.joint.unused),
            proposals=self.joint.proposals,
            replies=self.joint.replies,
        )

    async def run(self) -> None:
        """Connect, stream, and on any failure wait (doubling) and connect again, until
        cancelled."""
        wait = self.link.backoff_min_s
        while True:
            self.state = "connecting"
            try:
                await self._session()
            except _ClosedError as exc:
                reason, detail = exc.reason, str(exc)
            except (OSError, ssl.SSLError, TimeoutError) as exc:
                reason, detail = _reason(exc), f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a bug ends this connection, never the link or CoT out
                log.exception("federation %s: session failed", self.name)
                reason, detail = "error", f"{type(exc).__name__}: {exc}"
            if self.connected_since_ns is not None:
                wait = self.link.backoff_min_s  # it had worked: start the back-off again
            self._ended(reason, detail)
            self.state = "waiting"
            await asyncio.sleep(wait)
            wait = min(wait * 2.0, self.link.backoff_max_s)

    def _ended(self, reason: str, detail: str) -> None:
        c = self.counts
        if c.last_error != detail or self.connected_since_ns is not None:
            # Transitions, not repetitions (STYLE.md §2): one line per change of fortune.
            log.warning("federation %s to %s: %s", self.name, self.link.partner, detail)
        c.failures[reason] += 1
        c.last_error = detail
        c.lost_events += len(self._outbox)
        self._outbox.clear()
        self._sent.clear()
        self.connected_since_ns = None

    async def _session(self) -> None:
        link = self.link
        tls = link_ssl_context(link, self.data_root) if link.tls else None
        async with asyncio.timeout(max(link.write_timeout_s, 5.0)):
            reader, writer = await asyncio.open_connection(
                link.host, link.port, ssl=tls, limit=1 << 20
            )
        try:
            self.state = "connected"
            self.connected_since_ns = self.hub.service.clock()
            self.counts.connects += 1
            log.info("federation %s to %s: connected", self.name, link.partner)
            self._outbox.append(_hello(link, self.name, self.hub.service.clock()))
            self._ready.set()
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._read(reader))
                tasks.create_task(self._write(writer))
                tasks.create_task(self._release_every())
                tasks.create_task(self._keepalive())
        except* _ClosedError as group:
            raise group.exceptions[0] from None
        except* (OSError, ssl.SSLError) as group:
            exc = group.exceptions[0]
            raise _ClosedError(_reason(exc), f"{type(exc).__name__}: {exc}") from None
        finally:
            writer.transport.abort()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        link, joint = self.link, self.joint
        framer = Framer(link.max_message_bytes)
        rate = ByteRate(link.max_bytes_per_s, asyncio.get_running_loop().time)
        joint.bad = 0
        while True:
            data = await reader.read(65536)
            if not data:
                raise _ClosedError("closed_by_server", "the partner's server closed the connection")
            self.counts.received_bytes += len(data)
            wait = rate.spend(len(data))
            if wait > 0:  # faster than max_bytes_per_s: read later (TCP slows the server)
                joint.refused["max_bytes_per_s"] += 1
                await asyncio.sleep(wait)
            try:
                await joint.take(framer.feed(data))
            except RejectedError as exc:  # `abusive`: that many bad events in a row
                raise _ClosedError(exc.code, exc.reason) from None
            if framer.broken is not None:
                joint.refused[framer.broken.code] += 1
                raise _ClosedError("oversized", framer.broken.reason)

    async def _write(self, writer: asyncio.StreamWriter) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            if not self._outbox:
                continue
            chunk = b"".join(self._outbox)
            count = len(self._outbox)
            self._outbox.clear()
            writer.write(chunk)
            try:
                async with asyncio.timeout(self.link.write_timeout_s):
                    await writer.drain()
            except TimeoutError:
                self.counts.lost_events += count
                raise _ClosedError("write_stalled", "the partner's server took no data") from None
            self.counts.sent_events += count
            self.counts.sent_bytes += len(chunk)

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self.link.keepalive_s)
            self._queue([_ping(self.hub.service.clock())])

    async def _release_every(self) -> None:
        while True:
            if self.hub.exchange is not None:  # bound by the API's app when it starts
                try:
                    await self.release_now()
                except Exception:  # the ledger refused (a full disk): nothing goes out
                    self.counts.release_errors += 1
                    log.exception("federation %s: nothing released", self.name)
            await asyncio.sleep(self.link.every_s)

    async def release_now(self) -> None:
        """One look: what the policy releases now of what changed, recorded, then queued."""
        exchange = self.hub.exchange
        assert exchange is not None
        engine = self.hub.service.engine
        items: list[Track | Alert | Incident] = [
            *engine.tracks.values(),
            *engine.incidents.values(),
            *engine.alerts.values(),
        ]
        present = {_key(i) for i in items}
        for gone in [k for k in self._sent if k not in present]:
            del self._sent[gone]  # bounded by the picture, not by the day
        fresh = [i for i in items if self._sent.get(_key(i)) != _version(i)]
        if not fresh:
            self.counts.withheld_now = 0
            return
        room = self.link.outbox_events - len(self._outbox)
        if room <= 0:
            self.counts.outbox_full += 1
            return
        released = await asyncio.to_thread(
            partner_events,
            exchange,
            self.link.partner,
            fresh,
            self.hub.service.clock(),
            user=self.user,
            limit=room,
            # `access` alone carries the handling: FreeTAKServer 2.2.1 drops an event with
            # CoT 2.0's `caveat` or `releasableTo` (its event model has no such field).
            extended=False,
        )
        if len(released) >= room:
            self.counts.outbox_full += 1
        for r, _ in released:
            item = r.item  # the same id and times as the picture's (coarsened, stripped)
            if isinstance(item, Track | Alert | Incident):
                self._sent[_key(item)] = _version(item)
        self.counts.released += len(released)
        self.counts.withheld_now = len(fresh) - len(released)
        self._queue([xml for _, xml in released])

    def send(self, events: Sequence[bytes]) -> bool:
        """Queue `events` (already released and recorded) on the connection; False if there
        is none now."""
        if self.state != "connected":
            return False
        self._queue(events)
        return True

    def _queue(self, events: Sequence[bytes]) -> None:
        if events and self.state == "connected":
            self._outbox.extend(events)
            self._ready.set()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "tls_verify"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "reset"
    return "os_error"


class Federation:
    """Every partner link of the service, run beside CoT out (`TakClients.run`)."""

    def __init__(self, hub: TakClients, links: dict[str, PartnerLink], data_root: Path) -> None:
        self.links = [FederationLink(hub, n, link, data_root) for n, link in links.items()]

    def states(self) -> list[LinkState]:
        """Each link now."""
        return [link.snapshot() for link in self.links]

    async def run(self) -> None:
        """Run every link until cancelled (each link survives its own failures)."""
        if not self.links:
            return
        async with asyncio.TaskGroup() as tasks:
            for link in self.links:
                tasks.create_task(link.run(), name=f"federation-{link.name}")
