"""The twin live: a scenario streamed through a real CoT server delivers what `simulate` writes
(times shifted), one connection per sensor, in real time divided by the speed; a server that
goes away costs only what was sent while it was down, counted; `stop` ends it at once."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import msgspec
import pytest

from borderwatch.errors import ConfigError
from borderwatch.ingest.base import CollectingSink, Inbound, IngestStats
from borderwatch.ingest.cot import CotServer, CotSettings, setup
from borderwatch.twin import live
from borderwatch.twin.live import LiveSummary, stream_live
from tests.scenarios import TEN_MINUTES, simulate_text

from .runs import NS, Run, source

T = TypeVar("T")


class Twin:
    """The scenario file and what `simulate` writes for it."""

    def __init__(self, path: Path, run: Run) -> None:
        self.path, self.run = path, run
        self.messages = Counter(run.messages)
        self.senders = {source(m) for m in run.messages}


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Twin:
    root = tmp_path_factory.mktemp("live")
    run_dir = simulate_text(root, TEN_MINUTES)
    return Twin(root / "scenario.toml", Run(run_dir))


def _run(coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(timeout):
            return await coro

    return asyncio.run(bounded())


@contextlib.contextmanager
def _refusing_port() -> Iterator[int]:
    """A port bound but not listening: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


async def _closed_by_peer(server: CotServer, n: int) -> None:
    """Wait until the server has seen `n` connections end."""
    while server.stats.disconnects["cot.tcp", "closed_by_peer"] < n:
        await asyncio.sleep(0.01)


async def _server(sink: CollectingSink, port: int = 0) -> CotServer:
    settings = CotSettings(host="127.0.0.1", tcp_port=port, udp_port=None, tls_port=None)
    return await setup(settings, sink, IngestStats())


def _unshifted(message: Inbound, summary: LiveSummary, twin: Twin) -> Inbound:
    """The message as `simulate` wrote it: its time shifted back."""
    return msgspec.structs.replace(
        message, time_ns=message.time_ns - (summary.start_ns - twin.run.start_ns)
    )


def test_delivers_what_simulate_writes_one_connection_per_sensor(twin: Twin) -> None:
    speed = 600.0
    sink = CollectingSink()

    async def main() -> tuple[LiveSummary, float]:
        server = await _server(sink)
        assert server.tcp_port is not None
        began = time.monotonic()
        summary = await stream_live(twin.path, host="127.0.0.1", port=server.tcp_port, speed=speed)
        took = time.monotonic() - began
        await sink.wait_for(summary.total_sent)
        await server.close()
        return summary, took

    summary, took = _run(main())
    assert summary.total_unsent == 0
    assert summary.sent == twin.run.scenario["counts"]["messages"]
    assert summary.laps == 1
    assert Counter(_unshifted(m, summary, twin) for m in sink.messages) == twin.messages
    # In real time divided by the speed: ten minutes in about one second, not all at once.
    assert took >= 600.0 / speed * 0.95
    assert took < 600.0 / speed + 5.0
    # One connection per sensor and per patrol device, each in its own order.
    by_sender: dict[str, set[str]] = defaultdict(set)
    seqs: dict[str, list[int]] = defaultdict(list)
    for connection, m in sink.received:
        by_sender[source(m)].add(connection)
        seqs[source(m)].append(m.seq)
    assert set(by_sender) == twin.senders
    assert len(twin.senders) >= 5
    assert all(len(c) == 1 for c in by_sender.values())
    assert len(set().union(*by_sender.values())) == len(twin.senders)
    assert all(s == sorted(s) for s in seqs.values())
    assert summary.connections == len(twin.senders)


def test_server_down_and_back_loses_only_what_was_sent_meanwhile(
    twin: Twin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "BACKOFF_S", (0.02, 0.1))  # retry quickly at 300x
    down_s, up_s = 120.0, 240.0  # scenario time the server closes and comes back
    sink = CollectingSink()
    servers: list[CotServer] = []
    port: list[int] = []

    async def progress(summary: LiveSummary) -> None:
        if summary.scenario_s >= down_s and len(servers) == 1 and not servers[0].closing:
            await sink.wait_for(summary.total_sent)  # all sent so far is in: a clean cut
            await servers[0].close()
            await asyncio.sleep(0.05)  # the twin's sockets see the close
        elif summary.scenario_s >= up_s and len(servers) == 1:
            servers.append(await _server(sink, port[0]))

    async def main() -> LiveSummary:
        servers.append(await _server(sink))
        port.append(servers[0].tcp_port or 0)
        summary = await stream_live(
            str(twin.path), host="127.0.0.1", port=port[0], speed=300.0, on_progress=progress
        )
        await sink.wait_for(summary.total_sent)
        await servers[-1].close()
        return summary

    summary = _run(main())
    assert len(servers) == 2
    received = [_unshifted(m, summary, twin) for m in sink.messages]
    assert len(received) == summary.total_sent
    assert summary.total_sent + summary.total_unsent == twin.messages.total()
    assert not Counter(received) - twin.messages  # nothing made up, nothing twice
    assert summary.total_unsent > 100
    assert summary.connect_failures > 0
    assert summary.closed_by_server > 0
    assert summary.connections > len(twin.senders)  # every sensor came back
    # What was lost was sent while the server was down (time_ns is the sensor's, a little
    # before it arrives); before and after, everything arrived.
    lost = twin.messages - Counter(received)
    times = [m.time_ns - twin.run.start_ns for m in lost.elements()]
    assert min(times) >= (down_s - 30.0) * NS
    assert max(times) <= (up_s + 100.0) * NS
    late = [m for m in sink.messages if m.time_ns - summary.start_ns > (up_s + 120.0) * NS]
    assert len(late) > 1000


