"""Who may speak for what: every inbound message checked against the identity that sent it.

An adapter names the connection or account a batch came from (`Sink.accept`'s `source`); that
name is the only identity a message has, and this module decides whether it may say what it
says. The principals, by the source's prefix:

    tls:<CN>     a client certificate from our CA (checked in the handshake). CN = a sensor id
                 speaks only as that sensor; CN = an ATAK device's callsign only as that patrol
                 (its position reports and its sightings); a CN with a grant, as a gateway.
                 A partner's device (OU `partner:<iso2>`) reports its patrol as the partner's,
                 in its namespace (`ly/<CN>`), and no other device reports a partner's
                 (`device_patrol`, applied by the CoT listener to every self-report).
    http:<user>  a gateway account's bearer token: only for what its grant lists (an account
                 without a grant may post nothing), or as the one sensor named like it.
    tcp:<ip>:<port>, udp:<ip>
                 the plain CoT ports: no identity at all. They carry only the legacy sensors
                 the operator listed (`plain.sensors`), and never a patrol's report: a patrol
                 makes tracks friendly, so its word needs a certificate. The one exception,
                 `plain.loopback_patrols`, is for the embedded twin of `borderwatch run --twin`
                 (a simulation on one machine), and holds only for 127.0.0.0/8 and ::1.
    federation:<link>
                 a link out to a partner's TAK server (`service.federation`), authenticated by
                 the partner's server certificate: only for that partner's own patrols, each
                 with the partner's agency and a call sign in the partner's namespace
                 (`partner_callsign`: `ly/<callsign>` for `partner:ly`), so a partner can
                 never speak as one of our patrols or another partner's.
    anything else
                 in-process callers (tests, tools replaying a run): no network listener makes
                 such a source, so they are trusted.

A refusal is a `RejectedError` with a code of its own (`identity_mismatch`, `unauthenticated`,
`unlisted_sensor`), counted by the adapter like any other; `Speakers` also counts it per
principal, writes one line to the `borderwatch.security` log per principal and code per
minute, and keeps what was refused since the last `drain` for the audit trail (the service
logs one `ingest_refused` action per principal and code every few seconds), so an attack
shows up in both without one line per spoofed message.

The policy is a file an admin keeps beside the data (`DATA/identity.toml`, read at start):

    [plain]
    sensors = ["T12-U3"]          # legacy sensors on the plain ports ("*": every known one)
    loopback_patrols = false

    [grants.gw-south]             # a gateway: an account name or a certificate's CN
    sectors = ["S02", "S03"]      # every fixed sensor in these sectors
    sensors = ["T40-L"]           # and these sensors or patrol callsigns ("*": all)
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.ingest.base import Inbound, RejectedError
from borderwatch.messages import Patrol

__all__ = [
    "ANY",
    "BAD_CALLSIGN",
    "IDENTITY_MISMATCH",
    "UNAUTHENTICATED",
    "UNLISTED_SENSOR",
    "Grant",
    "IdentityPolicy",
    "PlainPolicy",
    "Speakers",
    "device_patrol",
    "load_policy",
    "partner_callsign",
]

ANY = "*"
IDENTITY_MISMATCH = "identity_mismatch"  # an authenticated identity speaking for another
UNAUTHENTICATED = "unauthenticated"  # a patrol's report from a port without identity
UNLISTED_SENSOR = "unlisted_sensor"  # a plain port carrying a sensor not listed for it
BAD_CALLSIGN = "bad_callsign"  # a partner's call sign that cannot be named in its namespace

_security_log = logging.getLogger("borderwatch.security")
_LOG_INTERVAL_S = 60.0
_MAX_PRINCIPALS = 10_000  # refusal counters kept per principal before the quietest are dropped
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Grant(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What a gateway may speak for: fixed sensors of these sectors, and these sensor ids or
    patrol callsigns (`*` in `sensors`: everything, for a trusted relay)."""

    sectors: frozenset[Name] = frozenset()
    sensors: frozenset[Name] = frozenset()


class PlainPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the unauthenticated CoT ports may carry (by default: nothing)."""

    sensors: frozenset[Name] = frozenset()
    loopback_patrols: bool = False


class IdentityPolicy(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole policy: the plain ports' allowance and the gateways' grants by name."""

    plain: PlainPolicy = PlainPolicy()
    grants: dict[Name, Grant] = {}


def load_policy(path: Path) -> IdentityPolicy:
    """The policy in `path` (TOML); the default (plain ports carry nothing, no gateways) if the
    file does not exist. `ConfigError` names a bad field."""
    if not path.exists():
        return IdentityPolicy()
    try:
        raw: Any = tomllib.loads(path.read_text())
        return msgspec.convert(raw, type=IdentityPolicy)
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ConfigError(str(path), str(exc)) from exc
    except msgspec.ValidationError as exc:
        raise ConfigError(str(path), str(exc)) from exc


_CALLSIGN_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")


def partner_callsign(partner: str, callsign: str) -> str:
    """A partner's patrol's call sign in the partner's namespace: `ly/LY-P1` for `partner:ly`
    (characters an `Id` cannot hold become `_`). `RejectedError` (`bad_callsign`) if there
    is none, or if it would be longer than an `Id` (64)."""
    prefix = partner.removeprefix("partner:") + "/"
    name = _CALLSIGN_UNSAFE.sub("_", callsign.strip())
    if not name or len(prefix) + len(name) > 64:
        raise RejectedError(
            BAD_CALLSIGN, "$.detail.contact.callsign", f"{callsign!r}: empty or too long"
        )
    return prefix + name


