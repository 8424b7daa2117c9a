"""What one client, one address or one listener may cost us, counted so an attacker cannot
spend what the sensors need.

- Each listener (plain TCP, TLS) has its own `max_connections`: idle plain connections can
  never take the slots of the authenticated sensors on the TLS port.
- Per source address and listener, at most `max_connections_per_source`.
- On the TLS port, connections still in their handshake (not yet proven to hold one of our
  certificates) may hold at most `max_tls_handshakes` slots, `max_tls_handshakes_per_source`
  from one address: the rest of `max_connections` is reserved for authenticated sensors.
- An authenticated identity (a certificate's CN) holds at most `max_connections_per_identity`:
  a stolen device cannot fill the port either.
- Plain listeners take connections and datagrams only from `plain_networks`.
- Each connection reads at most `max_bytes_per_s` (a token bucket of one second's bytes): a
  faster sender is read more slowly, and TCP's flow control slows it down.

Every refusal is a reason counted by `IngestStats` (`count_limit`), named after the setting.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = ["ByteRate", "ConnectionGate", "Networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Networks:
    """A list of networks; `allows(host)` for a peer's address (a non-address: never)."""

    def __init__(self, cidrs: Sequence[str]) -> None:
        self.networks: tuple[Network, ...] = tuple(ipaddress.ip_network(c) for c in cidrs)

    def allows(self, host: str) -> bool:
        """Whether `host` is in one of the networks."""
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in n for n in self.networks)


@dataclass
class ConnectionGate:
    """The connections one listener holds, by source and (TLS) by state and identity."""

    max_connections: int
    max_per_source: int
    max_handshakes: int = 0
    max_handshakes_per_source: int = 0
    max_per_identity: int = 0
    open: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    handshakes: int = 0
    handshakes_by_source: Counter[str] = field(default_factory=Counter)
    by_identity: Counter[str] = field(default_factory=Counter)

    def enter(self, host: str) -> str | None:
        """Take a slot for a connection from `host`; the limit's name if there is none."""
        if self.open >= self.max_connections:
            return "max_connections"
        if self.by_source[host] >= self.max_per_source:
            return "max_connections_per_source"
        self.open += 1
        self.by_source[host] += 1
        return None

    def leave(self, host: str) -> None:
        """Give back the slot `enter` took."""
        self.open -= 1
        _discount(self.by_source, host)

    def start_handshake(self, host: str) -> str | None:
        """A TLS connection begins its handshake; the limit's name if it may not."""
        if self.handshakes >= self.max_handshakes:
            return "max_tls_handshakes"
        if self.handshakes_by_source[host] >= self.max_handshakes_per_source:
            return "max_tls_handshakes_per_source"
        self.handshakes += 1
        self.handshakes_by_source[host] += 1
        return None

    def end_handshake(self, host: str) -> None:
        """The handshake is over (done or failed)."""
        self.handshakes -= 1
        _discount(self.handshakes_by_source, host)

    def claim(self, identity: str) -> str | None:
        """An authenticated connection of `identity`; the limit's name if it has too many."""
        if self.by_identity[identity] >= self.max_per_identity:
            return "max_connections_per_identity"
        self.by_identity[identity] += 1
        return None

    def release(self, identity: str) -> None:
        """That connection ended."""
        _discount(self.by_identity, identity)


def _discount(counter: Counter[str], key: str) -> None:
    # Keys at zero are deleted: the counters stay as small as the connections open.
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


class ByteRate:
    """A token bucket of `per_s` bytes a second, holding at most one second's worth."""

    __slots__ = ("_at", "_clock", "_per_s", "_tokens")

    def __init__(self, per_s: int, clock: Callable[[], float]) -> None:
        self._per_s = float(per_s)
        self._tokens = float(per_s)
        self._clock = clock
        self._at = clock()

    def spend(self, n: int) -> float:
        """Take `n` bytes; the seconds to wait before reading more (0: none)."""
        now = self._clock()
        self._tokens = min(self._per_s, self._tokens + (now - self._at) * self._per_s)
        self._at = now
        self._tokens -= n
        return 0.0 if self._tokens >= 0 else -self._tokens / self._per_s
