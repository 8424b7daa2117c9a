"""Constants of the Cursor on Target / TAK adapter: ports, CoT types, limits, rejection codes."""

from __future__ import annotations

from typing import Final

__all__ = [
    "ABUSIVE",
    "BAD_PROTOBUF",
    "BAD_XML",
    "BW_ELEMENT",
    "DEFAULT_AGENCY",
    "DOMAIN",
    "DTD_FORBIDDEN",
    "MAX_MESSAGE_BYTES",
    "MESH_HEADER",
    "OVERSIZED",
    "PING_TYPE",
    "PONG_TYPE",
    "PORT_TCP",
    "PORT_TLS",
    "PORT_UDP",
    "STREAM_MAGIC",
    "TYPE_CONTROL",
    "TYPE_DETECTION",
    "TYPE_PATROL",
    "TYPE_PATROL_OUT",
    "TYPE_STATUS",
    "UNKNOWN_ERROR",
    "UNSUPPORTED_TYPE",
]

DOMAIN: Final = "cot"

# The ports TAK servers use: 8087 plain CoT (TCP and UDP), 8089 streaming over TLS.
PORT_TCP: Final = 8087
PORT_UDP: Final = 8087
PORT_TLS: Final = 8089

# A CoT event of a sensor or an ATAK device is well under 4 KiB; 64 KiB leaves room for a
# generous <detail> and still bounds what one connection can make us hold.
MAX_MESSAGE_BYTES: Final = 64 * 1024

# CoT types (MIL-STD-2525 style, dash separated), matched as a prefix on whole segments.
PING_TYPE: Final = "t-x-c-t"  # TAK keep-alive; answered, never stored
PONG_TYPE: Final = "t-x-c-t-r"
TYPE_CONTROL: Final = "t-x"  # other TAK control/tasking (pytak's hello t-x-d-d): ignored
TYPE_DETECTION: Final = "b-d"  # CoT "bits / detection"
TYPE_STATUS: Final = "a-f-G-E-S"  # friendly ground equipment, sensor: our heartbeats
TYPE_PATROL: Final = "a-f-G"  # any friendly ground atom: an ATAK self-report
TYPE_PATROL_OUT: Final = "a-f-G-U-C"  # what we write for a patrol (ATAK's default)

# Our own detail element: every field of ours that has no home in standard CoT.
BW_ELEMENT: Final = "_borderwatch_"
# CoT's "unknown" for circular and linear error.
UNKNOWN_ERROR: Final = 9999999.0

# TAK protocol v1 framing: streaming is 0xbf, a varint length, the TakMessage;
# mesh (UDP) is 0xbf 0x01 0xbf, then the TakMessage.
STREAM_MAGIC: Final = 0xBF
MESH_HEADER: Final = b"\xbf\x01\xbf"

DEFAULT_AGENCY: Final = "national_guard"

# Rejection and disconnect codes of this adapter (base has `invalid` and `refused`).
BAD_XML: Final = "bad_xml"  # not well-formed, or not an <event>
DTD_FORBIDDEN: Final = "dtd_forbidden"  # a DOCTYPE or ENTITY declaration
BAD_PROTOBUF: Final = "bad_protobuf"  # not a TAK protocol v1 message
OVERSIZED: Final = "oversized"  # a message over the size limit (the connection is closed)
UNSUPPORTED_TYPE: Final = "unsupported_type"  # a CoT type we do not take
ABUSIVE: Final = "abusive"  # too many bad messages in a row (disconnect reason)
