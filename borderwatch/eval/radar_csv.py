"""The radar anchor scenario's file format (`../shared/anchors/radar_bench.py generate`):
`meta.json` (the radar's place and accuracy) and `detections.csv` (scan, t, det_id,
sensor_id, bearing_rad, range_m, truth_id), and the track format it scores
(`scan,track_id,x,y`, one row per reported track per scan).

Its bearing is the maths convention, atan2(dy, dx), counter-clockwise from +x; ours is the
azimuth clockwise from grid north: az = pi/2 - bearing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np

from borderwatch.errors import DataError
from borderwatch.fusion import RadarBatch, Tracker, TrackerConfig

__all__ = ["read_scans", "track_scenario"]


def read_scans(scenario_dir: Path) -> Iterator[RadarBatch]:
    """One RadarBatch per scan, in order (scans with no detection included)."""
    try:
        meta = json.loads((scenario_dir / "meta.json").read_text())
        radar = meta["sensors"][0]
        cfg = meta["config"]
        xr, yr = (float(v) for v in radar["xy"])
        sr, sb = float(radar["sigma_range_m"]), float(radar["sigma_bearing_rad"])
        n_scans, dt = int(cfg["n_scans"]), float(cfg["dt"])
        rows = np.loadtxt(
            scenario_dir / "detections.csv", delimiter=",", skiprows=1, usecols=(0, 4, 5), ndmin=2
        )
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise DataError(f"{scenario_dir}: not a radar anchor scenario ({exc})") from exc
    scan = rows[:, 0].astype(np.int64)
    order = np.argsort(scan, kind="stable")
    scan, bearing, rng = scan[order], rows[order, 1], rows[order, 2]
    bounds = np.searchsorted(scan, np.arange(n_scans + 1))
    for k in range(n_scans):
        sl = slice(bounds[k], bounds[k + 1])
        az = np.mod(np.pi / 2 - bearing[sl], 2 * np.pi)
        yield RadarBatch(
            time_s=k * dt,
            sensor_x=xr,
            sensor_y=yr,
            azimuth_rad=az,
            range_m=rng[sl],
            sigma_azimuth_rad=sb,
            sigma_range_m=sr,
        )


def track_scenario(scenario_dir: Path, out: IO[str], config: TrackerConfig | None = None) -> int:
    """Track every scan and write `scan,track_id,x,y` for each confirmed track (the online
    estimate after that scan); returns the number of rows written."""
    tracker = Tracker(config)
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["scan", "track_id", "x", "y"])
    n = 0
    for k, batch in enumerate(read_scans(scenario_dir)):
        tracker.process(batch)
        ids, xy = tracker.estimates()
        for i, (x, y) in zip(ids.tolist(), xy.tolist(), strict=True):
            w.writerow([k, i, f"{x:.3f}", f"{y:.3f}"])
        n += len(ids)
    return n
