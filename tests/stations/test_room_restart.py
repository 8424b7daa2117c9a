"""A room that restarts rebuilds its picture from `BORDER` on the real servers: the twin's
first minutes through two stations, the room stopped once everything reached it, a new room
started on the same cluster and log: it reads `BORDER` from the start, its tracks, alerts
and incidents are the first room's, and its log holds each message once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from borderwatch.engine import load_config
from borderwatch.stations.centre import Centre
from borderwatch.stations.demo import _messages
from borderwatch.stations.station import Inbound
from borderwatch.stations.system import ROOM_LOG, scenario_source, start_system
from borderwatch.twin.scenario import load_scenario
from borderwatch.twin.stream import prepare


async def _until(what: str, done: Callable[[], bool], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.1)


async def _scenario(root: Path) -> dict[str, Any]:
    scenario, path = load_scenario(scenario_source("stations-pair"))
    run = prepare(scenario, path, 1, 0.1)
    sectors = sorted({s.sector for s in run.sensors})
    config = load_config()
    system = await start_system(root, sectors, config)
    try:
        first = system.centre
        assert first is not None
        batches: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in system.stations}
        for station, m, arrived in _messages(
            run.chunks(), run.sensors, scenario.start_ns, system.station_of
        ):
            batches[station].append((m, arrived))
        sent = 0
        for name, msgs in batches.items():
            for k in range(0, len(msgs), 500):
                sent += await system.stations[name].take_in(msgs[k : k + 500])
        await _until("the first room took everything", lambda: first.received >= sent)
        first.finish()
        assert first.events is not None
        logged = first.events.last_seq()
        await first.close()
        # the room restarts: a new process, the same cluster and log
        second = Centre(
            system.cluster.urls,
            sorted(system.stations),
            first.engine.registry,
            config,
            log_path=root / "room" / ROOM_LOG,
        )
        system.centre = second  # closed with the system
        await second.start()
        await _until("the second room rebuilt", lambda: second.received >= sent)
        second.finish()
        assert second.events is not None
        return {
            "sent": sent,
            "first": first.feed.summary(),
            "second": second.feed.summary(),
            "logged_first": logged,
            "logged_second": second.events.last_seq(),
            "taken_second": second.taken,
            "duplicates": second.duplicates,
        }
    finally:
        await system.close()


def test_a_restarted_room_rebuilds_its_picture_from_border(tmp_path: Path) -> None:
    out = asyncio.run(asyncio.wait_for(_scenario(tmp_path), 240))
    assert out["sent"] > 1_000
    first = out["first"]
    assert first["tracks"] > 0
    assert out["second"] == first
    # the log: the first room's messages once, nothing written twice
    assert out["logged_first"] == out["logged_second"] == out["taken_second"] == out["sent"]
    assert out["duplicates"] == 0
