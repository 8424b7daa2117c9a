"""The real path end to end: pytak (the TAK client library) sends a radar's detections to
`borderwatch run` as CoT XML over TCP, as TAK protobuf over TCP, and over mutual TLS with the
radar's own certificate; each arrives, is logged, taken in by the engine, and shows in the API
(the radar's last detection, the ingest counters by transport)."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.service_ingest import start_service, stop_service
from borderwatch.cli import main
from borderwatch.ingest.cot import encode_xml
from borderwatch.messages import Detection, SensorStatus
from tests.ingest.cot.helpers import pytak_config, send_with_pytak
from tests.ingest.cot.test_pytak import PYTAK_TLS_WARNING

pytestmark = pytest.mark.slow

RADAR = "T05-R"


def _detection(seq: int, t_ns: int) -> Detection:
    return Detection(
        sensor_id=RADAR,
        kind="radar",
        seq=seq,
        time_ns=t_ns,
        range_m=3000.0 + 5.0 * seq,
        bearing_deg=120.0,
        sigma_range_m=15.0,
        sigma_bearing_deg=0.5,
    )


@pytest.mark.filterwarnings(PYTAK_TLS_WARNING)
def test_pytak_over_tcp_protobuf_and_tls_shows_in_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    assert main(["certs", "init", "--data", str(data)]) == 0
    assert main(["certs", "issue", RADAR, "--data", str(data)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long operator secret\n"))
    args = ["users", "add", "officer", "--agency", "army", "--role", "operator"]
    assert main([*args, "--password-stdin", "--data", str(data)]) == 0
    pki = data / "pki"
    t0 = time.time_ns() - 600 * 10**9  # ten minutes ago: not ahead of the server's clock
    second = 10**9
    xml = [_detection(k, t0 + k * second) for k in range(7)]
    proto = [_detection(k, t0 + k * second) for k in range(7, 14)]
    tls = [_detection(k, t0 + k * second) for k in range(14, 21)]
    # A heartbeat well after them moves event time on, so their seconds are released.
    beat = SensorStatus(sensor_id=RADAR, kind="radar", seq=1, time_ns=t0 + 40 * second)

    proc, ports = start_service(data, "--sectors", "N03")
    try:
        tcp = f"tcp://127.0.0.1:{ports['cot_tcp']}"
        client = pki / "clients" / RADAR

        async def send() -> None:
            await send_with_pytak(pytak_config(tcp), [encode_xml(m) for m in xml])
            await send_with_pytak(pytak_config(tcp, TAK_PROTO="1"), [encode_xml(m) for m in proto])
            config = pytak_config(
                f"tls://127.0.0.1:{ports['cot_tls']}",
                PYTAK_TLS_CLIENT_CERT=f"{client}.crt",
                PYTAK_TLS_CLIENT_KEY=f"{client}.key",
                PYTAK_TLS_CLIENT_CAFILE=str(pki / "ca.crt"),
            )
            last: list[Detection | SensorStatus] = [*tls, beat]
            await send_with_pytak(config, [encode_xml(m) for m in last])

        asyncio.run(asyncio.wait_for(send(), 60))
        with httpx.Client(base_url=f"http://127.0.0.1:{ports['http']}", timeout=30) as http:
            r = http.post(
                "/api/v1/token", data={"username": "officer", "password": "a long operator secret"}
            )
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            sensor: dict[str, Any] = {}
            metrics: dict[str, Any] = {}
            deadline = time.monotonic() + 60  # generous: CI machines are shared
            while time.monotonic() < deadline:
                sensor = http.get(f"/api/v1/sensors/{RADAR}", headers=headers).json()
                metrics = http.get("/api/v1/metrics", headers=headers).json()
                if sensor.get("last_detection_ns") == tls[-1].time_ns:
                    break
                time.sleep(0.2)
    finally:
        stop_service(proc)
    assert sensor["last_detection_ns"] == tls[-1].time_ns, (sensor, metrics)
    assert metrics["ingest"]["accepted"] == {"cot.tcp": len(xml) + len(proto), "cot.tls": 8}
    assert metrics["ingest"]["rejected"] == {}
    # Every message, the login and nothing else is in the log.
    assert metrics["log_last_seq"] == len(xml) + len(proto) + len(tls) + 1 + 1
