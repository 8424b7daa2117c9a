"""Detection: one observation of something by one sensor, as the sensor sends it."""

from __future__ import annotations

from typing import Annotated

import msgspec

from borderwatch.messages.common import (
    ClassLikelihood,
    Id,
    Lat,
    Lon,
    SensorKind,
    TimeNs,
    Variance,
)

__all__ = ["Detection"]

Bearing = Annotated[
    float, msgspec.Meta(ge=0.0, lt=360.0, description="degrees clockwise from true north")
]
Range = Annotated[float, msgspec.Meta(ge=0.0, le=100_000.0, description="metres")]
Sigma = Annotated[float, msgspec.Meta(gt=0.0, le=100_000.0)]
Speed = Annotated[float, msgspec.Meta(ge=-150.0, le=150.0, description="m/s, + = receding")]
Seq = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Snr = Annotated[float, msgspec.Meta(ge=-50.0, le=150.0, description="dB")]

# Which kinds measure polar (relative to the sensor) and which report a position.
POLAR_KINDS = frozenset({"radar", "camera"})


# gc=False: millions a day, and a frozen struct of scalars and tuples cannot hold a reference
# back to itself, so the cycle collector need not watch them (it cost 4 % of a replay's CPU).
# The same for the other messages that flow at that rate (tracks, statuses, patrols).
class Detection(
    msgspec.Struct, frozen=True, kw_only=True, gc=False, tag="detection", omit_defaults=True
):
    """One observation. Either a position (`lat`, `lon`, `cov_m2`) or a polar measurement
    relative to the sensor (`bearing_deg`, and `range_m` for radar), never both.

    `cov_m2` is the 2x2 position covariance in metres as (var_east, cov_east_north, var_north).
    `time_ns` is the sensor's own clock; `seq` counts up per sensor, so (sensor_id, seq) is
    unique and is the key alerts cite as evidence.
    """

    sensor_id: Id
    kind: SensorKind
    seq: Seq
    time_ns: TimeNs
    lat: Lat | None = None
    lon: Lon | None = None
    cov_m2: tuple[Variance, float, Variance] | None = None
    range_m: Range | None = None
    bearing_deg: Bearing | None = None
    sigma_range_m: Sigma | None = None
    sigma_bearing_deg: Sigma | None = None
    radial_speed_mps: Speed | None = None
    classes: ClassLikelihood = ClassLikelihood()
    snr_db: Snr | None = None

    def __post_init__(self) -> None:
        has_position = self.lat is not None or self.lon is not None
        has_polar = self.bearing_deg is not None or self.range_m is not None
        if has_position and has_polar:
            raise ValueError("give a position (lat, lon) or a polar measurement, not both")
        if self.kind in POLAR_KINDS:
            if self.bearing_deg is None:
                raise ValueError(f"a {self.kind} detection needs `bearing_deg`")
            if self.sigma_bearing_deg is None:
                raise ValueError(f"a {self.kind} detection needs `sigma_bearing_deg`")
            if self.kind == "radar" and (self.range_m is None or self.sigma_range_m is None):
                raise ValueError("a radar detection needs `range_m` and `sigma_range_m`")
        else:
            if self.lat is None or self.lon is None or self.cov_m2 is None:
                raise ValueError(f"a {self.kind} detection needs `lat`, `lon` and `cov_m2`")
            var_e, cov_en, var_n = self.cov_m2
            # A NaN fails this test too, as it should.
            if not cov_en * cov_en <= var_e * var_n:
                raise ValueError("`cov_m2` is not a covariance: cov_en^2 > var_e * var_n")

    @property
    def key(self) -> str:
        """The id alerts cite as evidence: `sensor_id/seq`."""
        return f"{self.sensor_id}/{self.seq}"
