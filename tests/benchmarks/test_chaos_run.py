"""The chaos run, small (issue 13, bar 1): the real `borderwatch run` with the twin at 20x and
poison on the same CoT port for a minute, then kill -9 and a restart. The benchmark runs it
for 30 minutes at 10x and beside a clean run."""

from __future__ import annotations

import pytest

from bench.chaos_run import run

pytestmark = pytest.mark.slow


def test_the_engine_survives_poison_and_kill_9() -> None:
    row = run(minutes=1.0, speed=20.0, clean=False)
    chaos = row["chaos"]
    assert chaos["poison_sent"] > 100
    rejected = chaos["ingest_rejected"]  # by adapter, then reason
    refused = sum(chaos["admission_refused"].values()) + sum(
        n for reasons in rejected.values() for n in reasons.values()
    )
    assert refused > 0
    # Refused at the door, for the named reasons: none reached the engine as a fault.
    assert {"sigma_out_of_bounds", "unknown_sensor", "time_ahead"} <= set(
        chaos["admission_refused"]
    )
    bars = row["bars"]
    assert bars["engine never stopped"]
    assert bars["poison refused, no engine fault"]
    assert bars["ready within 30 s of a restart after kill -9"]
    assert bars["the restart does not fault"]
    assert chaos["alerts"] > 0
