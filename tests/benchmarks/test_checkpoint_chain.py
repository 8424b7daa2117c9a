"""The chain passage -> hit -> alert -> decision, end to end through the real API of a
running service on the twin's checkpoint traffic (bench checkpoint_chain, small size)."""

from __future__ import annotations

from bench.__main__ import BENCHMARKS
from bench.checkpoint_chain import run


def test_the_chain_from_passage_to_decision() -> None:
    [result] = run(quick=True)
    assert "checkpoint_chain" in BENCHMARKS
    assert result["listed_travellers"] >= 3
    assert result["listed_found"] >= result["listed_travellers"] - 1
    assert result["passages_with_hits"] >= result["listed_found"]
    # Every hit raised its alert, filed into an incident; every incident ended by decisions.
    assert result["lookout_alerts"] == result["passages_with_hits"]
    assert result["bars"] == {"every_hit_alerted": True, "every_incident_decided": True}
    assert 1 <= result["incidents"] == result["incidents_resolved"]
    assert result["apprehended"] >= 1
    assert result["decisions"] == result["passages_with_hits"]
    assert result["time_to_alert_ms"]["p50"] > 0
