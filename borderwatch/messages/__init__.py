"""The wire types: what flows between sensors, the engine, operators and partners.

Every type is a frozen msgspec Struct, tagged by `type` so one JSON stream can carry them all.
Times are UTC nanoseconds since the Unix epoch (`time_ns`); positions are WGS 84 degrees; metric
quantities (covariances, ranges) are in metres. Decode and validate with `decode`/`validate`.
"""

from borderwatch.messages.action import ActionKind, OperatorAction
from borderwatch.messages.alert import Alert, AlertCategory, Priority
from borderwatch.messages.codec import (
    WireMessage,
    decode,
    decode_file,
    decode_lines,
    encode,
    encode_lines,
    schema,
    validate,
)
from borderwatch.messages.common import (
    CLASSES,
    ClassLikelihood,
    ClassName,
    GeoPoint,
    SensorKind,
)
from borderwatch.messages.detection import Detection
from borderwatch.messages.incident import Incident, IncidentState, Outcome
from borderwatch.messages.patrol import Patrol, PatrolStatus
from borderwatch.messages.status import Health, SensorStatus
from borderwatch.messages.track import Track, TrackStatus

__all__ = [
    "CLASSES",
    "ActionKind",
    "Alert",
    "AlertCategory",
    "ClassLikelihood",
    "ClassName",
    "Detection",
    "GeoPoint",
    "Health",
    "Incident",
    "IncidentState",
    "OperatorAction",
    "Outcome",
    "Patrol",
    "PatrolStatus",
    "Priority",
    "SensorKind",
    "SensorStatus",
    "Track",
    "TrackStatus",
    "WireMessage",
    "decode",
    "decode_file",
    "decode_lines",
    "encode",
    "encode_lines",
    "schema",
    "validate",
]
