"""Crash safety, the way it happens: `borderwatch run` is killed with SIGKILL while gateways
post batches over HTTP and a sensor streams CoT; then it is started again.

Every batch that was acknowledged (202) must be in the event log, byte for byte, at the seqs
it was acknowledged with; and the picture the restarted service rebuilds (its tracks,
incidents and alerts through the API) must equal a clean replay of that same log through the
engine, offline.
"""

from __future__ import annotations

import io
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from bench.service_ingest import start_service, stop_service
from borderwatch.cli import main
from borderwatch.engine import LiveEngine
from borderwatch.engine.config import EngineConfig
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.ingest.cot import encode_xml
from borderwatch.messages import Detection, Patrol, SensorStatus, decode_lines, encode
from borderwatch.store import EventLog
from tests.scenarios import THREE_CROSSINGS, simulate_text

pytestmark = pytest.mark.slow

BATCH = 50
POSTERS = 4
# The gateways post a recorded run (March 2026) in bulk, on its own clock, four batches in
# flight at a time: the reorder window spans them (4 x 50 messages, ~50 s of this run), so
# what the picture is built from does not depend on which post the server answered first.
CONFIG = '[time]\nclock = "event"\n[picture]\nwindow_s = 60.0\n'


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    run_dir = simulate_text(tmp_path_factory.mktemp("crash"), THREE_CROSSINGS)
    with (run_dir / "messages.jsonl").open("rb") as f:
        return [m for m in decode_lines(f) if isinstance(m, Detection | SensorStatus | Patrol)]


def _start(data: Path) -> tuple[subprocess.Popen[str], dict[str, int]]:
    config = data.parent / "engine.toml"
    config.write_text(CONFIG)
    return start_service(data, "--sectors", "N03", "--config", str(config))


def _token(http: httpx.Client, user: str, password: str) -> str:
    r = http.post("/api/v1/token", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _add_user(data: Path, name: str, role: str, password: str, monkeypatch: Any) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    args = ["users", "add", name, "--agency", "national_guard", "--role", role]
    assert main([*args, "--password-stdin", "--data", str(data)]) == 0


def test_sigkill_loses_nothing_acknowledged_and_the_restart_rebuilds_the_picture(
    messages: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    _add_user(data, "gateway1", "gateway", "a long gateway secret", monkeypatch)
    _add_user(data, "officer", "operator", "a long operator secret", monkeypatch)
    # The gateway relays the whole twin: every sensor and patrol (ingest.identity).
    (data / "identity.toml").write_text('[grants.gateway1]\nsensors = ["*"]\n')
    statuses = [m for m in messages if isinstance(m, SensorStatus)]
    posted = [m for m in messages if not isinstance(m, SensorStatus)]
    batches = [posted[k : k + BATCH] for k in range(0, len(posted), BATCH)]

    proc, ports = _start(data)
    base = f"http://127.0.0.1:{ports['http']}"
    acked: list[tuple[int, list[Any]]] = []
    lock = threading.Lock()
    with httpx.Client(base_url=base, timeout=30) as http:
        token = _token(http, "gateway1", "a long gateway secret")

    queue = iter(batches)  # taken in order by whichever poster is free (under `lock`)

    def post() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    batch = next(queue, None)
                if batch is None:
                    return
                body = b"[" + b",".join(encode(m) for m in batch) + b"]"
                try:
                    r = client.post(
                        "/api/v1/detections",
                        content=body,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                        },
                    )
                except httpx.TransportError:
                    return  # the server is gone: this batch was never acknowledged
                assert r.status_code == 202, r.text
                with lock:
                    acked.append((int(r.json()["first_seq"]), batch))

    def stream() -> None:
        # A sensor's heartbeats over CoT TCP: accepted, never acknowledged to the sender. Each
        # goes once the posts have reached its time, as a sensor's would (on the event clock,
        # a heartbeat sent hours ahead of the posts would make them all late).
        try:
            with socket.create_connection(("127.0.0.1", ports["cot_tcp"])) as s:
                for m in statuses:
                    while True:
                        with lock:
                            reached = max((b[-1].time_ns for _, b in acked), default=0)
                        if reached >= m.time_ns or proc.poll() is not None:
                            break
                        time.sleep(0.005)
                    s.sendall(encode_xml(m))
        except OSError:
            return

    threads = [threading.Thread(target=post) for _ in range(POSTERS)]
    threads.append(threading.Thread(target=stream))
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120
    while len(acked) < len(batches) // 3:
        time.sleep(0.01)
        assert proc.poll() is None
        assert time.monotonic() < deadline, "the posts were not acknowledged"
    stop_service(proc, kill=True)
    for t in threads:
        t.join(60)
    assert acked, "nothing was acknowledged before the kill"
    assert len(acked) < len(batches), "the kill came after everything was sent"

    # 1. Everything acknowledged is in the log, at its seqs, byte for byte.
    log = EventLog(data / "events.sqlite")
    try:
        logged = {e.seq: e for e in log.read()}
        for first, batch in acked:
            for k, m in enumerate(batch):
                assert encode(logged[first + k].message) == encode(m)
        # A clean replay of the whole log through the engine, offline.
        registry = Registry.from_layout(load_sites().in_sectors({"N03"}))
        clean = LiveEngine(registry, config=msgspec.toml.decode(CONFIG, type=EngineConfig))
        for e in log.read():
            clean.take(e.seq, e.message, e.arrived_ns)
        last_seq = log.last_seq()
    finally:
        log.close()

    # 2. The restarted service rebuilds exactly that picture.
    proc, ports = _start(data)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{ports['http']}", timeout=30) as http:
            headers = {
                "Authorization": f"Bearer {_token(http, 'officer', 'a long operator secret')}"
            }
            deadline = time.monotonic() + 120
            while True:
                metrics = http.get("/api/v1/metrics", headers=headers).json()
                # The login is logged too: the engine is level with the log once it has it.
                if metrics["engine_seq"] >= last_seq + 1:
                    break
                assert time.monotonic() < deadline, metrics
                time.sleep(0.2)
            incidents = http.get("/api/v1/incidents?limit=1000", headers=headers).json()
            tracks = http.get("/api/v1/tracks", headers=headers).json()
            alerts = http.get("/api/v1/alerts?limit=1000", headers=headers).json()
    finally:
        stop_service(proc)
    as_json = msgspec.json.decode(msgspec.json.encode(list(clean.incidents.values())))
    assert clean.incidents, "the first third of three crossings raised no incident"
    assert sorted(incidents, key=lambda i: i["id"]) == sorted(as_json, key=lambda i: i["id"])
    assert tracks["time_ns"] == clean.tracks_time_ns
    assert tracks["tracks"] == msgspec.json.decode(
        msgspec.json.encode([clean.tracks[k] for k in sorted(clean.tracks)])
    )
    assert sorted(a["id"] for a in alerts) == sorted(clean.alerts)
