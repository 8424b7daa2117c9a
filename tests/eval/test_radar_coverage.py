"""Pd split by radar coverage: `per_coverage`, `people_radar` (people on foot crossing under
radar, the issue's main bar) and `vehicles`, through `borderwatch eval --json` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderwatch.cli import main
from borderwatch.eval import evaluate, format_report
from borderwatch.eval.crossings import (
    NO_ALERT,
    Events,
    coverage_table,
    radar_covered,
    seconds_to_alert,
    subset_summary,
    time_to_alert,
)
from borderwatch.geo import build_sectors, load_border, load_sites
from borderwatch.geo.sites import DEFAULT_SITES, RadarTarget

from .rundir import START, X0, Y0, Run

S = 1_000_000_000
SECTORS = {s.id: s for s in build_sectors(load_border())}
LAYOUT = load_sites().in_sectors({"N01", "N02"})


def _on(sector: str, frac: float) -> tuple[float, float]:
    p = SECTORS[sector].line.interpolate(frac, normalized=True)
    return float(p.x), float(p.y)


# Under radar for people (N01's middle), for vehicles (further along N01), and in N02's wadi.
PERSON_XY = (X0, Y0)
VEHICLE_XY = _on("N01", 0.2)
SHADOW_XY = next(
    (u.geometry.bounds[0], u.geometry.bounds[1])
    for u in LAYOUT.ugs
    if getattr(u.spec, "sector", None) == "N02"
)


def _eval_json(capsys: pytest.CaptureFixture[str], run_dir: Path, alerts: Path) -> dict[str, Any]:
    code = main(["eval", str(run_dir), "--alerts", str(alerts), "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    result: dict[str, Any] = json.loads(out)
    return result


def _three_kinds(run: Run) -> None:
    assert LAYOUT.radar_covers(*PERSON_XY, "person")
    assert LAYOUT.radar_covers(*VEHICLE_XY, "vehicle")
    assert not LAYOUT.radar_covers(*SHADOW_XY, "any")
    run.scenario = {"sectors": ["N01", "N02"], "sites": DEFAULT_SITES.name}
    run.crossing("P1", 1000.0, *PERSON_XY)
    run.alert(880.0, *PERSON_XY)  # warned 120 s ahead
    run.crossing("V1", 2000.0, *VEHICLE_XY, cls="vehicle")
    run.alert(2030.0, *VEHICLE_XY, cls="vehicle")  # 30 s late
    run.crossing("P2", 1500.0, *SHADOW_XY, sector="N02")
    run.alert(1530.0, *SHADOW_XY)
    run.crossing("P3", 3500.0, *SHADOW_XY, sector="N02")  # 1970 s after that alert: missed


def test_split_by_coverage_through_the_cli(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    _three_kinds(run)
    r = _eval_json(capsys, *run.write())
    assert r["coverage_sites"] == DEFAULT_SITES.name
    assert r["per_coverage"] == {
        "radar": {"crossings": 2, "detected": 2, "pd": 1.0, "pd_lower95": 0.1581},
        "no_radar": {"crossings": 2, "detected": 1, "pd": 0.5, "pd_lower95": 0.0126},
    }
    people = r["people_radar"]
    assert (people["crossings"], people["detected"], people["pd"]) == (1, 1, 1.0)
    assert people["time_to_alert_median_s"] == people["time_to_alert_p90_s"] == -120.0
    assert people["time_to_alert_s"] == [-120.0]
    vehicles = r["vehicles"]
    assert (vehicles["crossings"], vehicles["detected"]) == (1, 1)
    assert vehicles["time_to_alert_s"] == [30.0]
    # The existing keys say what they said before.
    assert (r["crossings"], r["detected"]) == (4, 3)
    assert r["per_class"]["person"]["crossings"] == 3


def test_the_table_shows_it(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    _three_kinds(run)
    run_dir, alerts = run.write()
    assert main(["eval", str(run_dir), "--alerts", str(alerts)]) == 0
    text = capsys.readouterr().out
    assert "people on foot under radar: crossings 1  detected 1  Pd 1.000" in text
    assert "median -120.0 s" in text
    lines = text.splitlines()
    i = lines.index(next(line for line in lines if line.startswith("by radar")))
    assert lines[i + 1].split() == ["radar", "2", "2", "1.000", "0.158"]
    assert lines[i + 2].split() == ["no_radar", "2", "1", "0.500", "0.013"]


def test_coverage_is_the_runs_sectors_only(run: Run) -> None:
    # A point on N02 that N02's towers cover and N01's do not: in a run of N01 alone (whose
    # twin built no N02 radar) it is not under radar.
    full, n01 = load_sites(), load_sites().in_sectors({"N01"})
    xy = next(
        p
        for p in (_on("N02", f) for f in np.linspace(0.0, 1.0, 201))
        if full.radar_covers(*p, "person") and not n01.radar_covers(*p, "person")
    )
    run.crossing("P1", 100.0, *xy, sector="N02")
    run.alert(90.0, *xy)
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert r["per_coverage"]["no_radar"]["crossings"] == 1
    assert r["people_radar"]["crossings"] == 0


def test_another_layout_needs_its_file(run: Run) -> None:
    run.scenario = {"sites": "mine.geojson"}
    run.crossing("P1", 100.0)
    run.crossing("V1", 200.0, *VEHICLE_XY, cls="vehicle")
    run_dir, alerts = run.write()
    r = evaluate(run_dir, alerts)
    assert (r["coverage_sites"], r["per_coverage"], r["people_radar"]) == (None, {}, None)
    assert r["vehicles"]["crossings"] == 1  # needs no layout
    assert "pass it as `sites`" in format_report(r)
    given_file = evaluate(run_dir, alerts, sites=DEFAULT_SITES)
    assert given_file["per_coverage"]["radar"]["crossings"] == 2


def _events(draw: st.DrawFn) -> tuple[Events, np.ndarray]:
    n = draw(st.integers(0, 25))
    frac = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    off = np.array(draw(st.lists(st.floats(-9000.0, 9000.0), min_size=n, max_size=n)))
    sec = draw(st.lists(st.sampled_from(["N01", "N02"]), min_size=n, max_size=n))
    cls = draw(st.lists(st.sampled_from(["person", "vehicle"]), min_size=n, max_size=n))
    late = draw(st.lists(st.none() | st.integers(-3600, 60), min_size=n, max_size=n))
    xy = np.array([_on(s, f) for s, f in zip(sec, frac, strict=True)], float).reshape(n, 2)
    t = START + np.arange(n, dtype=np.int64) * 1000 * S
    first = [NO_ALERT if d is None else int(tt) + d * S for tt, d in zip(t, late, strict=True)]
    events = Events(
        t,
        xy[:, 0] + off,
        xy[:, 1],
        np.array(sec, str),
        np.array(cls, str),
        np.zeros(n, np.int64),
        np.full(n, "walk-in"),
    )
    return events, np.array(first, np.int64)


events_st = st.composite(_events)()


@settings(max_examples=50, deadline=None)
@given(events_st)
def test_the_split_adds_up(sample: tuple[Events, np.ndarray]) -> None:
    events, first = sample
    detected = first != NO_ALERT
    covered = radar_covered(events, LAYOUT)
    table = coverage_table(detected, covered)
    assert table["radar"]["crossings"] + table["no_radar"]["crossings"] == len(events)
    assert table["radar"]["detected"] + table["no_radar"]["detected"] == detected.sum()
    seconds = seconds_to_alert(events, first)
    assert np.array_equal(seconds[detected], time_to_alert(events, first))
    assert np.isnan(seconds[~detected]).all()
    people = (events.cls == "person") & covered
    s = subset_summary(detected, seconds, people)
    assert (s["crossings"], s["detected"]) == (people.sum(), (people & detected).sum())
    assert len(s["time_to_alert_s"]) == s["detected"]
    assert s["time_to_alert_s"] == sorted(s["time_to_alert_s"])
    if s["detected"]:
        assert s["time_to_alert_median_s"] == np.median(s["time_to_alert_s"])
    else:
        assert s["time_to_alert_median_s"] is None
    # Each event's flag is the layout's answer for its class.
    for i in range(len(events)):
        target: RadarTarget = "person" if events.cls[i] == "person" else "vehicle"
        assert covered[i] == LAYOUT.radar_covers(events.x[i], events.y[i], target)
