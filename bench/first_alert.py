"""Benchmark: a newcomer's first intrusion alert (issue 14, alarm management).

`borderwatch run --twin full-border-day` as `make run` starts it, on a fresh data directory,
twice side by side in one run: by default (the twin's day starts a minute before its first
crossing group can raise an alert, `twin/script.py`) and with `--from-start` (the day from its
midnight, as before). For each: event seconds from the twin's start (GET /api/v1/twin:
`start_ns` + `from_s`) to the first intrusion alert (GET /api/v1/alerts), its rule and sector,
and the crossing the script had due next. Run at 10x (20x with --quick); event seconds are
what 1x shows on the wall clock.

Bar: by default the first intrusion alert within 120 s of event time.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.service_ingest import start_service, stop_service

SCENARIO = "full-border-day"
USER, PASSWORD = "watcher", "a long secret for the bench"
BAR_S = 120.0
NS = 10**9


def _first_alert(speed: float, from_start: bool, give_up_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bw-first-alert-") as tmp:
        data = Path(tmp) / "data"
        add = ["users", "add", USER, "--agency", "national_guard", "--role", "operator"]
        subprocess.run(
            [sys.executable, "-m", "borderwatch", *add, "--password-stdin", "--data", str(data)],
            input=f"{PASSWORD}\n",
            text=True,
            check=True,
            capture_output=True,
        )
        extra = ["--from-start"] if from_start else []
        launched = time.monotonic()
        proc, ports = start_service(data, "--twin", SCENARIO, "--speed", f"{speed:g}", *extra)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{ports['http']}", timeout=30) as http:
                r = http.post("/api/v1/token", data={"username": USER, "password": PASSWORD})
                auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
                twin: dict[str, Any] = {}
                while twin.get("start_ns") is None:
                    time.sleep(0.5)
                    twin = http.get("/api/v1/twin", headers=auth).json()
                started_wall_s = time.monotonic() - launched
                began_ns = twin["start_ns"] + round(twin["from_s"] * NS)
                alerts: list[dict[str, Any]] = []
                now_ns = twin["now_ns"]
                while not alerts and now_ns < began_ns + give_up_s * NS:
                    time.sleep(0.5)
                    params: dict[str, str | int] = {"category": "intrusion", "limit": 1000}
                    alerts = http.get("/api/v1/alerts", params=params, headers=auth).json()
                    now_ns = http.get("/api/v1/twin", headers=auth).json()["now_ns"]
        finally:
            stop_service(proc)
    due = twin.get("next_crossing") or {}
    row: dict[str, Any] = {
        "from_s": twin["from_s"],
        "twin_started_wall_s": round(started_wall_s, 1),
        "next_crossing_sector": due.get("sector"),
        "next_crossing_in_s": due.get("in_s"),
        "first_alert_s": None,
    }
    if alerts:
        first = min(alerts, key=lambda a: a["time_ns"])
        row.update(
            first_alert_s=round((first["time_ns"] - began_ns) / NS, 1),
            rule=first["rule"],
            sector=first["sector"],
        )
    return row


def run(quick: bool = False) -> dict[str, Any]:
    """Both starts, one after the other in the same run."""
    speed = 20.0 if quick else 10.0
    default = _first_alert(speed, from_start=False, give_up_s=1800.0)
    real = _first_alert(speed, from_start=True, give_up_s=3600.0)
    ratio = None
    if default["first_alert_s"] and real["first_alert_s"]:
        ratio = round(real["first_alert_s"] / default["first_alert_s"], 2)
    within = default["first_alert_s"] is not None and default["first_alert_s"] <= BAR_S
    return {
        "bench": "first_alert",
        "scenario": SCENARIO,
        "speed": speed,
        "default": default,
        "from_start": real,
        "from_start_over_default": ratio,
        "bars": {f"first intrusion alert within {BAR_S:g} s of event time": within},
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv)))
