"""`borderwatch stations up` (`make run-stations`): the distributed mode running, on one
machine, fed by the twin at its own pace; and `borderwatch stations list`.

While it runs, the room writes each station's health (link, last heard, backlog, lag, what
the station and the room took in, the station's own alerts) to `DATA/health.json` every
second; `stations list` shows it.

With `workers` (`--workers N`), the sectors are split into N blocks of neighbours and each
block gets its fusion worker (`borderwatch stations worker`, `stations.workers`), a process
of its own started beside the system once it says what it is (`stations.json`), publishing
its sectors' picture to `PICTURE`; the health says whether each still runs, and a stop
stops them first (SIGINT: each closes its connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from borderwatch.engine import load_config
from borderwatch.errors import BorderwatchError
from borderwatch.stations.station import Inbound
from borderwatch.stations.system import STATE_FILE, System, scenario_source, start_system
from borderwatch.twin.scenario import load_scenario
from borderwatch.twin.stream import prepare

__all__ = ["HEALTH_FILE", "STALE_S", "health", "list_stations", "run_live"]

log = logging.getLogger(__name__)

HEALTH_FILE = "health.json"
# The twin's messages due within this much wall time are sent to a station together.
TICK_S = 0.05
# The room writes its health every second: older than this, what it says is not now.
STALE_S = 5.0


def blocks(sectors: list[str], n: int) -> list[list[str]]:
    """`sectors` (in order along the border) cut into `n` blocks of neighbours, as even as
    they go; `BorderwatchError` unless 1 <= n <= len(sectors)."""
    if not 1 <= n <= len(sectors):
        raise BorderwatchError(f"--workers must be 1..{len(sectors)} for {len(sectors)} sectors")
    size, extra = divmod(len(sectors), n)
    out, at = [], 0
    for k in range(n):
        take = size + (k < extra)
        out.append(sectors[at : at + take])
        at += take
    return out


Worker = tuple[list[str], "subprocess.Popen[bytes]"]  # its sectors, its process


def _start_workers(root: Path, sectors: list[str], n: int) -> list[Worker]:
    """One `borderwatch stations worker` per block of sectors, beside this process."""
    command = [sys.executable, "-m", "borderwatch", "stations", "worker", "--data", str(root)]
    out: list[Worker] = []
    for block in blocks(sectors, n):
        args = [*command, "--sectors", ",".join(block)]
        out.append((block, subprocess.Popen(args, stdout=subprocess.DEVNULL)))
    return out


def _stop_workers(workers: list[Worker], timeout_s: float = 10.0) -> None:
    for _, w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout_s
    for _, w in workers:
        try:
            w.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def health(system: System) -> dict[str, Any]:
    """Each station as the room and the station itself see it."""
    assert system.centre is not None
    rows = []
    for row in system.centre.status():
        name = str(row["station"])
        station = system.stations[name]
        rows.append(
            row
            | {
                "sectors": list(station.sectors),
                "acknowledged": station.counts.acknowledged,
                "local_alerts": len(station.engine.alerts),
                # publications its own server refused it (not its subjects: a permissions
                # violation), counted by the station
                "refused": station.counts.refused,
                "link_relay": "up" if system.links[name].up else "cut",
            }
        )
    return {"time": time.time(), "stations": rows, "room": system.centre.summary()}


def _write(root: Path, doc: dict[str, Any]) -> None:
    tmp = root / f"{HEALTH_FILE}.part"
    tmp.write_text(json.dumps(doc))
    os.replace(tmp, root / HEALTH_FILE)


async def run_live(
    root: Path,
    scenario_name: str,
    speed: float,
    seed: int = 1,
    for_s: float | None = None,
    print_every_s: float = 10.0,
    workers: int = 0,
) -> dict[str, Any]:
    """Run until the twin ends, `for_s` seconds pass, or SIGINT/SIGTERM; the last health.
    With `workers`, that many fusion workers run beside it (module docstring)."""
    if speed <= 0:
        raise BorderwatchError("--speed must be > 0")
    scenario, path = load_scenario(scenario_source(scenario_name))
    twin = prepare(scenario, path, seed)
    sectors = sorted({s.sector for s in twin.sensors})
    if workers:
        blocks(sectors, workers)  # a wrong count is said before anything starts
    system = await start_system(root, sectors, load_config())
    running: list[Worker] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print(json.dumps({"started": system.describe()}), flush=True)
        feeding = asyncio.create_task(_feed(system, twin, scenario.start_ns, speed))
        t0 = time.monotonic()
        last_print = t0
        while not stop.is_set() and not feeding.done():
            if for_s is not None and time.monotonic() - t0 > for_s:
                break
            if system.centre is not None:
                system.centre.check()  # the room's reader stopped: say why, stop
            if workers and not running:  # `stations.json` says what they join by now
                running = _start_workers(root, sectors, workers)
            doc = health(system) | {"workers": _workers(running)}
            _write(root, doc)
            if time.monotonic() - last_print >= print_every_s:
                print(json.dumps(doc["stations"]), flush=True)
                last_print = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        if feeding.done():
            feeding.result()  # raise what stopped it, if anything
        else:
            feeding.cancel()
            try:
                await feeding
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # nats-py turns a cancelled publish into its own error
                log.info("the twin stopped mid-batch: %r", exc)
        return health(system)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await asyncio.to_thread(_stop_workers, running)
        await system.close()


def _workers(running: list[Worker]) -> list[dict[str, Any]]:
    """Each fusion worker: its sectors, its process, whether it still runs (its exit code
    if not)."""
    return [
        {"sectors": block, "pid": w.pid, "running": w.poll() is None, "exit": w.returncode}
        for block, w in running
    ]


async def _feed(system: System, twin: Any, start_ns: int, speed: float) -> None:
    """The twin's messages, each to its sector's station, at `speed` × their arrival pace."""
    t0 = time.monotonic()
    pending: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in system.stations}
    flushed = t0
    for arrivals in twin.chunks():
        for m, arrival_s, sender in zip(
            arrivals.messages, arrivals.arrival_s.tolist(), arrivals.sender.tolist(), strict=True
        ):
            due = t0 + arrival_s / speed
            now = time.monotonic()
            if due - now > TICK_S or now - flushed > TICK_S:
                await _flush(system, pending)
                flushed = time.monotonic()
                if due > flushed:
                    await asyncio.sleep(due - flushed)
            station = system.station_of.get(twin.sensors[sender].sector)
            if station is not None:
                pending[station].append((m, start_ns + round(arrival_s * 1e9)))
    await _flush(system, pending)


async def _flush(system: System, pending: dict[str, list[tuple[Inbound, int]]]) -> None:
    batches = [(n, b) for n, b in pending.items() if b]
    await asyncio.gather(*(system.stations[n].take_in(b) for n, b in batches))
    for n, _ in batches:
        pending[n] = []


def list_stations(root: Path) -> dict[str, Any]:
    """What the running system in `root` last said of its stations: how long ago it said it,
    whether that is too long ago to trust (`stale`: the room is not writing its health), and
    each station's row with `last_heard_s_ago` counted to now."""
    state, doc = root / STATE_FILE, root / HEALTH_FILE
    if not state.is_file():
        raise BorderwatchError(f"{root}: no stations running there (no {STATE_FILE})")
    try:
        started = json.loads(state.read_text())
        now = json.loads(doc.read_text()) if doc.is_file() else {"stations": [], "time": None}
    except (OSError, ValueError) as exc:
        raise BorderwatchError(f"{root}: cannot read the stations' state ({exc})") from exc
    wall = time.time()
    age = None if now.get("time") is None else round(wall - float(now["time"]), 1)
    rows = []
    for row in now["stations"]:
        heard = row.get("last_heard_wall")
        rows.append(row | {"last_heard_s_ago": None if heard is None else round(wall - heard, 1)})
    return {
        "system": started,
        "health_age_s": age,
        "stale": age is None or age > STALE_S,
        "stations": rows,
    }
