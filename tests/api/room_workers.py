"""The room with fusion workers, for the console's tests (`test_picture`, `test_room_console`):
two stations on the real servers, the room console following `PICTURE`, and the movers of
tests/stations/test_workers.py fed to the stations and tracked by two workers (N02-N03,
N04-N07)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borderwatch.api import ApiSettings
from borderwatch.engine import load_config
from borderwatch.geo.registry import Registry
from borderwatch.stations.console import RoomConsole
from borderwatch.stations.station import Inbound
from borderwatch.stations.system import System, sector_registry, start_system
from borderwatch.stations.workers import SectorWorker
from tests.stations.test_workers import SECTORS, _messages
from tests.stations.test_workers import _until as until

from .conftest import Api

__all__ = ["UNTIL_S", "Room", "S", "feed_workers", "in_room", "start_room", "until"]

UNTIL_S = 900  # the movers of tests/stations/test_workers.py up to this second: all walk
S = 1_000_000_000


@dataclass
class Room:
    """The servers, the room console and the API client of one test."""

    registry: Registry
    messages: list[tuple[Inbound, int]]
    system: System
    console: RoomConsole
    client: Any
    auth: dict[str, str]

    async def close(self, workers: list[SectorWorker]) -> None:
        for w in workers:
            await w.close()
        await self.console.close()
        await self.system.close()


async def start_room(api: Api, root: Path) -> Room:
    """The stations, the cluster and the room console, the API following them; no workers."""
    registry = sector_registry(set(SECTORS))
    messages = _messages(registry)
    first = min(m.time_ns for m, _ in messages)
    messages = [(m, a) for m, a in messages if m.time_ns < first + UNTIL_S * S]
    system = await start_system(root, SECTORS, load_config())
    console = RoomConsole(root, api.service.engine, audit=api.service.record_desk)
    console.start()
    client = api.app_with(ApiSettings(stations=root, room=console))
    return Room(registry, messages, system, console, client, api.auth("op1"))


async def feed_workers(room: Room, workers: list[SectorWorker]) -> None:
    """The movers into their stations, then the two workers (appended to `workers`, which the
    caller closes), until both have read all of `BORDER`."""
    system, registry = room.system, room.registry
    batches: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in system.stations}
    for m, arrived in room.messages:
        sector = registry.places[m.sensor_id].sector  # type: ignore[union-attr]
        batches[system.station_of[sector]].append((m, arrived))
    sent = 0
    for name, msgs in batches.items():
        for k in range(0, len(msgs), 500):
            sent += await system.stations[name].take_in(msgs[k : k + 500])
    for own in (SECTORS[:2], SECTORS[2:]):
        worker = SectorWorker(
            system.cluster.urls, sorted(system.stations), registry, own, load_config()
        )
        workers.append(worker)
        await worker.start()
    await until("the workers read BORDER", lambda: all(w.received >= sent for w in workers))


def in_room(
    api: Api, root: Path, scenario: Callable[[Api, Path], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """A room test's scenario, run on the service's loop (which the room console's relay
    of its engine's feed needs) under `root`, within 5 minutes: what it measured."""

    async def run() -> dict[str, Any]:
        return await asyncio.wait_for(scenario(api, root), 300)

    return api.call(run)
