"""Thermal camera: bearing and a class, with confusion that grows with range (Johnson criteria).

Pixels on target n = critical dimension / (range x IFOV). The probability of a task at n
pixels is the target-transfer function P = (n/n50)^E / (1 + (n/n50)^E), E = 2.7 + 0.7 n/n50,
with n50 = 2 (detect) and 8 (recognise) pixels. A recognised target is labelled from a sharp
confusion matrix; one only detected, from a nearly blind one. The camera steps and stares
across its sector, so a target is in view about half the time. Dust cuts contrast; a thermal
camera sees a still target as well as a moving one.
"""

from __future__ import annotations

import msgspec
import numpy as np

from borderwatch.arrays import IntArray
from borderwatch.geo.projection import grid_azimuth, in_field
from borderwatch.geo.sites import CameraSpec, Layout, RadarSpec
from borderwatch.messages import Detection
from borderwatch.twin.conditions import Conditions
from borderwatch.twin.sensors.base import Batch, Chunk, Placement, Sensor
from borderwatch.twin.sensors.classify import (
    CAMERA_BLIND,
    CAMERA_SHARP,
    CLUTTER,
    classify,
    likelihoods,
)
from borderwatch.twin.sensors.polar import shadowed, true_polar

__all__ = ["Camera", "johnson"]

N50_DETECT, N50_RECOGNISE = 2.0, 8.0
DWELL = 0.5
BLOB_DEG = 0.5


def johnson(pixels: np.ndarray, n50: float) -> np.ndarray:
    """Target-transfer probability of a task needing `n50` pixels at 50 %."""
    q = np.clip(pixels / n50, 0.0, 50.0)  # past 50x the task is certain; avoids overflow
    e = 2.7 + 0.7 * q
    qe = q**e
    return qe / (1.0 + qe)


class Camera(Sensor):
    """One thermal camera, covering the same sector as its tower's radar."""

    kind = "camera"

    def __init__(
        self,
        place: Placement,
        seed: int,
        start_ns: int,
        *,
        spec: CameraSpec,
        radar: RadarSpec | None,
        layout: Layout,
    ) -> None:
        super().__init__(place, seed, start_ns)
        self.spec, self.layout = spec, layout
        self.az_center = radar.az_center_deg if radar else 90.0
        self.az_width = radar.az_width_deg if radar else 180.0

    def observe(self, chunk: Chunk, cond: Conditions) -> list[Batch]:
        """One chunk of frames."""
        s = self.spec
        rng = self.rng(chunk)
        ts = chunk.ticks(s.period_s, self.phase)
        works, degraded = cond.working(self.id, ts)
        sev = cond.storm(self.sector, ts)
        night = cond.is_night(ts)
        rows = chunk.near(self.x, self.y, s.range_m)
        x, y, _, _, alive = chunk.at(rows, ts)
        dx, dy = x - self.x, y - self.y
        r = np.maximum(np.hypot(dx, dy), 1.0)
        covered = (
            alive
            & (r <= s.range_m)
            & works[None, :]
            & in_field(grid_azimuth(dx, dy), self.az_center, self.az_width)
        )
        dim = np.array([chunk.movers[i].critical_dim_m for i in rows])
        contrast = ((1.0 - 0.8 * sev) * np.where(night, 1.0, 0.8) * np.where(degraded, 0.5, 1.0))[
            None, :
        ]
        pixels = dim[:, None] / (r * s.ifov_mrad * 1e-3) * contrast
        pd = np.where(covered, DWELL * johnson(pixels, N50_DETECT), 0.0)
        i, k = np.nonzero(rng.random(pd.shape) < pd)
        keep = ~shadowed(self.layout, x[i, k], y[i, k])
        i, k = i[keep], k[keep]
        # Video analytics report blobs: movers within one blob cell of bearing in a frame
        # (a herd, a file of walkers) come out as one detection.
        cells = np.c_[k, np.floor(grid_azimuth(dx[i, k], dy[i, k]) / BLOB_DEG)]
        _, first = np.unique(cells, axis=0, return_index=True)
        first.sort()
        i, k = i[first], k[first]
        bearing, _ = true_polar(self.lon, self.lat, x[i, k], y[i, k])
        p_rec = johnson(pixels[i, k], N50_RECOGNISE)
        truth = chunk.cls[rows[i]]

        # Hot rocks, birds, flicker: a few false detections an hour.
        hours = (chunk.t1 - chunk.t0) / 3600.0
        nf = rng.poisson(
            s.false_per_hour * hours * (1.0 + 3.0 * float(sev.mean() if len(sev) else 0))
        )
        tf = np.sort(rng.uniform(chunk.t0, chunk.t1, nf))
        ok_f, _ = cond.working(self.id, tf)
        tf = tf[ok_f]
        bf = np.mod(self.az_center + self.az_width * (rng.random(len(tf)) - 0.5), 360.0)
        t_all = np.r_[ts[k], tf]
        b_all = np.mod(np.r_[bearing, bf] + rng.normal(0.0, s.sigma_bearing_deg, len(t_all)), 360)
        p_all = np.r_[p_rec, np.full(len(tf), 0.1)]
        conf = p_all[:, None, None] * CAMERA_SHARP + (1 - p_all)[:, None, None] * CAMERA_BLIND
        lik = classify(rng, np.r_[truth, np.full(len(tf), CLUTTER)], conf)

        def build(seq: IntArray, tns: IntArray) -> list[msgspec.Struct]:
            cols = zip(
                seq.tolist(),
                tns.tolist(),
                np.mod(np.round(b_all, 3), 360.0).tolist(),
                likelihoods(lik),
                strict=True,
            )
            return [
                Detection(
                    sensor_id=self.id,
                    kind="camera",
                    seq=q,
                    time_ns=n,
                    bearing_deg=b,
                    sigma_bearing_deg=s.sigma_bearing_deg,
                    classes=c,
                )
                for q, n, b, c in cols
            ]

        return [Batch(t_all, build)]
