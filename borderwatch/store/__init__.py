"""The event log: every accepted input, durable and in order, in one append-only SQLite file.

`EventLog` is the file (append, read back by seq, the audit trail); `LogWriter` is its async
front for the service (group commit, backpressure); a `Subscription` follows the log from any
seq, seeing each event once, in order, after it is durable. Tracks, alerts and incidents are
not stored: they are rebuilt by replaying the log through the engine. In the service:

    log = EventLog(data_dir / "events.sqlite")
    async with LogWriter(log) as writer:
        engine_feed = writer.subscribe(after=0)   # the whole log, then live; before ingest opens
        ...                                       # ingest: `await writer.append(batch, source)`
    log.close()
"""

from borderwatch.store.errors import StoreError
from borderwatch.store.eventlog import KINDS, EncodedBatch, EventLog, Kind, Loggable, LoggedEvent
from borderwatch.store.schema import SCHEMA_VERSION, Synchronous
from borderwatch.store.subscription import Committed, Subscription
from borderwatch.store.writer import LogWriter

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "Committed",
    "EncodedBatch",
    "EventLog",
    "Kind",
    "LogWriter",
    "Loggable",
    "LoggedEvent",
    "StoreError",
    "Subscription",
    "Synchronous",
]
