"""Unattended ground sensor: footsteps trigger it at 10 m, nothing does at 500 m, and it
reports at most once per hold period."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.geo.sites import UgsSpec
from borderwatch.twin.movers import MoverKind

from .handmade import START_NS, chunk, conditions, mover, place, sent, true_seconds, ugs

SPEC = UgsSpec(id="U-X-1", sector="N03", nuisance_per_day=0.0)
SITE = place(SPEC.id)


def _passing(kind: MoverKind, miss_m: float, speed: float) -> list[float]:
    """Report times (s) of a UGS that a mover passes in a straight line, `miss_m` away."""
    half = 400.0
    target = mover(
        kind,
        [0.0, 2 * half / speed],
        [SITE.x - half, SITE.x + half],
        [SITE.y + miss_m, SITE.y + miss_m],
    )
    sensor = ugs(SPEC)
    dets, _ = sent(sensor, chunk([target]), conditions())
    assert all(d.kind == "ugs" and d.sensor_id == SPEC.id for d in dets)
    return [true_seconds(sensor, d.time_ns) for d in dets]


@pytest.mark.parametrize(("kind", "speed"), [("foot_smuggler", 1.3), ("jackal", 3.0)])
def test_triggers_at_10_m(kind: MoverKind, speed: float) -> None:
    times = _passing(kind, 10.0, speed)
    assert times
    closest = 400.0 / speed
    assert min(abs(t - closest) for t in times) < 40.0 / speed  # while it is near


@pytest.mark.parametrize(
    ("kind", "speed"), [("foot_smuggler", 1.3), ("convoy_vehicle", 10.0), ("camel", 0.5)]
)
def test_silent_at_500_m(kind: MoverKind, speed: float) -> None:
    assert _passing(kind, 500.0, speed) == []


@pytest.mark.parametrize("hold_s", [10.0, 30.0, 45.5])
def test_reports_at_least_hold_apart(hold_s: float) -> None:
    spec = UgsSpec(id="U-X-1", sector="N03", nuisance_per_day=0.0, hold_s=hold_s)
    # Someone pacing up and down 5-8 m from the sensor for ten minutes.
    t = np.arange(0.0, 601.0, 5.0)
    x = SITE.x + np.where(np.arange(len(t)) % 2 == 0, 5.0, 8.0)
    target = mover("foot_smuggler", list(t), list(x), [SITE.y] * len(t))
    dets, _ = sent(ugs(spec), chunk([target]), conditions())
    gaps = np.diff([d.time_ns for d in dets]) / 1e9
    assert (gaps >= hold_s * (1 - 1e-4)).all()  # the sensor's clock drifts a few ppm
    assert len(dets) >= int(600 / np.ceil(hold_s)) - 1  # held, not silenced
    assert dets[0].time_ns - START_NS < 2e9