def device_patrol(p: Patrol, agency: str) -> Patrol:
    """A device's self-report as its connection's agency (its certificate's OU) has it: a
    partner's device (`partner:<iso2>`) reports its own patrol, in the partner's namespace,
    whatever agency the event claims; no other connection may report a partner's patrol
    (`identity_mismatch`, naming the field)."""
    if agency.startswith("partner:"):
        callsign = partner_callsign(agency, p.callsign)
        return msgspec.structs.replace(p, agency=agency, callsign=callsign)
    if p.agency.startswith("partner:"):
        reason = f"only a {p.agency} certificate reports a patrol of {p.agency}"
        raise RejectedError(IDENTITY_MISMATCH, "$.detail._borderwatch_.agency", reason)
    return p


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _speaks_as(m: Inbound) -> tuple[str, bool]:
    """(the identity `m` claims, whether it is a patrol's: a position or a sighting)."""
    if isinstance(m, Patrol):
        return m.callsign, True
    return m.sensor_id, m.kind == "patrol_report"


class Speakers:
    """The policy applied: `check` refuses a message its source may not send."""

    def __init__(
        self,
        policy: IdentityPolicy,
        sector_of: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.monotonic,
        links: Mapping[str, str] | None = None,
    ) -> None:
        """`sector_of`: each fixed sensor's sector (for grants by sector); `links`: each
        partner link's partner agency, by the link's name (`federation:<name>` sources)."""
        self.policy = policy
        self.sector_of = sector_of
        self.links = dict(links or {})
        self.refused: Counter[tuple[str, str]] = Counter()  # (principal, code)
        self._clock = clock
        self._logged: dict[tuple[str, str], float] = {}
        self._last: Inbound | None = None
        self._pending: dict[tuple[str, str], tuple[int, str]] = {}  # (count, a reason)

    def drain(self) -> list[tuple[str, str, int, str]]:
        """The refusals since the last call: (principal, code, how many, one reason)."""
        out = [(p, c, n, r) for (p, c), (n, r) in self._pending.items()]
        self._pending = {}
        return out

    def check(self, m: Inbound, where: str, source: str) -> None:
        """Raise `RejectedError` if `source` may not send `m` (`where`: its JSON path)."""
        kind, _, rest = source.partition(":")
        name, patrol = _speaks_as(m)
        field = f"{where}.callsign" if isinstance(m, Patrol) else f"{where}.sensor_id"
        if kind in ("tls", "http"):
            if name == rest or self._granted(rest, name, patrol):
                return
            if (
                kind == "tls"
                and isinstance(m, Patrol)
                and m.agency.startswith("partner:")
                and name == partner_callsign(m.agency, rest)
            ):
                return  # a partner's device, as its own patrol (`device_patrol`)
            who = "certificate" if kind == "tls" else "gateway account"
            reason = f"{who} {rest!r} may not speak for {name!r}"
            self._refuse(m, source, IDENTITY_MISMATCH, field, reason)
        if kind == "federation":
            partner = self.links.get(rest)
            if partner is None:
                self._refuse(m, source, IDENTITY_MISMATCH, field, f"no partner link {rest!r}")
            elif not isinstance(m, Patrol):
                self._refuse(
                    m, source, IDENTITY_MISMATCH, f"{where}.sensor_id",
                    f"partner link {rest!r} may carry only its partner's patrols, not {name!r}",
                )  # fmt: skip
            elif m.agency != partner or not name.startswith(partner_callsign(partner, "x")[:-1]):
                reason = (
                    f"partner link {rest!r} ({partner}) may not speak for {name!r} of {m.agency}"
                )
                self._refuse(m, source, IDENTITY_MISMATCH, field, reason)
            return
        if kind in ("tcp", "udp"):
            host = rest.rpartition(":")[0] if kind == "tcp" else rest
            if patrol:
                if self.policy.plain.loopback_patrols and _is_loopback(host):
                    return
                self._refuse(
                    m,
                    source,
                    UNAUTHENTICATED,
                    field,
                    f"a patrol's report ({name!r}) needs its device's certificate (TLS port)",
                )
            allowed = self.policy.plain.sensors
            if ANY not in allowed and name not in allowed:
                self._refuse(
                    m,
                    source,
                    UNLISTED_SENSOR,
                    field,
                    f"{name!r} is not a sensor listed for the plain (unauthenticated) ports",
                )

    def _granted(self, principal: str, name: str, patrol: bool) -> bool:
        grant = self.policy.grants.get(principal)
        if grant is None:
            return False
        if ANY in grant.sensors or name in grant.sensors:
            return True
        return not patrol and self.sector_of.get(name) in grant.sectors

    def _refuse(self, m: Inbound, source: str, code: str, field: str, reason: str) -> None:
        # The CoT transport retries a refused batch one message at a time: the same message
        # refused again straight after is one refusal, not two.
        again, self._last = self._last is m, m
        if again:
            raise RejectedError(code, field, reason)
        if source.startswith("tcp:"):
            source = source.rpartition(":")[0]  # the address, not each new port
        if len(self._logged) >= _MAX_PRINCIPALS:  # bounded, whoever the attacker pretends to be
            self._logged.clear()
            self.refused = Counter(dict(self.refused.most_common(_MAX_PRINCIPALS // 2)))
        self.refused[source, code] += 1
        key, now = (source, code), self._clock()
        if key in self._pending or len(self._pending) < _MAX_PRINCIPALS:
            self._pending[key] = (self._pending.get(key, (0, reason))[0] + 1, reason)
        last = self._logged.get(key)
        if last is None or now - last >= _LOG_INTERVAL_S:
            self._logged[key] = now
            _security_log.warning(
                "refused %s from %s: %s (%d so far)", code, source, reason, self.refused[key]
            )
        raise RejectedError(code, field, reason)
