"""`borderwatch run`: the whole system in one process, on one asyncio loop.

    sensors, ATAK ──CoT/TAK (TCP 8087, UDP 8087, mutual TLS 8089)──┐
    gateways ──────JSON over HTTP (POST /api/v1/detections)────────┤
                                                                   ▼
                                        admission → event log (SQLite, WAL, group commit)
                                                                   │ after COMMIT, in seq order
                                                                   ▼
                                        live engine (tracks, alerts, incidents) → change feed
                                                                   │
                              API (REST, WebSocket /api/v1/stream) ┘   console, partners

With `--twin SCENARIO` the digital twin streams its sensors into the CoT port as separate
sensor connections, through exactly the path real sensors take (its day starting a minute
before its first crossing group can raise an alert, `twin/script.py`, so a newcomer sees one
within two minutes; `--from-start`: at its start; GET /api/v1/twin says what is due next),
and its crossing posts' traffic into the API as the lanes' officer `twin.lanes` (`twin.lanes`:
the twin's list in `DATA/checkpoints/lists/`, a passage recorded when due, a listed
traveller's hit raising its lookout alert; the officer's password is printed and kept in
`DATA/twin-lanes.txt`).

The start order matters: the engine follows the log from seq 0 (rebuilding the picture
from everything logged before), and only then do the listeners open. Shutdown is the
reverse, each step bounded in time: the twin stops, ingest flushes what it queued to the
log, the API stops, the log's writer commits what is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
import uvicorn

from borderwatch import pki
from borderwatch.accounts import DataDir
from borderwatch.ingest import cot
from borderwatch.revocation import Revocations
from borderwatch.service.core import Service, ServiceOptions

if TYPE_CHECKING:
    from borderwatch.twin.checkpoints import Traffic
    from borderwatch.twin.script import LiveScript

__all__ = ["RunOptions", "first_login", "serve"]

log = logging.getLogger("borderwatch")

# The twin's lanes' officer (`run --twin`): records the twin's crossing-post traffic.
LANE_OFFICER = "twin.lanes"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    """Where to listen, and whether the twin feeds the system."""

    service: ServiceOptions = field(default_factory=ServiceOptions)
    host: str = "127.0.0.1"
    http_port: int = 8000
    cot: cot.CotSettings = field(default_factory=cot.CotSettings)
    twin: str | None = None
    twin_speed: float = 1.0
    twin_seed: int = 1
    # The twin's day from its real start; by default it starts a minute before its first
    # crossing group can raise an alert (`twin.script.live_start_s`), so a newcomer sees one.
    twin_from_start: bool = False
    # Print one line of JSON with the bound ports once everything listens (tests, tools).
    announce: bool = False
    # HTTPS for the console and the API, with the server certificate of our CA (DATA/pki);
    # plain HTTP is for localhost only (`make run`), checked by the command line.
    http_tls: bool = False
    # The distributed mode's directory (`borderwatch stations up --data`), whose stations'
    # health the API and the console show; None: none.
    stations: Path | None = None


def first_login(data: DataDir) -> tuple[str, str] | None:
    """On a data directory without accounts, make the first ones: an operator and an admin
    (national guard), with random passwords kept in `first-login.txt` (owner-only, beside the
    token key) until someone changes them. Returns (user, password) to print, if any."""
    from borderwatch.accounts import UserStore

    path = data.root / "first-login.txt"
    with UserStore(data.accounts) as users:
        if not users.list():
            lines = []
            for name, role in (("operator", "operator"), ("admin", "admin")):
                password = secrets.token_urlsafe(12)
                users.add(name, "national_guard", role, password)
                lines.append(f"{name} {password}\n")
            path.touch(mode=0o600)
            path.write_text("".join(lines))
    if not path.exists():
        return None
    first = path.read_text().split("\n", 1)[0].split()
    return (first[0], first[1]) if len(first) == 2 else None


def _tls_context(data: DataDir) -> Any:
    """The CoT TLS listener's context, if this data directory has a CA (`certs init`)."""
    if not (data.pki / "ca.key").exists():
        log.warning(
            "no certificate authority in %s: TLS ingest (8089) is off "
            "(make one with `borderwatch certs init`)",
            data.pki,
        )
        return None
    return pki.server_ssl_context(data.pki)


