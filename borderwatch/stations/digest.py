"""A change feed that remembers what the picture published, to compare two pictures: the
tracks, alerts and incidents in the order they were published, as a digest per kind, plus the
latest of each alert and incident."""

from __future__ import annotations

import hashlib

from borderwatch.engine import ChangeFeed, Frame
from borderwatch.engine.changes import FrameKind, Item
from borderwatch.messages import Alert, Incident, Track, encode

__all__ = ["DigestFeed"]


class DigestFeed(ChangeFeed):
    """Keeps a sha256 and a count of every track, alert and incident published, in order."""

    def __init__(self) -> None:
        super().__init__(keep=1, keep_tracks=1)
        self.hashes = {"tracks": hashlib.sha256(), "alerts": hashlib.sha256()}
        self.hashes["incidents"] = hashlib.sha256()
        self.counts = dict.fromkeys(self.hashes, 0)

    def publish(self, kind: FrameKind, time_ns: int, items: tuple[Item, ...]) -> Frame:
        """Publish, and add what was published to the digests."""
        for item in items:
            name = (
                "tracks"
                if isinstance(item, Track)
                else "alerts"
                if isinstance(item, Alert)
                else "incidents"
                if isinstance(item, Incident)
                else None
            )
            if name is not None:
                self.hashes[name].update(encode(item) + b"\n")
                self.counts[name] += 1
        return super().publish(kind, time_ns, items)

    def summary(self) -> dict[str, str | int]:
        """Each kind's count and digest."""
        out: dict[str, str | int] = {}
        for name, h in self.hashes.items():
            out[name] = self.counts[name]
            out[f"{name}_sha256"] = h.hexdigest()
        return out