def test_no_server_never_raises_and_counts_everything(twin: Twin) -> None:
    async def main() -> LiveSummary:
        with _refusing_port() as port:
            return await stream_live(twin.path, host="127.0.0.1", port=port, speed=2000.0)

    summary = _run(main())
    assert summary.total_sent == 0
    assert summary.unsent == twin.run.scenario["counts"]["messages"]
    assert summary.connections == 0
    assert summary.connect_failures >= len(twin.senders)


def test_stop_ends_it_promptly(twin: Twin) -> None:
    sink = CollectingSink()

    async def main() -> tuple[LiveSummary, float, CotServer]:
        server = await _server(sink)
        stop = asyncio.Event()
        assert server.tcp_port is not None
        task = asyncio.create_task(
            stream_live(twin.path, host="127.0.0.1", port=server.tcp_port, speed=1.0, stop=stop)
        )
        await sink.wait_for(1)  # real time: the first messages come within seconds
        stop.set()
        began = time.monotonic()
        summary = await task
        took = time.monotonic() - began
        await sink.wait_for(summary.total_sent)
        await _closed_by_peer(server, summary.connections)  # we closed every one of them
        await server.close()
        return summary, took, server

    summary, took, server = _run(main())
    assert took < 1.0
    assert 0 < summary.total_sent < 500
    assert summary.laps == 0
    assert len(sink.messages) == summary.total_sent
    assert server.stats.connections_total["cot.tcp"] == summary.connections


def test_repeat_continues_times_and_sequence_numbers(twin: Twin) -> None:
    sink = CollectingSink()
    lap_s = twin.run.scenario["hours"] * 3600.0
    stop = asyncio.Event()

    def progress(summary: LiveSummary) -> None:
        if summary.scenario_s >= lap_s + 300.0:
            stop.set()

    async def main() -> LiveSummary:
        server = await _server(sink)
        assert server.tcp_port is not None
        summary = await stream_live(
            twin.path,
            host="127.0.0.1",
            port=server.tcp_port,
            speed=1200.0,
            stop=stop,
            on_progress=progress,
            repeat=True,
        )
        await sink.wait_for(summary.total_sent)
        await server.close()
        return summary

    summary = _run(main())
    assert summary.laps == 1
    sent_in_lap = Counter(source(m) for m in twin.run.messages)
    again = [m for m in sink.messages if m.seq >= sent_in_lap[source(m)]]
    assert len(again) > 1000
    for m in again:  # the same messages, a lap later, numbered on from where they were
        back = msgspec.structs.replace(
            m, time_ns=m.time_ns - round(lap_s * NS), seq=m.seq - sent_in_lap[source(m)]
        )
        assert twin.messages[_unshifted(back, summary, twin)] == 1
    seqs: dict[str, list[int]] = defaultdict(list)
    for m in sink.messages:
        seqs[source(m)].append(m.seq)
    assert all(s == sorted(set(s)) for s in seqs.values())


def test_from_s_skips_what_came_before_and_lands_that_second_on_the_clock(twin: Twin) -> None:
    from_s, speed = 420.0, 600.0  # the last three minutes of the ten, at 600x
    sink = CollectingSink()
    clock_ns = 1_900_000_000 * NS  # the service's clock: nowhere near the wall clock

    async def main() -> LiveSummary:
        server = await _server(sink)
        assert server.tcp_port is not None
        summary = await stream_live(
            twin.path,
            host="127.0.0.1",
            port=server.tcp_port,
            speed=speed,
            from_s=from_s,
            clock=lambda: clock_ns,
        )
        await sink.wait_for(summary.total_sent)
        await server.close()
        return summary

    summary = _run(main())
    assert summary.start_ns == clock_ns - round(from_s * NS)
    received = Counter(_unshifted(m, summary, twin) for m in sink.messages)
    assert not received - twin.messages  # nothing made up
    # Exactly what arrives from `from_s` on (arrivals lag the sensors' stamps by their
    # latency, 0.15-5 s: stamps just before it may still come).
    times = sorted(m.time_ns - twin.run.start_ns for m in received.elements())
    assert times[0] >= (from_s - 6.0) * NS
    later = [m for m in twin.messages.elements() if m.time_ns - twin.run.start_ns > from_s * NS]
    assert len(later) > 500
    assert not Counter(later) - received
    assert summary.total_sent == received.total()
    # The sequence numbers go on from what the skipped part used: a gap, not a restart.
    assert min(m.seq for m in sink.messages) > 0


def test_from_s_outside_the_scenario_is_a_config_error(twin: Twin) -> None:
    with pytest.raises(ConfigError, match=r"twin\.from_s"):
        _run(stream_live(twin.path, host="127.0.0.1", port=1, from_s=3600.0))


@pytest.mark.parametrize("speed", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_speed_is_a_config_error(twin: Twin, speed: float) -> None:
    with pytest.raises(ConfigError, match=r"twin\.speed"):
        _run(stream_live(twin.path, host="127.0.0.1", port=1, speed=speed))


def test_unknown_scenario_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no such scenario"):
        _run(stream_live("no-such-scenario", host="127.0.0.1", port=1))
