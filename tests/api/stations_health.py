"""What the operations room writes of its stations every second (`borderwatch stations up`),
made from a room's own health rows: station-a up and caught up, station-b cut 25 s ago with
12 JetStream messages on the station and 3 in BORDER the room has not read. For the API's
and the console's tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from borderwatch.geo.registry import Registry
from borderwatch.stations.centre import Centre
from borderwatch.stations.live import HEALTH_FILE
from borderwatch.stations.system import STATE_FILE

T0 = 1_773_522_000_000_000_000
S = 1_000_000_000


def room_writes(root: Path, written_s_ago: float = 0.0) -> None:
    """Write ROOT's stations.json and health.json as the room does."""
    room = Centre(["nats://127.0.0.1:9"], ["station-a", "station-b"], Registry())
    now = time.time()
    a, b = room.health["station-a"], room.health["station-b"]
    a.link_up, a.last_heard_wall, a.clock_ns, a.received = True, now - 1, T0 + 30 * S, 9_000
    a.backlog, a.in_border, a.bundles = 0, 40, 40
    b.link_up, b.last_heard_wall, b.clock_ns, b.received = False, now - 25, T0 + 5 * S, 4_000
    b.backlog, b.in_border, b.bundles = 12, 20, 17
    rows = [
        row | {"sectors": [sector], "acknowledged": 10_000, "local_alerts": 3, "refused": 0}
        for row, sector in zip(room.status(), ("N02", "N03"), strict=True)
    ]
    doc = {"time": now - written_s_ago, "stations": rows, "room": room.summary()}
    # Each file replaced whole, as the room writes them: rewritten every second in place, a
    # reader in between (the console's poll) met half a file and said "no word from the room".
    for name, content in (
        (STATE_FILE, {"pid": 1, "cluster": [], "stations": []}),
        (HEALTH_FILE, doc),
    ):
        part = root / f"{name}.part"
        part.write_text(json.dumps(content))
        part.replace(root / name)


@contextmanager
def room_writing(root: Path) -> Iterator[Path]:
    """`room_writes` every second until the block ends (a room that keeps running)."""
    root.mkdir(parents=True, exist_ok=True)
    room_writes(root)
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(1.0):
            room_writes(root)

    writer = threading.Thread(target=loop, name="room-health", daemon=True)
    writer.start()
    try:
        yield root
    finally:
        stop.set()
        writer.join()
