"""LogWriter: concurrent appends get gap-free seqs, share commits, wait when the log is full
of work, and fail clearly (each on its own) when SQLite fails."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import threading
from pathlib import Path

import pytest

from borderwatch.errors import MessageError
from borderwatch.messages import Track
from borderwatch.store import EventLog, LogWriter, StoreError

from .helpers import run, settle
from .samples import T0, detections, patrol


def test_concurrent_appends_get_gap_free_ordered_seqs(log: EventLog) -> None:
    rng = random.Random(4)
    sizes = {task: [rng.randint(1, 30) for _ in range(10)] for task in range(50)}

    async def client(writer: LogWriter, task: int) -> list[range]:
        got, first = [], 0
        for n in sizes[task]:
            got.append(await writer.append(detections(task, first, n), f"tcp:{task}"))
            first += n
        return got

    async def main() -> list[list[range]]:
        async with LogWriter(log, clock=lambda: T0) as writer:
            return await asyncio.gather(*(client(writer, t) for t in range(50)))

    ranges = run(main())
    total = sum(map(sum, sizes.values()))
    for task, got in enumerate(ranges):
        assert [len(r) for r in got] == sizes[task]
        assert all(a.stop <= b.start for a, b in itertools.pairwise(got))
        events = [e for r in got for e in log.read(after=r.start - 1, limit=len(r))]
        assert [e.seq for e in events] == [s for r in got for s in r]
        assert [e.message for e in events] == detections(task, 0, sum(sizes[task]))
        assert {e.source for e in events} == {f"tcp:{task}"}
    assert sorted(s for got in ranges for r in got for s in r) == list(range(1, total + 1))
    assert log.count() == log.last_seq() == total


def test_group_commit_one_transaction_for_everything_queued(log_path: Path) -> None:
    # The writer thread's first transaction is held open (via the SQL trace hook, in that
    # thread) until 19 more appends are queued; they must then all share one commit.
    in_first, release = threading.Event(), threading.Event()
    statements: list[str] = []

    def trace(sql: str) -> None:
        statements.append(sql.split()[0])
        if sql.startswith("BEGIN") and not in_first.is_set():
            in_first.set()
            release.wait(10)

    async def main(log: EventLog) -> list[range]:
        async with LogWriter(log, clock=lambda: T0) as writer:
            first = asyncio.create_task(writer.append(detections(0, 0, 5), "c0"))
            assert await asyncio.to_thread(in_first.wait, 10)
            rest = [
                asyncio.create_task(writer.append(detections(k, 0, 5), f"c{k}"))
                for k in range(1, 20)
            ]
            await settle(writer, 100)
            release.set()
            return [await first, *await asyncio.gather(*rest)]

    with EventLog(log_path, trace=trace) as log:
        ranges = run(main(log))
        assert log.count() == 100
    assert statements.count("BEGIN") == statements.count("COMMIT") == 2
    assert ranges == [range(1 + 5 * k, 6 + 5 * k) for k in range(20)]


def test_a_full_queue_makes_append_wait_never_drop(log: EventLog) -> None:
    async def main() -> None:
        async with LogWriter(log, max_pending=100) as writer:
            sub = writer.subscribe(max_backlog=None)  # holds the writer; has taken nothing yet
            assert await writer.append(detections(1, 0, 60), "a") == range(1, 61)
            assert await writer.append(detections(1, 60, 40), "a") == range(61, 101)
            assert writer.pending == 100
            blocked = asyncio.create_task(writer.append(detections(2, 0, 10), "b"))
            for _ in range(50):
                await asyncio.sleep(0)
            await asyncio.to_thread(lambda: None)  # give the writer thread its chance too
            assert not blocked.done()
            assert log.count() == 100  # it waits for room, not queued behind a bound it broke
            taken = await anext(sub)  # the consumer takes one batch: 60 messages of room
            assert taken.seqs == range(1, 61)
            assert await blocked == range(101, 111)
            # A batch larger than the whole bound goes through once nothing else is in flight.
            sub.close()
            assert await writer.append(detections(3, 0, 250), "c") == range(111, 361)

    run(main())
    assert log.count() == 360


def test_close_commits_what_is_queued_and_refuses_more(log: EventLog) -> None:
    async def main() -> list[range]:
        writer = LogWriter(log)
        sub = writer.subscribe()
        appends = [asyncio.create_task(writer.append([patrol(k)], "p")) for k in range(30)]
        await settle(writer, 30)
        await writer.close()
        with pytest.raises(StoreError, match="closing: not accepted"):
            await writer.append([patrol(99)], "p")
        assert [s for b in [b async for b in sub] for s in b.seqs] == list(range(1, 31))
        await writer.close()  # twice is harmless
        return [await a for a in appends]

    assert sorted(run(main()), key=lambda r: r.start) == [range(k, k + 1) for k in range(1, 31)]
    assert log.count() == 30


def test_a_bad_message_fails_only_its_own_append(log: EventLog) -> None:
    bad = Track(id="t1", sector="N04", time_ns=T0, lat=32.0, lon=11.0, state=(0.0,) * 4)

    async def main() -> None:
        async with LogWriter(log) as writer:
            good = asyncio.create_task(writer.append(detections(1, 0, 3), "a"))
            with pytest.raises(MessageError, match="not Track"):
                await writer.append([*detections(2, 0, 2), bad], "b")  # type: ignore[list-item]
            assert await good == range(1, 4)
            assert writer.stats()["failed_appends"] == 0

    run(main())
    assert log.count() == 3


def test_a_full_disk_fails_the_appends_clearly_and_is_logged_once(
    log_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A size cap on the file gives SQLite's real "database or disk is full" path.
    async def main(log: EventLog) -> None:
        async with LogWriter(log) as writer:
            assert await writer.append(detections(1, 0, 10), "a") == range(1, 11)
            for attempt in range(3):
                with pytest.raises(StoreError, match=r"not accepted: .*SQLITE_FULL"):
                    await writer.append(detections(2, 0, 2000), f"big{attempt}")
            assert [r.levelno for r in caplog.records] == [logging.ERROR]
            assert "SQLITE_FULL" in caplog.records[0].getMessage()
            assert await writer.append(detections(3, 0, 5), "small") == range(11, 16)
            assert "committed again" in caplog.records[-1].getMessage()
            assert writer.stats()["failed_appends"] == 3

    with (
        caplog.at_level(logging.INFO, logger="borderwatch.store"),
        EventLog(log_path, max_bytes=256 * 1024) as log,
    ):
        run(main(log))
    with EventLog(log_path) as reopened:
        assert reopened.count() == 15
        assert {e.source for e in reopened.read()} == {"a", "small"}


def test_an_append_too_big_for_the_disk_does_not_fail_the_others_in_its_round(
    log_path: Path,
) -> None:
    in_first, release = threading.Event(), threading.Event()

    def trace(sql: str) -> None:
        if sql.startswith("BEGIN") and not in_first.is_set():
            in_first.set()
            release.wait(10)

    async def main(log: EventLog) -> None:
        async with LogWriter(log) as writer:
            first = asyncio.create_task(writer.append(detections(1, 0, 10), "a"))
            assert await asyncio.to_thread(in_first.wait, 10)
            small = asyncio.create_task(writer.append(detections(2, 0, 5), "small"))
            big = asyncio.create_task(writer.append(detections(3, 0, 2000), "big"))
            later = asyncio.create_task(writer.append(detections(4, 0, 5), "later"))
            await settle(writer, 2020)  # all three queued behind the held round: one round
            release.set()
            assert await first == range(1, 11)
            assert await small == range(11, 16)
            with pytest.raises(StoreError, match="SQLITE_FULL"):
                await big
            assert await later == range(16, 21)
            assert writer.stats()["commits"] == 3

    with EventLog(log_path, max_bytes=256 * 1024, trace=trace) as log:
        run(main(log))
        assert [e.source for e in log.read()] == ["a"] * 10 + ["small"] * 5 + ["later"] * 5
