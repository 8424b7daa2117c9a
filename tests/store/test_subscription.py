"""Subscriptions: every committed event after `after`, once each, in seq order, never before it
is durable; a consumer that starts or falls behind reads the log and rejoins the live feed."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

import pytest

from borderwatch.store import Committed, EventLog, LogWriter, Subscription

from .helpers import run
from .samples import T0, action, detections, patrol


def seqs_of(batches: list[Committed]) -> list[int]:
    return [s for b in batches for s in b.seqs]


async def take(sub: Subscription, n: int) -> list[Committed]:
    """Take batches until `n` messages have come."""
    got: list[Committed] = []
    while sum(len(b.seqs) for b in got) < n:
        got.append(await anext(sub))
    return got


def test_live_batches_once_in_order_after_they_are_durable(log: EventLog, log_path: Path) -> None:
    shell = sqlite3.connect(log_path, check_same_thread=False)  # sees committed data only

    async def consume(sub: Subscription, seen: list[Committed], durable: list[bool]) -> None:
        async for batch in sub:
            (last,) = shell.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            durable.append(last >= batch.seqs.stop - 1)
            seen.append(batch)

    async def main() -> tuple[list[Committed], list[Committed], int]:
        early: list[Committed] = []
        late: list[Committed] = []
        durable: list[bool] = []
        async with LogWriter(log, clock=lambda: T0 + 9) as writer:
            first = writer.subscribe()
            assert first.after == 0
            task1 = asyncio.create_task(consume(first, early, durable))
            await asyncio.gather(*(writer.append(detections(k, 0, 7), f"c{k}") for k in range(10)))
            second = writer.subscribe()
            task2 = asyncio.create_task(consume(second, late, durable))
            await asyncio.gather(*(writer.append([patrol(k)], f"p{k}") for k in range(10)))
            await writer.append([action(1, "INC-1")], "api:op1")
        await asyncio.gather(task1, task2)  # the subscriptions end when the writer closes
        assert all(durable)
        assert first.log_reads == second.log_reads == 0  # both kept up: all live
        return early, late, second.after

    early, late, after = run(main())
    shell.close()
    assert after == 70
    assert seqs_of(early) == list(range(1, 82))
    assert seqs_of(late) == list(range(71, 82))
    logged = list(log.read())
    assert [m for b in early for m in b.messages] == [e.message for e in logged]
    assert (late[-1].source, late[-1].arrived_ns) == ("api:op1", T0 + 9)


def test_a_subscription_from_an_old_seq_reads_the_log_then_goes_live(log: EventLog) -> None:
    async def main() -> tuple[list[Committed], Subscription]:
        async with LogWriter(log) as writer:
            for k in range(30):  # 30 x 50 = 1500: more than one read from the log
                await writer.append(detections(k, 0, 50), f"c{k}")
            sub = writer.subscribe(after=120)
            assert sub.after == 120
            got = await take(sub, 1000)  # some of the backlog, from the log
            rest = 1500 - 120 + 5 * 10 + 50 - len(seqs_of(got))
            more = asyncio.create_task(take(sub, rest))
            for k in range(30, 35):  # appended while the rest is still being caught up
                await writer.append(detections(k, 0, 10), f"c{k}")
            await writer.append(detections(99, 0, 50), "last")
            got += await more
            return got, sub

    got, sub = run(main())
    assert seqs_of(got) == list(range(121, 1601))
    assert [m for b in got for m in b.messages] == [e.message for e in log.read(after=120)]
    # Read back from the log, a batch is a run with one source and arrival time.
    assert got[0].seqs == range(121, 151)
    assert [(b.source, b.seqs) for b in got[1:3]] == [
        ("c3", range(151, 201)),
        ("c4", range(201, 251)),
    ]
    assert sub.log_reads >= 2


def test_a_slow_consumer_falls_behind_without_holding_ingest_back(log: EventLog) -> None:
    async def main() -> tuple[list[Committed], Subscription]:
        async with LogWriter(log, max_pending=200) as writer:
            sub = writer.subscribe(max_backlog=50)
            for k in range(100):  # 1000 messages, 5 x max_pending, nobody consuming
                await writer.append(detections(k, 0, 10), f"c{k}")
                assert sub.backlog <= 50
            assert writer.pending == 0  # ingest never waited for this consumer
            got = await take(sub, 1000)
            return got, sub

    got, sub = run(main())
    assert seqs_of(got) == list(range(1, 1001))
    assert sub.log_reads >= 1


def test_any_interleaving_gives_each_event_once_in_order(log: EventLog) -> None:
    rng = random.Random(11)
    plan = [[rng.randint(1, 40) for _ in range(25)] for _ in range(8)]
    total = sum(map(sum, plan))

    async def producer(writer: LogWriter, p: int) -> None:
        for i, n in enumerate(plan[p]):
            await writer.append(detections(p, 100 * i, n), f"c{p}")
            for _ in range(rng.randint(0, 3)):
                await asyncio.sleep(0)

    async def consumer(sub: Subscription) -> list[Committed]:
        got: list[Committed] = []
        while sum(len(b.seqs) for b in got) < total:
            got.append(await anext(sub))
            for _ in range(rng.randint(0, 6)):
                await asyncio.sleep(0)
        return got

    async def main() -> list[list[Committed]]:
        async with LogWriter(log) as writer:
            subs = [writer.subscribe(max_backlog=b) for b in (30, 200, None)]
            consumers = [asyncio.create_task(consumer(s)) for s in subs]
            await asyncio.gather(*(producer(writer, p) for p in range(8)))
            got = await asyncio.gather(*consumers)
            # The tight one fell behind and caught up from the log (some 30 times a run);
            # the one that holds the writer never does.
            assert subs[0].log_reads > 0
            assert subs[2].log_reads == 0
            return got

    results = run(main())
    logged = [e.message for e in log.read()]
    for got in results:
        assert seqs_of(got) == list(range(1, total + 1))
        assert [m for b in got for m in b.messages] == logged


def test_a_batch_the_log_read_already_gave_is_trimmed_not_repeated(log: EventLog) -> None:
    # The race this guards against: a catch-up read in a thread sees a commit whose hand-over
    # to the loop has not run yet; when it runs, the part already read must not come again.
    async def main() -> list[Committed]:
        writer = LogWriter(log)
        await writer.append(detections(1, 0, 10), "a")
        sub = writer.subscribe(after=0)
        first = await anext(sub)  # read from the log: seqs 1-10, and now level and live
        assert first.seqs == range(1, 11)
        msgs = tuple(detections(2, 0, 5))
        sub._push(Committed(range(8, 13), (*first.messages[7:], *msgs[:2]), "a", T0))
        sub._push(Committed(range(3, 6), first.messages[2:5], "a", T0))  # all seen
        await writer.close()
        return [b async for b in sub]

    (trimmed,) = run(main())
    assert trimmed.seqs == range(11, 13)
    assert trimmed.messages == tuple(detections(2, 0, 2))


def test_subscribing_past_the_end_is_refused(log: EventLog) -> None:
    async def main() -> None:
        async with LogWriter(log) as writer:
            await writer.append([patrol(1)], "p")
            with pytest.raises(ValueError, match="after=2: the log's seqs run from 1 to 1"):
                writer.subscribe(after=2)

    run(main())


def test_after_the_writer_closes_a_subscription_still_reads_what_was_committed(
    log: EventLog,
) -> None:
    async def main() -> tuple[list[Committed], list[Committed]]:
        writer = LogWriter(log)
        await writer.append(detections(1, 0, 20), "a")
        await writer.close()
        late = [b async for b in writer.subscribe(after=5)]
        closed = writer.subscribe(after=0)
        closed.close()
        return late, [b async for b in closed]

    late, closed = run(main())
    assert seqs_of(late) == list(range(6, 21))
    assert closed == []
