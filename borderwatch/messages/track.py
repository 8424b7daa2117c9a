"""Track: the engine's belief about one mover (or one unresolved group)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from borderwatch.messages.common import ClassLikelihood, Id, Lat, Lon, Probability, TimeNs

__all__ = ["Track", "TrackStatus"]

TrackStatus = Literal["tentative", "confirmed", "coasting", "deleted"]
# Finite, so a NaN or an infinity (which JSON would carry as null) fails validation.
Real = Annotated[float, msgspec.Meta(ge=-1e15, le=1e15)]


# gc=False: see `Detection`.
class Track(msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="track", omit_defaults=True):
    """State in UTM zone 32N (EPSG:32632) metres: `state` = [x, vx, y, vy] (m, m/s) and its 4x4
    covariance row-major in `cov`; `lat`/`lon` repeat the position for map clients.
    `classes` here are posterior probabilities (they sum to 1)."""

    id: Id
    sector: Id
    time_ns: TimeNs
    lat: Lat
    lon: Lon
    state: tuple[Real, Real, Real, Real]
    cov: tuple[Real, ...] = ()
    classes: ClassLikelihood = ClassLikelihood(person=0.25, vehicle=0.25, animal=0.25, unknown=0.25)
    sensors: tuple[Id, ...] = ()
    quality: Probability = 0.0
    status: TrackStatus = "tentative"
    friendly: bool = False
    group_size: Annotated[int, msgspec.Meta(ge=1)] = 1

    def __post_init__(self) -> None:
        if len(self.cov) not in (0, 16):
            raise ValueError("`cov` is the 4x4 covariance, row-major: 16 values (or none)")
