"""The service ingest benchmark runs (quick size) through `python -m bench`'s table: the real
`borderwatch run` process, 20 CoT clients, every detection in the event log."""

from __future__ import annotations

from bench.__main__ import BENCHMARKS


def test_service_ingest_benchmark_runs_quick() -> None:
    (row,) = BENCHMARKS["service_ingest"](1.0)
    assert row["clients"] == 20
    assert row["accepted"] == row["messages"] == 10_000
    assert row["lost"] == 0
    assert row["bars"]["lost == 0"] is True
    assert row["bars"]["messages_per_s >= 20000"] is None  # quick runs are not judged
