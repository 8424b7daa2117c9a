"""Admission: the one gate between every ingest adapter and the event log.

Adapters check the format; admission checks the message against what the system knows:
the physical bounds of what it says (`engine.bounds`: the sensor exists and is of the kind it
claims, its sigmas, place, range and class evidence are physical), that its source may speak
for it (`ingest.identity`: a certificate or gateway account only for itself or its grant, the
plain ports only for listed sensors and never for a patrol), and that its time lies between
the log's first event (less `time.max_before_log_s`) and the service's clock (plus
`time.max_ahead_s`). Then it appends to the log and returns once the batch is durable: that
is what "accepted" means.

A refused batch raises `RejectedError` naming the message and field, and nothing of it is
logged; every refusal is counted by its code (`refused`). The CoT transport then retries its
messages one by one so one bad message does not cost the good ones, and the HTTP endpoint
answers 422 with the same words.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence

import msgspec

from borderwatch.engine.bounds import MessageBounds
from borderwatch.engine.config import TimeConfig
from borderwatch.ingest.base import REFUSED, Inbound, RejectedError
from borderwatch.ingest.identity import ANY, Grant, IdentityPolicy, Speakers
from borderwatch.store import LogWriter

__all__ = ["Admission"]


class Admission:
    """The `Sink` of the service: admission checks, then the event log."""

    def __init__(
        self,
        bounds: MessageBounds,
        writer: LogWriter,
        *,
        gateways: Collection[str] = (),
        identity: IdentityPolicy | None = None,
        time_bounds: TimeConfig | None = None,
        clock: Callable[[], int] = time.time_ns,
        log_start_ns: int | None = None,
        links: Mapping[str, str] | None = None,
    ) -> None:
        """`clock`: the service's clock (the wall clock; the twin's when the twin drives the
        system faster than real time). `log_start_ns`: the event time of the log's first
        event (None: the first message admitted sets it)."""
        self.bounds = bounds
        self.writer = writer
        self.gateways = frozenset(gateways)
        # Who may speak for what (ingest.identity); `gateways` are certificates for any sensor.
        policy = identity or IdentityPolicy()
        relay = Grant(sensors=frozenset({ANY}))
        policy = msgspec.structs.replace(
            policy, grants={**dict.fromkeys(self.gateways, relay), **policy.grants}
        )
        places = bounds.registry.places
        # `links`: the partner links' partners by link name (`federation:<name>` sources).
        self.speakers = Speakers(policy, {k: s.sector for k, s in places.items()}, links=links)
        self.time = time_bounds or TimeConfig()
        self.clock = clock
        self.log_start_ns = log_start_ns
        self.refused: Counter[str] = Counter()

    def check(self, messages: Sequence[Inbound], source: str) -> None:
        """Raise `RejectedError` for the first message admission refuses (and count it)."""
        now = self.clock()
        ahead_ns = round(self.time.max_ahead_s * 1e9)
        start = self.log_start_ns
        if start is None:
            # An empty log: live, nothing older than the clock allows; a recorded run loaded
            # in bulk (event clock) sets the log's start with its first message.
            start = now if self.time.clock == "arrival" else None
        before_ns = -1 if start is None else start - round(self.time.max_before_log_s * 1e9)
        for i, m in enumerate(messages):
            where = f"$[{i}]" if len(messages) > 1 else "$"
            if m.time_ns > now + ahead_ns:
                self._refuse(
                    "time_ahead",
                    f"{where}.time_ns",
                    f"{(m.time_ns - now) / 1e9:.0f} s ahead of the server's clock "
                    f"(at most {self.time.max_ahead_s:g} s)",
                )
            if m.time_ns < before_ns:
                self._refuse(
                    "time_before_log",
                    f"{where}.time_ns",
                    f"{(before_ns - m.time_ns) / 1e9 + self.time.max_before_log_s:.0f} s "
                    "before the log's first event "
                    f"(at most {self.time.max_before_log_s:g} s)",
                )
            refusal = self.bounds.check(m)
            if refusal is not None:
                self._refuse(refusal.code, f"{where}.{refusal.field}", refusal.detail)
            self.speakers.check(m, where, source)  # who may speak for it (ingest.identity)

    def _refuse(self, code: str, field: str, detail: str) -> None:
        self.refused[code] += 1
        raise RejectedError(REFUSED, field, detail)

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        """Admit the batch and return once it is durable (raises if refused or not logged)."""
        await self.admit(messages, source)

    async def admit(self, messages: Sequence[Inbound], source: str) -> range:
        """`accept`, returning the batch's seqs in the log (the HTTP API answers with them)."""
        self.check(messages, source)
        seqs = await self.writer.append(messages, source)
        if self.log_start_ns is None and messages:
            self.log_start_ns = min(m.time_ns for m in messages)
        return seqs
