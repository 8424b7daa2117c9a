"""Degraded mode and every sensor confirming, through the engine (`Picture`): a fibre trigger
where no working sensor can confirm alerts alone, unconfirmed and at a lower priority; a
camera bearing through a trigger confirms it. Each setting changes what happens."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
import numpy as np
import pytest

from borderwatch.engine.config import EngineConfig
from borderwatch.engine.picture import Picture
from borderwatch.geo import build_sectors, load_border, load_sites, to_lonlat
from borderwatch.geo.registry import Registry
from borderwatch.messages import Alert, ClassLikelihood, Detection, Patrol, SensorStatus
from borderwatch.rules.config import Sensors
from borderwatch.rules.coverage import BermCoverage
from borderwatch.twin.sensors.polar import true_polar

EPOCH = 1_700_000_000_000_000_000
S = 1_000_000_000
SECTOR = "N04"
LAYOUT = load_sites().in_sectors({SECTOR})
LINE = next(s for s in build_sectors(load_border()) if s.id == SECTOR).line
PERSON = ClassLikelihood(person=0.6, vehicle=0.05, animal=0.2, unknown=0.15)
# A thermal camera near enough to recognise a person (its sharp confusion column).
CAMERA_PERSON = ClassLikelihood(person=0.92, vehicle=0.02, animal=0.05, unknown=0.05)
# In front of tower T07 (km 4.76 of N04): its radar and camera watch there, and T08's camera.
NEAR_T07 = 4800.0
# Km 10 of N04: no radar or camera looks at this stretch at all (their fields face away).
UNWATCHED = 10_000.0


def config(**line: object) -> EngineConfig:
    """The engine with degraded mode and camera confirmation on (the defaults), and `line`
    changed in `[rules.line_breach]`."""
    base = EngineConfig()
    on = {"degraded_mode": True, "camera_confirms": True} | line
    rules = msgspec.structs.replace(
        base.rules, line_breach=msgspec.structs.replace(base.rules.line_breach, **on)
    )
    return msgspec.structs.replace(base, rules=rules)


def berm(along: float) -> tuple[float, float]:
    p = LINE.interpolate(along)
    lon, lat = to_lonlat(p.x, p.y)
    return float(lon), float(lat)


class Feed:
    """Messages into a Picture of sector N04, in event time; collects the alerts."""

    def __init__(self, cfg: EngineConfig | None = None) -> None:
        self.picture = Picture(Registry.from_layout(LAYOUT), EPOCH, cfg or config())
        self.seq = 0
        self.alerts: list[Alert] = []

    def take(self, message: msgspec.Struct) -> None:
        self.alerts += [o for o in self.picture.take(message) if isinstance(o, Alert)]  # type: ignore[arg-type]

    def _seq(self) -> int:
        self.seq += 1
        return self.seq

    def heartbeats(
        self, t0: float, t1: float, quiet: tuple[str, ...] = (), down: tuple[str, ...] = ()
    ) -> None:
        for t in np.arange(t0, t1, 30.0):
            for sid, site in sorted(self.picture.alerter.equipment.places.items()):
                if sid in quiet:
                    continue
                self.take(
                    SensorStatus(
                        sensor_id=sid,
                        kind=site.kind,
                        seq=self._seq(),
                        time_ns=EPOCH + round(float(t) * S),
                        health="down" if sid in down else "ok",
                        lat=site.lat,
                        lon=site.lon,
                    )
                )

    def trigger(self, t: float, along: float) -> None:
        lon, lat = berm(along)
        self.take(
            Detection(
                sensor_id=f"LS-{SECTOR}",
                kind="line",
                seq=self._seq(),
                time_ns=EPOCH + round(t * S),
                lat=lat,
                lon=lon,
                cov_m2=(100.0, 0.0, 100.0),
                classes=PERSON,
            )
        )

    def bearing(self, t: float, camera: str, along: float, off_m: float = 0.0) -> None:
        """The camera's last two frames of a person there, 2 s apart, the second at `t`."""
        site = self.picture.alerter.equipment.places[camera]
        p = LINE.interpolate(along)
        # A point `off_m` beside the trigger, across the line of sight.
        dx, dy = p.x - site.x, p.y - site.y
        r = float(np.hypot(dx, dy))
        x, y = p.x - dy / r * off_m, p.y + dx / r * off_m
        brg, _ = true_polar(site.lon, site.lat, np.array([x]), np.array([y]))
        for when in (t - 2.0, t):
            self.take(
                Detection(
                    sensor_id=camera,
                    kind="camera",
                    seq=self._seq(),
                    time_ns=EPOCH + round(when * S),
                    bearing_deg=float(brg[0]) % 360.0,
                    sigma_bearing_deg=0.1,
                    classes=CAMERA_PERSON,
                )
            )

    def patrol(self, t: float, x: float, y: float) -> None:
        """One of our patrols reports it stands still at (x, y) (UTM m) at `t`."""
        lon, lat = to_lonlat(x, y)
        self.take(
            Patrol(
                callsign="NG-N04-1",
                agency="national_guard",
                time_ns=EPOCH + round(t * S),
                lat=float(lat),
                lon=float(lon),
                speed_mps=0.0,
                course_deg=0.0,
            )
        )

    def line_alerts(self) -> Iterator[Alert]:
        return (a for a in self.alerts if a.rule == "line_breach")


