"""Radar detection: Pd near pd_max for a walker moving radially well inside the person range,
lost in the ground clutter when its radial speed is under the minimum detectable velocity
(walking across the beam, standing still), gone beyond range; vehicles seen much further."""

from __future__ import annotations

import pytest

from borderwatch.twin.movers import Mover
from borderwatch.twin.sensors import Placement

from .handmade import chunk, conditions, place, radar, radial, sent, standing, tangential

SCANS = 600  # one chunk of 600 s, one scan a second


def _pd(target: Mover, seed: int = 1) -> float:
    dets, _ = sent(radar(seed=seed), chunk([target]), conditions())
    return len(dets) / SCANS


SITE: Placement = place("X01-R")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_radial_walker_at_3_km_is_seen_almost_every_scan(seed: int) -> None:
    assert _pd(radial(SITE, 3000.0, 1.3), seed) >= 0.85


@pytest.mark.parametrize(
    "target",
    [tangential(SITE, 3000.0, 1.3), standing(SITE, 3000.0)],
    ids=["across-the-beam", "standing"],
)
def test_doppler_blind_below_minimum_radial_speed(target: Mover) -> None:
    assert _pd(target) <= 0.05


def test_walker_at_12_km_is_beyond_person_range() -> None:
    assert _pd(radial(SITE, 12_000.0, 1.3)) <= 0.01


def test_vehicle_at_12_km_is_mostly_seen() -> None:
    assert _pd(radial(SITE, 12_000.0, 5.0, kind="convoy_vehicle")) >= 0.8


def test_pd_falls_with_range() -> None:
    pd = [_pd(radial(SITE, r, 1.3)) for r in (2000.0, 7000.0, 9000.0, 11_000.0)]
    assert pd == sorted(pd, reverse=True)
    assert pd[0] > 0.85 > 0.05 > pd[-1]
