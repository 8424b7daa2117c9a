"""The operations room's one order over every station's stream.

Each station's stream is in the order its ingest took messages in, with the station's
arrival clock (`arrived_ns`) never going back. The operations room interleaves the stations
by (arrival time, station name), the order an uncut system on one clock would have seen, and
releases a message only once every other station has been heard from past it (a message or
a clock tick): a station that is cut off holds the whole-border picture back at the moment of
the cut, and when its backlog arrives the picture goes on exactly as if it had never been
cut. The station's own engine, meanwhile, alerts its operators from its own data.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["StationMerge"]

T = TypeVar("T")


class StationMerge(Generic[T]):
    """Items of `stations` in, by station; out in (arrived_ns, station) order."""

    def __init__(self, stations: list[str]) -> None:
        self.queues: dict[str, deque[tuple[int, T]]] = {s: deque() for s in sorted(stations)}
        # The latest arrival time heard from each station (an item or a tick): it sends
        # nothing earlier from now on.
        self.heard: dict[str, int] = dict.fromkeys(self.queues, -(2**63))
        self.held = 0

    def add(self, station: str, arrived_ns: int, item: T) -> None:
        """One item of `station`'s stream, in its stream's order."""
        if arrived_ns < self.heard[station]:
            # A station's clock never goes back; hold to it so the order stays total.
            arrived_ns = self.heard[station]
        self.queues[station].append((arrived_ns, item))
        self.heard[station] = arrived_ns
        self.held += 1

    def tick(self, station: str, arrived_ns: int) -> None:
        """`station` has nothing before `arrived_ns` left to send."""
        if arrived_ns > self.heard[station]:
            self.heard[station] = arrived_ns

    def release(self, flush: bool = False) -> Iterator[tuple[str, int, T]]:
        """What no station can come before any more (everything, if `flush`): (station,
        arrived_ns, item), in order.

        A station's items come out in runs: everything of the earliest station up to the
        next other station's head (or, for a station with nothing held, its heard time),
        so a backlog of one station is released at the pace of a deque, not of a scan of
        every station per item."""
        queues, heard = self.queues, self.heard
        while self.held:
            best: tuple[int, str] | None = None
            for s, q in queues.items():
                if q and (best is None or (q[0][0], s) < best):
                    best = (q[0][0], s)
            assert best is not None
            station = best[1]
            # The first (time, station) any other station may still send: the run ends there.
            limit: tuple[int, str] | None = None
            for s, q in queues.items():
                if s == station:
                    continue
                if q:
                    bound = (q[0][0], s)
                elif flush:
                    continue
                else:
                    # A station with nothing held may still send at its heard time.
                    bound = (heard[s], s)
                if limit is None or bound < limit:
                    limit = bound
            if limit is not None and limit < best:
                return
            q = queues[station]
            while q and (limit is None or (q[0][0], station) < limit):
                arrived, item = q.popleft()
                self.held -= 1
                yield station, arrived, item
