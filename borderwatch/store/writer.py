"""The async front of the event log: append, wait until durable, then acknowledge.

One writer thread owns the appends (sqlite3 blocks; the event loop must not). It takes
everything queued since its last commit and writes it in one transaction, one fsync, then
resolves every waiting append: group commit, so twenty connections appending at once cost one
fsync per round, not one per message.

Backpressure, never loss: `append` waits while `max_pending` messages are queued (or
committed but not yet taken by a subscriber that holds the writer). The queue it waits on is
the sender's: ingest stops reading its socket, and TCP flow control slows the sensor down.

Subscribers (the engine, WebSocket clients) see every committed event exactly once, in seq
order, and never before it is durable: the writer hands batches over on the event loop, in
commit order, only after COMMIT (see `subscription.py` for falling behind and catching up).

An append cancelled while it waits for its commit may still be committed (it was queued); the
sender had no acknowledgement and may send it again, so delivery is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Self

from borderwatch.store.errors import StoreError
from borderwatch.store.eventlog import EncodedBatch, EventLog, Loggable
from borderwatch.store.subscription import Committed, Subscription

__all__ = ["LogWriter"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Append:
    """An append on its way to the writer thread, and the future its caller awaits."""

    batch: EncodedBatch
    messages: tuple[Loggable, ...]
    done: asyncio.Future[range]


class LogWriter:
    """Appends to an `EventLog` from asyncio, with group commit, backpressure and subscribers.

    Create it inside the running event loop; `close()` (or leaving `async with`) commits what
    is queued and stops the thread. The log itself stays open: its owner closes it.
    """

    def __init__(
        self,
        log: EventLog,
        *,
        max_pending: int = 50_000,
        max_group: int = 10_000,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        """`max_pending`: messages in flight before `append` waits; `max_group`: per commit."""
        if max_pending < 1 or max_group < 1:
            raise ValueError("max_pending and max_group must be >= 1")
        self.log = log
        self.max_pending = max_pending
        self.max_group = max_group
        self._clock = clock
        self._loop = asyncio.get_running_loop()
        self._queue: queue.SimpleQueue[_Append | None] = queue.SimpleQueue()
        self._unwritten = 0  # messages queued or being committed
        self._space = asyncio.Event()
        self._subscribers: list[Subscription] = []
        self._last_seq = log.last_seq()
        self._closing = False
        self._stopped: asyncio.Future[None] = self._loop.create_future()
        self._failing = False
        self._stats = {"appends": 0, "messages": 0, "commits": 0, "failed_appends": 0}
        self._thread = threading.Thread(target=self._run, name="borderwatch-log", daemon=True)
        self._thread.start()

    @property
    def last_seq(self) -> int:
        """The last seq committed and handed to subscribers."""
        return self._last_seq

    @property
    def pending(self) -> int:
        """Messages queued, or committed and not yet taken by a subscriber that holds us."""
        held = (s.backlog for s in self._subscribers if s.holds_writer)
        return self._unwritten + max(held, default=0)

    def stats(self) -> dict[str, int]:
        """Counters since start: appends and messages committed, commits, failed appends."""
        return {**self._stats, "pending": self.pending}

    async def append(self, messages: Sequence[Loggable], source: str) -> range:
        """Append `messages` from `source`; return their seqs once they are durable.

        Raises `MessageError` (nothing queued) if a message cannot be logged, and `StoreError`
        if the log could not commit it or is closing: either way it was not accepted.
        """
        if self._closing:
            raise StoreError(self.log.path, "the event log is closing: not accepted")
        batch = EncodedBatch.of(messages, source, self._clock())
        n = len(batch.rows)
        if n == 0:
            return range(self._last_seq + 1, self._last_seq + 1)
        # One batch larger than the whole bound still goes through, alone.
        while self.pending > 0 and self.pending + n > self.max_pending:
            self._space.clear()
            await self._space.wait()
            if self._closing:
                raise StoreError(self.log.path, "the event log is closing: not accepted")
        done: asyncio.Future[range] = self._loop.create_future()
        self._unwritten += n
        self._queue.put(_Append(batch, tuple(messages), done))
        return await done

    def subscribe(self, after: int | None = None, max_backlog: int | None = 10_000) -> Subscription:
        """Follow the log: every event with seq > `after` (default: from now on).

        Events before now are read from the log first. A consumer more than `max_backlog`
        messages behind reads from the log until it catches up; `None`: hold ingest back
        instead.
        """
        if after is None:
            after = self._last_seq
        if not 0 <= after <= self._last_seq:
            raise ValueError(f"after={after}: the log's seqs run from 1 to {self._last_seq}")
        sub = Subscription(self, after, max_backlog)
        if self._stopped.done():
            sub._end()
        else:
            self._subscribers.append(sub)
        return sub

    async def close(self) -> None:
        """Commit everything queued, stop the writer thread, end the subscriptions."""
        if not self._closing:
            self._closing = True
            self._space.set()  # waiting appends give up: not accepted
            self._queue.put(None)  # behind everything queued
        await asyncio.shield(self._stopped)
        await asyncio.to_thread(self._thread.join)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        """Commit whatever is queued, as one transaction per round, until told to stop."""
        stop = False
        while not stop:
            item = self._queue.get()
            if item is None:
                break
            group, n = [item], len(item.batch.rows)
            while n < self.max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                group.append(item)
                n += len(item.batch.rows)
            results, commits = self._commit(group)
            self._call(self._finish, group, results, commits)
        self._call(self._stop)

    def _commit(self, group: list[_Append]) -> tuple[list[range | Exception], int]:
        """Commit a round in one transaction; if that fails, each append alone.

        One append may be what failed the round (too big for the space left), and the others
        should not fail with it. Returns each append's seqs or error, and how many commits.
        """
        try:
            return list(self.log.append_encoded([a.batch for a in group])), 1
        except Exception as exc:  # a StoreError, or a bug: fail the appends, keep going
            if len(group) == 1:
                return [exc], 0
        results: list[range | Exception] = []
        for a in group:
            try:
                results.extend(self.log.append_encoded([a.batch]))
            except Exception as exc:
                results.append(exc)
        return results, sum(isinstance(r, range) for r in results)

    def _call(self, fn: Callable[..., None], *args: object) -> None:
        """Run `fn` on the event loop, after everything scheduled before it."""
        # A closed loop (RuntimeError) means nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(fn, *args)

    # --- back on the event loop ------------------------------------------------------------

    def _finish(self, group: list[_Append], results: list[range | Exception], commits: int) -> None:
        """Acknowledge (or fail) each append of a round; hand the committed to subscribers."""
        self._stats["commits"] += commits
        for a, result in zip(group, results, strict=True):
            self._unwritten -= len(a.batch.rows)
            if isinstance(result, Exception):
                self._failed(a, result)
                continue
            if self._failing:
                self._failing = False
                log.warning("event log %s: appends are being committed again", self.log.path)
            self._last_seq = result.stop - 1
            self._stats["appends"] += 1
            self._stats["messages"] += len(result)
            committed = Committed(result, a.messages, a.batch.source, a.batch.arrived_ns)
            for sub in self._subscribers:
                sub._push(committed)
            if not a.done.done():
                a.done.set_result(result)
        self._space_freed()

    def _failed(self, a: _Append, exc: Exception) -> None:
        """Fail an append that did not commit; log when appends start failing, not each one."""
        self._stats["failed_appends"] += 1
        reason = exc.reason if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
        if not self._failing:
            self._failing = True
            log.error("event log %s: appends fail, not accepted: %s", self.log.path, reason)
        if not a.done.done():
            error = StoreError(self.log.path, f"not accepted: {reason}")
            error.__cause__ = exc
            a.done.set_exception(error)

    def _stop(self) -> None:
        """The thread has committed its last round: end the subscriptions."""
        for sub in self._subscribers:
            sub._end()
        self._subscribers.clear()
        self._stopped.set_result(None)

    def _space_freed(self) -> None:
        if self.pending < self.max_pending or self._closing:
            self._space.set()

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)
