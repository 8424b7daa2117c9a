"""GOSPA of a tracks file: reports held 5 s, extrapolated, against movers in the sectors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from borderwatch.eval import evaluate
from borderwatch.messages import Track, TrackStatus, encode_lines

from .rundir import START, X0, Y0, Run, lonlat

S = 1_000_000_000


def _track(id: str, t_s: float, x: float, vx: float, status: TrackStatus = "confirmed") -> Track:
    lon, lat = lonlat(x, Y0)
    return Track(id=id, sector="N01", time_ns=START + round(t_s * S), lat=lat, lon=lon,
                 state=(x, vx, Y0, 0.0), status=status)  # fmt: skip


def _run(run: Run) -> Path:
    run.scenario |= {"end_ns": START + 60 * S, "hours": 60 / 3600}
    run.mover("IN", [(0, X0, Y0), (60, X0, Y0)])  # in sector N01 all along
    run.mover("OUT", [(0, X0, Y0 - 100_000), (60, X0, Y0 - 100_000)])  # far from the sectors
    run_dir, _ = run.write()
    return run_dir


def test_known_answer(run: Run) -> None:
    run_dir = _run(run)
    tracks = [
        _track("T2", 0.0, X0 + 5000, 0.0),  # t=0: a false track, and IN missed: 100
        _track("T1", 8.0, X0 + 20, 5.0),  # t=10: extrapolated to 30 m off: 30
        _track("T1", 20.0, X0, 0.0, "tentative"),  # t=20: latest report tentative: missed
        _track("T1", 29.0, X0 + 40, 0.0),  # t=30: 40
        _track("T1", 35.0, X0, 0.0, "coasting"),  # t=40: 5 s old, too old: missed
        _track("T1", 50.0, X0, 0.0, "deleted"),  # t=50: deleted: missed
        _track("T1", 60.0, X0 + 200, 0.0),  # t=60: beyond the cut-off: missed + false: 100
    ]
    path = run_dir / "tracks.jsonl"
    path.write_bytes(encode_lines(tracks) + b"not json\n")
    r = evaluate(run_dir, tracks_path=path)
    half = math.sqrt(5000.0)
    assert (r["track_reports"], r["bad_track_lines"], r["gospa_times"]) == (7, 1, 7)
    assert r["gospa_mean_m"] == pytest.approx((100 + 30 + half + 40 + half + half + 100) / 7,
                                              abs=1e-3)  # fmt: skip
    assert r["gospa_localisation_mean_m"] == pytest.approx((30 + 40) / 7, abs=1e-3)
    assert r["gospa_missed_mean"] == pytest.approx(5 / 7, abs=1e-4)
    assert r["gospa_false_mean"] == pytest.approx(2 / 7, abs=1e-4)


def test_no_tracks(run: Run) -> None:
    run_dir = _run(run)
    (run_dir / "tracks.jsonl").write_bytes(b"")
    for path in (None, run_dir / "tracks.jsonl"):
        r = evaluate(run_dir, tracks_path=path)
        assert (r["gospa_mean_m"], r["gospa_times"], r["track_reports"]) == (None, 0, 0)
