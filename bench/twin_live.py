"""Benchmark: the twin live, `borderwatch run --twin full-border-day --speed 10`, for an hour of
scenario time (six minutes of wall clock), as a user starts it.

The whole service (CoT ingest, admission, the SQLite event log, the live engine, the API) and
the twin streaming into it as one connection per sensor run in one child process, with a fresh
data directory and free ports. From the twin's first message (its log line gives the shifted
scenario start) this process samples the child's RSS every 10 s from /proc, and its CPU time,
until the hour of scenario time has been sent (plus a margin), then stops it with SIGINT as
Ctrl-C would. Afterwards the event log says what arrived: every message the twin sent with a
time inside the hour is compared with what `stream_chunks` gives for that hour (none lost),
and `arrived_ns` against when each was due shows how far behind the system ran.

Bar (issue 4): a 1 h `full-border-day` run at 10x keeps RSS flat. Flat, measured: over the
second half of the run RSS grows by at most 10 MB per hour of scenario (the first hour carries
~130,000 messages: a leak of 100 bytes a message would be 13 MB), and the end is within 25 % of
the RSS after the first minute (the warm-up: the first chunks, the engine's tracks). Memory
that fills a bounded buffer (the change feed's last 20,000 frames) counts against the bar:
it is not a leak, but it is not flat either, and the numbers say which it is.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.calibration import calibrate_ms
from borderwatch.ingest import Inbound
from borderwatch.twin import load_scenario
from borderwatch.twin.stream import stream_chunks

__all__ = ["run"]

SCENARIO = "full-border-day"
SPEED = 10.0
SAMPLE_S = 10.0
MARGIN_S = 60.0  # scenario s after the hour, for the last messages' latency, then SIGINT
SLOPE_BAR_MB_PER_SCENARIO_H = 10.0
GROWTH_BAR = 1.25
CHILD = "import sys\nfrom borderwatch.cli import main\nsys.exit(main(sys.argv[1:]))\n"
_STARTING = re.compile(r"twin \S+ at \S+ into \S+, starting at (\d+)")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"no VmRSS for {pid}")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _wait_for_start(err: Path, child: subprocess.Popen[str], timeout: float) -> int:
    """The twin's shifted scenario start (UTC ns), from its log line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _STARTING.search(err.read_text())
        if found:
            return int(found.group(1))
        if child.poll() is not None:
            raise RuntimeError(f"borderwatch run ended early:\n{err.read_text()[-2000:]}")
        time.sleep(0.5)
    raise RuntimeError("the twin did not start in time")


def _expected(hours: float) -> tuple[int, int]:
    """(messages the twin sends by `hours` into the day, those timed before then)."""
    scenario, path = load_scenario(SCENARIO)
    end_s = hours * 3600.0
    end_ns = scenario.start_ns + round(end_s * 1e9)
    total = inside = 0
    for arrivals in stream_chunks(scenario, path, seed=1):  # the whole day, as the twin runs it
        if arrivals.t0 >= end_s + MARGIN_S:
            break
        total += int(np.count_nonzero(arrivals.arrival_s < end_s))
        inside += sum(m.time_ns < end_ns for m in arrivals.messages if isinstance(m, Inbound))
    return total, inside


def _slope(t_min: np.ndarray, rss: np.ndarray) -> float:
    """Least-squares slope of RSS over time, MB per minute (0 with fewer than 2 samples)."""
    if len(t_min) < 2:
        return 0.0
    return float(np.polyfit(t_min, rss, 1)[0])


