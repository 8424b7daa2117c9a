"""Faults: a radar in an outage sends nothing; a tampered sensor shouts `tampered` at once and
then falls silent until repaired; a degraded camera says so in its heartbeats. The scheduled
windows come from the sensor-outage scenario file; a hand-built sensor checks tampering at
every heartbeat phase."""

from __future__ import annotations

import numpy as np
import pytest

from borderwatch.geo.sites import UgsSpec
from borderwatch.messages import SensorStatus
from borderwatch.twin import load_scenario
from borderwatch.twin.conditions import TAMPER_REPORT_S, FaultWindow

from .handmade import chunk, conditions, sent, true_seconds, ugs
from .runs import Run, Runs

MARGIN_S = 1.0  # a sensor's clock is off by a few hundredths of a second


@pytest.fixture(scope="module")
def outage(runs: Runs) -> Run:
    return runs("sensor-outage", seed=1)


def _window(sensor: str, kind: str) -> tuple[float, float]:
    """(start, end) in seconds of the scenario's scheduled fault."""
    scenario, _ = load_scenario("sensor-outage")
    (f,) = [f for f in scenario.faults if f.sensor == sensor and f.kind == kind]
    return f.start_h * 3600.0, (f.start_h + f.hours) * 3600.0


def test_radar_outage_is_silent(outage: Run) -> None:
    start, end = _window("T13-R", "outage")
    times = [outage.seconds(m.time_ns) for m in outage.of("T13-R")]
    assert not [t for t in times if start + MARGIN_S < t < end - MARGIN_S]
    assert any(t < start for t in times)  # up before...
    assert any(t > end for t in times)  # ...and after


def test_tampered_fibre_shouts_then_goes_silent(outage: Run) -> None:
    start, end = _window("LS-N07", "tampered")
    inside = [
        (outage.seconds(m.time_ns), m)
        for m in outage.of("LS-N07")
        if start - MARGIN_S < outage.seconds(m.time_ns) < end - MARGIN_S
    ]
    shouts = [t for t, m in inside if isinstance(m, SensorStatus) and m.health == "tampered"]
    assert shouts
    assert shouts[0] < start + MARGIN_S  # at once
    assert len(shouts) >= TAMPER_REPORT_S / 10.0  # every 10 s for two minutes
    # Nothing else: no detections, no other heartbeats, nothing after the two minutes.
    assert len(shouts) == len(inside)
    assert shouts[-1] < start + TAMPER_REPORT_S + MARGIN_S
    after = [t for t in (outage.seconds(m.time_ns) for m in outage.of("LS-N07")) if t > end]
    assert after
    assert min(after) < end + 61.0  # back at its next heartbeat


def test_degraded_camera_says_so(outage: Run) -> None:
    start, end = _window("T14-C", "degraded")
    beats = [m for m in outage.of("T14-C") if isinstance(m, SensorStatus)]
    during = [m for m in beats if start + MARGIN_S < outage.seconds(m.time_ns) < end - MARGIN_S]
    assert len(during) >= (end - start) / 60.0 - 2  # a heartbeat a minute
    assert {m.health for m in during} == {"degraded"}
    before = [m for m in beats if outage.seconds(m.time_ns) < start - MARGIN_S]
    assert before
    assert {m.health for m in before} == {"ok"}


@pytest.mark.parametrize("start", [float(s) for s in np.arange(10.0, 600.0, 37.0)])
def test_tampering_is_reported_at_once_whatever_the_heartbeat_phase(start: float) -> None:
    """A UGS beats every 300 s; its tamper alarm must not wait for the next beat (the tampered
    state lasts only two minutes, so waiting can mean never reporting it)."""
    spec = UgsSpec(id="U-X-1", sector="N03", nuisance_per_day=0.0)
    sensor = ugs(spec)
    fault = FaultWindow(spec.id, "tampered", start, start + 3600.0)
    _, beats = sent(sensor, chunk([], t1=1200.0), conditions(faults=[fault]))
    shouts = [true_seconds(sensor, m.time_ns) for m in beats if m.health == "tampered"]
    assert shouts
    assert shouts[0] == pytest.approx(start, abs=1e-3)
    assert all(start - 1e-6 <= t < start + TAMPER_REPORT_S for t in shouts)
    assert not [m for m in beats if true_seconds(sensor, m.time_ns) >= start + TAMPER_REPORT_S]
