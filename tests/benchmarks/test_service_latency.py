"""The alert latency benchmark runs (quick size) through `python -m bench`'s table: the real
`borderwatch run` process under 5,000 messages/s, each probe's alert (a fibre trigger that a
ground sensor's report confirms; a sensor's tamper report) seen on the WebSocket."""

from __future__ import annotations

from bench.__main__ import BENCHMARKS


def test_service_latency_benchmark_runs_quick() -> None:
    (row,) = BENCHMARKS["service_latency"](1.0)
    assert row["clients"] == 20
    # Paced at 5,000/s; allow for a shared machine, but it must be the load it claims.
    assert row["messages_per_s"] >= 4_000
    # Every load message and probe message is in the log (plus the operator's login).
    assert row["messages_logged"] >= row["messages_sent"] + 2 * row["probes_sent"]
    assert row["probes_sent"] == 5
    assert row["alerts_seen"] == 5
    assert row["missed"] == 0
    assert row["missed_probes"] == []
    assert row["other_alerts"] == 0
    assert row["bars"]["missed == 0"] is True
    assert row["bars"]["latency_p99_ms <= 250"] is None  # quick runs are not judged
    assert 0 < row["latency_p50_ms"] <= row["latency_p90_ms"] <= row["latency_p99_ms"]
    assert row["latency_p99_ms"] <= row["latency_max_ms"]
    # Both kinds were probed and alerted (breach first: 3 of 5). Not timed here: a shared
    # machine makes any bound flaky; the bar is judged by the full run.
    assert row["breach_latency_p50_ms"] is not None
    assert row["tamper_latency_p50_ms"] is not None
