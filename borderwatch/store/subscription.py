"""Following the log: every committed event after a given seq, once each, in seq order.

A subscription is fed live by the writer, on the event loop, right after each commit. It
starts from any seq: what was committed before it began is read from the log first. If its
consumer falls more than `max_backlog` messages behind, it lets go of what it holds and reads
from the log again until it has caught up, so a slow consumer (a WebSocket client, an engine
that lags a moment) never holds back ingest and never makes the service hold an unbounded
queue. With `max_backlog=None` it never falls behind: it holds the writer back instead
(backpressure), for a consumer that must stay current even at the cost of slowing ingest.

Either way no event is seen before it is durable (live batches come after COMMIT; the log
holds only committed rows), none twice, none skipped.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from borderwatch.store.errors import StoreError
from borderwatch.store.eventlog import Loggable, LoggedEvent

if TYPE_CHECKING:
    from borderwatch.store.writer import LogWriter

__all__ = ["Committed", "Subscription"]

CATCH_UP = 1000  # events per read from the log while catching up


@dataclass(frozen=True, slots=True)
class Committed:
    """Durable events with consecutive `seqs`: their messages (in seq order), where from, when.

    Live, one is one append; read back from the log, one is a run of events with the same
    source and arrival time.
    """

    seqs: range
    messages: tuple[Loggable, ...]
    source: str
    arrived_ns: int


class Subscription:
    """Every committed event with seq > `after`, once each, in seq order: `async for` it.

    Made by `LogWriter.subscribe`. Ends when the writer has closed and everything up to its
    last commit has been taken, or when `close()` is called.
    """

    def __init__(self, writer: LogWriter, after: int, max_backlog: int | None) -> None:
        self.after = after
        self.max_backlog = max_backlog
        self.backlog = 0  # messages held for the consumer, not yet taken
        self.log_reads = 0  # reads from the log, made because it started or fell behind
        self._writer = writer
        self._items: deque[Committed] = deque()
        self._ready = asyncio.Event()
        self._ended = False
        self._taken = after + 1  # every seq below this has been yielded
        self._queued = after + 1  # every seq below this has been yielded or is in _items
        self._behind = after < writer.last_seq

    @property
    def holds_writer(self) -> bool:
        """True if the writer waits for this consumer rather than let it fall behind."""
        return self.max_backlog is None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Committed:
        while not self._items:
            if self._behind:
                await self._catch_up()
            elif self._ended:
                raise StopAsyncIteration
            else:
                self._ready.clear()
                await self._ready.wait()
        item = self._items.popleft()
        self.backlog -= len(item.messages)
        self._taken = item.seqs.stop
        if self.holds_writer:
            self._writer._space_freed()
        return item

    def close(self) -> None:
        """Stop following; what was held and not taken is let go (it stays in the log)."""
        self._writer._unsubscribe(self)
        self._items.clear()
        self.backlog = 0
        self._behind = False
        self._end()
        self._writer._space_freed()

    def _push(self, item: Committed) -> None:
        """A batch just committed (called by the writer on the loop, in seq order)."""
        if self._behind or item.seqs.stop <= self._queued:
            return  # it will be (or was) read from the log
        if item.seqs.start < self._queued:  # the log read ran ahead into this batch
            cut = self._queued - item.seqs.start
            item = Committed(item.seqs[cut:], item.messages[cut:], item.source, item.arrived_ns)
        n = len(item.messages)
        if self.max_backlog is not None and self.backlog and self.backlog + n > self.max_backlog:
            # Too far behind: let go of what is held and read it from the log when asked.
            self._items.clear()
            self.backlog = 0
            self._queued = self._taken
            self._behind = True
            self._ready.set()
            return
        self._items.append(item)
        self.backlog += n
        self._queued = item.seqs.stop
        self._ready.set()

    async def _catch_up(self) -> None:
        """Read the next events from the log (off the loop); go live once level with it."""
        self.log_reads += 1
        after, log = self._queued - 1, self._writer.log
        events = await asyncio.to_thread(lambda: list(log.read(after=after, limit=CATCH_UP)))
        for item in _runs(events):
            self._items.append(item)
            self.backlog += len(item.messages)
            self._queued = item.seqs.stop
        # Back on the loop: the writer has handed out everything up to its last_seq, and
        # hands out everything after it from now on, so once level the live feed is whole.
        if self._queued - 1 >= self._writer.last_seq:
            self._behind = False
        elif not events:
            raise StoreError(log.path, f"events after {after} were committed but cannot be read")

    def _end(self) -> None:
        self._ended = True
        self._ready.set()


def _runs(events: list[LoggedEvent]) -> list[Committed]:
    """Group events read from the log into runs with one source and arrival time."""
    out: list[Committed] = []
    start = 0
    for i in range(1, len(events) + 1):
        if i == len(events) or (events[i].source, events[i].arrived_ns) != (
            events[start].source,
            events[start].arrived_ns,
        ):
            run = events[start:i]
            out.append(
                Committed(
                    range(run[0].seq, run[-1].seq + 1),
                    tuple(e.message for e in run),
                    run[0].source,
                    run[0].arrived_ns,
                )
            )
            start = i
    return out
