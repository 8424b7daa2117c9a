"""Hand-built sensor worlds: one sensor at a known place, movers on known paths, one chunk.

Places are in UTM zone 32N metres; the sensor stands near the berm in sector N03. Times are
seconds from the start; a chunk is observed once, as `simulate` does with each of its chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from borderwatch.geo import Layout, to_utm
from borderwatch.geo.sites import CameraSpec, RadarSpec, UgsSpec, parse_sites
from borderwatch.messages import Detection, SensorStatus
from borderwatch.twin.conditions import Conditions, FaultWindow, StormWindow
from borderwatch.twin.movers import Mover, MoverKind
from borderwatch.twin.sensors import Camera, Chunk, Placement, Radar, Sensor, Ugs

START_NS = 1_773_514_800_000_000_000
SITE_LON, SITE_LAT = 11.45, 32.80
SECTOR = "N03"
NIGHT_HOUR = 22.0  # local clock at the start: night


def place(sensor_id: str, lon: float = SITE_LON, lat: float = SITE_LAT) -> Placement:
    """A sensor at (lon, lat), in degrees and UTM metres."""
    x, y = to_utm(lon, lat)
    return Placement(sensor_id, SECTOR, lon, lat, float(x), float(y))


def no_shadows() -> Layout:
    """A site layout with nothing in it: no radar shadows anywhere."""
    return parse_sites({"type": "FeatureCollection", "features": []}, "empty")


def conditions(
    *, storms: Sequence[StormWindow] = (), faults: Sequence[FaultWindow] = ()
) -> Conditions:
    """A night with the given storms over sector N03 and the given faults."""
    by_sensor: dict[str, list[FaultWindow]] = {}
    for f in faults:
        by_sensor.setdefault(f.sensor_id, []).append(f)
    return Conditions(start_hour_local=NIGHT_HOUR, storms=tuple(storms), faults=by_sensor)


def storm(severity: float, start: float = -3600.0, end: float = 86400.0) -> StormWindow:
    """A dust storm over sector N03, at full strength well before and after any chunk here."""
    return StormWindow(start, end, severity, frozenset({SECTOR}))


def mover(kind: MoverKind, t: Sequence[float], x: Sequence[float], y: Sequence[float]) -> Mover:
    """A mover through knots (t, x, y)."""
    return Mover("M00001", kind, "G0001", kind != "patrol", np.array(t), np.array(x), np.array(y))


def unit(grid_az_deg: float) -> tuple[float, float]:
    """(east, north) unit vector at an azimuth on the UTM grid."""
    a = np.radians(grid_az_deg)
    return float(np.sin(a)), float(np.cos(a))


def radial(
    site: Placement,
    r_mid: float,
    speed: float,
    grid_az_deg: float = 90.0,
    t1: float = 600.0,
    kind: MoverKind = "foot_smuggler",
) -> Mover:
    """Walking straight away from the sensor at `speed`, `r_mid` metres out halfway through."""
    ux, uy = unit(grid_az_deg)
    r0, r1 = r_mid - speed * t1 / 2, r_mid + speed * t1 / 2
    return mover(
        kind, [0.0, t1], [site.x + r0 * ux, site.x + r1 * ux], [site.y + r0 * uy, site.y + r1 * uy]
    )


def tangential(
    site: Placement, r: float, speed: float, grid_az_deg: float = 90.0, t1: float = 600.0
) -> Mover:
    """Walking round the sensor on a circle of radius `r` (knots every 5 s), across the beam."""
    t = np.arange(0.0, t1 + 5.0, 5.0)
    az = np.radians(grid_az_deg) + speed * (t - t1 / 2) / r
    return mover(
        "foot_smuggler", list(t), list(site.x + r * np.sin(az)), list(site.y + r * np.cos(az))
    )


def standing(site: Placement, r: float, grid_az_deg: float = 90.0, t1: float = 600.0) -> Mover:
    """Standing still `r` metres from the sensor for the whole chunk."""
    ux, uy = unit(grid_az_deg)
    x, y = site.x + r * ux, site.y + r * uy
    return mover("foot_smuggler", [0.0, t1], [x, x], [y, y])


def chunk(movers: Sequence[Mover], t1: float = 600.0, index: int = 0) -> Chunk:
    """One chunk [0, t1) with these movers and no crossings."""
    return Chunk(index, 0.0, t1, movers, crossings=[])


def radar(
    spec: RadarSpec | None = None,
    clutter_scale: float = 0.0,
    seed: int = 1,
    site: Placement | None = None,
) -> Radar:
    """A radar at the site with no shadows around it (no clutter unless asked)."""
    return Radar(
        site or place("X01-R"),
        seed,
        START_NS,
        spec=spec or RadarSpec(),
        layout=no_shadows(),
        clutter_scale=clutter_scale,
    )


def camera(seed: int = 1) -> Camera:
    """A thermal camera at the site, looking over the same sector as a default radar."""
    return Camera(
        place("X01-C"), seed, START_NS, spec=CameraSpec(), radar=RadarSpec(), layout=no_shadows()
    )


def ugs(spec: UgsSpec, seed: int = 1) -> Ugs:
    """An unattended ground sensor at the site."""
    return Ugs(place(spec.id), seed, START_NS, spec=spec)


def sent(sensor: Sensor, c: Chunk, cond: Conditions) -> tuple[list[Detection], list[SensorStatus]]:
    """What the sensor sends for the chunk: its detections and its heartbeats.

    Call once per sensor and chunk: a sensor counts its sequence numbers across chunks."""
    messages, _, _ = sensor.emit(c, cond)
    dets = [m for m in messages if isinstance(m, Detection)]
    beats = [m for m in messages if isinstance(m, SensorStatus)]
    assert len(dets) + len(beats) == len(messages)
    return dets, beats


def true_seconds(sensor: Sensor, time_ns: int) -> float:
    """The true time (s from the start) of a message stamped `time_ns` by the sensor's clock."""
    clock = (time_ns - START_NS) / 1e9
    return (clock - sensor.skew_s) / (1.0 + sensor.drift)
