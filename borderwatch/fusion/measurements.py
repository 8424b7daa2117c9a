r"""Measurement batches: what one sensor saw at one time, and how it relates to a track state.

A batch knows its own measurement model (Stone Soup's habit: each detection carries its model),
so one updater serves every kind of sensor. A batch may hold several sensors of one kind and
detections at slightly different times (a second of the whole sector, say): each detection
has its own sensor index and time, and the tracker predicts each pair to its detection's time.

- ``RadarBatch``: azimuth :math:`\theta` (rad, clockwise from grid north) and range :math:`r`
  (m) from a sensor at :math:`(x_s, y_s)` (UTM 32N; the ingest edge converts true bearings and
  geodesic ranges to grid ones). :math:`h(x) = [\operatorname{atan2}(\Delta x, \Delta y),
  \sqrt{\Delta x^2 + \Delta y^2}]` with :math:`\Delta = p - s`; Jacobian

  .. math::
     H = \begin{bmatrix} \Delta y / r^2 & 0 & -\Delta x / r^2 & 0 \\
                         \Delta x / r & 0 & \Delta y / r & 0 \end{bmatrix}

- ``CameraBatch``: azimuth only, :math:`h(x) = \operatorname{atan2}(\Delta x, \Delta y)`, the
  first row of the radar's :math:`H`. A camera cannot place a target on its ray, so it never
  starts a track; it keeps confirmed ones alive (a thermal camera sees a walker who stands
  still, whom a Doppler radar does not) and brings their sharpest class evidence.
- ``PositionBatch``: a position (m) with its own 2x2 covariance per detection; :math:`H` picks
  :math:`x` and :math:`y`.

Each batch also gives every detection as a Cartesian point with covariance (the *converted*
measurement), used to pre-gate with a k-d tree and to start new tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np

from borderwatch.arrays import FloatArray, IntArray

__all__ = ["CameraBatch", "MeasurementBatch", "PositionBatch", "RadarBatch", "wrap_angle"]

TWO_PI = 2.0 * np.pi


def wrap_angle(a: FloatArray) -> FloatArray:
    """Angles to (-pi, pi]."""
    out: FloatArray = np.pi - np.mod(np.pi - a, TWO_PI)
    return out


class MeasurementBatch(Protocol):
    """What the tracker needs from a batch of detections taken at one time."""

    @property
    def time_s(self) -> float:
        """When the batch was taken, s: its latest detection's time."""
        ...

    @property
    def keys(self) -> tuple[str, ...]:
        """Each detection's key (`sensor_id/seq`), the evidence alerts cite; may be empty."""
        ...

    @property
    def places(self) -> bool:
        """Whether a detection places its target (radar, position sensors) rather than only
        giving a bearing (camera). Only placing detections start tracks."""
        ...

    def likelihoods(self) -> FloatArray:
        """Each detection's class likelihoods (D, 4) in `CLASSES` order; ones if unknown."""
        ...

    def times(self) -> FloatArray:
        """Each detection's time, (D,), s."""
        ...

    def sensors(self) -> IntArray:
        """Each detection's sensor, (D,): a track takes at most one detection per sensor."""
        ...

    def __len__(self) -> int: ...

    def converted(self) -> tuple[FloatArray, FloatArray]:
        """Each detection as a point (D, 2) and its covariance (D, 2, 2), UTM metres."""
        ...

    def measurement(self) -> tuple[FloatArray, FloatArray]:
        """z (D, m) and R (D, m, m)."""
        ...

    def predict(self, x: FloatArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
        """Predicted measurement h(x) (K, m) and Jacobian H (K, m, 4) for states x (K, 4) as
        detection j (K,) would see them (its sensor's place)."""
        ...

    def residual(self, z: FloatArray, zhat: FloatArray) -> FloatArray:
        """z - zhat, with any angle wrapped; broadcasts."""
        ...

    def clutter(self) -> FloatArray:
        """Clutter density at each detection, (D,), per unit of measurement space."""
        ...

    @property
    def pd(self) -> float:
        """The sensor's probability of detecting a target in its coverage."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class _Timed:
    """What every batch carries besides its measurements: detection keys, the sensors' clutter
    density (per m^2) and Pd, per-detection times and sensors, which default to the batch
    time and sensor 0, and class likelihoods (D, 4), which default to "says nothing"."""

    places: ClassVar[bool] = True
    keys: tuple[str, ...] = field(default=())
    # The sensors' clutter density: one for the batch, or (D,), each detection's sensor's.
    clutter_per_m2: float | FloatArray = 1e-7
    pd: float = 0.9
    det_time_s: FloatArray | None = None
    sensor_index: IntArray | None = None
    class_likelihood: FloatArray | None = None
    time_s: float

    def __len__(self) -> int:
        raise NotImplementedError

    def times(self) -> FloatArray:
        """Each detection's time, s."""
        if self.det_time_s is None:
            return np.full(len(self), self.time_s)
        return self.det_time_s

    def sensors(self) -> IntArray:
        """Each detection's sensor index."""
        if self.sensor_index is None:
            return np.zeros(len(self), np.int64)
        return self.sensor_index

    def likelihoods(self) -> FloatArray:
        """Each detection's class likelihoods, (D, 4)."""
        if self.class_likelihood is None:
            return np.ones((len(self), 4))
        return self.class_likelihood

    # The tracker asks a batch for its converted points and its z, R more than once (gate,
    # update, initiation); a batch lives for one step, so each is worked out once and kept
    # on the batch itself. Callers must not write into the arrays returned.
    _memo: dict[str, tuple[FloatArray, FloatArray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def converted(self) -> tuple[FloatArray, FloatArray]:
        """Each detection as a point (D, 2) and its covariance (D, 2, 2), UTM metres."""
        got = self._memo.get("converted")
        if got is None:
            got = self._memo["converted"] = self._converted()
        return got

    def measurement(self) -> tuple[FloatArray, FloatArray]:
        """z (D, m) and R (D, m, m)."""
        got = self._memo.get("measurement")
        if got is None:
            got = self._memo["measurement"] = self._measurement()
        return got

    def _converted(self) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError

    def _measurement(self) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class RadarBatch(_Timed):
    """Radar plots: (D,) azimuths (rad, clockwise from grid north) and ranges (m), from a
    sensor at (`sensor_x`, `sensor_y`), or per detection when those are (D,) arrays."""

    sensor_x: float | FloatArray
    sensor_y: float | FloatArray
    azimuth_rad: FloatArray
    range_m: FloatArray
    # One value for the batch, or (D,): each plot's own (a radar says how sure it is of each).
    sigma_azimuth_rad: float | FloatArray
    sigma_range_m: float | FloatArray

    def __len__(self) -> int:
        return len(self.range_m)

    def _sensor(self, j: IntArray | slice) -> tuple[FloatArray, FloatArray]:
        if isinstance(self.sensor_x, np.ndarray) and isinstance(self.sensor_y, np.ndarray):
            return self.sensor_x[j], self.sensor_y[j]
        sx = np.broadcast_to(np.asarray(self.sensor_x, float), self.range_m.shape)
        sy = np.broadcast_to(np.asarray(self.sensor_y, float), self.range_m.shape)
        return sx[j], sy[j]

    def sensor_positions(self) -> tuple[FloatArray, FloatArray]:
        """Each plot's radar, x and y (D,)."""
        return self._sensor(slice(None))

    def _converted(self) -> tuple[FloatArray, FloatArray]:
        """Polar to Cartesian, with the first-order covariance J R J^T."""
        a, r = self.azimuth_rad, self.range_m
        s, c = np.sin(a), np.cos(a)
        sx, sy = self._sensor(slice(None))
        xy = np.stack((sx + r * s, sy + r * c), axis=1)
        J = np.empty((len(r), 2, 2))
        J[:, 0, 0], J[:, 0, 1] = r * c, s
        J[:, 1, 0], J[:, 1, 1] = -r * s, c
        return xy, J @ self._r_matrix() @ J.mT

    def _r_matrix(self) -> FloatArray:
        """R (D, 2, 2): each plot's own sigmas, or the batch's."""
        n = len(self.range_m)
        R = np.zeros((n, 2, 2))
        R[:, 0, 0] = np.square(self.sigma_azimuth_rad)
        R[:, 1, 1] = np.square(self.sigma_range_m)
        return R

    def _measurement(self) -> tuple[FloatArray, FloatArray]:
        """z = [azimuth, range] per detection and its R."""
        z = np.stack((self.azimuth_rad, self.range_m), axis=1)
        return z, self._r_matrix()

    def predict(self, x: FloatArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
        """h(x) and its Jacobian at each state, from detection j's sensor."""
        sx, sy = self._sensor(j)
        dx, dy = x[:, 0] - sx, x[:, 2] - sy
        r2 = np.maximum(dx * dx + dy * dy, 1e-6)
        r = np.sqrt(r2)
        zhat = np.stack((np.mod(np.arctan2(dx, dy), TWO_PI), r), axis=1)
        H = np.zeros((len(x), 2, 4))
        H[:, 0, 0], H[:, 0, 2] = dy / r2, -dx / r2
        H[:, 1, 0], H[:, 1, 2] = dx / r, dy / r
        return zhat, H

    def residual(self, z: FloatArray, zhat: FloatArray) -> FloatArray:
        """Azimuth difference wrapped to (-pi, pi]."""
        d = z - zhat
        d[..., 0] = wrap_angle(d[..., 0])
        return d

    def clutter(self) -> FloatArray:
        """Per rad per m: an area density times the Jacobian r of (azimuth, range)."""
        out: FloatArray = self.clutter_per_m2 * np.maximum(self.range_m, 1.0)
        return out


@dataclass(frozen=True, slots=True)
class PositionBatch(_Timed):
    """Position reports (line sensor, ground sensor, patrol report): (D, 2) and (D, 2, 2)."""

    xy: FloatArray
    cov: FloatArray

    def __len__(self) -> int:
        return len(self.xy)

    def _converted(self) -> tuple[FloatArray, FloatArray]:
        """Already Cartesian."""
        return self.xy, self.cov

    def _measurement(self) -> tuple[FloatArray, FloatArray]:
        """z = position, R = its covariance."""
        return self.xy, self.cov

    def predict(self, x: FloatArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
        """H picks x and y."""
        H = np.zeros((len(x), 2, 4))
        H[:, 0, 0] = H[:, 1, 2] = 1.0
        return x[:, [0, 2]], H

    def residual(self, z: FloatArray, zhat: FloatArray) -> FloatArray:
        """Plain difference."""
        out: FloatArray = z - zhat
        return out

    def clutter(self) -> FloatArray:
        """Per m^2, the same everywhere."""
        return np.broadcast_to(np.asarray(self.clutter_per_m2, float), (len(self.xy),)).copy()


@dataclass(frozen=True, slots=True)
class CameraBatch(_Timed):
    """Camera bearings: (D,) azimuths (rad, clockwise from grid north) from sensors at
    (`sensor_x`, `sensor_y`) (D,) that see out to `range_m` (D,)."""

    places: ClassVar[bool] = False
    sensor_x: FloatArray
    sensor_y: FloatArray
    azimuth_rad: FloatArray
    range_m: FloatArray
    sigma_azimuth_rad: float | FloatArray  # one for the batch, or (D,)

    def __len__(self) -> int:
        return len(self.azimuth_rad)

    def _converted(self) -> tuple[FloatArray, FloatArray]:
        """The middle of the ray, with the spread of a point anywhere along it (uniform over
        the range along the ray, the bearing error across it): only the pre-gate uses it."""
        a, r = self.azimuth_rad, self.range_m
        s, c = np.sin(a), np.cos(a)
        xy = np.stack((self.sensor_x + 0.5 * r * s, self.sensor_y + 0.5 * r * c), axis=1)
        along = r**2 / 12.0
        across = (r * self.sigma_azimuth_rad) ** 2
        u = np.stack((s, c), axis=1)  # along the ray
        n = np.stack((c, -s), axis=1)  # across it
        cov = along[:, None, None] * (u[:, :, None] * u[:, None, :]) + across[:, None, None] * (
            n[:, :, None] * n[:, None, :]
        )
        return xy, cov

    def _measurement(self) -> tuple[FloatArray, FloatArray]:
        """z = [azimuth] per detection, R = sigma^2."""
        z = self.azimuth_rad[:, None]
        R = np.empty((len(z), 1, 1))
        R[:, 0, 0] = np.square(self.sigma_azimuth_rad)
        return z, R

    def predict(self, x: FloatArray, j: IntArray) -> tuple[FloatArray, FloatArray]:
        """Azimuth of each state from detection j's camera, and the Jacobian."""
        dx, dy = x[:, 0] - self.sensor_x[j], x[:, 2] - self.sensor_y[j]
        r2 = np.maximum(dx * dx + dy * dy, 1e-6)
        zhat = np.mod(np.arctan2(dx, dy), TWO_PI)[:, None]
        H = np.zeros((len(x), 1, 4))
        H[:, 0, 0], H[:, 0, 2] = dy / r2, -dx / r2
        return zhat, H

    def residual(self, z: FloatArray, zhat: FloatArray) -> FloatArray:
        """Wrapped to (-pi, pi]."""
        return wrap_angle(z - zhat)

    def clutter(self) -> FloatArray:
        """Per rad: a few false detections over the field of view."""
        return np.broadcast_to(np.asarray(self.clutter_per_m2, float), (len(self),)).copy()
