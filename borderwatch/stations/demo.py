"""`borderwatch demo stations`: the twin through two sector stations and the operations
room's cluster, with one station's link cut and a cluster node killed on the way.

Everything is real: three nats-server processes clustered for the room (`BORDER`, 3
replicas), one leaf node per station, each station's link a relay the demo cuts (every
connection closed, new ones refused) for `cut_s` of event time and then heals; one cluster
node is killed with SIGKILL in the middle of the cut and stays dead. The twin's messages go,
as fast as the stations acknowledge them, to the station of their sector.

At the end the room's picture is compared with that of an engine given the same messages in
one list, as if nothing had been cut: the order is that of a plain sort by (arrival time,
station, place in the station's stream), not the room's merge, so the comparison tests the
merge too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from borderwatch.engine import EngineConfig, LiveEngine, load_config
from borderwatch.engine.replay import replay_log
from borderwatch.errors import BorderwatchError
from borderwatch.geo.registry import Registry
from borderwatch.messages import Detection, Patrol, SensorStatus
from borderwatch.stations.centre import Centre
from borderwatch.stations.digest import DigestFeed
from borderwatch.stations.link import Link
from borderwatch.stations.servers import NatsServer
from borderwatch.stations.station import Inbound, Station
from borderwatch.stations.subjects import message_id
from borderwatch.stations.system import scenario_source, start_system
from borderwatch.twin.scenario import load_scenario
from borderwatch.twin.stream import prepare

__all__ = ["DemoOptions", "run_demo"]

CATCH_UP_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoOptions:
    """The scenario, the cut (event time, s from the start) and where the servers keep data."""

    scenario: str = "stations-pair"
    seed: int = 1
    hours: float | None = None
    cut_at_s: float = 600.0
    cut_s: float = 600.0
    kill_node: bool = True
    batch: int = 500
    root: Path | None = None  # a temporary directory if None


@dataclass
class _Cut:
    at_ns: int
    kill_ns: int
    heal_ns: int
    state: str = "before"  # before, cut, healed


async def run_demo(opts: DemoOptions) -> dict[str, Any]:
    """Run the demo; return its numbers (see the module doc)."""
    if opts.cut_s < 0 or opts.cut_at_s < 0:
        raise BorderwatchError("--cut and --cut-at must be >= 0 s")
    with contextlib.ExitStack() as stack:
        root = opts.root or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        return await _run(opts, root)


async def _run(opts: DemoOptions, root: Path) -> dict[str, Any]:
    scenario, path = load_scenario(scenario_source(opts.scenario))
    run = prepare(scenario, path, opts.seed, opts.hours)
    sectors = sorted({s.sector for s in run.sensors})
    config: EngineConfig = load_config()
    start_ns = scenario.start_ns
    cut = _Cut(
        at_ns=start_ns + round(opts.cut_at_s * 1e9),
        kill_ns=start_ns + round((opts.cut_at_s + opts.cut_s / 2) * 1e9),
        heal_ns=start_ns + round((opts.cut_at_s + opts.cut_s) * 1e9),
    )
    t_start = time.perf_counter()
    system = await start_system(root, sectors, config)
    try:
        assert system.centre is not None
        setup_s = time.perf_counter() - t_start
        out = await _drive(
            opts,
            run.chunks(),
            run.sensors,
            start_ns,
            system.station_of,
            system.stations,
            system.centre,
            system.links,
            system.cluster.nodes,
            cut,
        )
        out["setup_s"] = round(setup_s, 2)
        out["wall_s"] = round(time.perf_counter() - t_start, 2)
        out["scenario"] = {"name": scenario.name, "seed": opts.seed, "hours": run.hours}
        return out
    finally:
        await system.close()


def _messages(
    chunks: Iterator[Any], sensors: list[Any], start_ns: int, station_of: dict[str, str]
) -> Iterator[tuple[str, Inbound, int]]:
    """(station, message, arrival ns) in the twin's arrival order."""
    for arrivals in chunks:
        for m, arrival_s, sender in zip(
            arrivals.messages, arrivals.arrival_s.tolist(), arrivals.sender.tolist(), strict=True
        ):
            station = station_of.get(sensors[sender].sector)
            if station is not None:
                yield station, m, start_ns + round(arrival_s * 1e9)


