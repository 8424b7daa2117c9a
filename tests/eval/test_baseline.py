"""The line-sensor baseline: one priority-2 intrusion alert per line detection."""

from __future__ import annotations

from pathlib import Path

from borderwatch.eval import BASELINE_NAME, baseline_alerts, evaluate
from borderwatch.eval.baseline import line_sensor_sector
from borderwatch.messages import Alert, ClassLikelihood, Detection, SensorStatus, encode_lines

from .rundir import START, X0, Y0, Run, lonlat

LON, LAT = lonlat(X0, Y0)
COV = (100.0, 0.0, 100.0)


def _messages(path: Path) -> None:
    line_n03 = Detection(
        sensor_id="LS-N03",
        kind="line",
        seq=7,
        time_ns=START + 5,
        lat=LAT,
        lon=LON,
        cov_m2=COV,
        classes=ClassLikelihood(person=0.3, vehicle=0.9, animal=0.2, unknown=0.5),
    )
    radar = Detection(
        sensor_id="R-N01",
        kind="radar",
        seq=1,
        time_ns=START + 6,
        bearing_deg=10.0,
        sigma_bearing_deg=0.5,
        range_m=1000.0,
        sigma_range_m=10.0,
    )
    ugs = Detection(
        sensor_id="U-N01", kind="ugs", seq=1, time_ns=START + 7, lat=LAT, lon=LON, cov_m2=COV
    )
    status = SensorStatus(sensor_id="LS-N01", kind="line", seq=3, time_ns=START + 8)
    line_n01 = Detection(sensor_id="LS-N01", kind="line", seq=9, time_ns=START + 2, lat=LAT,
                         lon=LON, cov_m2=COV)  # fmt: skip
    body = encode_lines([line_n03, radar, ugs, status])
    body += b'{"type": "detection", "kind": "line"}\n\n'  # a bad line and an empty one
    path.write_bytes(body + encode_lines([line_n01]))


def test_alerts(tmp_path: Path) -> None:
    _messages(tmp_path / "messages.jsonl")
    assert baseline_alerts(tmp_path / "messages.jsonl") == [
        Alert(id="B000001", rule="line_trigger", time_ns=START + 5, lat=LAT, lon=LON,
              priority=2, category="intrusion", sector="N03", cls="vehicle",
              evidence=("LS-N03/7",)),
        Alert(id="B000002", rule="line_trigger", time_ns=START + 2, lat=LAT, lon=LON,
              priority=2, category="intrusion", sector="N01", cls="person",
              evidence=("LS-N01/9",)),
    ]  # fmt: skip


def test_sector_from_id() -> None:
    assert line_sensor_sector("LS-N03") == "N03"
    assert line_sensor_sector("LS-S01") == "S01"
    assert line_sensor_sector("R-N03") is None
    assert line_sensor_sector("LS-") is None


def test_evaluate_uses_it_without_alerts(run: Run) -> None:
    run.crossing("M1", 0.0)
    run_dir, _ = run.write()
    _messages(run_dir / "messages.jsonl")
    r = evaluate(run_dir)
    assert r["alerter"] == BASELINE_NAME == "line-sensor-baseline"
    assert (r["alerts"], r["crossings"], r["detected"]) == (2, 1, 1)
