"""What every ingest adapter shares: the messages it produces, the sink it hands them to, the
named rejection it raises, and the counters it keeps.

An adapter turns an outside protocol into `Inbound` messages and awaits `Sink.accept` with a
batch before it reads more from that connection, so a slow event log pushes back on the sender.
Everything that goes wrong is a counter in `IngestStats` (exported as metrics); the log gets one
line when a kind of trouble starts and then at most one per interval, never one per message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from borderwatch.errors import MessageError
from borderwatch.messages import Detection, Patrol, SensorStatus

__all__ = [
    "INVALID",
    "REFUSED",
    "CollectingSink",
    "Inbound",
    "IngestStats",
    "RejectedError",
    "Sink",
]

Inbound = Detection | SensorStatus | Patrol

# Rejection codes every adapter uses; adapters add their own (`const.py`).
INVALID = "invalid"  # a field failed validation (names the field)
REFUSED = "refused"  # the sink's admission said no (unknown sensor, wrong kind, bad time)

_log = logging.getLogger("borderwatch.ingest")
# Disconnect reasons that are no trouble: counted, not logged.
_ORDINARY_ENDS = frozenset({"closed_by_peer", "shutdown"})


class RejectedError(MessageError):
    """A message refused at the edge: `code` is the short name counted in the metrics
    (`bad_xml`, `oversized`, ...), `field` and `reason` say what exactly was wrong."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.code = code


class Sink(Protocol):
    """Where ingest hands its messages: in the service, admission and then the event log."""

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        """Return once `messages` are durable. Raise `MessageError` to refuse the whole batch
        (nothing of it stored); `source` names the connection (`tcp:1.2.3.4:5`, `tls:<CN>`)."""
        ...


class IngestStats:
    """Counters for every adapter, and logging of transitions only.

    `snapshot()` is what the API's metrics show. A rejection, disconnect or drop is logged the
    first time its (adapter, reason) occurs, then at most once per `log_interval_s` with the
    count since the last line.
    """

    def __init__(
        self,
        *,
        log_interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = _log,
    ) -> None:
        self._interval = log_interval_s
        self._clock = clock
        self._logger = logger
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[tuple[str, str]] = Counter()
        self.disconnects: Counter[tuple[str, str]] = Counter()
        self.dropped: Counter[tuple[str, str]] = Counter()
        self.limits: Counter[tuple[str, str]] = Counter()
        self.connections_open: Counter[str] = Counter()
        self.connections_total: Counter[str] = Counter()
        self._last_logged: dict[tuple[str, str, str], tuple[float, int]] = {}

    def count_accepted(self, adapter: str, n: int) -> None:
        """`n` messages of `adapter` are durable."""
        self.accepted[adapter] += n

    def count_rejected(self, adapter: str, error: RejectedError, source: str, n: int = 1) -> None:
        """`n` messages refused with `error` (its code is the counter's reason)."""
        self.rejected[adapter, error.code] += n
        self._maybe_log("rejected", adapter, error.code, f"{source}: {error}", n)

    def count_disconnect(self, adapter: str, reason: str, source: str) -> None:
        """A connection was closed by us (`reason`: oversized, abusive, idle, ...) or by peer."""
        self.disconnects[adapter, reason] += 1
        if reason not in _ORDINARY_ENDS:
            self._maybe_log("disconnected", adapter, reason, source, 1)

    def count_dropped(self, adapter: str, reason: str, source: str, n: int = 1) -> None:
        """`n` messages of a lossy input (UDP) dropped on purpose, e.g. its queue was full."""
        self.dropped[adapter, reason] += n
        self._maybe_log("dropped", adapter, reason, source, n)

    def count_limit(self, adapter: str, limit: str, source: str) -> None:
        """A configured limit (`max_connections_per_source`, `max_bytes_per_s`, ...) was hit:
        a connection refused or closed, or a sender slowed."""
        self.limits[adapter, limit] += 1
        self._maybe_log("limit", adapter, limit, source, 1)

    def connection_opened(self, adapter: str) -> None:
        """A client connected (and, for TLS, presented a valid certificate)."""
        self.connections_open[adapter] += 1
        self.connections_total[adapter] += 1

    def connection_closed(self, adapter: str) -> None:
        """A connection counted by `connection_opened` ended."""
        self.connections_open[adapter] -= 1

    def snapshot(self) -> dict[str, Any]:
        """All counters as plain JSON-ready dicts, keyed by adapter then reason."""

        def nested(counter: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {}
            for (adapter, reason), n in sorted(counter.items()):
                out.setdefault(adapter, {})[reason] = n
            return out

        return {
            "accepted": dict(sorted(self.accepted.items())),
            "rejected": nested(self.rejected),
            "disconnects": nested(self.disconnects),
            "dropped": nested(self.dropped),
            "limits": nested(self.limits),
            "connections_open": dict(sorted(self.connections_open.items())),
            "connections_total": dict(sorted(self.connections_total.items())),
        }

    def _maybe_log(self, what: str, adapter: str, reason: str, detail: str, n: int) -> None:
        key = (what, adapter, reason)
        now = self._clock()
        last = self._last_logged.get(key)
        if last is None or now - last[0] >= self._interval:
            since = f" ({last[1]} more since the last report)" if last and last[1] else ""
            self._logger.warning("%s %s %s: %s%s", adapter, what, reason, detail, since)
            self._last_logged[key] = (now, 0)
        else:
            self._last_logged[key] = (last[0], last[1] + n)


class CollectingSink:
    """A sink that keeps everything in memory: for tests, and for tools that need no log."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Inbound]] = []
        self.batches = 0
        self._changed = asyncio.Condition()

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        """Keep the batch; wake anyone waiting for a count."""
        async with self._changed:
            self.received.extend((source, m) for m in messages)
            self.batches += 1
            self._changed.notify_all()

    @property
    def messages(self) -> list[Inbound]:
        """The messages so far, in arrival order."""
        return [m for _, m in self.received]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Inbound]:
        """Wait until at least `count` messages arrived (TimeoutError after `timeout` s)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.received) >= count)
        return self.messages
