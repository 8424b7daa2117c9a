"""`borderwatch stations up` (what `make run-stations` runs) as a real process: it starts the
cluster, two stations and the room, the twin feeds them; `borderwatch stations list` shows
each station's link, backlog and what the room took in; with `--workers 2`, a fusion worker
per sector runs beside them and publishes its sector's picture to `PICTURE`; SIGTERM stops it
all, workers and servers too."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import nats
import pytest

from borderwatch.cli import main
from borderwatch.stations.workers import read_picture

BW = [sys.executable, "-m", "borderwatch"]


def _nats_servers_under(root: Path) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "nats-server" in cmd and str(root) in cmd:
                pids.append(int(d.name))
    return pids


@pytest.mark.slow
def test_stations_up_list_and_stop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "stations"
    workers: list[int] = []
    proc = subprocess.Popen(
        [
            *BW,
            "stations",
            "up",
            "--data",
            str(data),
            "--speed",
            "60",
            "--for",
            "150",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        listed = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            if (data / "health.json").is_file():
                assert main(["stations", "list", "--data", str(data), "--json"]) == 0
                listed = json.loads(capsys.readouterr().out)
                rows = {r["station"]: r for r in listed["stations"]}
                # (On a loaded machine a probe answered late can show a link down a moment.)
                if len(rows) == 2 and all(
                    r["received"] > 500 and r["link"] == "up" for r in rows.values()
                ):
                    break
            time.sleep(1)
        assert listed is not None
        rows = {r["station"]: r for r in listed["stations"]}
        assert sorted(rows) == ["station-a", "station-b"]
        assert rows["station-a"]["sectors"] == ["N02"]
        for r in rows.values():
            assert r["link"] == "up"
            assert r["received"] > 500
            assert r["acknowledged"] > 0  # (the room may hear of a batch before its ack)
        assert listed["health_age_s"] < 5
        assert len(listed["system"]["cluster"]) == 3
        assert _nats_servers_under(data)  # 3 cluster nodes and 2 leaf nodes running
        # the human table too
        assert main(["stations", "list", "--data", str(data)]) == 0
        assert "station-b" in capsys.readouterr().out
        # A worker per sector, each publishing its own sector's picture.
        health = json.loads((data / "health.json").read_text())
        assert [w["sectors"] for w in health["workers"]] == [["N02"], ["N03"]]
        assert all(w["running"] for w in health["workers"]), health["workers"]
        urls = [n["url"] for n in listed["system"]["cluster"]]
        published: dict[str, int] = {}
        while time.monotonic() < deadline + 60 and len(published) < 2:
            published = asyncio.run(_picture(urls))
            time.sleep(1)
        assert sorted(published) == ["N02", "N03"], published
        workers = [w["pid"] for w in health["workers"]]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b'"stopped"' in out
    assert not (data / "stations.json").exists()
    assert _nats_servers_under(data) == []
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


async def _picture(urls: list[str]) -> dict[str, int]:
    """How many outputs each sector has in `PICTURE`; an empty map if it cannot say yet (no
    stream yet, or a loaded cluster answering late: the caller asks again)."""
    nc = await nats.connect(urls, connect_timeout=5, max_reconnect_attempts=1)
    try:
        return {sector: len(out) for sector, out in (await read_picture(nc)).items() if out}
    except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
        return {}
    finally:
        await nc.close()


def test_list_without_a_running_system(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stations", "list", "--data", str(tmp_path)]) == 2
    assert "no stations running there" in capsys.readouterr().err
