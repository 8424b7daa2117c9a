"""The CoT out benchmark runs (quick size) through `python -m bench`'s table: 50 TAK clients
get every snapshot, with and without a client that never reads, and nothing lags."""

from __future__ import annotations

import pytest

from bench.__main__ import BENCHMARKS

pytestmark = pytest.mark.slow


def test_cot_out_benchmark_runs_quick() -> None:
    rows = BENCHMARKS["cot_out"](1.0)
    rounds, summary = rows[:-1], rows[-1]
    assert [r["stalled_client"] for r in rounds] == [False, True]
    for r in rounds:
        assert r["clients"] == 50
        assert r["snapshots"] > 0
        # Every client read the first track of every snapshot.
        assert r["latencies"] == 50 * r["snapshots"]
        assert r["engine_lag_events_at_end"] == 0
        assert r["p99_s"] < 5.0
    assert all(v is None for v in summary["bars"].values())  # quick runs are not judged
