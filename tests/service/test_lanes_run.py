"""`borderwatch run --twin`, as a user starts it: the twin's crossing posts send their traffic
through the API as the lanes' officer, so the lane page shows passages at both posts and a
listed traveller raises a lookout incident an operations room sees (`twin.lanes`)."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.service_ingest import start_service, stop_service
from borderwatch.cli import main
from tests.scenarios import TEN_MINUTES

pytestmark = pytest.mark.slow


def _token(http: httpx.Client, user: str, password: str) -> dict[str, str]:
    r = http.post("/api/v1/token", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_the_twins_lanes_record_passages_and_a_listed_traveller_raises_an_incident(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    scenario = tmp_path / "ten-minutes.toml"
    scenario.write_text(TEN_MINUTES)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long commander secret\n"))
    args = ["users", "add", "cmd", "--agency", "national_guard", "--role", "commander"]
    assert main([*args, "--password-stdin", "--data", str(data)]) == 0
    # 60x: about ten passages a second of wall time, one traveller in fifty listed.
    proc, ports = start_service(data, "--twin", str(scenario), "--speed", "60", "--sectors", "N03")
    try:
        user, password = (data / "twin-lanes.txt").read_text().split()
        assert (data / "checkpoints" / "lists" / "twin_watch.csv").exists()
        with httpx.Client(base_url=f"http://127.0.0.1:{ports['http']}", timeout=30) as http:
            lanes = _token(http, user, password)
            cmd = _token(http, "cmd", "a long commander secret")
            deadline = time.monotonic() + 120  # shared CI machines
            seen: dict[str, list[dict[str, Any]]] = {}
            lookouts: list[dict[str, Any]] = []
            while not (lookouts and all(seen.get(p) for p in ("ras_ajdir", "dehiba_wazen"))):
                assert time.monotonic() < deadline, (seen.keys(), lookouts)
                time.sleep(0.5)
                for post in ("ras_ajdir", "dehiba_wazen"):
                    r = http.get(f"/api/v1/checkpoints/posts/{post}/passages", headers=lanes)
                    assert r.status_code == 200, r.text
                    seen[post] = r.json()
                incidents = http.get("/api/v1/incidents", headers=cmd).json()
                lookouts = [i for i in incidents if i.get("category") == "checkpoint"]
            # The lane page's passages are the twin's documents, recorded by its officer.
            passage = seen["ras_ajdir"][0]
            assert passage["officer"] == user
            assert passage["traveller"]["document_type"].startswith("P")
            # The incident is a lookout hit at a post, with the passage it is about.
            detail = http.get(f"/api/v1/incidents/{lookouts[0]['id']}", headers=cmd).json()
            alert = detail["alerts"][0]
            assert alert["rule"] == "lookout_hit"
            assert "twin_watch:TW" in alert["evidence"][1]
            r = http.get(f"/api/v1/checkpoints/passages/{alert['evidence'][0]}", headers=lanes)
            assert r.status_code == 200, r.text
            assert [h["list"] for h in r.json()["hits"]][:1] == ["twin_watch"]
    finally:
        stop_service(proc)
