"""The event log benchmark runs (quick size) and reports both settings, nothing lost."""

from __future__ import annotations

from bench.__main__ import BENCHMARKS


def test_eventlog_benchmark_runs_quick() -> None:
    rows = BENCHMARKS["eventlog"](1.0)
    assert [(r["clients"], r["synchronous"]) for r in rows] == [
        (20, "FULL"),
        (20, "NORMAL"),
        (1, "FULL"),
        (1, "NORMAL"),
    ]
    assert [r["messages"] for r in rows] == [10_000, 10_000, 1_000, 1_000]
    for r in rows:
        assert r["messages_per_s"] > 0
        assert 0 < r["append_p50_ms"] <= r["append_p99_ms"]
        assert 200 < r["bytes_per_message"] < 400
        assert set(r["bars"].values()) == {None}  # quick runs are not judged
    assert rows[2]["messages_per_commit"] == 50.0  # alone, every append is its own commit
