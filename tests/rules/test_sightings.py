"""Camera sightings through the engine (`Picture`): a thermal camera that keeps seeing a
person no track explains, placed by the sparse radar plots on its line of sight, alerts once;
an animal, a sighting no plot places, or the rule off, does not."""

from __future__ import annotations

import msgspec
import numpy as np
from shapely.geometry import Point

from borderwatch.engine.config import EngineConfig
from borderwatch.engine.picture import Picture
from borderwatch.geo import build_sectors, load_border, load_sites, to_utm
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, ClassLikelihood, Detection, SensorStatus
from borderwatch.twin.sensors.polar import true_polar

EPOCH = 1_700_000_000_000_000_000
S = 1_000_000_000
SECTOR = "N04"
LAYOUT = load_sites().in_sectors({SECTOR})
LINE = next(s for s in build_sectors(load_border()) if s.id == SECTOR).line
SHARP_PERSON = ClassLikelihood(person=0.9, vehicle=0.02, animal=0.05, unknown=0.05)
SHARP_ANIMAL = ClassLikelihood(person=0.05, vehicle=0.02, animal=0.9, unknown=0.1)
SHARP_VEHICLE = ClassLikelihood(person=0.02, vehicle=0.94, animal=0.02, unknown=0.02)
RADAR_ANIMAL = ClassLikelihood(person=0.2, vehicle=0.05, animal=0.55, unknown=0.2)
RADAR_VEHICLE = ClassLikelihood(person=0.05, vehicle=0.8, animal=0.05, unknown=0.1)
RADAR_SAYS = ClassLikelihood(person=0.6, vehicle=0.05, animal=0.2, unknown=0.15)


def config(**sightings: object) -> EngineConfig:
    base = EngineConfig()
    rules = msgspec.structs.replace(
        base.rules, sightings=msgspec.structs.replace(base.rules.sightings, **sightings)
    )
    return msgspec.structs.replace(base, rules=rules)


class Walker:
    """A walker 1.2 km out in front of tower T08, seen by its camera and, rarely, its radar."""

    def __init__(self, cfg: EngineConfig | None = None) -> None:
        self.picture = Picture(Registry.from_layout(LAYOUT), EPOCH, cfg or config())
        self.seq = 0
        self.alerts: list[Alert] = []
        places = self.picture.alerter.equipment.places
        self.camera, self.radar = places["T08-C"], places["T08-R"]
        tower = Point(*(float(v[0]) for v in to_utm([self.camera.lon], [self.camera.lat])))
        q = LINE.interpolate(LINE.project(tower))
        d = np.array([q.x - tower.x, q.y - tower.y])
        d /= np.hypot(*d)
        self.at = np.array([q.x, q.y]) + d * 1200.0  # out on the Libyan side

    def take(self, message: msgspec.Struct) -> None:
        self.seq += 1
        self.alerts += [o for o in self.picture.take(message) if isinstance(o, Alert)]  # type: ignore[arg-type]

    def run(
        self,
        classes: ClassLikelihood,
        plots_every_s: float | None,
        until_s: float,
        plots_say: ClassLikelihood | None = None,
    ) -> None:
        for t in np.arange(0.0, until_s, 5.0):
            if t % 30.0 == 0.0:
                for sid in ("T08-C", "T08-R"):
                    site = self.picture.alerter.equipment.places[sid]
                    self.take(
                        SensorStatus(
                            sensor_id=sid,
                            kind=site.kind,
                            seq=self.seq,
                            time_ns=EPOCH + round(float(t) * S),
                            health="ok",
                            lat=site.lat,
                            lon=site.lon,
                        )
                    )
            x, y = self.at + np.array([0.3, 0.0]) * t  # crawling across the beam
            brg, _ = true_polar(self.camera.lon, self.camera.lat, np.array([x]), np.array([y]))
            self.take(
                Detection(
                    sensor_id="T08-C",
                    kind="camera",
                    seq=self.seq,
                    time_ns=EPOCH + round(float(t) * S),
                    bearing_deg=float(brg[0]) % 360.0,
                    sigma_bearing_deg=0.1,
                    classes=classes,
                )
            )
            if plots_every_s is not None and t % plots_every_s == 0.0:
                b, r = true_polar(self.radar.lon, self.radar.lat, np.array([x]), np.array([y]))
                self.take(
                    Detection(
                        sensor_id="T08-R",
                        kind="radar",
                        seq=self.seq,
                        time_ns=EPOCH + round(float(t) * S) + S // 2,
                        bearing_deg=float(b[0]) % 360.0,
                        range_m=float(r[0]),
                        sigma_bearing_deg=1.0,
                        sigma_range_m=10.0,
                        radial_speed_mps=0.1,
                        classes=plots_say or RADAR_SAYS,
                    )
                )

    def sightings(self) -> list[Alert]:
        return [a for a in self.alerts if a.rule == "camera_sighting"]


