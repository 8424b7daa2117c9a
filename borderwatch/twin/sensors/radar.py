"""Ground-surveillance radar: range, bearing and radial speed of movers, about once a second.

Pd is a logistic in range around the class's detection range (shrunk by dust and by a degraded
set), times a Doppler factor: a mover whose radial speed is under the radar's minimum
detectable velocity (standing still, crawling, or walking across the beam) is lost in the
ground clutter. Targets in one resolution cell (15 m x 1°) merge into one plot. False plots
arrive as a Poisson stream per scan, more of them in a dust storm.
"""

from __future__ import annotations

from typing import Any

import msgspec
import numpy as np

from borderwatch.arrays import FloatArray, IntArray
from borderwatch.geo.projection import grid_azimuth
from borderwatch.geo.sites import Layout, RadarSpec
from borderwatch.messages import Detection
from borderwatch.twin.conditions import Conditions
from borderwatch.twin.movers.path import RADAR_SIZE
from borderwatch.twin.sensors.base import Batch, Chunk, Placement, Sensor
from borderwatch.twin.sensors.classify import CLUTTER, RADAR, classify, likelihoods
from borderwatch.twin.sensors.polar import shadowed, true_polar

__all__ = ["Radar"]

RANGE_CELL_M = 15.0
BEAM_DEG = 1.0


class Radar(Sensor):
    """One radar on a tower or a mobile kit."""

    kind = "radar"

    def __init__(
        self,
        place: Placement,
        seed: int,
        start_ns: int,
        *,
        spec: RadarSpec,
        layout: Layout,
        clutter_scale: float,
    ) -> None:
        super().__init__(place, seed, start_ns)
        self.spec, self.layout, self.clutter_scale = spec, layout, clutter_scale

    def status_fields(self) -> dict[str, Any]:
        """Coverage: range and the azimuth sector."""
        s = self.spec
        return {
            "range_m": s.range_m,
            "az_min_deg": round((s.az_center_deg - s.az_width_deg / 2) % 360.0, 3),
            "az_max_deg": round((s.az_center_deg + s.az_width_deg / 2) % 360.0, 3),
        }

    def _r50(self, chunk: Chunk, rows: IntArray) -> np.ndarray:
        s = self.spec
        size = np.array([RADAR_SIZE.get(chunk.movers[r].kind, 1.0) for r in rows])
        return np.where(chunk.cls[rows] == 1, s.vehicle_range_m, s.person_range_m * size)

    def observe(self, chunk: Chunk, cond: Conditions) -> list[Batch]:
        """One chunk of scans."""
        s = self.spec
        rng = self.rng(chunk)
        ts = chunk.ticks(s.period_s, self.phase)
        works, degraded = cond.working(self.id, ts)
        sev = cond.storm(self.sector, ts)
        rows = chunk.near(self.x, self.y, s.range_m)

        # Movers.
        x, y, vx, vy, alive = chunk.at(rows, ts)
        dx, dy = x - self.x, y - self.y
        r = np.hypot(dx, dy)
        az = grid_azimuth(dx, dy)
        covered = alive & s.covers(r, az) & works[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            vr = np.where(r > 0, (dx * vx + dy * vy) / r, 0.0)
        r50 = (
            self._r50(chunk, rows)[:, None]
            * (1.0 - 0.5 * sev)[None, :]
            * np.where(degraded, 0.7, 1.0)[None, :]
        )
        z = np.clip((r - 1.1 * r50) / (0.05 * r50), -50.0, 50.0)
        pd = s.pd_max / (1.0 + np.exp(z))
        mdv = max(s.min_radial_speed_mps, 1e-6)
        pd *= 0.02 + 0.98 * np.clip(np.abs(vr) / mdv - 1.0, 0.0, 1.0)
        pd = np.where(covered, pd, 0.0)
        i, k = np.nonzero(rng.random(pd.shape) < pd)
        keep = ~shadowed(self.layout, x[i, k], y[i, k])
        i, k = i[keep], k[keep]
        # Unresolved targets: one plot per resolution cell per scan.
        cells = np.c_[k, np.floor(r[i, k] / RANGE_CELL_M), np.floor(az[i, k] / BEAM_DEG)]
        _, first = np.unique(cells, axis=0, return_index=True)
        first.sort()
        i, k = i[first], k[first]
        bearing, rng_m = true_polar(self.lon, self.lat, x[i, k], y[i, k])
        t_det = ts[k]
        v_det = vr[i, k]
        truth = chunk.cls[rows[i]]
        snr = np.clip(20.0 + 40.0 * np.log10(r50[i, k] / np.maximum(r[i, k], 1.0)), -10.0, 60.0)

        # Clutter: false plots that got through the Doppler filter.
        lam = s.clutter_per_scan * self.clutter_scale * (1.0 + 6.0 * sev) * works
        n_c = rng.poisson(lam)
        kc = np.repeat(np.arange(len(ts)), n_c)
        nc = int(n_c.sum())
        rc = s.range_m * np.sqrt(rng.uniform((200.0 / s.range_m) ** 2, 1.0, nc))
        bc = np.mod(s.az_center_deg + s.az_width_deg * (rng.random(nc) - 0.5), 360.0)
        vc = rng.choice([-1.0, 1.0], nc) * (mdv + rng.exponential(1.0, nc))

        t_all = np.r_[t_det, ts[kc]]
        r_all = np.r_[rng_m, rc] + rng.normal(0.0, s.sigma_range_m, len(t_all))
        b_all = np.mod(np.r_[bearing, bc] + rng.normal(0.0, s.sigma_bearing_deg, len(t_all)), 360)
        v_all = np.r_[v_det, vc] + rng.normal(0.0, 0.2, len(t_all))
        snr_all: FloatArray = np.r_[snr, rng.uniform(8.0, 16.0, nc)]
        lik = classify(rng, np.r_[truth, np.full(nc, CLUTTER)], RADAR)
        r_all = np.maximum(r_all, 0.0)

        def build(seq: IntArray, tns: IntArray) -> list[msgspec.Struct]:
            # Rounded in numpy, converted once: per-value Python calls dominate otherwise.
            cols = zip(
                seq.tolist(),
                tns.tolist(),
                np.round(r_all, 1).tolist(),
                np.mod(np.round(b_all, 3), 360.0).tolist(),
                np.round(np.clip(v_all, -149.0, 149.0), 2).tolist(),
                np.round(snr_all, 1).tolist(),
                likelihoods(lik),
                strict=True,
            )
            return [
                Detection(
                    sensor_id=self.id,
                    kind="radar",
                    seq=q,
                    time_ns=n,
                    range_m=rr,
                    bearing_deg=bb,
                    sigma_range_m=s.sigma_range_m,
                    sigma_bearing_deg=s.sigma_bearing_deg,
                    radial_speed_mps=vv,
                    classes=c,
                    snr_db=sn,
                )
                for q, n, rr, bb, vv, sn, c in cols
            ]

        return [Batch(t_all, build)]
