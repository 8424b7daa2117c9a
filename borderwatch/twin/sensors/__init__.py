"""Simulated sensors: each sends the same wire messages a real one would."""

from __future__ import annotations

from shapely.geometry import LineString, Point

from borderwatch.geo.sites import LineSensorSpec, Site, TowerSpec, UgsSpec
from borderwatch.twin.movers import Mover
from borderwatch.twin.scenario import Patrols, Scenario
from borderwatch.twin.sensors.base import Batch, Chunk, Placement, Sensor
from borderwatch.twin.sensors.camera import Camera
from borderwatch.twin.sensors.ground import LineSensor, Ugs
from borderwatch.twin.sensors.patrol import PatrolDevice
from borderwatch.twin.sensors.radar import Radar
from borderwatch.twin.world import World

__all__ = [
    "Batch",
    "Camera",
    "Chunk",
    "LineSensor",
    "PatrolDevice",
    "Placement",
    "Radar",
    "Sensor",
    "Ugs",
    "build_sensors",
]


def _place(site: Site, sensor_id: str, sector: str) -> Placement:
    g = site.geometry
    c = g if isinstance(g, Point) else g.centroid
    return Placement(sensor_id, sector, site.lonlat[0], site.lonlat[1], float(c.x), float(c.y))


def build_sensors(
    world: World, movers: list[Mover], scenario: Scenario, seed: int, start_ns: int
) -> list[Sensor]:
    """Every sensor of the layout, and a TAK device per patrol, in a fixed order."""
    sensors: list[Sensor] = []
    layout = world.layout
    for site in layout.towers:
        spec = site.spec
        assert isinstance(spec, TowerSpec)
        if spec.radar is not None:
            sensors.append(
                Radar(
                    _place(site, f"{site.id}-R", spec.sector),
                    seed,
                    start_ns,
                    spec=spec.radar,
                    layout=layout,
                    clutter_scale=scenario.clutter_scale,
                )
            )
        if spec.camera is not None:
            sensors.append(
                Camera(
                    _place(site, f"{site.id}-C", spec.sector),
                    seed,
                    start_ns,
                    spec=spec.camera,
                    radar=spec.radar,
                    layout=layout,
                )
            )
    for site in layout.line_sensors:
        assert isinstance(site.spec, LineSensorSpec)
        assert isinstance(site.geometry, LineString)
        sensors.append(
            LineSensor(
                _place(site, site.id, site.spec.sector),
                seed,
                start_ns,
                spec=site.spec,
                fibre=site.geometry,
                border=world.border,
            )
        )
    for site in layout.ugs:
        assert isinstance(site.spec, UgsSpec)
        sensors.append(Ugs(_place(site, site.id, site.spec.sector), seed, start_ns, spec=site.spec))
    report_s = next((m.report_s for m in scenario.movers if isinstance(m, Patrols)), 10.0)
    for m in movers:
        if m.friendly:
            sector = m.callsign.split("-")[1] if m.callsign.count("-") >= 2 else ""
            place = Placement(m.callsign, sector, 0.0, 0.0, float(m.x[0]), float(m.y[0]))
            sensors.append(PatrolDevice(place, seed, start_ns, mover=m, report_s=report_s))
    return sensors