def test_a_trigger_where_sensors_work_waits_for_a_confirmation_that_never_comes() -> None:
    feed = Feed()
    feed.heartbeats(0.0, 200.0)
    feed.trigger(150.0, NEAR_T07)
    feed.heartbeats(200.0, 400.0)
    assert list(feed.line_alerts()) == []


@pytest.mark.parametrize("how", ["reported down", "silent"])
def test_a_trigger_in_front_of_a_dead_tower_alerts_unconfirmed_at_a_lower_priority(
    how: str,
) -> None:
    feed = Feed()
    feed.heartbeats(0.0, 100.0)
    tower = ("T07-R", "T07-C")
    if how == "reported down":
        feed.heartbeats(100.0, 400.0, down=tower)
    else:  # three missed heartbeats (60 s each) and it no longer counts
        feed.heartbeats(100.0, 400.0, quiet=tower)
    # T08 (9 km on) still reaches this stretch: it must be out too for nobody to confirm.
    feed.heartbeats(400.0, 700.0, quiet=(*tower, "T08-C", "T08-R"))
    feed.trigger(690.0, NEAR_T07)
    (alert,) = feed.line_alerts()
    assert alert.priority == 2
    assert alert.priority > config().rules.line_breach.priority  # less urgent than confirmed
    assert "unconfirmed: coverage degraded" in alert.summary
    assert alert.category == "intrusion"
    assert alert.evidence[0].startswith(f"LS-{SECTOR}/")


def test_a_stretch_no_sensor_covers_at_all_is_degraded_always() -> None:
    feed = Feed()
    feed.heartbeats(0.0, 200.0)
    feed.trigger(150.0, UNWATCHED)
    (alert,) = feed.line_alerts()
    assert "unconfirmed" in alert.summary
    # The fibre firing again as they climb is the same breach.
    feed.trigger(170.0, UNWATCHED + 30.0)
    assert len(list(feed.line_alerts())) == 1


def test_degraded_mode_off_drops_the_unconfirmed_trigger_as_before() -> None:
    feed = Feed(config(degraded_mode=False))
    feed.heartbeats(0.0, 200.0)
    feed.trigger(150.0, UNWATCHED)
    feed.heartbeats(200.0, 400.0)
    assert list(feed.line_alerts()) == []


def test_degraded_priority_sets_the_unconfirmed_alerts_priority() -> None:
    feed = Feed(config(degraded_priority=3))
    feed.heartbeats(0.0, 200.0)
    feed.trigger(150.0, UNWATCHED)
    assert [a.priority for a in feed.line_alerts()] == [3]


def test_a_camera_bearing_through_a_trigger_confirms_it() -> None:
    for first in ("trigger", "bearing"):
        feed = Feed()
        feed.heartbeats(0.0, 200.0)
        if first == "trigger":
            feed.trigger(150.0, NEAR_T07)
            feed.bearing(160.0, "T08-C", NEAR_T07)
        else:
            feed.bearing(140.0, "T08-C", NEAR_T07)
            feed.trigger(150.0, NEAR_T07)
        (alert,) = feed.line_alerts()
        assert alert.priority == 1
        assert "confirmed by a camera bearing" in alert.summary
        assert alert.cls == "person"
        assert alert.evidence[1].startswith("T08-C/")


