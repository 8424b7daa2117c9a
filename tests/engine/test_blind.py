"""The berm's blind stretches as runs (`engine.blind`), on sector N03's layout: the gap no
sensor reaches, a tower down, silent or never heard, and the per-scene cache."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from borderwatch.engine.blind import BlindRuns, Confirmer, blind_runs
from borderwatch.engine.picture import Picture
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry


@pytest.fixture(scope="module")
def picture() -> Picture:
    return Picture(Registry.from_layout(load_sites(None).in_sectors({"N03"})), 0)


def _heard_all(picture: Picture, t_s: float) -> None:
    coverage = picture.coverage
    assert coverage is not None
    coverage.health.clear()
    coverage.started = 0.0
    for sid in coverage.kind:
        coverage.heard[sid] = t_s


def test_runs_tell_sensors_failing_now_from_a_gap_never_covered(picture: Picture) -> None:
    coverage = picture.coverage
    assert coverage is not None
    _heard_all(picture, 0.0)
    (gap,) = blind_runs(coverage, 10.0)
    assert (gap.sector, gap.start_m, gap.end_m, gap.kind) == ("N03", 0.0, 3400.0, "never_covered")
    assert gap.confirmers == ()
    assert gap.line.length == pytest.approx(3400.0, rel=1e-6)
    # Tower T06 down: its stretch (it alone covers km 15.7 to the end) is one run, merged
    # from 38 stretches, naming both sensors; the run's middle lies on its piece of line.
    coverage.health["T06-R"] = coverage.health["T06-C"] = "down"
    gap_again, down = blind_runs(coverage, 10.0)
    assert gap_again == gap
    assert (down.kind, down.start_m, down.end_m) == ("down", 15700.0, coverage.lines[0][1].length)
    assert down.confirmers == (Confirmer("T06-C", "down"), Confirmer("T06-R", "down"))
    assert down.line.distance(Point(down.x, down.y)) < 1e-6
    # The radar reports tampered; the camera comes back but falls silent 10 min later.
    coverage.health["T06-R"] = "tampered"
    coverage.health["T06-C"] = "ok"
    assert [r.kind for r in blind_runs(coverage, 10.0)] == ["never_covered"]
    for sid in coverage.kind:
        coverage.heard[sid] = 600.0  # the others still heard
    coverage.heard["T06-C"] = 0.0
    (_, silent) = blind_runs(coverage, 600.0 + 10.0)
    assert silent.confirmers == (Confirmer("T06-C", "silent"), Confirmer("T06-R", "tampered"))
    # Never heard from at all (a sector not fielded): said so, not "silent"; with its radar
    # tampered it is still a fault, with neither ever heard the run is `unknown`, not `down`.
    del coverage.heard["T06-C"]
    (_, unheard) = blind_runs(coverage, 600.0 + 10.0)
    assert unheard.kind == "down"
    assert Confirmer("T06-C", "never_heard") in unheard.confirmers
    del coverage.heard["T06-R"]
    coverage.health.clear()
    (_, unknown) = blind_runs(coverage, 600.0 + 10.0)
    assert unknown.kind == "unknown"
    assert unknown.confirmers == (
        Confirmer("T06-C", "never_heard"),
        Confirmer("T06-R", "never_heard"),
    )


def test_runs_are_walked_once_per_scene_and_health(picture: Picture) -> None:
    coverage = picture.coverage
    assert coverage is not None
    _heard_all(picture, 0.0)
    cache = BlindRuns()
    picture.window.now_s = 10.0
    first = cache.of(picture)
    assert cache.of(picture) is first
    picture.window.now_s = 10.0 + picture.snapshot_s / 10  # the same scene
    assert cache.of(picture) is first
    assert cache.computed == 1
    coverage.health["T06-R"] = coverage.health["T06-C"] = "down"  # a health change: at once
    assert [r.kind for r in cache.of(picture)] == ["never_covered", "down"]
    assert cache.computed == 2
    picture.window.now_s += picture.snapshot_s  # the next scene
    cache.of(picture)
    assert cache.computed == 3


def test_a_picture_with_no_time_yet_has_no_runs() -> None:
    """A picture made for an operator's action before any sensor spoke: nothing to say."""
    fresh = Picture(Registry.from_layout(load_sites(None).in_sectors({"N03"})), 0)
    assert fresh.window.now_s == float("-inf")
    assert BlindRuns().of(fresh) == []
