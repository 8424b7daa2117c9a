"""Ingest: one adapter per outside protocol, all producing the same wire messages.

Each adapter (`ingest/<protocol>/`) is shaped like a Home Assistant integration: `setup` and
`close` in its `__init__`, a manifest, constants, typed settings, a pure decoder that is the
only code knowing the format, and its transport. They share `base`: the `Inbound` messages,
the `Sink` they hand them to, the named `RejectedError` and the `IngestStats` counters.
"""

from borderwatch.ingest.base import (
    INVALID,
    REFUSED,
    CollectingSink,
    Inbound,
    IngestStats,
    RejectedError,
    Sink,
)

__all__ = [
    "INVALID",
    "REFUSED",
    "CollectingSink",
    "Inbound",
    "IngestStats",
    "RejectedError",
    "Sink",
]
