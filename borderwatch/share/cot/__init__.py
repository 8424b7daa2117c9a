"""Cursor on Target out, and what ATAK sends in, as pure functions (no I/O): the picture as
CoT XML or TAK protocol v1 (`encode`), and ATAK's markers, chat, emergencies and deletes as
the project's messages (`inbound`). The live connections that carry them wait for the
listeners' identities (issue 15)."""

from borderwatch.share.cot.encode import (
    alert_xml,
    chat_xml,
    delete_xml,
    incident_xml,
    patrol_xml,
    route_xml,
    tasking_xml,
    to_proto,
    track_xml,
)
from borderwatch.share.cot.inbound import (
    AtakInput,
    Deleted,
    Unused,
    decode_atak,
    decode_atak_proto,
)
from borderwatch.share.cot.outbound import ClientFilter, client_events
from borderwatch.share.cot.partner import partner_cot, partner_events

__all__ = [
    "AtakInput",
    "ClientFilter",
    "Deleted",
    "Unused",
    "alert_xml",
    "chat_xml",
    "client_events",
    "decode_atak",
    "decode_atak_proto",
    "delete_xml",
    "incident_xml",
    "partner_cot",
    "partner_events",
    "patrol_xml",
    "route_xml",
    "tasking_xml",
    "to_proto",
    "track_xml",
]
