"""Settings of the CoT adapter, parsed once into a frozen Struct; `check` binds the ports.

A port of 0 asks the system for a free one (tests); `None` turns that listener off. The plain
(unauthenticated) TCP and UDP ports listen on `plain_host`, loopback unless an operator opens
them on purpose, and take only `plain_networks`; the mutual-TLS port listens on `host`. The
limits are explained in `limits.py`; each refusal is counted under the setting's name.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from borderwatch.errors import ConfigError
from borderwatch.ingest.cot.const import (
    DEFAULT_AGENCY,
    MAX_MESSAGE_BYTES,
    PORT_TCP,
    PORT_TLS,
    PORT_UDP,
)
from borderwatch.ingest.cot.limits import Networks

__all__ = ["CotSettings", "check", "parse_settings"]

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(gt=0.0, le=86_400.0)]


class CotSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where to listen and how much any one client may cost us."""

    host: str = "0.0.0.0"
    # The unauthenticated ports: this machine only, unless opened for legacy sensors.
    plain_host: str = "127.0.0.1"
    plain_networks: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    tcp_port: Port | None = PORT_TCP
    udp_port: Port | None = PORT_UDP
    tls_port: Port | None = PORT_TLS
    # One message at most (a stream cannot resync past an oversized frame: disconnect).
    max_message_bytes: Annotated[int, msgspec.Meta(ge=1024, le=16 * 1024 * 1024)] = (
        MAX_MESSAGE_BYTES
    )
    # Decoded messages waiting for the sink, per connection (and for all of UDP).
    queue_size: Positive = 2000
    # A drain hands the sink up to `batch_max` messages, waiting up to `batch_linger_ms`
    # after the first for more.
    batch_max: Positive = 500
    batch_linger_ms: Annotated[float, msgspec.Meta(ge=0.0, le=1000.0)] = 2.0
    # Disconnect: no whole message (a ping counts) for this long; bytes alone (padding) do
    # not count (ATAK pings every ~5 s when idle).
    idle_timeout_s: Seconds = 300.0
    # Disconnect: an incomplete message held this long (slowloris).
    partial_timeout_s: Seconds = 10.0
    # Disconnect: this many bad messages in a row (a good one resets the count).
    max_consecutive_bad: Positive = 20
    # Per listener (plain TCP and TLS each have their own).
    max_connections: Positive = 1000
    # Per listener and source address (`run --twin` streams ~100 sensors from loopback).
    max_connections_per_source: Positive = 128
    # TLS connections still in their handshake; the rest is for authenticated sensors. Per
    # source, room for a gateway's sensors reconnecting at once behind one address.
    max_tls_handshakes: Positive = 256
    max_tls_handshakes_per_source: Positive = 64
    # Authenticated TLS connections of one certificate (a device reconnecting, not a fleet).
    max_connections_per_identity: Positive = 4
    # Read from one connection at most this fast; a faster sender is slowed, not cut.
    max_bytes_per_s: Annotated[int, msgspec.Meta(ge=4096)] = 2_000_000
    tls_handshake_timeout_s: Seconds = 10.0
    # How often the CA's revocation list is looked at (open connections of a newly revoked
    # certificate are dropped within this).
    revocation_check_s: Seconds = 1.0
    # A pong or other reply the client does not read within this is a stalled client.
    write_timeout_s: Seconds = 10.0
    # What waits to be sent to one TAK client (its picture, its tasking), at most: a client
    # that reads slower than this lets pile up is dropped (`peers.SLOW_READER`) and starts
    # over when it reconnects; it never holds memory or slows anyone else.
    out_queue_bytes: Annotated[int, msgspec.Meta(ge=64 * 1024)] = 4 * 1024 * 1024
    # close() lets connections hand queued messages to the sink for at most this long.
    shutdown_timeout_s: Seconds = 5.0
    # Agency of a patrol whose self-report does not say (ATAK's never does).
    default_agency: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] = DEFAULT_AGENCY


def parse_settings(raw: Mapping[str, Any], source: str = "ingest.cot") -> CotSettings:
    """Settings from a mapping (a TOML table); `ConfigError` names the bad field."""
    try:
        settings = msgspec.convert(dict(raw), type=CotSettings)
        Networks(settings.plain_networks)
    except msgspec.ValidationError as exc:
        raise ConfigError(source, str(exc)) from exc
    except ValueError as exc:
        raise ConfigError(f"{source}.plain_networks", str(exc)) from exc
    return settings


def check(settings: CotSettings) -> None:
    """Bind every configured port once and release it; `ConfigError` if one cannot be had."""
    wanted = (
        ("tcp_port", settings.plain_host, settings.tcp_port, socket.SOCK_STREAM),
        ("tls_port", settings.host, settings.tls_port, socket.SOCK_STREAM),
        ("udp_port", settings.plain_host, settings.udp_port, socket.SOCK_DGRAM),
    )
    for name, host, port, kind in wanted:
        if port is None:
            continue
        try:
            infos = socket.getaddrinfo(host, port, type=kind, flags=socket.AI_PASSIVE)
            family, _, _, _, address = infos[0]
            with socket.socket(family, kind) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(address)
        except OSError as exc:
            raise ConfigError(f"ingest.cot.{name}", f"cannot bind {host}:{port}: {exc}") from exc
