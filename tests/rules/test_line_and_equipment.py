"""The line-sensor breach (confirmed only) and the rules on our own equipment."""

from __future__ import annotations

import math

import msgspec
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderwatch.geo.projection import to_lonlat
from borderwatch.geo.registry import SensorSite
from borderwatch.messages import ClassLikelihood, Detection
from borderwatch.rules import BarrierLine
from borderwatch.rules.config import LineBreach, SectorQuiet, Sensors
from borderwatch.rules.equipment import EquipmentRules
from borderwatch.rules.line_breach import LineBreachRule

from .scenes import ANIMAL, Mover, frame, make_scene

EPOCH = 1_700_000_000_000_000_000
PERSONISH = ClassLikelihood(person=0.6, vehicle=0.05, animal=0.25, unknown=0.1)
ANIMAL_REPORT = ClassLikelihood(person=0.1, vehicle=0.05, animal=0.8, unknown=0.05)


def _at(barrier: BarrierLine, along: float, depth: float) -> tuple[float, float]:
    p, _, n = frame(barrier, along)
    lon, lat = to_lonlat(*(p + depth * n))
    return float(lon), float(lat)


def _det(kind: str, sid: str, seq: int, t_s: float, lonlat: tuple[float, float]) -> Detection:
    return Detection(
        sensor_id=sid,
        kind=kind,  # type: ignore[arg-type]
        seq=seq,
        time_ns=EPOCH + round(t_s * 1e9),
        lon=lonlat[0],
        lat=lonlat[1],
        cov_m2=(100.0, 0.0, 100.0),
        classes=PERSONISH,
    )


def test_a_fibre_trigger_alone_does_not_alert_and_expires(barrier: BarrierLine) -> None:
    rule = LineBreachRule(LineBreach(), EPOCH)
    assert rule.arrived(_det("line", "LS-N03", 1, 10.0, _at(barrier, 40_000.0, 0.0))) == []
    for t in range(10, 200, 5):
        assert rule.check(make_scene(barrier, float(t), [])) == []
    assert rule.pending == []


def test_a_fibre_trigger_confirmed_by_a_track_alerts_once(barrier: BarrierLine) -> None:
    rule = LineBreachRule(LineBreach(), EPOCH)
    rule.arrived(_det("line", "LS-N03", 7, 10.0, _at(barrier, 40_000.0, 0.0)))
    walker = Mover(3, depth_m=-40.0)
    found = rule.check(make_scene(barrier, 15.0, [walker]))
    assert [(f.rule, f.priority, f.track_ids) for f in found] == [("line_breach", 1, (3,))]
    assert found[0].evidence[0] == "LS-N03/7"  # the trigger itself, then the track's
    assert rule.check(make_scene(barrier, 20.0, [walker])) == []


def test_an_animal_by_the_fibre_does_not_confirm_it(barrier: BarrierLine) -> None:
    rule = LineBreachRule(LineBreach(), EPOCH)
    rule.arrived(_det("line", "LS-N03", 7, 10.0, _at(barrier, 40_000.0, 0.0)))
    jackal = Mover(3, depth_m=-40.0, classes=ANIMAL)
    assert rule.check(make_scene(barrier, 15.0, [jackal])) == []


def test_a_ground_sensor_nearby_confirms_it_the_moment_either_arrives(
    barrier: BarrierLine,
) -> None:
    """No scene needed: whichever of the two is taken in second raises the alert, once."""
    for first, second in ((0, 1), (1, 0)):
        rule = LineBreachRule(LineBreach(), EPOCH)
        dets = [
            _det("ugs", "U-N03-1", 4, 20.0, _at(barrier, 40_050.0, -60.0)),
            _det("line", "LS-N03", 9, 30.0, _at(barrier, 40_000.0, 0.0)),
        ]
        assert rule.arrived(dets[first]) == []
        found = rule.arrived(dets[second])
        assert [f.evidence for f in found] == [("LS-N03/9", "U-N03-1/4")]
        assert rule.pending == []
        assert rule.check(make_scene(barrier, 35.0, [])) == []
        # The fibre firing again as the group climbs is the same breach.
        again = _det("line", "LS-N03", 10, 40.0, _at(barrier, 40_020.0, 0.0))
        assert rule.arrived(again) == []