async def _drive(
    opts: DemoOptions,
    chunks: Iterator[Any],
    sensors: list[Any],
    start_ns: int,
    station_of: dict[str, str],
    stations: dict[str, Station],
    centre: Centre,
    links: dict[str, Link],
    nodes: list[NatsServer],
    cut: _Cut,
) -> dict[str, Any]:
    names = sorted(stations)
    cut_name = names[0]
    sent: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in names}
    pending: dict[str, list[tuple[Inbound, int]]] = {n: [] for n in names}
    local_alerts_at_cut = local_alerts_at_heal = 0
    heal_wall = 0.0
    acked_at_cut = acked_at_heal = at_centre_at_heal = 0
    killed: str | None = None

    async def flush() -> None:
        batches = [(n, b) for n, b in pending.items() if b]
        await asyncio.gather(*(stations[n].take_in(b) for n, b in batches))
        for n, b in batches:
            sent[n].extend(b)
            pending[n] = []

    for station, m, arrived in _messages(chunks, sensors, start_ns, station_of):
        if cut.state == "before" and arrived >= cut.at_ns:
            await flush()
            links[cut_name].cut()
            local_alerts_at_cut = len(stations[cut_name].engine.alerts)
            acked_at_cut = stations[cut_name].counts.acknowledged
            cut.state = "cut"
        if cut.state == "cut" and opts.kill_node and killed is None and arrived >= cut.kill_ns:
            await flush()
            nodes[1].kill()
            killed = nodes[1].name
        if cut.state == "cut" and arrived >= cut.heal_ns:
            await flush()
            local_alerts_at_heal = len(stations[cut_name].engine.alerts)
            acked_at_heal = stations[cut_name].counts.acknowledged
            at_centre_at_heal = centre.health[cut_name].received
            links[cut_name].heal()
            heal_wall = time.perf_counter()
            cut.state = "healed"
        pending[station].append((m, arrived))
        if len(pending[station]) >= opts.batch:
            await flush()
            await asyncio.sleep(0)  # let the room read
    await flush()
    if cut.state == "cut":  # the run ended inside the cut: heal now
        local_alerts_at_heal = len(stations[cut_name].engine.alerts)
        acked_at_heal = stations[cut_name].counts.acknowledged
        at_centre_at_heal = centre.health[cut_name].received
        links[cut_name].heal()
        heal_wall = time.perf_counter()
    catch_up_s = None
    acknowledged = sum(s.counts.acknowledged for s in stations.values())
    deadline = time.perf_counter() + CATCH_UP_TIMEOUT_S
    while time.perf_counter() < deadline:
        centre.check()
        if catch_up_s is None and centre.health[cut_name].received >= acked_at_heal:
            catch_up_s = time.perf_counter() - heal_wall
        if centre.received >= acknowledged:
            break
        await asyncio.sleep(0.05)
    await centre.refresh_backlog()
    health = centre.status()
    in_border = await centre.border_messages()
    stored = sum(s.counts.bundles for s in stations.values())
    centre.finish()
    reference = _reference(sent, centre.engine.registry, centre.engine.config)
    picture = centre.feed.summary()
    replayed = _replayed(centre)
    stored_twice = _stored_twice(centre)
    ids = {message_id(m) for msgs in sent.values() for m, _ in msgs}
    n_sent = sum(len(v) for v in sent.values())
    cut_event_s = (cut.heal_ns - cut.at_ns) / 1e9
    return {
        "sent": n_sent,
        "acknowledged": acknowledged,
        "at_centre": centre.received,
        "lost": acknowledged - centre.received,
        # messages the room took in (its log, hence its picture) more than once, counted
        # from what its log holds: ids logged minus distinct ids (None: the room kept no log)
        "duplicates": stored_twice,
        # re-deliveries JetStream made (a bundle sent again after an acknowledgement lost
        # with a killed node) whose messages the room dropped by id, never taking them in
        "redelivered_dropped": centre.duplicates,
        # BORDER holds each bundle the stations stored once: no copy stored twice
        "border_stream": {"messages": in_border, "stations_stored": stored},
        "distinct_ids_sent": len(ids),
        "picture_equal": picture == reference,
        # `borderwatch replay --data ROOT/room` of the room's log: the room's files, byte for byte
        "replay_equal": replayed == picture,
        "picture": {"centre": picture, "uncut_replay": reference, "room_log_replay": replayed},
        "cut": {
            "station": cut_name,
            "event_s": cut_event_s,
            "acknowledged_during_cut": acked_at_heal - acked_at_cut,
            "backlog_at_heal": acked_at_heal - at_centre_at_heal,
            "local_alerts_during_cut": local_alerts_at_heal - local_alerts_at_cut,
            "station_alerted_during_cut": local_alerts_at_heal > local_alerts_at_cut,
            "link_cuts": links[cut_name].cuts,
        },
        "catch_up_s": None if catch_up_s is None else round(catch_up_s, 3),
        "killed_node": killed,
        "room": centre.summary() | {"picture": None},
        "nodes_up": sum(n.running for n in nodes),
        "station_acks": {n: stations[n].counts.acknowledged for n in names},
        "station_resent": {n: stations[n].counts.resent for n in names},
        "station_bundles": {n: stations[n].counts.bundles for n in names},
        "stations": health,
    }


def _stored_twice(centre: Centre) -> int | None:
    """How many messages the room's log holds more than once (by the sender's own id,
    `subjects.message_id`): what it took in twice. None if it keeps no log."""
    if centre.events is None:
        return None
    logged = 0
    ids: set[str] = set()
    for event in centre.events.read(kinds=("detection", "status", "patrol")):
        m = event.message
        if isinstance(m, Detection | SensorStatus | Patrol):
            logged += 1
            ids.add(message_id(m))
    return logged - len(ids)


def _replayed(centre: Centre) -> dict[str, str | int] | None:
    """The room's log through `borderwatch replay --data`'s code: its files' counts and
    digests, in the DigestFeed's terms."""
    if centre.events is None:
        return None
    with tempfile.TemporaryDirectory(prefix="bw-room-replay-") as tmp:
        replay_log(centre.events.path, Path(tmp), centre.engine.registry, centre.engine.config)
        out: dict[str, str | int] = {}
        for kind in ("tracks", "alerts", "incidents"):
            data = (Path(tmp) / f"{kind}.jsonl").read_bytes()
            out[kind] = data.count(b"\n")
            out[f"{kind}_sha256"] = hashlib.sha256(data).hexdigest()
    return out


def _reference(
    sent: dict[str, list[tuple[Inbound, int]]], registry: Registry, config: EngineConfig
) -> dict[str, str | int]:
    """The picture of an uncut run: one engine, every message in (arrival, station, order)."""
    rows = [
        (arrived, name, i, m) for name, msgs in sent.items() for i, (m, arrived) in enumerate(msgs)
    ]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    feed = DigestFeed()
    engine = LiveEngine(registry, feed, config)
    for seq, (arrived, _, _, m) in enumerate(rows, 1):
        engine.take(seq, m, arrived)
    return feed.summary()
