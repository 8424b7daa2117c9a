"""The anchor sweep on a tiny grid: its rows, its summary and its bar."""

from __future__ import annotations

import pytest

from bench.__main__ import BENCHMARKS
from bench.anchor_sweep import BAR, cell, cells, main, summary
from bench.stonesoup_compare import tracker_available

pytestmark = pytest.mark.skipif(not tracker_available(), reason="borderwatch.fusion missing")


def test_a_cell_has_every_figure_of_the_three_trackers() -> None:
    row = cell(4, 3.0, seed=3, scans=12)
    for who in ("ours", "oracle", "stonesoup"):
        fig = row[who]
        assert fig["gospa"] > 0.0
        assert fig["distinct_ids"] >= 1
        assert 0 <= fig["ids_never_matched"] <= fig["distinct_ids"]
        assert fig["false_per_scan"] >= 0.0
        assert fig["missed_per_scan"] >= 0.0
        assert fig["id_switches"] >= 0
    assert row["ours"]["ms_per_scan"] > 0.0
    assert row["stonesoup"]["ms_per_scan"] > 0.0
    assert row["oracle"]["ms_per_scan"] is None
    assert row["ours_over_oracle"] == pytest.approx(
        row["ours"]["gospa"] / row["oracle"]["gospa"], rel=1e-3
    )
    assert row["stonesoup_run"] == {"run": True, "budget_s": None}


def test_stonesoup_out_of_budget_or_above_max_n_is_reported_as_skipped() -> None:
    rows = list(cells([3, 5], [2.0], [2], scans=8, ss_budget_s=0.0, ss_max_n=3))
    assert rows[0]["stonesoup"] is None
    assert rows[0]["stonesoup_run"]["aborted_after_scans"] == 1
    assert rows[1]["stonesoup"] is None
    assert rows[1]["stonesoup_run"]["run"] is False
    s = summary(rows, judge=True)
    assert [(k["n"], k["run"]) for k in s["stonesoup_skipped"]] == [(3, True), (5, False)]
    worst = max(r["ours_over_oracle"] for r in rows)
    assert s["worst"]["ours_over_oracle"] == worst
    assert s["bars"][BAR] is (worst <= 1.03)
    assert summary(rows, judge=False)["bars"][BAR] is None


def test_main_prints_cells_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code = main(
        ["--n", "3", "--clutter", "2", "--seed", "1", "--scans", "8", "--without-stonesoup"]
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 0  # a partial grid is not judged
    assert len(lines) == 2
    assert lines[-1]["summary"]
    assert lines[-1]["bars"][BAR] is None
    assert lines[0]["stonesoup"] is None
    assert "anchor_sweep" in BENCHMARKS
