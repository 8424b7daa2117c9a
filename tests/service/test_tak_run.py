"""`borderwatch run --twin`, as a user starts it: a pytak client connected to its CoT port
while the twin runs receives CoT of live tracks within 5 s of connecting, and the service
lists it as its one TAK client (the twin's sensor and patrol connections, which only send,
are never served)."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import httpx
import pytest

from bench.service_ingest import start_service, stop_service
from borderwatch.cli import main
from tests.api.takclient import Device, config
from tests.scenarios import THREE_CROSSINGS

pytestmark = pytest.mark.slow


def test_a_pytak_client_gets_live_tracks_from_borderwatch_run_with_the_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    scenario = tmp_path / "three-crossings.toml"
    scenario.write_text(THREE_CROSSINGS)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long operator secret\n"))
    args = ["users", "add", "officer", "--agency", "army", "--role", "operator"]
    assert main([*args, "--password-stdin", "--data", str(data)]) == 0
    proc, ports = start_service(data, "--twin", str(scenario), "--speed", "10", "--sectors", "N03")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{ports['http']}", timeout=30) as http:
            r = http.post(
                "/api/v1/token", data={"username": "officer", "password": "a long operator secret"}
            )
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            deadline = time.monotonic() + 120  # the twin's first tracks (shared CI machines)
            while not http.get("/api/v1/tracks", headers=headers).json():
                assert time.monotonic() < deadline, "the twin made no track"
                time.sleep(0.5)

            async def connect() -> float:
                async with Device(config(f"tcp://127.0.0.1:{ports['cot_tcp']}")) as device:
                    start = time.monotonic()
                    event = await device.wait_for(
                        lambda e: e.uid.startswith("borderwatch.track."), timeout=5.0
                    )
                    clients = http.get("/api/v1/tak/clients", headers=headers).json()
                    assert len(clients["clients"]) == 1
                    assert clients["clients"][0]["identity"] is None
                    return event.at - start

            assert asyncio.run(connect()) < 5.0
    finally:
        stop_service(proc)
