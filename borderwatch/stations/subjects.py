"""What stations and the operations room agree on: stream and subject names, message ids and
headers.

- A station `station-a` has the stream `STATION_A` (on its own leaf node, JetStream domain
  `station-a`) with the subjects `bw.station-a.>`: `bw.station-a.batch` for the bundles of
  wire messages its ingest took in (`stations.bundle`, each numbered `Bw-First`, `Bw-Count`
  in the station's own sequence), `bw.station-a.clock` for clock ticks. The room still takes
  one wire message per JetStream message on `bw.station-a.in.<sector>` (the first version).
- The operations room has the stream `BORDER` (3 replicas on the cluster), which sources
  every station's stream through the station's domain API: when a link is cut, the source
  waits; when it heals, it resumes where it stopped. Nothing is copied by our code.
- Every message carries `Nats-Msg-Id` (JetStream de-duplicates a re-sent message in its
  duplicate window), `Bw-Station` and `Bw-Arrived` (the station's arrival clock, ns, of its
  last message: the engine's clock at the station and in the operations room alike). Each
  message inside a bundle keeps its sender's own id and arrival time: the room drops a
  message it has seen by that id, whichever bundle brought it.
- A station speaks only for itself: `Bw-Station` is what the station says; `BORDER` holds
  what it sourced with `Nats-Stream-Source` naming the station's stream, written by the
  room's JetStream. A message whose source is not its `Bw-Station`'s stream (station-a's
  stream carrying a bundle "from station-b") is refused and counted by the room and its
  workers (`impersonations`, named `station-a as station-b`).
"""

from __future__ import annotations

import re

from borderwatch.messages import Detection, Patrol, SensorStatus

__all__ = [
    "ARRIVED",
    "BEFORE",
    "BORDER_STREAM",
    "COUNT",
    "FIRST",
    "KEYS",
    "MSG_ID",
    "SOURCE",
    "STATION",
    "batch_subject",
    "check_station_name",
    "clock_subject",
    "in_subject",
    "message_id",
    "source_stream",
    "station_stream",
]

BORDER_STREAM = "BORDER"
MSG_ID = "Nats-Msg-Id"
STATION = "Bw-Station"
ARRIVED = "Bw-Arrived"
FIRST = "Bw-First"  # a bundle's first message, in the station's own numbering
COUNT = "Bw-Count"  # how many messages the bundle holds
# On a PICTURE message (`stations.workers`): every output of a scene before this time (ns)
# is published; and each of its tracks' latest evidence keys, a JSON list of lists in the
# order of its tracks (`stations.handover`: how a neighbour takes a track's name).
BEFORE = "Bw-Before"
KEYS = "Bw-Keys"
SOURCE = "Nats-Stream-Source"  # set by JetStream on each message it sources into BORDER
# A station's name is its JetStream domain and part of its subjects: keep it to what both allow.
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
# How long JetStream remembers ids to de-duplicate (s): longer than any sender retries.
DUPLICATE_WINDOW_S = 3600.0


def source_stream(headers: dict[str, str]) -> str | None:
    """The stream a message of `BORDER` was sourced from, as JetStream wrote it on the way in
    (`Nats-Stream-Source: STATION_A:<hash> <seq> ...`), or None if it says none. JetStream,
    not the station, writes it: a station controls its own stream's messages, headers and
    subjects, never which of `BORDER`'s sources it is."""
    value = headers.get(SOURCE)
    if not value:
        return None
    return value.split(" ", 1)[0].split(":", 1)[0]


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


def batch_subject(station: str) -> str:
    """Where the station's ingest publishes its bundles."""
    return f"bw.{station}.batch"


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
