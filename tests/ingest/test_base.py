"""What adapters share: counters and their snapshot, logging of transitions only, the
collecting sink, and the package's exports."""

from __future__ import annotations

import asyncio
import logging

import pytest

from borderwatch.errors import MessageError
from borderwatch.ingest import CollectingSink, IngestStats, RejectedError
from borderwatch.messages import Patrol


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_snapshot_counts_by_adapter_and_reason() -> None:
    stats = IngestStats()
    stats.connection_opened("cot.tcp")
    stats.count_accepted("cot.tcp", 5)
    stats.count_rejected("cot.tcp", RejectedError("bad_xml", "$", "not XML"), "tcp:a")
    stats.count_rejected("cot.tcp", RejectedError("bad_xml", "$", "not XML"), "tcp:a", n=2)
    stats.count_disconnect("cot.tcp", "abusive", "tcp:a")
    stats.count_dropped("cot.udp", "queue_full", "udp:b")
    stats.connection_closed("cot.tcp")
    assert stats.snapshot() == {
        "accepted": {"cot.tcp": 5},
        "rejected": {"cot.tcp": {"bad_xml": 3}},
        "disconnects": {"cot.tcp": {"abusive": 1}},
        "dropped": {"cot.udp": {"queue_full": 1}},
        "limits": {},
        "connections_open": {"cot.tcp": 0},
        "connections_total": {"cot.tcp": 1},
    }


def test_rejections_are_logged_once_per_interval_with_the_count_since(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    stats = IngestStats(log_interval_s=60.0, clock=clock)
    error = RejectedError("bad_xml", "$", "not well-formed")
    with caplog.at_level(logging.WARNING, logger="borderwatch.ingest"):
        for _ in range(100):
            stats.count_rejected("cot.tcp", error, "tcp:1.2.3.4:5")
        stats.count_rejected("cot.tcp", RejectedError("invalid", "$.point.lat", "> 90"), "x")
        clock.now = 61.0
        stats.count_rejected("cot.tcp", error, "tcp:1.2.3.4:5")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "cot.tcp rejected bad_xml: tcp:1.2.3.4:5: $: not well-formed",
        "cot.tcp rejected invalid: x: $.point.lat: > 90",
        "cot.tcp rejected bad_xml: tcp:1.2.3.4:5: $: not well-formed"
        " (99 more since the last report)",
    ]
    assert stats.rejected["cot.tcp", "bad_xml"] == 101


def test_ordinary_disconnects_are_counted_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    stats = IngestStats()
    with caplog.at_level(logging.WARNING, logger="borderwatch.ingest"):
        stats.count_disconnect("cot.tcp", "closed_by_peer", "a")
        stats.count_disconnect("cot.tcp", "shutdown", "a")
        stats.count_disconnect("cot.tcp", "idle", "a")
    assert [r.getMessage() for r in caplog.records] == ["cot.tcp disconnected idle: a"]
    assert sum(stats.disconnects.values()) == 3


def test_rejected_error_is_a_message_error_with_a_code() -> None:
    error = RejectedError("oversized", "$", "too big")
    assert isinstance(error, MessageError)
    assert (error.code, error.field, error.reason, str(error)) == (
        "oversized",
        "$",
        "too big",
        "$: too big",
    )


def test_collecting_sink_waits_for_a_count() -> None:
    patrol = Patrol(callsign="P1", agency="army", time_ns=1, lat=33.0, lon=11.0)

    async def main() -> None:
        sink = CollectingSink()
        waiting = asyncio.create_task(sink.wait_for(2))
        await sink.accept([patrol], "a")
        await asyncio.sleep(0)
        assert not waiting.done()
        await sink.accept([patrol], "b")
        assert await waiting == [patrol, patrol]
        assert sink.received == [("a", patrol), ("b", patrol)]
        with pytest.raises(TimeoutError):
            await sink.wait_for(3, timeout=0.01)

    asyncio.run(main())
