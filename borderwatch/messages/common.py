"""Field types shared by several messages: constrained numbers, ids, classes, points."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "CLASSES",
    "ClassLikelihood",
    "ClassName",
    "GeoPoint",
    "Id",
    "Lat",
    "Lon",
    "NonNegative",
    "Probability",
    "SensorKind",
    "TimeNs",
    "Variance",
]

# Constraints double as validation: a NaN fails every comparison, so it is rejected too.
Lat = Annotated[float, msgspec.Meta(ge=-90.0, le=90.0, description="WGS 84 latitude, degrees")]
Lon = Annotated[float, msgspec.Meta(ge=-180.0, le=180.0, description="WGS 84 longitude, degrees")]
TimeNs = Annotated[
    int,
    msgspec.Meta(ge=0, le=4_102_444_800_000_000_000, description="UTC, ns since 1970 (< 2100)"),
]
NonNegative = Annotated[float, msgspec.Meta(ge=0.0, le=1e9)]
Variance = Annotated[float, msgspec.Meta(ge=0.0, le=1e12, description="m^2")]
Probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/\-]+$")]

SensorKind = Literal["radar", "camera", "ugs", "line", "patrol_report"]
ClassName = Literal["person", "vehicle", "animal", "unknown"]
CLASSES: tuple[ClassName, ...] = ("person", "vehicle", "animal", "unknown")


# gc=False: carried by every detection and track (see `Detection`).
class ClassLikelihood(msgspec.Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """p(observation | class) from one sensor; need not sum to 1. Equal values say nothing."""

    person: Probability = 1.0
    vehicle: Probability = 1.0
    animal: Probability = 1.0
    unknown: Probability = 1.0

    def as_tuple(self) -> tuple[float, float, float, float]:
        """The four values in `CLASSES` order."""
        return (self.person, self.vehicle, self.animal, self.unknown)

    def best(self) -> ClassName:
        """The most likely class (ties go to the earlier one in `CLASSES`)."""
        values = self.as_tuple()
        return CLASSES[values.index(max(values))]


class GeoPoint(msgspec.Struct, frozen=True, kw_only=True):
    """A place and, optionally, when something is expected there."""

    lat: Lat
    lon: Lon
    time_ns: TimeNs | None = None
