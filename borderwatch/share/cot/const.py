"""Constants of Cursor on Target out: the types we write, how long each stays fresh."""

from __future__ import annotations

from typing import Final

__all__ = [
    "CHAT_TYPE",
    "DELETE_TYPE",
    "EMERGENCY_CANCEL_TYPE",
    "EMERGENCY_TYPE",
    "MARKER_TYPE",
    "ROUTE_TYPE",
    "SERVER_CALLSIGN",
    "SERVER_UID",
    "TRACK_TYPES",
]

# MIL-STD-2525 atoms by (affiliation, class), the same choice as the console's symbols
# (web/src/symbols.ts): a person or vehicle at the berm is suspect until an operator says
# otherwise, an animal neutral, an unclassified track unknown, our own patrols friendly.
# Dismounted: G-U-C-I (ground unit, combat, infantry); vehicle: G-E-V (ground equipment).
TRACK_TYPES: Final[dict[str, str]] = {
    "person": "a-s-G-U-C-I",
    "vehicle": "a-s-G-E-V",
    "animal": "a-n-G",
    "unknown": "a-u-G",
    "friendly": "a-f-G-U-C",
}
MARKER_TYPE: Final = "b-m-p-s-m"  # ATAK's spot-map marker: alerts and incidents
ROUTE_TYPE: Final = "b-m-r"  # a route: checkpoints in order
CHAT_TYPE: Final = "b-t-f"  # GeoChat
DELETE_TYPE: Final = "t-x-d-d"  # delete the item named in <link uid=...>
EMERGENCY_TYPE: Final = "b-a-o-tbl"  # ATAK's "911" emergency
EMERGENCY_CANCEL_TYPE: Final = "b-a-o-can"

# Who the operations room is on the TAK side (chat sender, link parent).
SERVER_UID: Final = "borderwatch-ops"
SERVER_CALLSIGN: Final = "OPS"
