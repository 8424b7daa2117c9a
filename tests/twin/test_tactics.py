"""The adversary's tactics: each library tactic scenario draws groups that do what the
tactic says, and every crossing in the truth carries its tactic. The sensors are untouched:
the advantage has to come from when, where and how they move."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from borderwatch.geo.projection import grid_azimuth, in_field
from borderwatch.geo.sites import RadarSpec, TowerSpec
from borderwatch.twin import load_scenario
from borderwatch.twin.conditions import STORM_RAMP_S
from borderwatch.twin.movers.stealth import blind_leg
from borderwatch.twin.stream import TwinRun, prepare
from borderwatch.twin.truth import Crossing

SEEDS = (1, 2, 3)


@cache
def drawn(name: str, seed: int) -> TwinRun:
    """A library scenario made ready (movers, crossings, conditions), not run."""
    scenario, path = load_scenario(name)
    return prepare(scenario, path, seed)


def hostile_crossings(run: TwinRun) -> list[Crossing]:
    return [c for c in run.crossings if c.hostile and c.inbound and not c.corridor]


@pytest.mark.parametrize(
    ("name", "tactics"),
    [
        ("tactic-outage", {"outage:tower", "outage:camera", "outage:fibre", "outage:ugs"}),
        ("tactic-herd", {"herd"}),
        ("tactic-crawl", {"crawl"}),
        ("tactic-storm", {"storm"}),
        ("tactic-unwatched", {"unwatched"}),
        ("tactic-decoy", {"decoy:feint", "decoy:animals"}),
        ("quiet-night", {"walk-in"}),
    ],
)
def test_every_crossing_is_labelled_with_its_tactic(name: str, tactics: set[str]) -> None:
    seen: set[str] = set()
    for seed in SEEDS:
        crossings = hostile_crossings(drawn(name, seed))
        assert crossings, f"{name} seed {seed}: nobody crossed"
        seen |= {c.tactic for c in crossings}
    assert seen == tactics


def test_nuisance_mix_has_nobody_hostile() -> None:
    run = drawn("nuisance-mix", 1)
    assert not any(m.hostile for m in run.movers)


@pytest.mark.parametrize("seed", SEEDS)
def test_outage_crossers_cross_inside_their_outage_where_the_sensor_watched(seed: int) -> None:
    run = drawn("tactic-outage", seed)
    plans = run.cond.planned
    assert len(plans) == 4  # one per group
    for plan in plans.values():
        for sid in plan.sensors:  # the outage is a real fault of the sensor
            assert (run.cond.state(sid, np.array([plan.start + 1.0, plan.end - 1.0])) != "ok").all()
            assert run.cond.state(sid, np.array([plan.start - 1.0]))[0] in ("ok", "down")
    by_group: dict[str, Crossing] = {}
    for c in hostile_crossings(run):
        by_group.setdefault(c.group, c)
    assert len(by_group) == 4
    sectors = {s.id: s for s in run.world.sectors}
    for c in by_group.values():
        inside = [
            p
            for p in plans.values()
            if p.start <= c.t <= p.end
            and abs(sectors[p.sector].line.project(_point(c)) - p.along_m) < 60.0
        ]
        assert inside, f"{c.group} ({c.tactic}) crossed outside its outage"


def _point(c: Crossing) -> object:
    from shapely.geometry import Point

    return Point(c.x, c.y)


@pytest.mark.parametrize("seed", SEEDS)
def test_storm_crossers_cross_at_the_storms_height(seed: int) -> None:
    run = drawn("tactic-storm", seed)
    (storm,) = run.cond.storms
    for c in hostile_crossings(run):
        assert storm.start + STORM_RAMP_S - 1.0 <= c.t <= storm.end - STORM_RAMP_S + 600.0
        assert run.cond.storm(c.sector, c.t) >= 0.75


@pytest.mark.parametrize("seed", SEEDS)
def test_unwatched_crossers_cross_where_no_radar_reaches_a_person(seed: int) -> None:
    run = drawn("tactic-unwatched", seed)
    cr = hostile_crossings(run)
    covered = run.world.layout.radar_covers([c.x for c in cr], [c.y for c in cr], "person")
    assert not covered.any()


def test_a_blind_leg_keeps_the_radial_speed_under_the_radars_mdv() -> None:
    radar = RadarSpec()
    radars = [(0.0, 0.0, radar)]
    rng = np.random.default_rng(5)
    for _ in range(200):
        p = np.array([rng.uniform(500.0, 6000.0), rng.uniform(-6000.0, 6000.0)])  # in its field
        target = rng.uniform(-6000.0, 6000.0, 2)
        heading, speed = blind_leg(p, target, radars, 1.4, 0.3)
        assert np.hypot(*heading) == pytest.approx(1.0)
        los = p / np.hypot(*p)
        assert abs(heading @ los) * speed < radar.min_radial_speed_mps
        assert heading @ ((target - p) / np.hypot(*(target - p))) >= 0.2 - 1e-9
    # Far from every radar they just walk, straight at it.
    heading, speed = blind_leg(
        np.array([50_000.0, 0.0]), np.array([50_000.0, 1000.0]), radars, 1.4, 0.3
    )
    assert speed == 1.4
    assert heading == pytest.approx([0.0, 1.0])


@pytest.mark.parametrize("seed", SEEDS)
def test_crawlers_are_doppler_blind_and_stop_for_minutes(seed: int) -> None:
    run = drawn("tactic-crawl", seed)
    radars = [
        (float(t.geometry.x), float(t.geometry.y), t.spec.radar)
        for t in run.world.layout.towers
        if isinstance(t.spec, TowerSpec) and t.spec.radar is not None
    ]
    leaders = [m for m in run.movers if m.tactic == "crawl"]
    crossing = {c.mover: c.t for c in hostile_crossings(run)}
    blind = total = 0
    for m in leaders:
        t_end = crossing.get(m.id, m.t[-1])
        ts = np.arange(m.t[0] + 0.5, t_end, 10.0)
        x, y, vx, vy, _ = m.sample(ts)
        moving = np.hypot(vx, vy) > 0
        for rx, ry, spec in radars:
            dx, dy = x - rx, y - ry
            r = np.hypot(dx, dy)
            seen = (
                moving
                & (r <= spec.person_range_m)
                & in_field(grid_azimuth(dx, dy), spec.az_center_deg, spec.az_width_deg)
            )
            vr = np.abs(dx * vx + dy * vy) / np.maximum(r, 1.0)
            blind += int((seen & (vr < spec.min_radial_speed_mps)).sum())
            total += int(seen.sum())
        stops = np.diff(m.t)[(np.diff(m.x) == 0) & (np.diff(m.y) == 0)]
        assert (stops >= 120.0).sum() >= 2, "a crawler lies still for minutes, more than once"
    assert total > 0
    # Blind to every radar that sees them for nearly all of the way in (the last step of each
    # leg heads straight at its target).
    assert blind / total > 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_herd_crossers_walk_inside_the_herd_until_they_slip_away(seed: int) -> None:
    run = drawn("tactic-herd", seed)
    people = [m for m in run.movers if m.tactic == "herd"]
    camels = [m for m in run.movers if m.kind == "camel"]
    assert people
    assert camels
    assert all(m.hostile for m in people)
    assert not any(m.hostile for m in camels)
    crossing = {c.mover: c.t for c in hostile_crossings(run)}
    for m in people:
        if m.id not in crossing:
            continue
        herd = [c for c in camels if c.t[0] <= m.t[0] + 60.0 and abs(c.t[0] - m.t[0]) < 60.0]
        assert herd, "each group walks with a herd that sets out when it does"
        # Until 20 min before the crossing, the person is within the herd's spread.
        ts = np.arange(m.t[0] + 10.0, crossing[m.id] - 1200.0, 60.0)
        px, py, *_ = m.sample(ts)
        cx = np.mean([c.sample(ts)[0] for c in herd], axis=0)
        cy = np.mean([c.sample(ts)[1] for c in herd], axis=0)
        assert np.hypot(px - cx, py - cy).max() < 400.0


@pytest.mark.parametrize("seed", SEEDS)
def test_decoys_draw_the_eye_elsewhere_first(seed: int) -> None:
    run = drawn("tactic-decoy", seed)
    fibre = {s.spec.sector: s.geometry for s in run.world.layout.line_sensors}  # type: ignore[union-attr]
    decoys = [m for m in run.movers if m.tactic == "feint" or m.kind == "dog"]
    assert not any(c.tactic == "feint" for c in run.crossings), "a feint never crosses"
    for c in {c.group: c for c in hostile_crossings(run)}.values():
        # Someone of the decoy was at the berm (within the fibre's 10 m) 4-12 km away,
        # a few minutes before the group crossed.
        line = fibre[c.sector]
        at_berm = []
        for m in decoys:
            ts = np.arange(max(m.t[0], c.t - 1500.0), min(m.t[-1], c.t), 5.0)
            if ts.size == 0:
                continue
            x, y, *_ = m.sample(ts)
            from shapely import distance, points

            d = distance(line, points(x, y))
            gap = np.hypot(x - c.x, y - c.y)
            at_berm.append(bool(((d <= 10.0) & (gap > 3000.0) & (gap < 13_000.0)).any()))
        assert any(at_berm), f"{c.group}: no decoy at the berm before it crossed"