def test_a_ground_sensor_that_says_animal_or_is_far_does_not(barrier: BarrierLine) -> None:
    rule = LineBreachRule(LineBreach(), EPOCH)
    rule.arrived(_det("line", "LS-N03", 9, 30.0, _at(barrier, 40_000.0, 0.0)))
    far = _det("ugs", "U-N03-1", 4, 31.0, _at(barrier, 41_000.0, -60.0))
    animal = msgspec.structs.replace(
        _det("ugs", "U-N03-1", 5, 31.0, _at(barrier, 40_010.0, -60.0)), classes=ANIMAL_REPORT
    )
    assert rule.arrived(far) == []
    assert rule.arrived(animal) == []
    assert len(rule.pending) == 1


PLACES = {
    "T01-R": SensorSite(kind="radar", sector="N01", lon=11.5, lat=33.1, x=7e5, y=3.66e6),
    "U-N01-1": SensorSite(kind="ugs", sector="N01", lon=11.5, lat=33.11, x=7e5, y=3.661e6),
    "T02-R": SensorSite(kind="radar", sector="N02", lon=11.4, lat=33.0, x=6.9e5, y=3.65e6),
}


def test_a_tampered_sensor_alerts_at_once_and_only_once() -> None:
    eq = EquipmentRules(Sensors(), SectorQuiet(), PLACES)
    eq.status("T01-R", "tampered", 10.0, "enclosure opened")
    eq.status("T01-R", "tampered", 20.0, "enclosure opened")
    found = eq.check(30.0)
    assert [(f.rule, f.priority, f.category, f.subject) for f in found] == [
        ("sensor_tampered", 1, "system", "T01-R")
    ]
    assert "enclosure opened" in found[0].summary
    assert eq.check(35.0) == []


def test_silence_is_down_after_missed_heartbeats_of_its_kind() -> None:
    places = {
        **PLACES,
        "U-N01-2": SensorSite(kind="ugs", sector="N01", lon=11.5, lat=33.12, x=7e5, y=3.662e6),
    }
    eq = EquipmentRules(Sensors(), SectorQuiet(enabled=False), places)
    eq.check(0.0)
    downs = {}
    for t in np.arange(0.0, 1200.0, 5.0):
        eq.heard_from("T02-R", float(t), True)  # T02 keeps talking
        eq.heard_from("U-N01-2", float(t), False)  # so does a ground sensor of N01
        if t < 100:
            eq.heard_from("T01-R", float(t), True)
        if t < 200:
            eq.heard_from("U-N01-1", float(t), False)
        for f in eq.check(float(t)):
            downs[f.subject] = (f.rule, float(t))
    # Radar: 3 x 60 s after its last word (95 s); the ground sensor (5-min heartbeat):
    # 3 x 300 s after its last (195 s).
    assert downs == {"T01-R": ("sensor_down", 280.0), "U-N01-1": ("sensor_down", 1100.0)}
    assert eq.state("T01-R") == "down"
    assert eq.state("T02-R") == "ok"


def test_a_sensor_never_heard_is_unknown_not_down() -> None:
    eq = EquipmentRules(Sensors(), SectorQuiet(), PLACES)
    found = []
    for t in np.arange(0.0, 3000.0, 5.0):
        eq.heard_from("T02-R", float(t), True)
        found += eq.check(float(t))
    assert found == []
    assert eq.state("T01-R") == eq.state("U-N01-1") == "unknown"
    assert eq.state("T02-R") == "ok"


def test_expect_unheard_makes_every_sensor_expected_from_the_start() -> None:
    eq = EquipmentRules(Sensors(expect_unheard=True), SectorQuiet(enabled=False), PLACES)
    downs = {}
    for t in np.arange(0.0, 1000.0, 5.0):
        eq.heard_from("T02-R", float(t), True)
        for f in eq.check(float(t)):
            downs[f.subject] = (f.rule, float(t))
    # N01's radar and ground sensor are two sites, neither ever heard: the sector is silent
    # (one alarm, not one per sensor) once its fastest heartbeat (the radar's 60 s) is missed
    # three times and every sensor is overdue (the ground sensor's 300 s).
    assert downs == {"N01": ("sector_silent", 305.0)}
    assert eq.state("T01-R") == "down"
    assert eq.state("U-N01-1") == "down"


