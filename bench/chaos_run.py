"""Benchmark: the chaos run (issue 13, bar 1).

The real `borderwatch run --twin full-border-day --speed 10`, and beside the twin a sender on
the same CoT port mixing in poison at 1 % of the twin's messages: extreme but finite numbers
in every field, NaN and infinities, huge arrays, times years away, broken encodings, valid
messages for sensors that do not exist. Then kill -9 and a restart on the same data.

Measured: that the engine never stops (its seq follows the log at every sample, it stays
ready), how much poison was refused at the door and why, the engine's faults (0 expected:
admission keeps them out), the intrusion incidents against a clean run of the same twin
running beside it at the same time (bar: within one), the share of detections later than the
reorder window in each (what a starved machine costs), and how long the restart takes to be
ready again (bar: 30 s) without a fault.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.service_ingest import start_service, stop_service

__all__ = ["poison", "run"]

INTRUSION = ("approach", "crossing", "line_breach", "loitering", "convoy")
READY_BAR_S = 30.0
S = 1_000_000_000


def poison(rng: random.Random, now_ns: int, sensors: list[str]) -> bytes:
    """One poison message for the CoT port (XML, or bytes that are not)."""
    from borderwatch.ingest.cot import encode_xml
    from borderwatch.messages import ClassLikelihood, Detection

    sid = rng.choice(sensors)
    t = now_ns + rng.randint(-3, 0) * S
    radar: dict[str, Any] = {"sensor_id": sid, "kind": "radar", "time_ns": t}
    radar["seq"] = rng.randint(0, 2**62)
    polar: dict[str, Any] = {"range_m": 3000.0, "bearing_deg": 90.0, "sigma_range_m": 10.0}
    polar["sigma_bearing_deg"] = 0.5
    extreme: list[dict[str, Any]] = [
        {"sigma_range_m": 1e-300},
        {"sigma_bearing_deg": 5e-324},
        {"sigma_range_m": 99_999.0},
        {"range_m": 99_999.0},
        {"classes": ClassLikelihood(person=0.0, vehicle=0.0, animal=0.0, unknown=0.0)},
        {"sensor_id": f"X{rng.randint(0, 999)}-R"},
        {"time_ns": t + 10 * 365 * 86_400 * S},
        {"time_ns": max(0, t - 10 * 365 * 86_400 * S)},
        {"time_ns": t + 300 * S},
    ]
    choice = rng.randrange(len(extreme) + 4)
    if choice < len(extreme):
        fields = {**radar, **polar, **extreme[choice]}
        return encode_xml(Detection(**fields))
    good = encode_xml(Detection(**{**radar, **polar}))
    if choice == len(extreme):
        return good.replace(b'range_m="3000.0"', b'range_m="NaN"')
    if choice == len(extreme) + 1:
        return good.replace(b'sigma_range_m="10.0"', b'sigma_range_m="-inf"')
    if choice == len(extreme) + 2:
        return good.replace(b'sigma_range_m="10.0"', b'sigma_range_m="' + b"9" * 100_000 + b'"')
    return b'<?xml version="1.0" encoding="ISO-2022-KR"?><event \xff\xfe\x00' + os.urandom(64)


def _get(port: int, path: str, token: str | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def _token(port: int, user: str, password: str) -> str:
    data = f"username={user}&password={password}".encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/token", data=data)
    with urllib.request.urlopen(req, timeout=10) as r:
        token: str = json.loads(r.read())["access_token"]
    return token


USER, PASSWORD = "chaos-commander", "a long and unguessable one"


_USER_OPTIONS = ("--agency", "national_guard", "--role", "commander", "--password-stdin", "--data")


def _add_user(data: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "borderwatch", "users", "add", USER, *_USER_OPTIONS, str(data)],
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )


class _Chaos(threading.Thread):
    """Sends poison to the CoT port at `rate` messages per wall second until stopped."""

    def __init__(self, port: int, rate: float, sensors: list[str], clock: Any) -> None:
        super().__init__(daemon=True)
        self.port, self.rate, self.sensors, self.clock = port, rate, sensors, clock
        self.sent = 0
        self.reconnects = 0
        self.stop = threading.Event()

    def run(self) -> None:
        rng = random.Random(13)
        sock: socket.socket | None = None
        while not self.stop.wait(1.0 / self.rate):
            try:
                if sock is None:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                sock.sendall(poison(rng, self.clock(), self.sensors))
                self.sent += 1
            except OSError:
                # The service may close a connection that spoke garbage: count it, reconnect.
                self.reconnects += 1
                if sock is not None:
                    sock.close()
                sock = None
        if sock is not None:
            sock.close()


def _session(
    data: Path, speed: float, seconds: float, chaos_rate: float, sensors: list[str]
) -> dict[str, Any]:
    _add_user(data)
    proc, ports = start_service(data, "--twin", "full-border-day", "--speed", str(speed))
    status: dict[str, Any] = {}
    samples: list[tuple[int, int, bool]] = []
    chaos: _Chaos | None = None
    try:
        token = _token(ports["http"], USER, PASSWORD)
        clock_at = {"t": time.time_ns(), "clock": 0}

        def clock() -> int:  # the service's clock, extrapolated from its last report
            return clock_at["clock"] + round((time.time_ns() - clock_at["t"]) * speed)

        _, first = _get(ports["http"], "/api/v1/engine", token)
        clock_at.update(t=time.time_ns(), clock=first["clock_ns"])
        if chaos_rate > 0:
            chaos = _Chaos(ports["cot_tcp"], chaos_rate, sensors, clock)
            chaos.start()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(min(5.0, max(0.1, end - time.monotonic())))
            _, status = _get(ports["http"], "/api/v1/engine", token)
            samples.append((status["seq"], status["logged_seq"], status["ready"]))
        if chaos is not None:
            chaos.stop.set()
            chaos.join(10)
        _, metrics = _get(ports["http"], "/api/v1/metrics", token)
        _, alerts = _get(ports["http"], "/api/v1/alerts?limit=1000", token)
        _, incidents = _get(ports["http"], "/api/v1/incidents?limit=1000", token)
    finally:
        stop_service(proc, kill=True)  # kill -9: the restart below must cope
    intrusions = {
        i["id"]
        for i in incidents
        if any(a.get("rule") in INTRUSION for a in alerts if a["id"] in i["alert_ids"])
    }
    behind = [logged - seq for seq, logged, _ in samples]
    return {
        "status": status,
        "samples": len(samples),
        "always_ready": all(r for _, _, r in samples),
        "max_behind_events": max(behind, default=0),
        "engine_followed": all(b < 50_000 for b in behind) and len(samples) > 0,
        "poison_sent": chaos.sent if chaos else 0,
        "chaos_reconnects": chaos.reconnects if chaos else 0,
        "admission_refused": metrics["admission_refused"],
        "ingest_rejected": metrics["ingest"].get("rejected", {}),
        "engine_input": metrics["engine_input"],
        "intrusion_incidents": len(intrusions),
        "alerts": len(alerts),
        # Detections that came later than the reorder window: at 10x the window is 0.2 s of
        # wall time, so a starved machine shows here first.
        "late_share": round(
            metrics["engine_input"].get("late: beyond the reorder window", 0)
            / max(1, sum(metrics["engine_input"].values())),
            4,
        ),
    }


def _restart(data: Path) -> dict[str, Any]:
    t0 = time.monotonic()
    proc, ports = start_service(data)
    try:
        token = _token(ports["http"], USER, PASSWORD)
        while True:
            code, body = _get(ports["http"], "/readyz")
            if code == 200 and body["ready"]:
                break
            if time.monotonic() - t0 > 300:
                break
            time.sleep(0.2)
        ready_s = time.monotonic() - t0
        _, status = _get(ports["http"], "/api/v1/engine", token)
    finally:
        stop_service(proc)
    return {"ready_after_s": round(ready_s, 2), "status": status}


def run(minutes: float = 30.0, speed: float = 10.0, clean: bool = True) -> dict[str, Any]:
    """The chaos run, its restart, and (if `clean`) the clean run to compare with."""
    from borderwatch.geo import load_sites
    from borderwatch.geo.registry import Registry

    sensors = sorted(Registry.from_layout(load_sites()).radars)
    seconds = minutes * 60.0
    # full-border-day's twin sends ~64 messages per scenario second: 1 % of that, at speed.
    rate = 0.01 * 64.0 * speed
    with tempfile.TemporaryDirectory(prefix="bw-chaos-") as tmp:
        # The clean run beside the chaos run, not after it: the same machine state for both
        # (a busy hour makes the twin's messages late at 10x, and lateness costs alerts).
        with ThreadPoolExecutor(max_workers=2) as pool:
            chaos_run = pool.submit(_session, Path(tmp) / "chaos", speed, seconds, rate, sensors)
            clean_run = (
                pool.submit(_session, Path(tmp) / "clean", speed, seconds, 0.0, sensors)
                if clean
                else None
            )
            chaos = chaos_run.result()
            reference = clean_run.result() if clean_run is not None else None
        restart = _restart(Path(tmp) / "chaos")
    faults = chaos["status"].get("faults", -1)
    within = (
        abs(chaos["intrusion_incidents"] - reference["intrusion_incidents"]) <= 1
        if reference is not None
        else None
    )
    return {
        "bench": "chaos_run",
        "minutes": minutes,
        "speed": speed,
        "chaos": chaos,
        "restart": restart,
        "clean_intrusion_incidents": None
        if reference is None
        else reference["intrusion_incidents"],
        "clean_late_share": None if reference is None else reference["late_share"],
        "bars": {
            "engine never stopped": chaos["engine_followed"] and chaos["always_ready"],
            "poison refused, no engine fault": faults == 0 and chaos["poison_sent"] > 0,
            "intrusion incidents within one of the clean run": within,
            f"ready within {READY_BAR_S:g} s of a restart after kill -9": restart["ready_after_s"]
            <= READY_BAR_S,
            "the restart does not fault": restart["status"].get("faults") == 0,
        },
    }