def test_a_person_only_the_camera_keeps_seeing_is_placed_by_sparse_plots_and_alerts_once() -> None:
    w = Walker()
    w.run(SHARP_PERSON, plots_every_s=25.0, until_s=400.0)
    (alert,) = w.sightings()
    assert (alert.cls, alert.priority, alert.category) == ("person", 2, "intrusion")
    assert "thermal camera T08-C" in alert.summary
    assert any(k.startswith("T08-C/") for k in alert.evidence)
    assert any(k.startswith("T08-R/") for k in alert.evidence)
    x, y = to_utm([alert.lon], [alert.lat])
    t_s = (alert.time_ns - EPOCH) / 1e9
    truth = w.at + np.array([0.3, 0.0]) * t_s
    assert np.hypot(float(x[0]) - truth[0], float(y[0]) - truth[1]) < 150.0
    assert not [a for a in w.alerts if a.rule == "approach"]  # too sparse for a track


def test_no_alert_on_an_animal_unplaced_sighting_or_the_rule_off() -> None:
    animal = Walker()
    animal.run(SHARP_ANIMAL, plots_every_s=25.0, until_s=400.0)
    assert animal.sightings() == []
    unplaced = Walker()
    unplaced.run(SHARP_PERSON, plots_every_s=None, until_s=400.0)
    assert unplaced.sightings() == []
    off = Walker(config(enabled=False))
    off.run(SHARP_PERSON, plots_every_s=25.0, until_s=400.0)
    assert off.sightings() == []
    more = Walker(config(min_plots=30))
    more.run(SHARP_PERSON, plots_every_s=25.0, until_s=400.0)
    assert more.sightings() == []


def test_realert_s_sets_how_often_a_sighting_still_in_view_alerts_again() -> None:
    w = Walker(config(realert_s=100.0))
    w.run(SHARP_PERSON, plots_every_s=25.0, until_s=400.0)
    alerts = w.sightings()
    assert len(alerts) >= 2
    assert "has still seen" in alerts[1].summary
    assert alerts[1].time_ns - alerts[0].time_ns >= 100 * S


def test_a_vehicle_sighting_must_still_say_vehicle_with_the_plots_that_place_it() -> None:
    # The radar plots where the camera's "vehicle" is placed say vehicle: P1.
    car = Walker()
    car.run(SHARP_VEHICLE, plots_every_s=5.0, until_s=400.0, plots_say=RADAR_VEHICLE)
    (alert,) = car.sightings()
    assert (alert.cls, alert.priority) == ("vehicle", 1)
    # They say animal, plot after plot (camels grazing on its line of sight): no alert.
    camels = Walker()
    camels.run(SHARP_VEHICLE, plots_every_s=5.0, until_s=400.0, plots_say=RADAR_ANIMAL)
    assert camels.sightings() == []
    # A person is not held to it: a smuggler among camels is placed by the camels' plots.
    among = Walker()
    among.run(SHARP_PERSON, plots_every_s=25.0, until_s=400.0, plots_say=RADAR_ANIMAL)
    assert len(among.sightings()) == 1