def test_a_patrol_on_the_cameras_line_of_sight_or_at_the_trigger_confirms_nothing() -> None:
    """The camera may be seeing our patrol behind a jackal at the berm; and the fibre fires
    when our patrol climbs it. Neither alerts, confirmed or (on a blind stretch) alone."""
    site = Feed().picture.alerter.equipment.places["T08-C"]
    p = LINE.interpolate(NEAR_T07)
    dx, dy = p.x - site.x, p.y - site.y
    r = float(np.hypot(dx, dy))
    for beyond in (0.0, 500.0):  # at the trigger; 500 m behind it, on the camera's line
        feed = Feed()
        feed.heartbeats(0.0, 200.0)
        feed.patrol(145.0, p.x + dx / r * beyond, p.y + dy / r * beyond)
        feed.trigger(150.0, NEAR_T07)
        feed.bearing(160.0, "T08-C", NEAR_T07)
        assert list(feed.line_alerts()) == [], beyond
    blind = Feed()
    blind.heartbeats(0.0, 200.0)
    at = LINE.interpolate(UNWATCHED)
    for k in range(4):  # it reports every 10 s
        blind.patrol(145.0 + 10 * k, at.x, at.y)
        blind.trigger(150.0 + 10 * k, UNWATCHED)
    assert list(blind.line_alerts()) == []
    assert blind.picture.alerter.line.ours == 4
    # Without the patrol the same bearing confirms (test above), the same triggers alert.
    alone = Feed()
    alone.heartbeats(0.0, 200.0)
    for k in range(4):
        alone.trigger(150.0 + 10 * k, UNWATCHED)
    assert len(list(alone.line_alerts())) == 1


def test_a_bearing_that_misses_or_cameras_off_confirm_nothing() -> None:
    feed = Feed()
    feed.heartbeats(0.0, 200.0)
    feed.trigger(150.0, NEAR_T07)
    feed.bearing(160.0, "T08-C", NEAR_T07, off_m=150.0)
    assert list(feed.line_alerts()) == []
    wide = Feed(config(bearing_tolerance_m=200.0))
    wide.heartbeats(0.0, 200.0)
    wide.trigger(150.0, NEAR_T07)
    wide.bearing(160.0, "T08-C", NEAR_T07, off_m=150.0)
    assert len(list(wide.line_alerts())) == 1
    off = Feed(config(camera_confirms=False))
    off.heartbeats(0.0, 200.0)
    off.trigger(150.0, NEAR_T07)
    off.bearing(160.0, "T08-C", NEAR_T07)
    assert list(off.line_alerts()) == []


def test_coverage_per_stretch_from_the_layout() -> None:
    cov = BermCoverage(LAYOUT, load_border(), Sensors())
    assert len(cov.stretches) == int(np.ceil(LINE.length / 100.0))
    near = cov.stretch_at(*LINE.interpolate(NEAR_T07).coords[0])
    assert near is not None
    assert {"T07-R", "T07-C"} <= set(near.confirmers)
    far = cov.stretch_at(*LINE.interpolate(UNWATCHED).coords[0])
    assert far is not None
    assert far.confirmers == ()
    # Ground sensors stand 340 m and more from the berm: out of their footstep range.
    assert not any(c.startswith("U-") for s in cov.stretches for c in s.confirmers)
    coarse = BermCoverage(LAYOUT, load_border(), Sensors(), stretch_m=1000.0)
    assert len(coarse.stretches) == int(np.ceil(LINE.length / 1000.0))


def test_stretch_m_setting_reaches_the_engine() -> None:
    feed = Feed(config(stretch_m=1000.0))
    assert feed.picture.coverage is not None
    assert len(feed.picture.coverage.stretches) == int(np.ceil(LINE.length / 1000.0))


def fibre(feed: Feed, t: float, along: float, classes: ClassLikelihood) -> None:
    lon, lat = berm(along)
    feed.take(
        Detection(
            sensor_id=f"LS-{SECTOR}",
            kind="line",
            seq=feed._seq(),
            time_ns=EPOCH + round(t * S),
            lat=lat,
            lon=lon,
            cov_m2=(100.0, 0.0, 100.0),
            classes=classes,
        )
    )