def _event_log(path: Path, start_ns: int, hours: float) -> dict[str, Any]:
    """What arrived: counts inside the hour, and how late each was against its due time."""
    end_ns = start_ns + round(hours * 3600e9)
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        kinds = dict(db.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
        inside = db.execute(
            "SELECT count(*) FROM events WHERE kind != 'action' AND time_ns < ?", (end_ns,)
        ).fetchone()[0]
        rows = np.array(
            db.execute(
                "SELECT time_ns, arrived_ns FROM events WHERE kind != 'action' AND time_ns < ?",
                (end_ns,),
            ).fetchall(),
            dtype=np.int64,
        ).reshape(-1, 2)
    # Due (wall) at the message's own time over the speed: what it lags by includes the
    # sensor's latency / speed (well under a second), the twin's batching and the service.
    due = start_ns + (rows[:, 0] - start_ns) / SPEED
    lag = (rows[:, 1] - due) / 1e9
    pct = np.percentile(lag, [50, 99, 100]) if len(lag) else np.zeros(3)
    return {
        "logged": kinds,
        "logged_inside": int(inside),
        "lag_s_p50": round(float(pct[0]), 3),
        "lag_s_p99": round(float(pct[1]), 3),
        "lag_s_max": round(float(pct[2]), 3),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _measure(hours: float) -> dict[str, Any]:
    total, inside = _expected(hours)
    with tempfile.TemporaryDirectory(prefix="bw-twin-live-") as tmp:
        data, err_path = Path(tmp) / "data", Path(tmp) / "stderr.log"
        tcp = _free_port()
        args = ["run", "--data", str(data), "--twin", SCENARIO, "--speed", f"{SPEED:g}"]
        args += ["--from-start"]  # the day's first hour, as `_expected` counts it
        args += ["--http-port", "0", "--cot-port", str(tcp), "--udp-port", "0"]
        args += ["--tls-port", "0", "--ready-json"]
        with err_path.open("w") as err:
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, *args],
                stdout=subprocess.DEVNULL,
                stderr=err,
                text=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
        try:
            start_ns = _wait_for_start(err_path, child, timeout=300.0)
            cpu0, wall0 = _cpu_s(child.pid), time.time()
            end_wall = start_ns / 1e9 + (hours * 3600.0 + MARGIN_S) / SPEED
            times, rss = [], []
            while True:
                times.append(time.time() - wall0)
                rss.append(_rss_mb(child.pid))
                if time.time() >= end_wall or child.poll() is not None:
                    break
                time.sleep(max(0.0, min(SAMPLE_S, end_wall - time.time())))
            cpu, wall = _cpu_s(child.pid) - cpu0, time.time() - wall0
            child.send_signal(signal.SIGINT)
            code = child.wait(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        log = _event_log(data / "events.sqlite", start_ns, hours)
        warnings = [line for line in err_path.read_text().splitlines() if "WARNING" in line]
    t_min = np.array(times) / 60.0
    mb = np.array(rss)
    half = t_min >= t_min[-1] / 2
    warm = mb[np.searchsorted(t_min, 1.0)] if t_min[-1] > 1.0 else mb[0]
    return {
        "scenario": SCENARIO,
        "speed": SPEED,
        "scenario_hours": hours,
        "wall_s": round(wall, 1),
        "exit_code": code,
        "samples": len(mb),
        "rss_mb_start": round(float(mb[0]), 1),
        "rss_mb_after_1_min": round(float(warm), 1),
        "rss_mb_end": round(float(mb[-1]), 1),
        "rss_mb_max": round(float(mb.max()), 1),
        "rss_slope_mb_per_min": round(_slope(t_min, mb), 3),
        "rss_slope_second_half_mb_per_min": round(_slope(t_min[half], mb[half]), 3),
        # A minute of wall clock is SPEED minutes of scenario.
        "rss_slope_second_half_mb_per_scenario_h": round(
            _slope(t_min[half], mb[half]) * 60.0 / SPEED, 2
        ),
        "rss_mb_series": [round(float(x), 1) for x in mb],
        "cpu_cores": round(cpu / wall, 3),
        "twin_messages_in_hours": total,
        "twin_messages_timed_inside": inside,
        **log,
        "lost_inside": inside - log["logged_inside"],
        "warnings": warnings[:5],
    }


def run(quick: bool = False) -> dict[str, Any]:
    """One run: an hour of scenario at 10x (quick: six minutes of scenario, bars not judged)."""
    hours = 0.1 if quick else 1.0
    calib = calibrate_ms()
    row = _measure(hours)
    row["calibration_ms"] = round(calib, 1)
    row["bench"] = "twin_live"
    growth = row["rss_mb_end"] / row["rss_mb_after_1_min"]
    slope = row["rss_slope_second_half_mb_per_scenario_h"]
    row["bars"] = {
        f"rss slope, second half <= {SLOPE_BAR_MB_PER_SCENARIO_H:g} MB per scenario hour": None
        if quick
        else slope <= SLOPE_BAR_MB_PER_SCENARIO_H,
        f"rss end <= {GROWTH_BAR:g} x rss after 1 min": None if quick else growth <= GROWTH_BAR,
        "lost_inside == 0": row["lost_inside"] == 0,
    }
    return row


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv)))
