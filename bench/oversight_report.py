"""Benchmark: the weekly governance report for a week of `full-border-day` (issue 19, bar 2:
<= 60 s on 2 cores), JSON.

The week is made first (not timed against the bar): seven days of the scenario, each from
midnight UTC of a day of one ISO week (the report's), run through the live engine into a
data directory with the exercise's scripted operations room working the incidents
(`borderwatch.oversight.exercise`). Then
`borderwatch report weekly --lang ar,fr,en` runs in a child process, as a user runs it: one
replay of the log for the week, then three PDFs. Its wall time is the figure; with `hours`
(each day cut to its first hours) the bar is not judged, and the time a whole week would
take at the measured rate (events per second) is given beside it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

from bench.child import run_cli
from borderwatch.oversight.exercise import run_exercise
from borderwatch.twin.scenario import load_scenario

__all__ = ["run"]

BAR_S = 60.0


def run(
    scenario: str = "full-border-day", seed: int = 1, hours: float | None = None
) -> dict[str, Any]:
    """Make the week, then time its weekly report in three languages."""
    sc, _ = load_scenario(scenario)
    # The week is an ISO week (Monday 00:00 UTC on): the days start on its Monday.
    day = sc.start.astimezone(dt.UTC).date()
    monday = dt.datetime.combine(day - dt.timedelta(days=day.weekday()), dt.time(), dt.UTC)
    sc = msgspec.structs.replace(sc, start=monday)
    day_hours = sc.hours if hours is None else min(hours, sc.hours)
    with tempfile.TemporaryDirectory(prefix="bw-oversight-") as tmp:
        root = Path(tmp) / "data"
        t0 = time.perf_counter()
        made = run_exercise(root, sc, days=7, seed=seed, hours=day_hours)
        make_s = time.perf_counter() - t0
        date = sc.start.date().isoformat()
        pdf = str(Path(tmp) / "w-{lang}.pdf")
        args = ["--data", str(root), "--date", date, "--lang", "ar,fr,en", "--out", pdf]
        out, wall, rss = run_cli("report", "weekly", *args)
        pdfs = {p.name: p.stat().st_size for p in Path(tmp).glob("w-*.pdf")}
    full = hours is None or hours >= sc.hours
    rate = made.events / wall
    return {
        "bench": "oversight_report",
        "scenario": scenario,
        "seed": seed,
        "hours_per_day": day_hours,
        "events": made.events,
        "incidents": made.incidents_seen,
        "operator_actions": made.actions,
        "make_week_s": round(make_s, 1),
        "report_wall_s": round(wall, 1),
        "report_peak_rss_mb": round(rss, 1),
        "events_per_s": round(rate),
        "projected_full_week_s": round(wall * sc.hours / day_hours, 1),
        "pdf_bytes": pdfs,
        "report": out.strip().splitlines(),
        "bars": {"weekly report <= 60 s": (wall <= BAR_S) if full else None},
    }
