"""A station's link to the operations room, as a TCP relay that can be cut and healed.

On a real border the link is a satellite or leased line; here the leaf node of a station
connects to the relay, which carries the bytes to whichever cluster node answers (trying
each in turn, so the link survives a node that is killed). `cut()` closes every open
connection and refuses new ones until `heal()`: the leaf node sees exactly what it sees when
a sandstorm takes the link down, and keeps retrying.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

__all__ = ["Link"]

log = logging.getLogger(__name__)

CHUNK = 65536


class Link:
    """A relay on 127.0.0.1 (`port` once started) to the first of `upstreams` that answers."""

    def __init__(self, name: str, upstreams: list[int]) -> None:
        self.name = name
        self.upstreams = list(upstreams)
        self.port = 0
        self.up = True
        self.cuts = 0
        self.connections = 0  # connections carried since the start
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._next = 0

    async def start(self) -> None:
        """Listen (on a free port, `port`)."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """Where the station's leaf node connects."""
        return f"nats-leaf://127.0.0.1:{self.port}"

    @property
    def carrying(self) -> int:
        """Connections open through the link now (both ends)."""
        return len(self._open)

    def cut(self) -> None:
        """Take the link down: close what is open, refuse what comes until `heal`."""
        if self.up:
            self.up = False
            self.cuts += 1
            log.info("link %s cut", self.name)
        for w in list(self._open):
            with contextlib.suppress(Exception):
                w.transport.abort()
        self._open.clear()

    def heal(self) -> None:
        """Bring the link back (the leaf node reconnects at its next retry)."""
        if not self.up:
            self.up = True
            log.info("link %s healed", self.name)

    async def close(self) -> None:
        """Stop listening and close everything."""
        self.cut()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._carry(reader, writer)
        except asyncio.CancelledError:
            # closing: asyncio's server logs a connection task that ends cancelled
            writer.transport.abort()
        finally:
            self._tasks.discard(task)

    async def _carry(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.transport.abort()
            return
        upstream = await self._connect()
        if upstream is None:
            writer.transport.abort()
            return
        up_reader, up_writer = upstream
        if not self._still_up():  # cut while connecting
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self._open.update((writer, up_writer))
        self.connections += 1
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
            )
        finally:
            for w in (writer, up_writer):
                self._open.discard(w)
                w.transport.abort()

    def _still_up(self) -> bool:
        return self.up

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        n = len(self.upstreams)
        for i in range(n):
            port = self.upstreams[(self._next + i) % n]
            try:
                pair = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2.0)
            except (OSError, TimeoutError):
                continue
            self._next = (self._next + i) % n
            return pair
        return None

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(CHUNK):
                dst.write(data)
                await dst.drain()
        finally:
            dst.transport.abort()
