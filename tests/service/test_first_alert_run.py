"""A newcomer's `make run` (= `borderwatch run --twin full-border-day`) shows its first
intrusion alert within two minutes of event time: the twin's day starts a minute before its
first crossing group can raise an alert, and GET /api/v1/twin says when that crossing is due.
Run at 10x (the same schedule, ten times faster) so it takes about half a minute."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.service_ingest import start_service, stop_service
from borderwatch.cli import main

pytestmark = pytest.mark.slow

NS = 10**9
SPEED = 10.0
PASSWORD = "a long secret for tests"


def test_make_runs_twin_shows_an_intrusion_alert_within_two_minutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    args = ["users", "add", "watcher", "--agency", "national_guard", "--role", "operator"]
    assert main([*args, "--password-stdin", "--data", str(data)]) == 0
    proc, ports = start_service(data, "--twin", "full-border-day", "--speed", f"{SPEED:g}")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{ports['http']}", timeout=30) as http:
            r = http.post("/api/v1/token", data={"username": "watcher", "password": PASSWORD})
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            deadline = time.monotonic() + 120  # wall: shared CI machines
            twin: dict[str, Any] = {}
            while twin.get("start_ns") is None:
                assert time.monotonic() < deadline, twin
                time.sleep(0.5)
                twin = http.get("/api/v1/twin", headers=auth).json()
            # The day starts where something happens, not at its midnight.
            assert twin["scenario"] == "full-border-day"
            assert twin["from_s"] > 600.0
            began_ns = twin["start_ns"] + round(twin["from_s"] * NS)
            due = twin["next_crossing"]
            assert due is not None
            assert due["due_ns"] > twin["now_ns"]
            assert due["in_wall_s"] == pytest.approx(due["in_s"] / SPEED, abs=0.1)
            alerts: list[dict[str, Any]] = []
            now_ns = twin["now_ns"]
            # Wait until an intrusion alert, or 150 s of event time have gone by without one.
            while not alerts and now_ns < began_ns + 150 * NS:
                assert time.monotonic() < deadline, "the service's clock stalled"
                time.sleep(0.5)
                params: dict[str, str | int] = {"category": "intrusion", "limit": 1000}
                alerts = http.get("/api/v1/alerts", params=params, headers=auth).json()
                now_ns = http.get("/api/v1/twin", headers=auth).json()["now_ns"]
            assert alerts, "no intrusion alert within 150 s of event time"
            first = min(alerts, key=lambda a: a["time_ns"])
            after_s = (first["time_ns"] - began_ns) / NS
            assert 0.0 < after_s <= 120.0, first
            # It is about the crossing the script had due next: same sector, an approach.
            assert first["sector"] == due["sector"]
            assert first["rule"] == "approach"
    finally:
        stop_service(proc)


def test_an_unknown_twin_scenario_is_a_clear_error_before_anything_listens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "--data", str(tmp_path / "data"), "--twin", "no-such-day", "--http-port", "0"]
    assert main([*args, "--cot-port", "0", "--udp-port", "0", "--tls-port", "0"]) == 2
    assert "no-such-day: no such scenario" in capsys.readouterr().err
