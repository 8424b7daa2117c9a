"""The rules on tracks: approach, crossing, loitering, convoy."""

from __future__ import annotations

import numpy as np

from borderwatch.rules import BarrierLine
from borderwatch.rules.approach import ApproachRule
from borderwatch.rules.config import Approach, Convoy, Crossing, Loitering
from borderwatch.rules.convoy import ConvoyRule
from borderwatch.rules.crossing import CrossingRule
from borderwatch.rules.loitering import LoiteringRule

from .scenes import ANIMAL, VEHICLE, Mover, make_scene


def test_approach_fires_once_with_the_predicted_crossing(barrier: BarrierLine) -> None:
    rule = ApproachRule(Approach())
    walker = Mover(1, depth_m=1500.0, inbound_mps=1.2)
    found = rule.check(make_scene(barrier, 100.0, [walker]))
    assert len(found) == 1
    f = found[0]
    assert f.rule == "approach"
    assert f.cls == "person"
    assert f.priority == 2
    assert f.track_ids == (1,)
    assert f.evidence == ("R1/1",)
    assert f.crossing is not None
    assert abs(f.crossing[2] - (100.0 + 1500.0 / 1.2)) < 60.0  # when: ~21 min from now
    # Next scene, the same track: no second alert.
    assert rule.check(make_scene(barrier, 105.0, [walker])) == []


def test_approach_gives_vehicles_the_top_priority(barrier: BarrierLine) -> None:
    found = ApproachRule(Approach()).check(
        make_scene(barrier, 0.0, [Mover(1, depth_m=4000.0, inbound_mps=8.0, classes=VEHICLE)])
    )
    assert [(f.cls, f.priority) for f in found] == [("vehicle", 1)]


def test_no_approach_alert_for_what_should_not_alarm(barrier: BarrierLine) -> None:
    movers = [
        Mover(1, depth_m=1500.0, inbound_mps=1.2, classes=ANIMAL),  # a camel
        Mover(2, depth_m=1500.0, inbound_mps=1.2, friendly=True),  # our patrol
        Mover(3, depth_m=1500.0, inbound_mps=-1.2),  # walking away
        Mover(4, depth_m=1500.0, along_mps=1.2),  # walking along the berm
        Mover(5, depth_m=9000.0, inbound_mps=1.2),  # too far out
        Mover(6, depth_m=1500.0, inbound_mps=1.2, age_s=20.0),  # too young to trust
        Mover(7, depth_m=1500.0, inbound_mps=1.2, fix_age_s=60.0),  # bearings only
        Mover(8, depth_m=-1500.0, inbound_mps=1.2),  # already inside
    ]
    assert ApproachRule(Approach()).check(make_scene(barrier, 0.0, movers)) == []


def test_crossing_fires_at_the_line_when_a_track_comes_over(barrier: BarrierLine) -> None:
    rule = CrossingRule(Crossing())
    assert rule.check(make_scene(barrier, 0.0, [Mover(1, depth_m=30.0, inbound_mps=1.0)])) == []
    found = rule.check(make_scene(barrier, 5.0, [Mover(1, depth_m=-30.0, inbound_mps=1.0)]))
    assert [f.rule for f in found] == ["crossing"]
    f = found[0]
    assert (
        abs(barrier.depth(np.array([f.x]), np.array([f.y]))[0]) < 5.0
    )  # at the line, between the two positions
    assert f.crossing is not None
    assert f.crossing[2] == 5.0


def test_no_crossing_on_bearings_alone(barrier: BarrierLine) -> None:
    rule = CrossingRule(Crossing())
    rule.check(make_scene(barrier, 0.0, [Mover(1, depth_m=30.0, inbound_mps=1.0)]))
    drifted = Mover(1, depth_m=-30.0, inbound_mps=1.0, fix_age_s=60.0)
    assert rule.check(make_scene(barrier, 5.0, [drifted])) == []


def test_no_crossing_for_jitter_on_the_line_or_for_animals(barrier: BarrierLine) -> None:
    rule = CrossingRule(Crossing())
    rule.check(make_scene(barrier, 0.0, [Mover(1, 5.0), Mover(2, 300.0, classes=ANIMAL)]))
    found = rule.check(make_scene(barrier, 5.0, [Mover(1, -5.0), Mover(2, -10.0, classes=ANIMAL)]))
    assert found == []


def test_loitering_after_the_dwell_time_once(barrier: BarrierLine) -> None:
    rule = LoiteringRule(Loitering(dwell_s=600.0))
    still = Mover(1, depth_m=400.0)
    fired = [rule.check(make_scene(barrier, float(t), [still])) for t in range(0, 1300, 5)]
    times = [t for t, f in zip(range(0, 1300, 5), fired, strict=True) if f]
    assert times == [600]


def test_convoy_of_three_vehicles_together(barrier: BarrierLine) -> None:
    rule = ConvoyRule(Convoy())
    cars = [
        Mover(k, depth_m=5000.0 + 150.0 * k, inbound_mps=10.0, classes=VEHICLE) for k in (1, 2, 3)
    ]
    found = rule.check(make_scene(barrier, 0.0, cars))
    assert [(f.rule, f.track_ids, f.priority) for f in found] == [("convoy", (1, 2, 3), 1)]
    assert rule.check(make_scene(barrier, 5.0, cars)) == []  # the same convoy: once
    # Two vehicles are not a convoy; three apart are not either.
    far = [
        Mover(k, 5000.0, along_m=40_000.0 + 5000.0 * k, inbound_mps=10.0, classes=VEHICLE)
        for k in (4, 5, 6)
    ]
    assert ConvoyRule(Convoy()).check(make_scene(barrier, 0.0, cars[:2] + far)) == []


def test_a_rule_switched_off_in_the_file_does_not_run(barrier: BarrierLine) -> None:
    from borderwatch.rules import Alerter, RulesConfig

    walker = Mover(1, depth_m=1500.0, inbound_mps=1.2)
    on = Alerter(RulesConfig(), barrier, {}, 0)
    off = Alerter(RulesConfig(approach=Approach(enabled=False)), barrier, {}, 0)
    assert [a.rule for a in on.check(make_scene(barrier, 100.0, [walker]))] == ["approach"]
    assert off.check(make_scene(barrier, 100.0, [walker])) == []


def test_no_approach_for_traffic_heading_for_a_crossing_post(barrier: BarrierLine) -> None:
    from dataclasses import replace

    scene = make_scene(barrier, 0.0, [Mover(1, depth_m=3000.0, inbound_mps=10.0, classes=VEHICLE)])
    to_post = replace(scene, on_legal_road=lambda x, y: np.ones(np.shape(x), bool))
    assert ApproachRule(Approach()).check(to_post) == []
    assert len(ApproachRule(Approach()).check(scene)) == 1