TOWERS = {
    "T01-R": SensorSite(
        kind="radar", sector="N01", lon=11.5, lat=33.1, x=7e5, y=3.66e6, site="T01"
    ),
    "T01-C": SensorSite(
        kind="camera", sector="N01", lon=11.5, lat=33.1, x=7e5, y=3.66e6, site="T01"
    ),
    "T03-R": SensorSite(
        kind="radar", sector="N01", lon=11.5, lat=33.2, x=7e5, y=3.67e6, site="T03"
    ),
    "L-N01": SensorSite(kind="line", sector="N01", lon=11.5, lat=33.1, x=7e5, y=3.66e6),
    "T02-R": SensorSite(
        kind="radar", sector="N02", lon=11.4, lat=33.0, x=6.9e5, y=3.65e6, site="T02"
    ),
}


def _silences(
    eq: EquipmentRules, talking: dict[str, float], until: float
) -> list[tuple[str, str, float, tuple[str, ...]]]:
    """Feed heartbeats every 5 s from each sensor until its time in `talking`."""
    out = []
    for t in np.arange(0.0, until, 5.0):
        for sid, stop in talking.items():
            if t < stop:
                eq.heard_from(sid, float(t), False)
        out += [(f.rule, f.subject, float(t), f.evidence) for f in eq.check(float(t))]
    return out


def test_a_tower_down_is_one_alarm_not_one_per_sensor() -> None:
    eq = EquipmentRules(Sensors(), SectorQuiet(enabled=False), TOWERS)
    talking = dict.fromkeys(TOWERS, 1e9)
    talking["T01-R"] = talking["T01-C"] = 100.0  # the tower's power fails
    assert _silences(eq, talking, 600.0) == [("site_down", "T01", 280.0, ("T01-C", "T01-R"))]


def test_a_sector_cut_off_is_one_alarm_and_what_stays_silent_is_raised_when_it_is_back() -> None:
    eq = EquipmentRules(Sensors(), SectorQuiet(enabled=False), TOWERS)
    talking = dict.fromkeys(TOWERS, 1e9)
    for sid in ("T01-R", "T01-C", "T03-R", "L-N01"):
        talking[sid] = 100.0  # N01's link is cut
    found = _silences(eq, talking, 600.0)
    assert [(r, s) for r, s, _, _ in found] == [("sector_silent", "N01")]
    # The link comes back, but tower T03 does not.
    for t in np.arange(600.0, 1200.0, 5.0):
        for sid in ("T01-R", "T01-C", "L-N01", "T02-R"):
            eq.heard_from(sid, float(t), False)
        found += [(f.rule, f.subject, float(t), f.evidence) for f in eq.check(float(t))]
    assert [(r, s, t) for r, s, t, _ in found[1:]] == [("sensor_down", "T03-R", 600.0)]


def test_a_sector_gone_quiet() -> None:
    eq = EquipmentRules(Sensors(enabled=False), SectorQuiet(quiet_s=600.0), PLACES)
    eq.check(0.0)
    quiet = []
    for t in np.arange(0.0, 2000.0, 5.0):
        eq.heard_from("T02-R", float(t), True)
        eq.heard_from("T01-R", float(t), False)  # heartbeats, but nothing detected
        quiet += [(f.subject, float(t)) for f in eq.check(float(t))]
    assert quiet == [("N01", 605.0)]


_heard = st.tuples(
    st.sampled_from(sorted(TOWERS)), st.floats(-200.0, 0.0), st.booleans()
)  # (sensor, seconds before the scene, detected something)


@given(
    st.lists(st.tuples(st.floats(0.0, 400.0), st.lists(_heard, max_size=4)), max_size=80),
    st.booleans(),
    st.sampled_from([None, 120.0, 900.0]),
)
def test_scenes_passed_over_while_all_is_calm_find_what_looking_at_each_would(
    steps: list[tuple[float, list[tuple[str, float, bool]]]],
    expect_unheard: bool,
    quiet_s: float | None,
) -> None:
    sensors = Sensors(expect_unheard=expect_unheard)
    quiet = SectorQuiet(enabled=False) if quiet_s is None else SectorQuiet(quiet_s=quiet_s)
    calm, every = EquipmentRules(sensors, quiet, TOWERS), EquipmentRules(sensors, quiet, TOWERS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(every, "_calm", lambda started: -math.inf)  # never passes a scene over
        t = 0.0
        for step, heard in steps:
            t += step
            for sid, before, detected in heard:
                calm.heard_from(sid, t + before, detected)
                every.heard_from(sid, t + before, detected)
            assert calm.check(t) == every.check(t)
            assert [calm.state(s) for s in TOWERS] == [every.state(s) for s in TOWERS]
