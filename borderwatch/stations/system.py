"""The whole distributed mode on one machine: the operations room's 3-node cluster, a leaf
node, a link and a `Station` per station, and the room (`Centre`); started together, closed
together. `borderwatch demo stations` and `borderwatch stations up` (`make run-stations`)
both run on it.

The servers are started from the calling (main) thread: they die with the process
(`servers._die_with_parent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path

from borderwatch.engine import EngineConfig
from borderwatch.geo import load_sites
from borderwatch.geo.registry import Registry
from borderwatch.stations.centre import Centre
from borderwatch.stations.link import Link
from borderwatch.stations.servers import (
    Cluster,
    LinkTls,
    NatsServer,
    start_cluster,
    start_station_server,
)
from borderwatch.stations.station import Station

__all__ = [
    "PAIR_SCENARIO",
    "ROOM_LOG",
    "System",
    "link_certificates",
    "scenario_source",
    "sector_registry",
    "start_system",
    "stations_of",
]

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0
# The two-station scenario (kept beside the code, out of the twin's library, whose every
# scenario the twin's tests run): any library name or scenario file works as well.
PAIR_SCENARIO = Path(__file__).with_name("stations-pair.toml")
STATE_FILE = "stations.json"  # where a running system says what it is (for `stations list`)
# The room's merged order, replayable: `borderwatch replay --data ROOT/room --out DIR`.
ROOM_LOG = "events.sqlite"


def scenario_source(name: str) -> str:
    """A scenario name or file: "stations-pair" is this package's own."""
    return str(PAIR_SCENARIO) if name == "stations-pair" else name


def stations_of(sectors: list[str]) -> dict[str, str]:
    """Sectors split between two stations, in order: the first half to station-a."""
    half = max(1, (len(sectors) + 1) // 2)
    return {s: ("station-a" if i < half else "station-b") for i, s in enumerate(sorted(sectors))}


def sector_registry(sectors: set[str]) -> Registry:
    """The sensors of `sectors`, from the packaged site layout."""
    return Registry.from_layout(load_sites().in_sectors(sectors))


@dataclass
class System:
    """What `start_system` started."""

    root: Path
    station_of: dict[str, str]
    cluster: Cluster
    links: dict[str, Link] = field(default_factory=dict)
    servers: dict[str, NatsServer] = field(default_factory=dict)
    stations: dict[str, Station] = field(default_factory=dict)
    centre: Centre | None = None
    tls: LinkTls | None = None  # the stations' certificates (their identities)

    def describe(self) -> dict[str, object]:
        """Where everything listens (written to ROOT/stations.json while it runs)."""
        return {
            "pid": os.getpid(),
            "cluster": [
                {"name": n.name, "url": n.url, "monitor": n.monitor_url} for n in self.cluster.nodes
            ],
            "stations": [
                {
                    "name": name,
                    "sectors": list(self.stations[name].sectors),
                    "url": self.servers[name].url,
                    "monitor": self.servers[name].monitor_url,
                    "link": self.links[name].url,
                }
                for name in sorted(self.stations)
            ],
        }

    async def close(self) -> None:
        """Stop everything, the room first; each step bounded in time (a client still
        reconnecting to a dead node must not keep the servers up)."""
        with contextlib.suppress(OSError):
            (self.root / STATE_FILE).unlink()
        steps: list[tuple[str, Awaitable[None]]] = []
        if self.centre is not None:
            steps.append(("the room", self.centre.close()))
        steps += [(name, station.close()) for name, station in self.stations.items()]
        steps += [(f"{name}'s link", link.close()) for name, link in self.links.items()]
        for what, step in steps:
            try:
                await asyncio.wait_for(step, CLOSE_TIMEOUT_S)
            except Exception as exc:  # closing goes on whatever one step does
                log.warning("closing %s: %r", what, exc)
        for server in self.servers.values():
            server.stop()
        self.cluster.stop()


def link_certificates(root: Path, stations: list[str]) -> LinkTls:
    """The CA of `root/pki` (made on the first start) with, for each station, its identity
    (a client certificate, OU station) and its own server's certificate: the links are
    mutual TLS, a station without one of ours is refused by the hub, and a station's own
    server takes only clients with the station's identity."""
    from borderwatch import pki

    directory = root / "pki"
    if not (directory / "ca.crt").is_file():
        pki.init_ca(directory)
    for name in stations:
        if not (directory / "clients" / f"{name}.crt").is_file():
            pki.issue(directory, name, organisational_unit="station")
        if not (directory / "servers" / f"{name}.crt").is_file():
            pki.issue_server(directory, name)
    return LinkTls(directory)


async def start_system(
    root: Path, sectors: list[str], config: EngineConfig | None = None
) -> System:
    """Start the cluster, two stations for `sectors` and the room under `root`; each
    station's link is mutual TLS with certificates of `root/pki`'s CA, and each station
    speaks, on its link and on its own server, with its own identity."""
    root.mkdir(parents=True, exist_ok=True)
    station_of = stations_of(sectors)
    names = sorted(set(station_of.values()))
    tls = link_certificates(root, names)
    system = System(root, station_of, start_cluster(root / "cluster", tls=tls), tls=tls)
    try:
        for name in names:
            system.links[name] = link = Link(name, system.cluster.leaf_ports)
            await link.start()
            server = start_station_server(name, root / "stations", link.url, tls=tls)
            system.servers[name] = server
            own = {s for s, st in station_of.items() if st == name}
            station = Station(
                name,
                sorted(own),
                sector_registry(own),
                server.url,
                config,
                tls=tls.client_context(name),
            )
            system.stations[name] = station
            await station.start()
        (root / "room").mkdir(exist_ok=True)
        system.centre = Centre(
            system.cluster.urls,
            names,
            sector_registry(set(sectors)),
            config,
            log_path=root / "room" / ROOM_LOG,
        )
        await system.centre.start()
        tmp = root / f"{STATE_FILE}.part"
        tmp.write_text(json.dumps(system.describe(), indent=1))
        os.replace(tmp, root / STATE_FILE)
    except BaseException:
        await system.close()
        raise
    return system
