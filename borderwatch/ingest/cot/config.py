"""Settings of the CoT adapter, parsed once into a frozen Struct; `check` binds the ports.

A port of 0 asks the system for a free one (tests); `None` turns that listener off.
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

__all__ = ["CotSettings", "check", "parse_settings"]

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(gt=0.0, le=86_400.0)]


class CotSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where to listen and how much any one client may cost us."""

    host: str = "0.0.0.0"
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
    # Disconnect: nothing received for this long (ATAK pings every ~5 s when idle).
    idle_timeout_s: Seconds = 300.0
    # Disconnect: an incomplete message held this long (slowloris).
    partial_timeout_s: Seconds = 10.0
    # Disconnect: this many bad messages in a row (a good one resets the count).
    max_consecutive_bad: Positive = 20
    max_connections: Positive = 1000
    tls_handshake_timeout_s: Seconds = 10.0
    # A pong or other reply the client does not read within this is a stalled client.
    write_timeout_s: Seconds = 10.0
    # close() lets connections hand queued messages to the sink for at most this long.
    shutdown_timeout_s: Seconds = 5.0
    # Agency of a patrol whose self-report does not say (ATAK's never does).
    default_agency: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] = DEFAULT_AGENCY


def parse_settings(raw: Mapping[str, Any], source: str = "ingest.cot") -> CotSettings:
    """Settings from a mapping (a TOML table); `ConfigError` names the bad field."""
    try:
        return msgspec.convert(dict(raw), type=CotSettings)
    except msgspec.ValidationError as exc:
        raise ConfigError(source, str(exc)) from exc


def check(settings: CotSettings) -> None:
    """Bind every configured port once and release it; `ConfigError` if one cannot be had."""
    wanted = (
        ("tcp_port", settings.tcp_port, socket.SOCK_STREAM),
        ("tls_port", settings.tls_port, socket.SOCK_STREAM),
        ("udp_port", settings.udp_port, socket.SOCK_DGRAM),
    )
    for name, port, kind in wanted:
        if port is None:
            continue
        try:
            infos = socket.getaddrinfo(settings.host, port, type=kind, flags=socket.AI_PASSIVE)
            family, _, _, _, address = infos[0]
            with socket.socket(family, kind) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(address)
        except OSError as exc:
            raise ConfigError(
                f"ingest.cot.{name}", f"cannot bind {settings.host}:{port}: {exc}"
            ) from exc
