"""Camera sightings against the herd tactic (issue 14): a person walks among camels the radar
tracks as animals, then out of the herd towards the berm. The camera's sighting that followed
the herd goes on with him; his sharp "person" frames must turn it (`class_floor`), and the
camel tracks on its line of sight must not explain him away (`unlike_threat_max`)."""

from __future__ import annotations

import dataclasses
import math

import msgspec
import numpy as np

from borderwatch.messages import ClassLikelihood, Detection
from borderwatch.rules import BarrierLine
from borderwatch.rules.config import Sightings
from borderwatch.rules.scene import Finding
from borderwatch.rules.sightings import SightingRule

from .scenes import ANIMAL, Mover, frame, make_scene

EPOCH = 1_700_000_000_000_000_000
S = 1_000_000_000
ALONG, DEPTH, CAMERA_IN = 40_000.0, 500.0, 1000.0  # m along the line, out, camera in
SHARP_PERSON = ClassLikelihood(person=0.92, vehicle=0.02, animal=0.05, unknown=0.05)
SHARP_ANIMAL = ClassLikelihood(person=0.04, vehicle=0.02, animal=0.9, unknown=0.1)
UNSURE = (0.3, 0.02, 0.5, 0.18)  # a track the radar has not made up its mind on


class Herd:
    """A camera 1 km in from the line watching a camel herd 500 m out, imaged as one blob on
    one bearing every 5 s; radar plots on that bearing place it; the radar tracks one camel
    80 m to the side (on the camera's line of sight, within `explained_m`)."""

    def __init__(self, barrier: BarrierLine, config: Sightings | None = None) -> None:
        self.barrier = barrier
        p, self.tan, nrm = frame(barrier, ALONG)
        self.camera = p - CAMERA_IN * nrm
        self.at = p + DEPTH * nrm
        self.rule = SightingRule(
            config or Sightings(), barrier, {"C1": (*self.camera.tolist(), 0.0)}, EPOCH
        )
        dx, dy = self.at - self.camera
        self.bearing_deg = math.degrees(math.atan2(dx, dy)) % 360.0
        self.seq = 0

    def run(
        self,
        blobs: list[ClassLikelihood],
        t0_s: float,
        t1_s: float,
        camel: tuple[float, ...],
        patrol_s: tuple[float, float] = (math.inf, math.inf),
    ) -> list[Finding]:
        """Frames every 5 s from `t0_s` to `t1_s`, cycling through `blobs`, with a plot each;
        the scene's one track, the camel, has classes `camel`; from `patrol_s[0]` to
        `patrol_s[1]` our patrol stands on the patrol road between the camera and the herd."""
        road = (self.camera + self.at) / 2.0
        out: list[Finding] = []
        for k, t in enumerate(np.arange(t0_s, t1_s, 5.0).tolist()):
            self.seq += 1
            self.rule.arrived(
                Detection(
                    sensor_id="C1",
                    kind="camera",
                    seq=self.seq,
                    time_ns=EPOCH + round(t * S),
                    bearing_deg=self.bearing_deg,
                    sigma_bearing_deg=0.1,
                    classes=blobs[k % len(blobs)],
                )
            )
            if self.rule.wants_plots:
                x, y = self.at
                self.rule.plots(np.array([t]), np.array([x]), np.array([y]), (f"R/{self.seq}",))
            track = Mover(1, depth_m=DEPTH, along_m=ALONG + 80.0, classes=camel)  # type: ignore[arg-type]
            scene = make_scene(self.barrier, t, [track])
            if patrol_s[0] <= t <= patrol_s[1]:
                scene = dataclasses.replace(scene, patrols=lambda: road[None, :])
            out += self.rule.check(scene)
        return out


def test_a_person_walking_out_of_a_herd_turns_its_sighting_and_alerts(
    barrier: BarrierLine,
) -> None:
    herd = Herd(barrier)
    assert herd.run([SHARP_ANIMAL], 0.0, 1800.0, ANIMAL) == []  # half an hour of camels
    # Within two minutes of his first frame alone, though the camels came first.
    found = herd.run([SHARP_PERSON], 1800.0, 1920.0, ANIMAL)
    assert len(found) == 1
    alert = found[0]
    assert (alert.rule, alert.cls) == ("camera_sighting", "person")
    assert np.hypot(alert.x - herd.at[0], alert.y - herd.at[1]) < 50.0
    assert herd.run([SHARP_PERSON], 1920.0, 2400.0, ANIMAL) == []  # once, until `realert_s`


def test_without_the_floor_the_herds_history_outweighs_him(barrier: BarrierLine) -> None:
    herd = Herd(barrier, Sightings(class_floor=1000.0))
    herd.run([SHARP_ANIMAL], 0.0, 1800.0, ANIMAL)
    assert herd.run([SHARP_PERSON], 1800.0, 2100.0, ANIMAL) == []


def test_a_track_that_may_be_him_still_explains_the_sighting(barrier: BarrierLine) -> None:
    herd = Herd(barrier)
    herd.run([SHARP_ANIMAL], 0.0, 1800.0, UNSURE)
    assert herd.run([SHARP_PERSON], 1800.0, 2100.0, UNSURE) == []
    strict = Herd(barrier, Sightings(unlike_threat_max=0.0))  # every track explains, as before
    strict.run([SHARP_ANIMAL], 0.0, 1800.0, ANIMAL)
    assert strict.run([SHARP_PERSON], 1800.0, 2100.0, ANIMAL) == []


def test_our_patrol_on_its_line_of_sight_still_holds_it_back(barrier: BarrierLine) -> None:
    # Unchanged: what the camera sees may be our patrol, for as long as the sighting lasts
    # (letting it go after a while tripled the sightings' alerts on tactic-crawl).
    herd = Herd(barrier)
    herd.run([SHARP_ANIMAL], 0.0, 1800.0, ANIMAL, patrol_s=(600.0, 620.0))
    assert herd.run([SHARP_PERSON], 1800.0, 2400.0, ANIMAL) == []


def test_camels_now_and_then_imaged_as_a_person_do_not_alert(barrier: BarrierLine) -> None:
    herd = Herd(barrier)
    # One sharp frame in five says person (a camel's 5 % confusion, four times over).
    blobs = [SHARP_PERSON, SHARP_ANIMAL, SHARP_ANIMAL, SHARP_ANIMAL, SHARP_ANIMAL]
    assert herd.run(blobs, 0.0, 3600.0, ANIMAL) == []


def test_the_settings_are_checked() -> None:
    for bad in ({"class_floor": 0.0}, {"unlike_threat_max": 0.6}):
        try:
            msgspec.convert(bad, Sightings)
        except msgspec.ValidationError:
            continue
        raise AssertionError(f"{bad} accepted")
