"""What the workers of the neighbouring sectors published, read as far as a handover needs.

A fusion worker that publishes a track in its own sectors for the first time takes the
name its neighbour published it with, if the neighbour had it (`stations.handover`). For
that it reads the neighbour's sectors of `PICTURE` (`bw.picture.<sector>`) up to a message
saying every scene before the track's is published there (`Bw-Before`), and no further:
what it decides must not depend on how far the neighbour happens to be. Each sector is read
by stream sequence, one message a request (`next_by_subj`), so nothing is held on the
cluster for it and a node that goes away costs a retry; a neighbour's outputs seen before (a
restarted worker publishes its sectors again from the start) are skipped by their numbers
(`Bw-First`), as every reader of `PICTURE` skips them. While it waits, a plain
subscription to those subjects wakes it when a neighbour publishes (asked again every
`POLL_S` all the same: the wake-up may come before the stream has stored it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterable

import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from borderwatch.errors import MessageError
from borderwatch.messages import Track, decode_lines
from borderwatch.stations.handover import Heard
from borderwatch.stations.subjects import BEFORE, FIRST, KEYS

__all__ = ["Neighbours"]

log = logging.getLogger(__name__)

POLL_S = 0.1  # how soon to ask again, woken or not, when a neighbour is not that far yet
SLOW_S = 10.0  # a wait this long is logged (once, and once when it ends)


class Neighbours:
    """The neighbouring `sectors` of `stream` (subjects `<subjects>.<sector>`), read into
    `heard` as far as asked (`through`)."""

    def __init__(
        self, js: JetStreamContext, stream: str, subjects: str, sectors: Iterable[str]
    ) -> None:
        self.js = js
        self.stream = stream
        self.subjects = subjects
        self.sectors = sorted(sectors)
        self.heard = Heard()
        self.seq = dict.fromkeys(self.sectors, 1)  # the next stream sequence to ask from
        self.next = dict.fromkeys(self.sectors, 0)  # the next output number of each sector
        self.before = dict.fromkeys(self.sectors, 0)  # every scene before this is read (ns)
        self.messages = self.undecodable = self.failures = 0
        self.waits = 0  # how often a neighbour was not that far yet
        self.waited_s = 0.0  # and how long it took, in all (monotonic clock)
        self._moved = asyncio.Event()
        self._subs: list[Subscription] = []

    async def start(self, nc: Client) -> None:
        """Be woken when a neighbouring sector gets a message."""

        async def moved(_: Msg) -> None:
            self._moved.set()

        for sector in self.sectors:
            self._subs.append(await nc.subscribe(f"{self.subjects}.{sector}", cb=moved))

    async def ready(self, before_ns: int) -> bool:
        """Read what is there; whether every neighbouring sector's scenes before
        `before_ns` are read (then `heard` answers for that scene)."""
        for sector in self.sectors:
            while self.before[sector] < before_ns:
                if not await self._read(sector, before_ns):
                    return False
        self.heard.forget_before(before_ns - self.heard.horizon_ns)
        return True

    async def through(self, before_ns: int) -> Heard:
        """`heard`, once every neighbouring sector's scenes before `before_ns` are read."""
        started = slow = None
        for sector in self.sectors:
            while self.before[sector] < before_ns:
                self._moved.clear()  # before asking: a message published after wakes us
                if await self._read(sector, before_ns):
                    continue
                now = time.monotonic()
                if started is None:
                    started = now
                    self.waits += 1
                elif slow is None and now - started > SLOW_S:
                    slow = sector
                    log.warning("waiting for %s's worker to publish past %d", sector, before_ns)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._moved.wait(), POLL_S)
        if started is not None:
            self.waited_s += time.monotonic() - started
            if slow is not None:
                log.warning("%s's worker published past %d", slow, before_ns)
        self.heard.forget_before(before_ns - self.heard.horizon_ns)
        return self.heard

    async def _read(self, sector: str, before_ns: int) -> bool:
        """The next message of `sector` into `heard` (its tracks too old to be asked about
        at `before_ns` left out: after a long while without a handover, hours of a
        neighbour's outputs may be read at once); False if there is none yet."""
        try:
            raw = await self.js.get_msg(
                self.stream, seq=self.seq[sector], subject=f"{self.subjects}.{sector}", next=True
            )
        except nats.js.errors.NotFoundError:
            return False
        except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
            self.failures += 1  # a node gone, a leader being elected: ask again
            return False
        self.seq[sector] = (raw.seq or self.seq[sector]) + 1
        self.messages += 1
        headers = raw.headers or {}
        try:
            first = int(headers[FIRST])
            before = int(headers.get(BEFORE, "0"))
            keys = json.loads(headers.get(KEYS, "[]"))
            items = list(decode_lines((raw.data or b"").splitlines(keepends=True)))
        except (KeyError, ValueError, MessageError):
            self.undecodable += 1
            return True
        add, at, k = self.heard.add, self.next[sector], 0
        oldest = before_ns - self.heard.horizon_ns
        for n, item in enumerate(items, first):
            if type(item) is not Track:
                continue
            held = keys[k] if k < len(keys) else ()
            k += 1
            if n >= at and item.time_ns >= oldest:
                add(item.time_ns, item.id, held)
        self.next[sector] = max(at, first + len(items))
        self.before[sector] = max(self.before[sector], before)
        return True
