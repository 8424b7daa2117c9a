"""Admission: the one gate between every ingest adapter and the event log.

Adapters check the format; admission checks the message against what the system knows:
the sensor exists and is of the kind it claims, its source may speak for it (ingest.identity:
a certificate or gateway account only for itself or its grant, the plain ports only for listed
sensors and never for a patrol), and the time is not far ahead of our clock. Then it appends
to the log and returns once the batch is durable: that is what "accepted" means.

A refused batch raises `RejectedError` naming the message and field, and nothing of it is
logged; the CoT transport then retries its messages one by one so one bad message does not
cost the good ones, and the HTTP endpoint answers 422 with the same words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence

import msgspec

from borderwatch.fusion.feed import Registry
from borderwatch.ingest.base import REFUSED, Inbound, RejectedError
from borderwatch.ingest.identity import ANY, Grant, IdentityPolicy, Speakers
from borderwatch.messages import Detection, Patrol, SensorStatus
from borderwatch.store import LogWriter

__all__ = ["Admission"]


class Admission:
    """The `Sink` of the service: admission checks, then the event log."""

    def __init__(
        self,
        registry: Registry,
        writer: LogWriter,
        *,
        gateways: Collection[str] = (),
        identity: IdentityPolicy | None = None,
        max_ahead_s: float | None = 300.0,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        """`max_ahead_s`: how far past our clock a message's time may be (None: no limit,
        for the twin running faster than real time on its own clock)."""
        self.registry = registry
        self.writer = writer
        self.gateways = frozenset(gateways)
        # Who may speak for what (ingest.identity); `gateways` are certificates for any sensor.
        policy = identity or IdentityPolicy()
        relay = Grant(sensors=frozenset({ANY}))
        policy = msgspec.structs.replace(
            policy, grants={**dict.fromkeys(self.gateways, relay), **policy.grants}
        )
        self.speakers = Speakers(policy, {k: s.sector for k, s in registry.places.items()})
        self.max_ahead_ns = None if max_ahead_s is None else round(max_ahead_s * 1e9)
        self.clock = clock

    def check(self, messages: Sequence[Inbound], source: str) -> None:
        """Raise `RejectedError` for the first message admission refuses."""
        now = self.clock()
        for i, m in enumerate(messages):
            where = f"$[{i}]" if len(messages) > 1 else "$"
            if self.max_ahead_ns is not None and m.time_ns > now + self.max_ahead_ns:
                ahead = (m.time_ns - now) / 1e9
                raise RejectedError(
                    REFUSED, f"{where}.time_ns", f"{ahead:.0f} s ahead of the server's clock"
                )
            if not isinstance(m, Patrol):  # a patrol's device has no fixed site
                self._check_sensor(m, where)
            self.speakers.check(m, where, source)  # who may speak for it (ingest.identity)

    def _check_sensor(self, m: Detection | SensorStatus, where: str) -> None:
        if m.kind == "patrol_report":
            return  # a patrol's sighting: the patrol is the sensor, not a fixed site
        site = self.registry.places.get(m.sensor_id)
        if site is None:
            raise RejectedError(REFUSED, f"{where}.sensor_id", f"unknown sensor {m.sensor_id!r}")
        if site.kind != m.kind:
            raise RejectedError(
                REFUSED, f"{where}.kind", f"{m.sensor_id} is a {site.kind}, not a {m.kind}"
            )

    async def accept(self, messages: Sequence[Inbound], source: str) -> None:
        """Admit the batch and return once it is durable (raises if refused or not logged)."""
        await self.admit(messages, source)

    async def admit(self, messages: Sequence[Inbound], source: str) -> range:
        """`accept`, returning the batch's seqs in the log (the HTTP API answers with them)."""
        self.check(messages, source)
        return await self.writer.append(messages, source)