async def serve(options: RunOptions, stop: asyncio.Event | None = None) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM)."""
    from borderwatch.api import ApiSettings, create_app

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    data = options.service.data
    # With the twin, the service's clock is the twin's: the scenario starts now and runs
    # `twin_speed` times faster than the wall clock, so its sensors' stamps are on time.
    start_ns = time.time_ns()
    clock = time.time_ns if options.twin is None else _twin_clock(start_ns, options.twin_speed)
    script = None if options.twin is None else await asyncio.to_thread(_script, options)
    async with Service.start(options.service, clock) as service:
        lanes = await asyncio.to_thread(_lanes_setup, options, service)
        tls = _tls_context(data)
        settings = options.cot if tls is not None else _without_tls(options.cot)
        revocations = Revocations(data.pki) if tls is not None else None
        server = await cot.setup(
            settings, service.admission, service.stats, tls, revocations, hub=service.tak
        )
        room = None
        if options.stations is not None:
            # the fusion workers' picture of the distributed mode, once they run, and the
            # operators' work on its incidents: the console's feed (stations.console), each
            # step the desk took logged into this service's audit trail
            from borderwatch.stations.console import RoomConsole

            room = RoomConsole(
                options.stations,
                service.engine,
                audit=service.record_desk,
                engine_act=service.act,
            )
            room.start()
            service.tak.show(room)  # TAK devices see, and are tasked from, what it shows
        app = create_app(service, ApiSettings(stations=options.stations, twin=script, room=room))
        if lanes is not None:  # the lanes' officer works at both posts
            from borderwatch.ops.checkpoints.records import POSTS

            desk = app.state.checkpoints
            desk.log.bind(LANE_OFFICER, sorted(POSTS), "twin", service.clock())
        https: dict[str, Any] = {}
        if options.http_tls:
            https = {
                "ssl_certfile": str(data.pki / "server.crt"),
                "ssl_keyfile": str(data.pki / "server.key"),
            }
        config = uvicorn.Config(
            app,
            host=options.host,
            port=options.http_port,
            log_level="warning",
            lifespan="off",
            ws_ping_interval=20.0,
            **https,
        )
        http = uvicorn.Server(config)
        http_task = asyncio.create_task(http.serve(), name="http")
        twin_task: asyncio.Task[Any] | None = None
        lanes_task: asyncio.Task[Any] | None = None
        try:
            while not http.started:
                if http_task.done():
                    http_task.result()  # a port in use: its error, not a hang
                    raise RuntimeError("the HTTP server stopped before it started")
                await asyncio.sleep(0.02)
            http_port = http.servers[0].sockets[0].getsockname()[1]
            ports = {
                "http": http_port,
                "cot_tcp": server.tcp_port,
                "cot_udp": server.udp_port,
                "cot_tls": server.tls_port,
            }
            _announce(options, ports, script)
            if script is not None:
                twin_task = asyncio.create_task(
                    _twin(options, script, server.tcp_port, stop, clock, start_ns), name="twin"
                )
            if lanes is not None:
                lanes_task = asyncio.create_task(
                    _lanes(options, f"http://127.0.0.1:{http_port}", lanes, stop), name="lanes"
                )
            await stop.wait()
        finally:
            log.info("stopping")
            stop.set()
            for task in (twin_task, lanes_task):
                if task is not None:
                    # `stop` is set: the twin flushes its connections and returns within a
                    # second; cancel it only if it does not.
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.wait_for(task, timeout=5)
            await cot.close(server)
            if room is not None:
                await room.close()
            http.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(http_task, timeout=10)


def _without_tls(settings: cot.CotSettings) -> cot.CotSettings:
    return msgspec.structs.replace(settings, tls_port=None)


def _announce(options: RunOptions, ports: dict[str, int | None], script: LiveScript | None) -> None:
    if options.announce:
        print(json.dumps({"ready": ports}), flush=True)
        return
    host = "localhost" if options.host in ("127.0.0.1", "0.0.0.0") else options.host
    scheme = "https" if options.http_tls else "http"
    print(f"borderwatch is running: {scheme}://{host}:{ports['http']}/", flush=True)
    print(f"  API docs:    {scheme}://{host}:{ports['http']}/docs", flush=True)
    if options.http_tls:
        print(f"  (trust {options.service.data.pki / 'ca.crt'} in the browser)", flush=True)
    print(
        f"  CoT ingest:  tcp {ports['cot_tcp']}, udp {ports['cot_udp']}, "
        f"tls {ports['cot_tls'] or 'off'}",
        flush=True,
    )
    login = first_login(options.service.data)
    if login is not None:
        print(
            f"  first login: {login[0]} / {login[1]}  (kept in "
            f"{options.service.data.root / 'first-login.txt'}; change it with "
            f"`borderwatch users passwd {login[0]}`)",
            flush=True,
        )
    if options.twin:
        print(f"  twin:        {options.twin} at {options.twin_speed:g}x", flush=True)
        if script is not None and script.from_s > 0.0:
            print(
                f"               from {_hm(script.from_s)} into its day, a minute before its "
                "first crossing group can raise an alert (--from-start: from its start)",
                flush=True,
            )
        lanes = (options.service.data.root / "twin-lanes.txt").read_text().split()
        print(f"  lane page:   {lanes[0]} / {lanes[1]}  (the twin's posts' officer)", flush=True)
    print("Ctrl-C stops it.", flush=True)


def _hm(seconds: float) -> str:
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def _twin_clock(start_ns: int, speed: float) -> Callable[[], int]:
    """The twin's clock: `start_ns` at the start, then `speed` times the wall clock."""

    def now() -> int:
        return start_ns + round((time.time_ns() - start_ns) * speed)

    return now


