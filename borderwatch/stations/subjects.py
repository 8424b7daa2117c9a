"""What stations and the operations room agree on: stream and subject names, message ids and
headers.

- A station `station-a` has the stream `STATION_A` (on its own leaf node, JetStream domain
  `station-a`) with the subjects `bw.station-a.>`: `bw.station-a.in.<sector>` for the wire
  messages its ingest took in, `bw.station-a.clock` for its clock ticks.
- The operations room has the stream `BORDER` (3 replicas on the cluster), which sources
  every station's stream through the station's domain API: when a link is cut, the source
  waits; when it heals, it resumes where it stopped. Nothing is copied by our code.
- Every message carries `Nats-Msg-Id` (JetStream de-duplicates a re-sent message in its
  duplicate window; the operations room again, by id, for ever), `Bw-Station` and
  `Bw-Arrived` (the station's arrival clock, ns: the engine's clock at the station and in
  the operations room alike).
"""

from __future__ import annotations

import re

from borderwatch.messages import Detection, Patrol, SensorStatus

__all__ = [
    "ARRIVED",
    "BORDER_STREAM",
    "MSG_ID",
    "STATION",
    "check_station_name",
    "clock_subject",
    "in_subject",
    "message_id",
    "station_stream",
]

BORDER_STREAM = "BORDER"
MSG_ID = "Nats-Msg-Id"
STATION = "Bw-Station"
ARRIVED = "Bw-Arrived"
# A station's name is its JetStream domain and part of its subjects: keep it to what both allow.
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
# How long JetStream remembers ids to de-duplicate (s): longer than any sender retries.
DUPLICATE_WINDOW_S = 3600.0


def check_station_name(name: str) -> str:
    """`name` if it can name a station (lower-case letters, digits, dashes), else ValueError."""
    if not _NAME.match(name):
        raise ValueError(f"station name {name!r}: use lower-case letters, digits and dashes")
    return name


def station_stream(station: str) -> str:
    """The station's stream: `station-a` -> `STATION_A`."""
    return station.upper().replace("-", "_")


def in_subject(station: str, sector: str) -> str:
    """Where the station's ingest publishes what it took in for `sector`."""
    return f"bw.{station}.in.{sector}"


def clock_subject(station: str) -> str:
    """Where the station publishes its clock ticks."""
    return f"bw.{station}.clock"


def message_id(message: Detection | SensorStatus | Patrol) -> str:
    """The sender's own identity of a message (its kind, source and sequence number): a
    message re-sent after a lost acknowledgement has the same id."""
    if isinstance(message, Patrol):
        return f"patrol:{message.callsign}/{message.seq}/{message.time_ns}"
    kind = "status" if isinstance(message, SensorStatus) else "det"
    return f"{kind}:{message.sensor_id}/{message.seq}"
