"""The governance report benchmark on a small week (N03, six minutes a day): it makes the
week (recording the derived journal), times the weekly report in three languages in a child
from the journal, compares a day's pass replayed and read, and judges no bar; then times
the report again on the week it kept, twice, without the day's replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import oversight_report
from tests.scenarios import THREE_CROSSINGS


def test_oversight_report_bench_runs_on_a_small_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BW_BENCH_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "scenario.toml"
    path.write_text(THREE_CROSSINGS)
    row = oversight_report.run(scenario=str(path), hours=0.1)
    assert row["bench"] == "oversight_report"
    assert row["week_events"] > row["day_events"] > 0
    assert row["setup_make_week_s"] > 0  # made here, in the cache the test gave it
    assert Path(row["data_dir"]).is_relative_to(tmp_path / "cache")
    assert row["report_wall_s"] > 0
    assert row["day_replay_s"] > row["day_journal_s"] > 0
    assert sorted(row["pdf_bytes"]) == ["w-ar.pdf", "w-en.pdf", "w-fr.pdf"]
    assert all(n > 10_000 for n in row["pdf_bytes"].values())
    assert all("weekly report" in line for line in row["report"])
    assert row["bars"] == {"weekly report <= 60 s": None}  # a cut week is not judged
    assert row["report_cpu_runs_s"][0] > 0
    assert len(row["load_avg_before_report"]) == 3

    again = oversight_report.run(scenario=str(path), hours=0.1, replay_day=False, repeat=2)
    assert again["data_dir"] == row["data_dir"]
    assert again["setup_make_week_s"] is None  # reused from the cache
    assert again["week_made_in_s"] == row["setup_make_week_s"]
    assert again["week_events"] == row["week_events"]
    assert "day_replay_s" not in again
    assert len(again["report_wall_runs_s"]) == 2
    assert again["report_wall_s"] == max(again["report_wall_runs_s"])