# What the twin's fibre reports when it labels a trigger "person" or "unknown" (its
# confusion matrix's columns): a jackal is labelled "person" 3 times in 10.
FIBRE_PERSON = ClassLikelihood(person=0.55, vehicle=0.05, animal=0.30, unknown=0.20)
FIBRE_UNKNOWN = ClassLikelihood(person=0.15, vehicle=0.05, animal=0.20, unknown=0.50)


def test_on_a_blind_stretch_the_fibre_alerts_when_its_triggers_together_say_person() -> None:
    feed = Feed()
    feed.heartbeats(0.0, 200.0)
    fibre(feed, 100.0, UNWATCHED, FIBRE_PERSON)  # 0.545 alone: not enough
    assert list(feed.line_alerts()) == []
    fibre(feed, 120.0, UNWATCHED + 20.0, FIBRE_UNKNOWN)  # 0.35
    fibre(feed, 140.0, UNWATCHED + 40.0, FIBRE_PERSON)  # 0.545
    assert list(feed.line_alerts()) == []
    fibre(feed, 150.0, UNWATCHED - 30.0, FIBRE_PERSON)  # three "person", one "unknown": 0.73
    (alert,) = feed.line_alerts()
    assert "4 times here, unconfirmed: coverage degraded" in alert.summary
    assert (alert.cls, alert.priority) == ("person", 2)
    assert len(alert.evidence) == 4  # every trigger behind it
    # Far apart, or too far apart in time, triggers are not one thing seen again.
    apart = Feed()
    apart.heartbeats(0.0, 900.0)
    fibre(apart, 100.0, UNWATCHED, FIBRE_PERSON)
    fibre(apart, 110.0, UNWATCHED + 600.0, FIBRE_PERSON)
    fibre(apart, 500.0, UNWATCHED, FIBRE_PERSON)
    assert list(apart.line_alerts()) == []


def test_degraded_window_s_sets_how_long_triggers_add_up() -> None:
    for window, expected in ((300.0, 0), (600.0, 1)):
        feed = Feed(config(degraded_window_s=window))
        feed.heartbeats(0.0, 900.0)
        fibre(feed, 100.0, UNWATCHED, FIBRE_PERSON)
        fibre(feed, 500.0, UNWATCHED, FIBRE_PERSON)
        assert len(list(feed.line_alerts())) == expected


def test_a_camera_bearing_confirms_only_if_it_and_the_trigger_say_person_together() -> None:
    sharp = ClassLikelihood(person=0.92, vehicle=0.02, animal=0.05, unknown=0.05)
    far = ClassLikelihood(person=0.08, vehicle=0.20, animal=0.08, unknown=0.08)  # "vehicle"
    for seen, expected in ((sharp, 1), (far, 0)):
        feed = Feed()
        feed.heartbeats(0.0, 200.0)
        fibre(feed, 150.0, NEAR_T07, FIBRE_PERSON)
        site = feed.picture.alerter.equipment.places["T08-C"]
        p = LINE.interpolate(NEAR_T07)
        brg, _ = true_polar(site.lon, site.lat, np.array([p.x]), np.array([p.y]))
        for t in (156, 158, 160):  # one sighting: three frames of one thing
            feed.take(
                Detection(
                    sensor_id="T08-C",
                    kind="camera",
                    seq=feed._seq(),
                    time_ns=EPOCH + t * S,
                    bearing_deg=float(brg[0]) % 360.0,
                    sigma_bearing_deg=0.1,
                    classes=seen,
                )
            )
        assert len(list(feed.line_alerts())) == expected


def test_a_bearing_that_cannot_tell_what_it_sees_confirms_nothing() -> None:
    feed = Feed()
    feed.heartbeats(0.0, 200.0)
    feed.trigger(150.0, NEAR_T07)
    blind = ClassLikelihood(person=0.12, vehicle=0.08, animal=0.10, unknown=0.70)
    site = feed.picture.alerter.equipment.places["T08-C"]
    p = LINE.interpolate(NEAR_T07)
    brg, _ = true_polar(site.lon, site.lat, np.array([p.x]), np.array([p.y]))
    feed.take(
        Detection(
            sensor_id="T08-C",
            kind="camera",
            seq=feed._seq(),
            time_ns=EPOCH + 160 * S,
            bearing_deg=float(brg[0]) % 360.0,
            sigma_bearing_deg=0.1,
            classes=blind,
        )
    )
    assert list(feed.line_alerts()) == []