def _script(options: RunOptions) -> LiveScript:
    """The twin's script: where its live day starts and when its crossings are due."""
    from borderwatch.twin import load_scenario
    from borderwatch.twin.script import live_script
    from borderwatch.twin.stream import prepare

    assert options.twin is not None
    loaded, path = load_scenario(options.twin)
    run = prepare(loaded, path, options.twin_seed)
    approach = options.service.config.rules.approach
    return live_script(run, approach, options.twin_speed, options.twin_from_start)


def _say_start(script: LiveScript, now_ns: int) -> None:
    """Tell the terminal where the twin's day started and when its next crossing is due, so
    a newcomer watching an empty queue knows when to look (and that it is not broken)."""
    where = (
        "at its start"
        if script.from_s == 0.0
        else f"{script.from_s / 60:.0f} min into its day, a minute before its first crossing "
        "group can raise an alert (--from-start: its real start)"
    )
    found = script.next_crossing(now_ns)
    due = ""
    if found is not None:
        due_ns, crossing = found
        due = (
            f"; its next crossing ({crossing.cls}, sector {crossing.sector}) is due in "
            f"{(due_ns - now_ns) / 60e9 / script.speed:.0f} min of wall time (approach alerts "
            "come up to an hour before a crossing)"
        )
    log.warning("the twin %s started %s%s", script.scenario, where, due)


async def _twin(
    options: RunOptions,
    script: LiveScript,
    port: int | None,
    stop: asyncio.Event,
    clock: Callable[[], int],
    start_ns: int,
) -> None:
    from borderwatch.twin.live import LiveSummary, stream_live

    if port is None or options.twin is None:
        return

    def started(summary: LiveSummary) -> None:
        if script.start_ns is None:
            script.start_ns = summary.start_ns
            _say_start(script, clock())

    try:
        summary = await stream_live(
            options.twin,
            host="127.0.0.1",
            port=port,
            speed=options.twin_speed,
            seed=options.twin_seed,
            # From its start: the scenario's start is the clock's (what comes due while the
            # twin prepares is sent at once). From `from_s`: that second lands on the clock's
            # reading once the twin is ready, so skipping hours costs no late messages.
            start_ns=start_ns if script.from_s == 0.0 else None,
            from_s=script.from_s,
            clock=clock,
            stop=stop,
            on_progress=started,
            repeat=True,  # a live system does not stop at the end of the scenario's day
        )
        log.info("the twin finished: %s", summary)
    except Exception:
        log.exception("the twin stopped")


def _lanes_setup(options: RunOptions, service: Service) -> tuple[Traffic, str] | None:
    """With the twin: its posts' traffic, its list written where the desk reads lists, and
    the lanes' officer with a new password (kept owner-only in `DATA/twin-lanes.txt`)."""
    from borderwatch.twin.lanes import lane_list, lane_traffic

    if options.twin is None:
        return None
    data = options.service.data
    traffic = lane_traffic(options.twin_seed)
    lane_list(data.root, traffic)
    password = secrets.token_urlsafe(12)
    if any(u.name == LANE_OFFICER for u in service.users.list()):
        service.users.set_password(LANE_OFFICER, password)
    else:
        service.users.add(LANE_OFFICER, "customs", "officer", password)
    path = data.root / "twin-lanes.txt"
    path.touch(mode=0o600)
    path.write_text(f"{LANE_OFFICER} {password}\n")
    return traffic, password


async def _lanes(
    options: RunOptions, base_url: str, lanes: tuple[Traffic, str], stop: asyncio.Event
) -> None:
    from borderwatch.twin.lanes import drive_lanes

    traffic, password = lanes
    try:
        summary = await drive_lanes(
            base_url, LANE_OFFICER, password, traffic, speed=options.twin_speed, stop=stop
        )
        log.info("the twin's lanes finished: %s", summary)
    except Exception:
        log.exception("the twin's lanes stopped")


def main(options: RunOptions) -> int:
    """Run the service in this process until interrupted."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
    )
    asyncio.run(serve(options))
    return 0
