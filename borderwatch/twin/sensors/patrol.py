"""A patrol's TAK device: its own position every `report_s` (a friendly self-report), and a
patrol report whenever the crew sees someone or something (within ~600 m by day, ~350 m at
night through night sights), at most once a minute per thing seen."""

from __future__ import annotations

import msgspec
import numpy as np

from borderwatch.arrays import IntArray
from borderwatch.geo.projection import to_lonlat
from borderwatch.messages import Patrol
from borderwatch.twin.conditions import Conditions
from borderwatch.twin.movers import Mover
from borderwatch.twin.sensors.base import Batch, Chunk, Placement, Sensor
from borderwatch.twin.sensors.classify import PATROL, classify
from borderwatch.twin.sensors.ground import position_batch

__all__ = ["PatrolDevice"]

SIGHT_DAY_M, SIGHT_NIGHT_M = 600.0, 350.0
LOOK_EVERY_S = 10.0
REPORT_GAP_S = 60.0
REPORT_PD = 0.5
GPS_SIGMA_M = 3.0
REPORT_SIGMA_M = 25.0


class PatrolDevice(Sensor):
    """The TAK device carried by one patrol."""

    kind = "patrol_report"
    heartbeat_s = None  # its position reports are its heartbeat

    def __init__(
        self, place: Placement, seed: int, start_ns: int, *, mover: Mover, report_s: float
    ) -> None:
        super().__init__(place, seed, start_ns)
        self.mover, self.report_s = mover, report_s
        self.last_seen: dict[str, float] = {}

    def observe(self, chunk: Chunk, cond: Conditions) -> list[Batch]:
        """Position reports and sightings in the chunk."""
        rng = self.rng(chunk)
        m = self.mover
        ts = chunk.ticks(self.report_s, self.phase * self.report_s)
        x, y, vx, vy, alive = m.sample(ts)
        ts, x, y, vx, vy = ts[alive], x[alive], y[alive], vx[alive], vy[alive]
        x = x + rng.normal(0.0, GPS_SIGMA_M, len(ts))
        y = y + rng.normal(0.0, GPS_SIGMA_M, len(ts))
        lon, lat = to_lonlat(x, y)
        speed = np.hypot(vx, vy)
        course = np.mod(np.degrees(np.arctan2(vx, vy)), 360.0)

        def build(seq: IntArray, tns: IntArray) -> list[msgspec.Struct]:
            cols = zip(
                seq.tolist(),
                tns.tolist(),
                np.round(lat, 7).tolist(),
                np.round(lon, 7).tolist(),
                np.round(speed, 2).tolist(),
                np.mod(np.round(course, 1), 360.0).tolist(),
                strict=True,
            )
            return [
                Patrol(
                    callsign=m.callsign,
                    agency=m.agency,
                    time_ns=n,
                    lat=la,
                    lon=lo,
                    speed_mps=v,
                    course_deg=c,
                    seq=q,
                )
                for q, n, la, lo, v, c in cols
            ]

        return [Batch(ts, build), self._sightings(chunk, cond, rng)]

    def _sightings(self, chunk: Chunk, cond: Conditions, rng: np.random.Generator) -> Batch:
        m = self.mover
        looks = chunk.t0 + np.arange(0.0, chunk.t1 - chunk.t0, LOOK_EVERY_S)
        px, py, _, _, palive = m.sample(looks)
        t_out: list[float] = []
        x_out: list[float] = []
        y_out: list[float] = []
        c_out: list[int] = []
        if palive.any():
            cx, cy = float(px[palive].mean()), float(py[palive].mean())
            extent = float(np.hypot(px[palive] - cx, py[palive] - cy).max())
            rows = chunk.near(cx, cy, extent + SIGHT_DAY_M)
            rows = np.array(
                [r for r in rows if chunk.movers[r].kind not in ("patrol", "traffic")], np.int64
            )
            if rows.size:
                sight = np.where(cond.is_night(looks), SIGHT_NIGHT_M, SIGHT_DAY_M)
                x, y, _, _, alive = chunk.at(rows, looks)
                d = np.hypot(x - px[None, :], y - py[None, :])
                seen = alive & palive[None, :] & (d <= sight[None, :])
                for a, k in zip(*np.nonzero(seen), strict=True):
                    mid = chunk.movers[rows[a]].id
                    when = float(looks[k])
                    if when - self.last_seen.get(mid, -np.inf) < REPORT_GAP_S:
                        continue
                    if rng.random() < REPORT_PD:
                        self.last_seen[mid] = when
                        t_out.append(when)
                        x_out.append(float(x[a, k]))
                        y_out.append(float(y[a, k]))
                        c_out.append(int(chunk.cls[rows[a]]))
        t = np.array(t_out)
        order = np.argsort(t, kind="stable")
        xs = np.array(x_out)[order] + rng.normal(0.0, REPORT_SIGMA_M, len(t))
        ys = np.array(y_out)[order] + rng.normal(0.0, REPORT_SIGMA_M, len(t))
        lik = classify(rng, np.array(c_out, np.int64)[order], PATROL)
        return position_batch(self, t[order], xs, ys, REPORT_SIGMA_M**2, lik)
