"""The distributed mode: sector stations that keep working when cut off, and the operations
room on a NATS JetStream cluster (docs/architecture.md, "Deployment: stations and the room").

- `servers`: the nats-server processes (a 3-node cluster, a leaf node per station);
- `link`: a station's link to the room, a relay that can be cut and healed;
- `subjects`: stream and subject names, message ids and headers;
- `station`: a station's ingest (acknowledged once in its own stream) and its own engine;
- `merge`: the room's one order over every station's stream, by arrival clock;
- `centre`: the operations room: the `BORDER` stream, its durable consumer, one engine;
- `digest`: a picture's tracks, alerts and incidents as digests, to compare two;
- `demo`: `borderwatch demo stations`; `commands`: the command line's part.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from borderwatch.stations.centre import Centre, StationHealth
    from borderwatch.stations.merge import StationMerge
    from borderwatch.stations.station import Station

__all__ = ["Centre", "Station", "StationHealth", "StationMerge"]

# Imported on first use (PEP 562): the command line loads `stations.commands` for its
# subparsers on every command, and the NATS client with its aiohttp and TLS set-up costs
# a second or more of start that `borderwatch replay` or `report` never needs.
_WHERE = {
    "Centre": "centre",
    "StationHealth": "centre",
    "StationMerge": "merge",
    "Station": "station",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
