"""Sectors: ten berm sectors N01..N10, six open-desert ones S01..S06, and their zones."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from shapely.geometry import Point

from borderwatch.geo import Border, Sector, sector_index, side_of_line
from borderwatch.geo.sectors import APPROACH_DEPTH_M, BARRIER_HALF_WIDTH_M, INNER_DEPTH_M

# Overlap below this is floating-point noise along the shared edge (the line itself).
NOISE_M2 = 1e-3


def test_ids_in_order(sectors: tuple[Sector, ...]) -> None:
    ids = [s.id for s in sectors]
    assert ids == [f"N{i:02d}" for i in range(1, 11)] + [f"S{i:02d}" for i in range(1, 7)]
    assert {s.segment for s in sectors[:10]} == {"berm"}
    assert {s.segment for s in sectors[10:]} == {"open"}


def test_berm_sectors_are_17_to_23_km_and_cover_the_berm(
    border: Border, sectors: tuple[Sector, ...]
) -> None:
    berm = sectors[:10]
    assert all(17_000.0 <= s.length_m <= 23_000.0 for s in berm)
    assert sum(s.length_m for s in berm) == pytest.approx(border.berm.length, abs=1.0)


def test_open_sectors_are_about_40_km_and_cover_the_open_line(
    border: Border, sectors: tuple[Sector, ...]
) -> None:
    open_ = sectors[10:]
    assert all(30_000.0 <= s.length_m <= 50_000.0 for s in open_)
    assert sum(s.length_m for s in open_) == pytest.approx(border.open_line.length, abs=1.0)


def test_sector_lines_chain_end_to_start(sectors: tuple[Sector, ...]) -> None:
    for a, b in itertools.pairwise(sectors):
        assert Point(a.line.coords[-1]).distance(Point(b.line.coords[0])) < 1e-6


@pytest.mark.parametrize("i", range(16), ids=lambda i: f"sector{i}")
def test_approach_and_inner_do_not_overlap(sectors: tuple[Sector, ...], i: int) -> None:
    s = sectors[i]
    assert s.approach.is_valid
    assert s.inner.is_valid
    assert s.approach.intersection(s.inner).area < NOISE_M2


@pytest.mark.parametrize("i", range(16), ids=lambda i: f"sector{i}")
def test_zones_lie_on_their_side(sectors: tuple[Sector, ...], i: int) -> None:
    """Approach left of the line (Libya), inner right (Tunisia), barrier astride it."""
    s = sectors[i]
    mid = s.line.interpolate(0.5, normalized=True)
    probe_a = s.approach.representative_point()
    probe_i = s.inner.representative_point()
    sides = side_of_line(s.line, np.array([probe_a.x, probe_i.x]), np.array([probe_a.y, probe_i.y]))
    assert sides.tolist() == [1.0, -1.0]
    assert s.barrier.contains(mid)
    assert s.approach.area == pytest.approx(s.length_m * APPROACH_DEPTH_M, rel=0.35)
    assert s.inner.area == pytest.approx(s.length_m * INNER_DEPTH_M, rel=0.35)
    assert s.barrier.area == pytest.approx(s.length_m * 2 * BARRIER_HALF_WIDTH_M, rel=0.1)
    assert s.area.area >= max(s.approach.area, s.inner.area)


def test_sector_index_maps_each_midpoint_to_its_sector(sectors: tuple[Sector, ...]) -> None:
    mids = [s.line.interpolate(0.5, normalized=True) for s in sectors]
    x = np.array([p.x for p in mids])
    y = np.array([p.y for p in mids])
    idx = sector_index(sectors, x, y)
    assert idx.dtype == np.int64
    assert idx.tolist() == list(range(len(sectors)))


def test_sector_index_max_distance(sectors: tuple[Sector, ...]) -> None:
    mid = sectors[3].line.interpolate(0.5, normalized=True)
    x = np.array([mid.x, mid.x + 3_000.0, mid.x + 200_000.0])
    y = np.array([mid.y, mid.y, mid.y])
    assert sector_index(sectors, x, y, max_m=10_000.0).tolist() == [3, 3, -1]
