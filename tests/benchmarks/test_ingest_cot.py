"""The CoT ingest benchmark runs (quick size) through `python -m bench`'s table: 20 clients,
both sinks, nothing lost, every client's detections complete and in order."""

from __future__ import annotations

from bench.__main__ import BENCHMARKS


def test_ingest_cot_benchmark_runs_quick() -> None:
    rows = BENCHMARKS["ingest_cot"](1.0)
    assert [r["sink"] for r in rows] == ["count", "list"]
    for r in rows:
        assert r["clients"] == 20
        assert r["accepted"] == r["messages"] == 10_000
        assert r["lost"] == 0
        assert r["rejected"] == 0
        assert r["messages_per_s"] > 0
        assert r["bars"]["lost == 0"] is True
        assert r["bars"]["messages_per_s >= 20000"] is None  # quick runs are not judged
    assert rows[1]["all_in_order"] is True
