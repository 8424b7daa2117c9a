"""From a released second of wire detections to the tracker's measurement batches: one batch
per kind of measurement (radar plots, positions, camera bearings), each detection with its own
accuracy (the message's sigmas, else its sensor's record) and its own sensor's Pd and clutter.

Radar plots and camera bearings arrive as geodesic range and true bearing; the tracker works
in UTM 32N grid azimuth and distance around the sensor (`geo.projection.grid_polar`, closed
form, within 0.004 degrees and 5 cm of the geodesic over 20 km).
"""

from __future__ import annotations

import math

import numpy as np

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.fusion.measurements import CameraBatch, PositionBatch, RadarBatch
from borderwatch.geo.projection import grid_polar, to_utm
from borderwatch.geo.registry import Registry
from borderwatch.messages import Detection

__all__ = ["Batch", "Batcher", "split"]

Batch = RadarBatch | PositionBatch | CameraBatch
POSITION_KINDS = frozenset({"line", "ugs", "patrol_report"})


class Batcher:
    """Turns a second's detections into batches, for the sensors of `registry`; times are s
    from `epoch_ns`."""

    def __init__(self, registry: Registry, epoch_ns: int) -> None:
        self.registry = registry
        self.epoch_ns = epoch_ns

    def batches(self, dets: list[Detection], end_s: float) -> list[Batch]:
        """A tick's detections as one batch per kind of measurement: radar, then positions,
        then camera bearings (which only update tracks the others keep)."""
        return [self.batch(same, end_s) for same in split(dets)]

    def batch(self, dets: list[Detection], end_s: float) -> Batch:
        """Detections of one kind of measurement (one list of `split`) as one batch."""
        kind = dets[0].kind
        if kind == "radar":
            return self._radar(dets, end_s)
        if kind == "camera":
            return self._camera(dets, end_s)
        return self._position(dets, end_s)

    def _radar(self, dets: list[Detection], end_s: float) -> RadarBatch:
        radars = self.registry.radars
        sites = [radars[d.sensor_id] for d in dets]
        # One row of numbers per plot and one array of them: a second of a sector's plots is
        # a few dozen, where a list and an array per column cost more than the columns' use.
        rows = [
            (
                s.x,
                s.y,
                s.convergence_rad,
                s.scale,
                d.bearing_deg,
                d.range_m,
                d.sigma_bearing_deg or s.sigma_bearing_deg,
                d.sigma_range_m or s.sigma_range_m,
                s.clutter_per_m2,
                *d.classes.as_tuple(),
            )
            for d, s in zip(dets, sites, strict=True)
        ]
        table = np.array(rows, np.float64)
        (sx, sy, convergence, scale, bearing, rng, sigma_b, sigma_r, clutter) = table[
            :, :9
        ].T.copy()
        az, r = grid_polar(sx, convergence, scale, bearing, rng)
        times = self._times(dets)
        index: IntArray = np.array([s.index for s in sites], np.int64)
        return RadarBatch(
            time_s=max(end_s, float(times.max())),
            sensor_x=sx,
            sensor_y=sy,
            azimuth_rad=az,
            range_m=r,
            sigma_azimuth_rad=np.radians(sigma_b),
            sigma_range_m=sigma_r,
            keys=tuple(d.key for d in dets),
            clutter_per_m2=clutter,
            # math.fsum, not np.mean: on a short list numpy's call costs more than the sum.
            pd=math.fsum([s.pd for s in sites]) / len(sites),
            det_time_s=times,
            sensor_index=index,
            class_likelihood=np.ascontiguousarray(table[:, 9:]),
        )

    def _camera(self, dets: list[Detection], end_s: float) -> CameraBatch:
        sites = [self.registry.cameras[d.sensor_id] for d in dets]
        sx = np.array([s.x for s in sites])
        sy = np.array([s.y for s in sites])
        brg = np.array([d.bearing_deg for d in dets], float)
        # True bearing to grid azimuth at the camera (the convergence changes by far less
        # than the camera's 0.1 degree along its ray).
        convergence = np.array([s.convergence_rad for s in sites])
        times = self._times(dets)
        return CameraBatch(
            time_s=max(end_s, float(times.max())),
            sensor_x=sx,
            sensor_y=sy,
            azimuth_rad=np.mod(np.radians(brg) - convergence, 2 * np.pi),
            range_m=np.array([s.range_m for s in sites]),
            sigma_azimuth_rad=np.radians(
                [
                    d.sigma_bearing_deg or s.sigma_bearing_deg
                    for d, s in zip(dets, sites, strict=True)
                ]
            ),
            keys=tuple(d.key for d in dets),
            clutter_per_m2=np.array([s.clutter_per_rad for s in sites]),
            pd=math.fsum([s.pd for s in sites]) / len(sites),
            det_time_s=times,
            sensor_index=np.array([s.index for s in sites], np.int64),
            class_likelihood=_likelihoods(dets),
        )

    def _position(self, dets: list[Detection], end_s: float) -> PositionBatch:
        lon = np.array([d.lon for d in dets], float)
        lat = np.array([d.lat for d in dets], float)
        x, y = to_utm(lon, lat)
        c = np.array([d.cov_m2 or (0.0, 0.0, 0.0) for d in dets], np.float64)
        cov = np.stack((c[:, [0, 1]], c[:, [1, 2]]), axis=1)  # (D, 2, 2) from the triples
        # Each position sensor is its own "sensor" for assignment: one report per track each.
        names = sorted({d.sensor_id for d in dets})
        index = np.array([names.index(d.sensor_id) for d in dets], np.int64)
        sites = [self.registry.position_site(d.sensor_id) for d in dets]
        times = self._times(dets)
        return PositionBatch(
            time_s=max(end_s, float(times.max())),
            xy=np.c_[x, y],
            cov=cov,
            keys=tuple(d.key for d in dets),
            clutter_per_m2=np.array([s.clutter_per_m2 for s in sites]),
            pd=math.fsum([s.pd for s in sites]) / len(sites),
            det_time_s=times,
            sensor_index=index,
            class_likelihood=_likelihoods(dets),
        )

    def _times(self, dets: list[Detection]) -> FloatArray:
        return (np.array([d.time_ns for d in dets], np.int64) - self.epoch_ns) / 1e9


def split(dets: list[Detection]) -> list[list[Detection]]:
    """A tick's detections by kind of measurement, in the order the tracker takes them:
    radar plots, positions, camera bearings; kinds with none left out."""
    radar = [d for d in dets if d.kind == "radar"]
    pos = [d for d in dets if d.kind in POSITION_KINDS]
    cam = [d for d in dets if d.kind == "camera"]
    return [same for same in (radar, pos, cam) if same]


def _likelihoods(dets: list[Detection]) -> FloatArray:
    return np.array([d.classes.as_tuple() for d in dets], np.float64)
