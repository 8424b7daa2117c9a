"""The twin's crossing posts, live: `borderwatch run --twin` sends the checkpoint traffic
(`twin.checkpoints`: both posts' vehicles and travellers, passports with valid zones, a
partner's list a few of them are on under another writing of their name) through the API,
as the lanes' officers would, on the twin's clock.

`lane_list` writes the traffic's list into the data directory's lists (`DATA/checkpoints/
lists/twin_watch.csv`), where the posts' desk reads it at start. `drive_lanes` signs in as the
lanes' officer (an account bound to both posts, made by `run`) and records each passage
(`POST /api/v1/checkpoints/passages`) when it is due: at `time_s / speed` of wall time after
the start. A hit raises its lookout alert through the engine, as a real lane's does; nobody
decides it (the second line is the console's user). When the traffic ends it starts again,
the same travellers on the same list, later (a live system does not stop at the end of the
day). The twin speaks to the API as any client: over HTTP, nothing shared with the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from borderwatch.twin.checkpoints import Traffic, checkpoint_traffic

__all__ = ["HOURS", "LaneSummary", "drive_lanes", "lane_list", "lane_traffic"]

log = logging.getLogger(__name__)

HOURS = 6.0  # the traffic made at once, then repeated
PASSAGES = "/api/v1/checkpoints/passages"


@dataclass(slots=True)
class LaneSummary:
    """What the lanes sent: passages recorded, refused (with the last reason), hits."""

    recorded: int = 0
    refused: int = 0
    hits: int = 0
    rounds: int = 0
    last_refusal: str = ""


def lane_traffic(seed: int) -> Traffic:
    """The posts' traffic for `seed` (`HOURS` of it; the same for the list and the lanes)."""
    return checkpoint_traffic(seed, hours=HOURS)


def lane_list(data_root: Path, traffic: Traffic) -> Path:
    """Write the traffic's list where the posts' desk reads its lists; its path."""
    folder = data_root / "checkpoints" / "lists"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{traffic.list_name}.csv"
    path.write_text(traffic.list_csv, encoding="utf-8")
    return path


async def _login(client: httpx.AsyncClient, user: str, password: str) -> dict[str, str]:
    r = await client.post("/api/v1/token", data={"username": user, "password": password})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def drive_lanes(
    base_url: str,
    user: str,
    password: str,
    traffic: Traffic,
    *,
    speed: float,
    stop: asyncio.Event,
) -> LaneSummary:
    """Record `traffic`'s passages through the API at `base_url` as `user`, each when due
    (`speed` times real time from now), again and again, until `stop` is set."""
    summary = LaneSummary()
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as client:
        headers = await _login(client, user, password)
        while True:
            offset = summary.rounds * HOURS * 3600.0
            for p in traffic.passages:
                wait = start + (offset + p.time_s) / speed - loop.time()
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
                if stop.is_set():
                    return summary
                body: dict[str, Any] = {
                    "post": p.post,
                    "lane": p.lane,
                    "direction": p.direction,
                    "mrz": p.mrz,
                    "plate": p.plate,
                    "names_arabic": p.names_arabic,
                }
                r = await client.post(PASSAGES, json=body, headers=headers)
                if r.status_code == 401:  # the shift's token expired: sign in again
                    headers = await _login(client, user, password)
                    r = await client.post(PASSAGES, json=body, headers=headers)
                if r.status_code != 200:
                    if not summary.refused:
                        log.warning("the twin's lane: passage refused (%s)", r.status_code)
                    summary.refused += 1
                    summary.last_refusal = f"{r.status_code} {r.text[:200]}"
                    continue
                summary.recorded += 1
                summary.hits += bool(r.json()["hits"])
            summary.rounds += 1
